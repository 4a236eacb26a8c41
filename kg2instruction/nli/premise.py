"""The premise an NLI model judges a triple against: the sentences that hold its two mentions.

Scoring against the whole paragraph dilutes the evidence (NLI models are trained on one or two
sentences and truncate long inputs), scoring against one sentence misses facts stated across a
sentence boundary. The default is therefore the span from the start of the sentence holding the
first mention to the end of the sentence holding the second; `paragraph` mode is kept for models
trained on documents (DocNLI-style).
"""
from __future__ import annotations

import re
from typing import Literal

PremiseMode = Literal["sentence_span", "paragraph"]

# A sentence ends at . ! ? (optionally closed by quotes/brackets) followed by whitespace and a
# capital, digit or opening quote -- but not after short abbreviations ("Dr.", "U.S.", "St.").
_EN_END = re.compile(r"""[.!?]["')\]]*\s+(?=["'(\[]?[A-Z0-9])""")
_EN_ABBREV = re.compile(r"(?:\b[A-Z][a-z]{0,3}|\b[A-Za-z]|\b(?:[A-Za-z]\.){2,}|\bNo|\bvs|\bca)\.$")
# Chinese full-width terminators; closing quotes/brackets stay with their sentence.
_ZH_END = re.compile(r"[。！？!?；;]+[」』”’）)]*")


def sentence_spans(text: str, lang: str) -> list[tuple[int, int]]:
    """[start, end) character spans of the sentences of `text`, covering it without gaps."""
    ends: list[int] = []
    if lang.startswith("zh") or lang in ("ja",):
        ends = [m.end() for m in _ZH_END.finditer(text)]
    else:
        for match in _EN_END.finditer(text):
            if not _EN_ABBREV.search(text[max(0, match.start() - 12):match.start() + 1]):
                ends.append(match.end())
    spans, start = [], 0
    for end in ends:
        if end > start and end < len(text):
            spans.append((start, end))
            start = end
    spans.append((start, len(text)))
    return spans


def _sentence_of(spans: list[tuple[int, int]], offset: int) -> int:
    for index, (start, end) in enumerate(spans):
        if start <= offset < end:
            return index
    return len(spans) - 1


def premise_bounds(text: str, lang: str, mentions: list[tuple[int, int]],
                   mode: PremiseMode = "sentence_span") -> tuple[int, int]:
    """[start, end) of the premise for mentions given as (start, end) offsets into `text`.

    Mentions without offsets (an implicit page subject) are simply not passed: the premise is then
    the sentence(s) of the mentions that are in the text, or the paragraph when none is."""
    if mode == "paragraph" or not mentions:
        return 0, len(text)
    spans = sentence_spans(text, lang)
    first = _sentence_of(spans, min(start for start, _ in mentions))
    last = _sentence_of(spans, max(end for _, end in mentions) - 1)
    return spans[first][0], spans[last][1]


def extract_premise(text: str, lang: str, mentions: list[tuple[int, int]],
                    mode: PremiseMode = "sentence_span") -> str:
    """The premise text (stripped) for the given mention offsets; see `premise_bounds`."""
    start, end = premise_bounds(text, lang, mentions, mode)
    return text[start:end].strip()
