"""What a judge reads for a triple: its evidence sentence(s) with the two ends marked.

A triple is judged against the text that is meant to state it. Triples that carry evidence
offsets (`evidence_start`/`evidence_end`, set by the matching stage) show exactly that span; older
runs without them fall back to the sentence(s) from the first to the last mention of the triple,
which is what the verifier of those runs read. Head and tail are marked `[[head]]` and
`{{tail}}`; when one end is the page's subject written elsewhere and the evidence refers to it
(`subject_ref_start`/`subject_ref_end`), that reference carries the end's marks instead.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from kg2instruction.text.sentences import sentence_spans

MARKS = {"head": ("[[", "]]"), "tail": ("{{", "}}")}
FALLBACK_SOURCE = "mention_sentences"


@dataclass(frozen=True)
class Evidence:
    """The marked evidence text, where it came from, and the whole paragraph marked alike."""

    text: str
    source: str      # the triple's evidence_rule, or FALLBACK_SOURCE when it has no offsets
    paragraph: str


def _span(row: Mapping[str, Any], prefix: str) -> tuple[int, int] | None:
    start, end = row.get(f"{prefix}_start"), row.get(f"{prefix}_end")
    if start is None or end is None or end <= start:
        return None
    return int(start), int(end)


def _inside(span: tuple[int, int] | None, bounds: tuple[int, int]) -> bool:
    return span is not None and bounds[0] <= span[0] and span[1] <= bounds[1]


def fallback_bounds(text: str, lang: str, spans: list[tuple[int, int]]) -> tuple[int, int]:
    """From the start of the sentence of the first mention to the end of the sentence of the
    last; the whole paragraph when the triple has no mention in the text."""
    if not spans:
        return 0, len(text)
    sentences = sentence_spans(text, lang)

    def index_of(offset: int) -> int:
        return next((i for i, (s, e) in enumerate(sentences) if s <= offset < e),
                    len(sentences) - 1)

    first = index_of(min(s for s, _ in spans))
    last = index_of(max(e for _, e in spans) - 1)
    return sentences[first][0], sentences[last][1]


def mark(text: str, spans: Mapping[str, tuple[int, int]], offset: int = 0) -> str:
    """`text` (starting at `offset` of the paragraph) with each named span wrapped in its marks.

    Nested spans stay properly nested: at one position closing marks come before opening ones,
    the outer span opens first and the inner one closes first."""
    events: list[tuple[int, int, int, str]] = []
    for name, (start, end) in spans.items():
        opening, closing = MARKS[name]
        events.append((start - offset, 1, -end, opening))
        events.append((end - offset, 0, -start, closing))
    pieces, cursor = [], 0
    for position, _, _, token in sorted(events):
        pieces.append(text[cursor:position])
        pieces.append(token)
        cursor = position
    pieces.append(text[cursor:])
    return "".join(pieces)


def triple_evidence(row: Mapping[str, Any], text: str, lang: str) -> Evidence:
    """The evidence of one triple row (a dict of its stage columns) in its paragraph `text`."""
    ends = {name: span for name in ("head", "tail") if (span := _span(row, name)) is not None}
    bounds = _span(row, "evidence")
    if bounds is not None and bounds[1] <= len(text):
        source = row.get("evidence_rule") or "evidence"
    else:
        bounds = fallback_bounds(text, lang, list(ends.values()))
        source = FALLBACK_SOURCE
    shown = {name: span for name, span in ends.items() if _inside(span, bounds)}
    reference = _span(row, "subject_ref")
    outside = [name for name in ("head", "tail") if name not in shown]
    if reference is not None and len(outside) == 1 and _inside(reference, bounds):
        shown[outside[0]] = reference
    marked = mark(text[bounds[0]:bounds[1]], shown, offset=bounds[0]).strip()
    return Evidence(marked, source, mark(text, ends))
