"""Finding rendered value forms in text without matching inside longer numbers or words.

A rendered "2009" must not match in "12009", "2009.5", "2,009,000" or "1990s"; an English form
must not match inside a word; Chinese has no spaces, so only digits and Latin letters bound a
Chinese form. Full-width digits and letters (common in Chinese text) are folded to ASCII by a
one-to-one character mapping, so offsets found in the folded text are offsets in the original.
"""
from __future__ import annotations

from collections.abc import Iterable, Iterator

# Full-width ASCII block (U+FF01..U+FF5E) -> ASCII, and ASCII upper -> lower: both 1:1 in length.
_FOLD = {code: code - 0xFEE0 for code in range(0xFF01, 0xFF5F)}
_FOLD.update({ord(c): ord(c.lower()) for c in "ABCDEFGHIJKLMNOPQRSTUVWXYZ"})
_FOLD[0x3000] = ord(" ")  # ideographic space
_FOLD_LOWER = {k: (v + 32 if 65 <= v <= 90 else v) for k, v in _FOLD.items()}

# Characters that make a number next to them part of something else (money, ids, percentages).
_NUMBER_PREFIXES = set("$£€¥#№")
_NUMBER_SUFFIXES = set("%‰")


def fold_text(text: str) -> str:
    """Full-width -> ASCII, ASCII case folded; same length as `text`, so offsets carry over."""
    return text.translate(_FOLD_LOWER)


def _is_latin_or_digit(ch: str) -> bool:
    return ch.isascii() and ch.isalnum() or (ch.isalpha() and ord(ch) < 0x2E80)


def _left_ok(folded: str, start: int) -> bool:
    if start == 0:
        return True
    first, prev = folded[start], folded[start - 1]
    if first.isdigit():
        if prev.isdigit() or prev in _NUMBER_PREFIXES or _is_latin_or_digit(prev):
            return False
        # "1,2009" / "3.2009": a separator preceded by a digit continues a number.
        return not (prev in ".," and start >= 2 and folded[start - 2].isdigit())
    if _is_latin_or_digit(first):
        return not _is_latin_or_digit(prev)
    return True


def _right_ok(folded: str, end: int) -> bool:
    if end == len(folded):
        return True
    last, nxt = folded[end - 1], folded[end]
    if last.isdigit():
        if nxt.isdigit() or nxt in _NUMBER_SUFFIXES or _is_latin_or_digit(nxt):
            return False
        return not (nxt in ".," and end + 1 < len(folded) and folded[end + 1].isdigit())
    if _is_latin_or_digit(last) and last != ".":
        return not _is_latin_or_digit(nxt)
    return True


def find_bounded(folded_text: str, surface: str) -> Iterator[tuple[int, int]]:
    """Every (start, end) of `surface` in `folded_text` (see `fold_text`) that is bounded on both
    sides; `surface` is folded the same way before searching."""
    needle = fold_text(surface)
    if not needle:
        return
    start = folded_text.find(needle)
    while start >= 0:
        end = start + len(needle)
        if _left_ok(folded_text, start) and _right_ok(folded_text, end):
            yield start, end
        start = folded_text.find(needle, start + 1)


def drop_nested(spans: Iterable[tuple[int, int]]) -> set[tuple[int, int]]:
    """Spans not strictly inside another span of the collection ("2009" inside
    "4 December 2009" belongs to the longer date). Quadratic: a paragraph has few value spans."""
    unique = set(spans)
    return {(s, e) for s, e in unique
            if not any(o_s <= s and e <= o_e and (o_s, o_e) != (s, e) for o_s, o_e in unique)}
