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
import re
from functools import lru_cache


@lru_cache(maxsize=1)
def _segmenter():
    import jieba

    jieba.setLogLevel(logging.WARNING)
    jieba.initialize()
    return jieba


# A word made from a name by one of these is another thing than the name: a language or script
# (葡萄牙语, 希腊文), a people (希腊人, 菲律宾人), a lineage or school; or, with a direction, size
# or age before it, another place or state (小亚细亚, 北爱尔兰, 东罗马, 古希腊).
DERIVING_SUFFIXES = frozenset("语文人族裔籍系派")
NAMING_PREFIXES = frozenset("小大北南东西古新")


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


def derived_word(text: str, boundaries: frozenset[int], start: int, end: int) -> bool:
    """Is the span the stem of a longer word derived from it (a suffix of `DERIVING_SUFFIXES`
    right after it, or a prefix of `NAMING_PREFIXES` right before it, inside one segmented
    word)? Narrower than `splits_a_word`: an NER span the segmenter merely glues to its
    neighbour (英国伦敦, 香港回归) still names its entity."""
    if not splits_a_word(boundaries, start, end):
        return False
    after = end not in boundaries and end < len(text) and text[end] in DERIVING_SUFFIXES
    before = start not in boundaries and start > 0 and text[start - 1] in NAMING_PREFIXES
    return after or before


_LATIN = re.compile(r"[0-9A-Za-z\u00c0-\u024f]")
_LATIN_JOINERS = frozenset(" \u00a0-\u2010'\u2019&.")


def _latin(text: str, i: int) -> bool:
    return 0 <= i < len(text) and bool(_LATIN.match(text[i]))


def splits_a_latin_phrase(text: str, start: int, end: int) -> bool:
    """Is the Latin-script span [start, end) of a Chinese text only part of the Latin phrase it
    stands in ("Thrash" of "（Thrash Metal，或称激流金属）", "rock" of "Blues rock", "PDD" of
    "PDD-NOS")? Chinese text writes a foreign name as one run between Chinese characters and
    punctuation; a shorter name inside it names another thing, and the segmenter, which splits
    Latin words at spaces and hyphens, cannot tell."""
    if not (_latin(text, start) and _latin(text, end - 1)):
        return False
    before = _latin(text, start - 1) or (start >= 2 and text[start - 1] in _LATIN_JOINERS
                                         and _latin(text, start - 2))
    after = _latin(text, end) or (end < len(text) and text[end] in _LATIN_JOINERS
                                  and _latin(text, end + 1))
    return before or after
