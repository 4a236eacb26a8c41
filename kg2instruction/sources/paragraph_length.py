"""Paragraph length in tokens, and cutting over-long paragraphs at sentence ends.

One token rule serves every language: each CJK character (Han, kana) is a token, and so is each
whitespace-delimited run of other characters (CJK punctuation separates, it is not counted). For
English that is the whitespace word count; for Chinese it is the character count the paper uses
(with embedded Latin words or numbers counted as one each).

A paragraph over the limit is not thrown away: it is cut into consecutive chunks of whole sentences,
each within the limit, because long paragraphs are where most facts are. A cut never falls inside a
span (a link anchor such as "U.S. Army" contains ". "). A single sentence longer than the limit,
and a trailing chunk shorter than the minimum, are dropped.
"""
from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Literal

from kg2instruction.sources.offset_text import Span

_CJK = "\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0002ffff"
_CJK_PUNCTUATION = "\u3000-\u303f\uff01-\uff0f\uff1a-\uff20\uff3b-\uff40\uff5b-\uff65"  # separators, not tokens
_TOKEN = re.compile(rf"[{_CJK}]|[^\s{_CJK}{_CJK_PUNCTUATION}]+")
# A sentence ends after . ! ? (plus closing quotes/brackets) and whitespace, or after 。！？ in CJK.
_SENTENCE_END = re.compile(r"[.!?][\"'”’)\]]*\s+(?=\S)|[。！？][”’」』）)]*\s*(?=\S)")
_NOT_AN_END = re.compile(r"(?:\b[A-Z]|\b(?:Mr|Mrs|Ms|Dr|Prof|St|Jr|Sr|Mt|vs|etc|e\.g|i\.e|No|Co|Inc|Ltd|Gen|Col|Lt|Sgt|Rev|Hon|Fig|Vol|pp?|ca|c)\.)$")


def count_tokens(text: str) -> int:
    return len(_TOKEN.findall(text))


def sentence_cuts(text: str, spans: Sequence[Span]) -> list[int]:
    """Offsets where a new sentence starts, excluding those inside a span or after an abbreviation."""
    cuts = []
    for match in _SENTENCE_END.finditer(text):
        cut = match.end()
        if any(start < cut < end for start, end in spans):
            continue
        if text[match.start()] == "." and _NOT_AN_END.search(text, 0, match.start() + 1):
            continue
        cuts.append(cut)
    return cuts


def fit_to_length(text: str, spans: Sequence[Span], min_tokens: int, max_tokens: int,
                  long_paragraphs: Literal["split", "drop"] = "split") -> list[Span]:
    """Character ranges of `text` to keep as paragraphs: the whole text when its length is within
    [min_tokens, max_tokens], else (policy "split") whole-sentence chunks of at most max_tokens."""
    total = count_tokens(text)
    if total < min_tokens:
        return []
    if total <= max_tokens:
        return [(0, len(text))]
    if long_paragraphs == "drop":
        return []
    bounds = [0, *sentence_cuts(text, spans), len(text)]
    chunks: list[Span] = []
    chunk_start, chunk_tokens = 0, 0
    for left, right in zip(bounds, bounds[1:]):
        tokens = count_tokens(text[left:right])
        if chunk_tokens and chunk_tokens + tokens > max_tokens:
            chunks.append((chunk_start, left))
            chunk_start, chunk_tokens = left, 0
        if tokens > max_tokens:  # one sentence alone is too long: skip it
            chunk_start, chunk_tokens = right, 0
            continue
        chunk_tokens += tokens
    if chunk_tokens:
        chunks.append((chunk_start, len(text)))
    kept = []
    for start, end in chunks:
        end = len(text[:end].rstrip())
        if count_tokens(text[start:end]) >= min_tokens:
            kept.append((start, end))
    return kept
