"""The premise an NLI model judges a triple against: the evidence sentence matching chose for it.

Scoring against the whole paragraph dilutes the evidence (NLI models are trained on one or two
sentences and truncate long inputs), scoring against one sentence misses facts stated across a
sentence boundary. Matching now records, per triple, the one sentence that can state it
(`evidence`, the default mode); `sentence_span` (from the sentence of the first mention to that of
the second) is the fallback for rows without evidence, and `paragraph` mode is kept for models
trained on documents (DocNLI-style).
"""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal

from kg2instruction.text.sentences import Sentences, sentence_spans

__all__ = ["PremiseMode", "premise_bounds", "extract_premise", "evidence_premise",
           "sentence_spans"]

# evidence: the triple's own evidence span (the default); sentence_span: from the sentence of the
# first mention to that of the second; paragraph: the whole paragraph (document-level models).
PremiseMode = Literal["evidence", "sentence_span", "paragraph"]


def premise_bounds(text: str, lang: str, mentions: list[tuple[int, int]],
                   mode: PremiseMode = "sentence_span") -> tuple[int, int]:
    """[start, end) of the premise for mentions given as (start, end) offsets into `text`.

    Mentions without offsets (an implicit page subject) are simply not passed: the premise is then
    the sentence(s) of the mentions that are in the text, or the paragraph when none is."""
    if mode == "paragraph" or not mentions:
        return 0, len(text)
    sentences = Sentences(text, lang)
    first = sentences.index_of(min(start for start, _ in mentions))
    last = sentences.index_of(max(end for _, end in mentions) - 1)
    return sentences.spans[first][0], sentences.spans[last][1]


def extract_premise(text: str, lang: str, mentions: list[tuple[int, int]],
                    mode: PremiseMode = "sentence_span") -> str:
    """The premise text (stripped) for the given mention offsets; see `premise_bounds`."""
    start, end = premise_bounds(text, lang, mentions, mode)
    return text[start:end].strip()


_POSSESSIVE_EN = frozenset({"his", "its", "their"})


def _end_inside(triple: Mapping[str, Any], end: str, start: int, stop: int) -> bool:
    offset = triple.get(f"{end}_start")
    return offset is not None and start <= offset < stop


def evidence_premise(text: str, triple: Mapping[str, Any]) -> str | None:
    """The triple's evidence (`evidence_start`..`evidence_end`, set by matching) with a reference
    to the page subject (`subject_ref_*`: "He", "the city") replaced by the subject's own
    surface, so the verifier reads "Albert Einstein was born in Ulm." and not a claim about
    "he". None when the triple carries no evidence (rows from before evidence existed)."""
    start, stop = triple.get("evidence_start"), triple.get("evidence_end")
    if start is None or stop is None:
        return None
    ref_start, ref_end = triple.get("subject_ref_start"), triple.get("subject_ref_end")
    if ref_start is None or ref_end is None:
        return text[start:stop].strip()
    outside = [end for end in ("head", "tail") if not _end_inside(triple, end, start, stop)]
    if not outside:
        return text[start:stop].strip()
    name = str(triple[outside[0]])
    word = text[ref_start:ref_end]
    if word.casefold() in _POSSESSIVE_EN:
        name += "'s"
    return (text[start:ref_start] + name + text[ref_end:stop]).strip()
