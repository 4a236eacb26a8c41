"""Edit a paragraph's text while keeping character spans (links, bold mentions) pointing at the same
words.

Every later stage trusts `text[start:end] == anchor`; any edit after the spans were recorded
(whitespace collapsing, removing leftovers such as empty parentheses, script conversion whose output
length differs from its input) must therefore move the spans with it. Spans are `(start, end)`
pairs; an edit that swallows a span whole turns it into `None` so the caller can drop it.
"""
from __future__ import annotations

import bisect
import re
from collections.abc import Callable, Iterable, Sequence

Span = tuple[int, int]
_WHITESPACE = re.compile(r"\s")
_DOUBLE_SPACES = re.compile(r"  +")


def delete_ranges(text: str, ranges: Iterable[Span], spans: Sequence[Span]) -> tuple[str, list[Span | None]]:
    """Remove `ranges` (may overlap) from `text` and map `spans` onto the result."""
    merged: list[list[int]] = []
    for start, end in sorted(r for r in ranges if r[1] > r[0]):
        if merged and start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    if not merged:
        return text, list(spans)
    starts = [s for s, _ in merged]
    removed_before: list[int] = [0]  # total length removed by ranges[0..i)
    for start, end in merged:
        removed_before.append(removed_before[-1] + end - start)

    def new_position(pos: int) -> int:
        i = bisect.bisect_left(starts, pos)  # ranges starting before pos: [0, i)
        shift = removed_before[i]
        if i and merged[i - 1][1] > pos:  # pos falls inside the last of them
            shift -= merged[i - 1][1] - pos
        return pos - shift

    pieces, last = [], 0
    for start, end in merged:
        pieces.append(text[last:start])
        last = end
    pieces.append(text[last:])
    mapped: list[Span | None] = []
    for start, end in spans:
        new_start, new_end = new_position(start), new_position(end)
        mapped.append((new_start, new_end) if new_end > new_start else None)
    return "".join(pieces), mapped


def shrink_to_content(text: str, spans: Sequence[Span]) -> list[Span | None]:
    """Move span edges inward past whitespace (an anchor never starts or ends with a space)."""
    result: list[Span | None] = []
    for start, end in spans:
        while start < end and text[start].isspace():
            start += 1
        while end > start and text[end - 1].isspace():
            end -= 1
        result.append((start, end) if end > start else None)
    return result


def collapse_whitespace(text: str, spans: Sequence[Span]) -> tuple[str, list[Span | None]]:
    """Every whitespace run -> one space, ends trimmed; spans shrink to their non-space content."""
    flat = _WHITESPACE.sub(" ", text)  # one char for one char: offsets unchanged
    trimmed = shrink_to_content(flat, spans)
    stripped = flat.strip(" ")
    if not stripped:
        return "", [None] * len(spans)
    lead = flat.index(stripped[0])
    ranges = [(0, lead), (lead + len(stripped), len(flat))]
    ranges += [(m.start() + 1, m.end()) for m in _DOUBLE_SPACES.finditer(flat, lead, lead + len(stripped))]
    kept = [s for s in trimmed if s is not None]
    new_text, mapped = delete_ranges(flat, ranges, kept)
    it = iter(mapped)
    return new_text, [None if s is None else next(it) for s in trimmed]


def convert_segments(text: str, spans: Sequence[Span], convert: Callable[[str], str]) -> tuple[str, list[Span]]:
    """Apply a length-changing `convert` piecewise between span boundaries.

    Converting each piece separately keeps every boundary exact even when the conversion rewrites
    whole phrases (OpenCC's t2s does); the price is that a phrase straddling a boundary is converted
    character by character, which for script conversion gives the same characters in practice.
    """
    cuts = sorted({0, len(text), *(p for span in spans for p in span)})
    new_position: dict[int, int] = {0: 0}
    pieces: list[str] = []
    length = 0
    for left, right in zip(cuts, cuts[1:]):
        piece = convert(text[left:right])
        pieces.append(piece)
        length += len(piece)
        new_position[right] = length
    return "".join(pieces), [(new_position[s], new_position[e]) for s, e in spans]
