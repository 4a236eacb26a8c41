"""Function words that must never be matched as entity names.

Wikidata has items labelled "can", "will" or "one"; as KG-neighbour labels or aliases they would
turn every modal verb into a mention. spaCy ships curated stop-word lists for many languages;
they are the default, and a config may add its own words.
"""
from __future__ import annotations

import functools
import importlib.util
from collections.abc import Iterable
from pathlib import Path
from typing import Literal

from kg2instruction.text.normalize import base_language

StopList = Literal["spacy", "none"]


@functools.lru_cache(maxsize=None)
def spacy_stop_words(lang: str) -> frozenset[str]:
    """spaCy's stop words for `lang` (empty for languages spaCy has no list for).

    The list files are plain data modules; they are executed on their own because importing
    `spacy.lang.<lang>` first imports all of spaCy (seconds), a cost a Chinese-only run using
    LAC should not pay for a word list."""
    spec = importlib.util.find_spec("spacy")
    if spec is None or not spec.submodule_search_locations:
        return frozenset()
    code = base_language(lang)
    if not code.isascii() or not code.isalpha():    # a config value must not pick the file run
        return frozenset()
    path = Path(next(iter(spec.submodule_search_locations))) / "lang" / code / "stop_words.py"
    if not path.is_file():
        return frozenset()
    namespace: dict[str, object] = {}
    exec(compile(path.read_text(encoding="utf-8"), str(path), "exec"), namespace)  # noqa: S102 (installed package data)
    return frozenset(namespace.get("STOP_WORDS", ()))


def stop_names(lang: str, base: StopList, extra: Iterable[str]) -> frozenset[str]:
    """The base list for `lang` plus the configured extra words."""
    return frozenset(extra) | (spacy_stop_words(lang) if base == "spacy" else frozenset())
