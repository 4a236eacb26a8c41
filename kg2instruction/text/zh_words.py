"""Where Chinese words begin and end, so a name is not matched inside a longer word.

Chinese has no spaces: a dictionary match of 葡萄牙 (Portugal) inside 葡萄牙语 (Portuguese) or
of 亚细亚 (Asia) inside 小亚细亚 (Asia Minor) names the longer word's thing, not the shorter
name's. A segmenter's word boundaries are the Chinese counterpart of the English rule that a
name followed by a capitalised word is part of a longer name (`annotate.mentions`). jieba
(accurate mode, default dictionary, HMM on) is the segmenter: it already ships with the package
for ROUGE-2 on Chinese, and its dictionary holds the common place, language and demonym words
whose prefixes are names.
"""
from __future__ import annotations

import logging
from functools import lru_cache


@lru_cache(maxsize=1)
def _segmenter():
    import jieba

    jieba.setLogLevel(logging.WARNING)
    jieba.initialize()
    return jieba


def word_boundaries(text: str) -> frozenset[int]:
    """Character offsets where a segmented word of `text` starts or ends."""
    bounds = {0, len(text)}
    for _, start, end in _segmenter().tokenize(text):
        bounds.add(start)
        bounds.add(end)
    return frozenset(bounds)


def splits_a_word(boundaries: frozenset[int], start: int, end: int) -> bool:
    """Does the span [start, end) begin or end inside a segmented word?"""
    return start not in boundaries or end not in boundaries
