"""Name normalisation used wherever surface strings are matched against KG labels.

The label index and every lookup must normalise identically, or candidates silently go missing;
so there is exactly one function, used by the KG build, both KG backends and the annotators.
"""
from __future__ import annotations

import functools
import re
import unicodedata

_WS = re.compile(r"\s+")


@functools.lru_cache(maxsize=1)
def _t2s():
    import opencc  # the OpenCC C++ library binding (PyPI `opencc`)

    return opencc.OpenCC("t2s")


UNSPACED_LANGS = ("zh", "ja")


def base_language(lang: str) -> str:
    """The language without its region or script ("zh-hans" -> "zh"): what per-language rules,
    word lists and KG language tags are keyed by."""
    return lang.split("-")[0]


def is_unspaced(lang: str) -> bool:
    """Is `lang` written without spaces between words (names match inside words, tokens are
    characters)?"""
    return base_language(lang) in UNSPACED_LANGS


def to_simplified(text: str) -> str:
    """Traditional -> simplified Chinese (no-op on text without Han characters)."""
    if not any("\u4e00" <= ch <= "\u9fff" or "\u3400" <= ch <= "\u4dbf" for ch in text):
        return text
    return _t2s().convert(text)


def normalize_name(name: str, lang: str = "en") -> str:
    """NFKC, case-folded, whitespace-collapsed; Chinese additionally converted to simplified."""
    text = unicodedata.normalize("NFKC", name)
    text = _WS.sub(" ", text).strip().casefold()
    if lang.startswith("zh"):
        text = to_simplified(text)
    return text
