"""Where a paragraph writes its page's own entity when no mention of it was linked.

Encyclopedia text names its subject in ways no label lists: "Davy Graham" on the page "Davey
Graham", "Dudley Coutts Stuart" on "Lord Dudley Stuart", "keystones" on "Keystone", "CXAM" on
"CXAM radar". The mention stage finds such spans (NER) but cannot link them: they match no label.
Matching may still treat one as the page entity, because it only ever uses it for a fact the KG
states between the page entity and another entity *linked in the same paragraph*: an unlinked
mention that shares a content word with the page title is grounded to the page entity.
"""
from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Protocol

_PARENTHETICAL = re.compile(r"\s*\([^)]*\)\s*$")
_WORD = re.compile(r"\w+")
_HAN = re.compile(r"[\u4e00-\u9fff]+")
# Words too common in titles to identify a subject ("University of X" vs "X Academy").
_TITLE_STOPWORDS = frozenset({"the", "and", "for", "from", "with", "of", "in", "on", "at", "de",
                              "la", "le", "von", "van", "der", "del", "lord", "saint", "university",
                              "river", "county", "district", "city", "church", "school", "station",
                              "national", "international", "new", "north", "south", "east",
                              "west", "united", "state", "states"})


class Span(Protocol):
    start: int | None
    surface: str


def title_tokens(text: str, lang: str) -> frozenset[str]:
    """Content words (en: case-folded, plural 's' cut; zh: Han character bigrams)."""
    text = _PARENTHETICAL.sub("", text)
    if lang.startswith("zh"):
        return frozenset(run[i:i + 2] for run in _HAN.findall(text)
                         for i in range(len(run) - 1))
    tokens = set()
    for word in _WORD.findall(text.casefold()):
        if len(word) < 3 or word in _TITLE_STOPWORDS or word.isdigit():
            continue
        tokens.add(word[:-1] if len(word) > 3 and word.endswith("s") else word)
    return frozenset(tokens)


def ground_subject(title: str, unlinked: Iterable[Span], lang: str) -> Span | None:
    """The unlinked mention most like the page title (most shared content words, then the
    earliest); None when none shares any."""
    wanted = title_tokens(title, lang)
    if not wanted:
        return None
    best: tuple[int, int] | None = None
    chosen: Span | None = None
    for span in unlinked:
        shared = len(wanted & title_tokens(span.surface, lang))
        if shared and span.start is not None:
            key = (-shared, span.start)
            if best is None or key < best:
                best, chosen = key, span
    return chosen


def strip_disambiguator(title: str) -> str:
    """'Blog 27 (band)' -> 'Blog 27' (for display where the title stands in for the subject)."""
    return _PARENTHETICAL.sub("", title)

