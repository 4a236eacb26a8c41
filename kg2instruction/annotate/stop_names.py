"""Function words that must never be matched as entity names.

Wikidata has items labelled "can", "will" or "one"; as KG-neighbour labels or aliases they would
turn every modal verb into a mention. spaCy ships curated stop-word lists for many languages;
they are the default, and a config may add its own words.
"""
from __future__ import annotations

import functools
import importlib
from collections.abc import Iterable
from typing import Literal

StopList = Literal["spacy", "none"]


@functools.lru_cache(maxsize=None)
def spacy_stop_words(lang: str) -> frozenset[str]:
    """spaCy's stop words for `lang` (empty for languages spaCy has no list for)."""
    try:
        module = importlib.import_module(f"spacy.lang.{lang.split('-')[0]}.stop_words")
    except ImportError:
        return frozenset()
    return frozenset(getattr(module, "STOP_WORDS", ()))


def stop_names(lang: str, base: StopList, extra: Iterable[str]) -> frozenset[str]:
    """The base list for `lang` plus the configured extra words."""
    return frozenset(extra) | (spacy_stop_words(lang) if base == "spacy" else frozenset())
