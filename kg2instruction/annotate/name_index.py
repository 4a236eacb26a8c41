"""Find known names (KG labels, aliases, anchors) in text without a regex per name.

Names are indexed once under their `normalize_name` key; a text is scanned once. For languages
written with spaces the scan walks word-token n-grams (so matches sit on word boundaries and cost
does not grow with the number of names); for Chinese it walks substrings, and overlap resolution
later keeps the longest.

Case rule (spaced scripts): the text may add capitals to a name but never drop them. A lowercase
label ("cyclist", "archbishop") matches "Cyclist" at a sentence start or in a title ("Archbishop
of York"), while a capitalised label ("Bush", "Will") does not match the common words "bush" and
"will". Names without any letter are never indexed: year-like and numeric strings collide with
dates and numbers, which value matching handles.
"""
from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Hashable, Iterable
from dataclasses import dataclass
from typing import Generic, TypeVar

from kg2instruction.text.normalize import normalize_name

P = TypeVar("P", bound=Hashable)

UNSPACED_LANGS = ("zh", "ja")
_TOKEN = re.compile(r"\w+|[^\w\s]")


def is_unspaced(lang: str) -> bool:
    return lang.split("-")[0] in UNSPACED_LANGS


@dataclass(frozen=True)
class NameMatch(Generic[P]):
    start: int
    end: int
    payloads: tuple[P, ...]   # payloads of the names matching here that pass the case rule


class NameIndex(Generic[P]):
    """Names -> payloads (e.g. the QIDs or link targets a name stands for), searchable in text."""

    def __init__(self, lang: str, *, min_chars: int, max_tokens: int = 8, max_chars: int = 24,
                 stop_keys: frozenset[str] = frozenset()) -> None:
        self.lang = lang
        self._stop_keys = stop_keys
        self._unspaced = is_unspaced(lang)
        self._min_chars = min_chars
        self._max_tokens = max_tokens
        self._max_chars = max_chars
        self._entries: dict[str, dict[tuple[str, P], None]] = {}   # ordered sets, deterministic
        # first token (first char when unspaced) -> longest key starting with it, in tokens (chars):
        # a text position whose first unit starts no name is skipped at the cost of one lookup
        self._longest_from: dict[str, int] = {}

    def __len__(self) -> int:
        return len(self._entries)

    def add(self, name: str, payload: P) -> bool:
        """Index `name`; returns False when the name is unusable (too short/long, no letter)."""
        keyed = _index_key(name, self.lang, self._unspaced, self._min_chars, self._max_tokens,
                           self._max_chars)
        if keyed is None or keyed[0] in self._stop_keys:
            return False
        key, first, size = keyed
        entries = self._entries.get(key)
        if entries is None:
            entries = self._entries[key] = {}
            if self._longest_from.get(first, 0) < size:
                self._longest_from[first] = size
        entries[(name, payload)] = None
        return True

    def find(self, text: str) -> list[NameMatch[P]]:
        """Every occurrence of every indexed name, sorted by (start, end)."""
        if not self._entries:
            return []
        spans = self._unspaced_spans(text) if self._unspaced else self._token_spans(text)
        matches = []
        for start, end, key in spans:
            surface = text[start:end]
            payloads = tuple(dict.fromkeys(
                payload for name, payload in self._entries[key] if case_compatible(name, surface)))
            if payloads:
                matches.append(NameMatch(start, end, payloads))
        return matches

    def _token_spans(self, text: str) -> list[tuple[int, int, str]]:
        tokens = [(m.start(), m.end(), _norm_token(m.group(), self.lang)) for m in _TOKEN.finditer(text)]
        spans = []
        for i, (start, _, first) in enumerate(tokens):
            longest = self._longest_from.get(first)
            if longest is None:
                continue
            key = first
            for j in range(i, min(i + longest, len(tokens))):
                if j > i:
                    key = f"{key} {tokens[j][2]}"
                if key in self._entries:
                    spans.append((start, tokens[j][1], key))
        return spans

    def _unspaced_spans(self, text: str) -> list[tuple[int, int, str]]:
        normalised, offsets = _normalise_with_offsets(text, self.lang)
        # a boundary sits between two normalised chars that come from different source chars
        boundary = [True] + [offsets[k - 1] != offsets[k] for k in range(1, len(offsets))] + [True]
        spans = []
        for i, first in enumerate(normalised):
            longest = self._longest_from.get(first)
            if longest is None or not boundary[i]:
                continue
            for j in range(i + 1, min(i + longest, len(normalised)) + 1):
                key = normalised[i:j]
                if boundary[j] and key in self._entries:
                    start, end = offsets[i], offsets[j - 1] + 1
                    if _latin_boundaries_ok(text, start, end):
                        spans.append((start, end, key))
        return spans


def name_keys(names: Iterable[str], lang: str) -> frozenset[str]:
    """Index keys of `names` (e.g. stop words to exclude), whatever their length."""
    keys = (_index_key(n, lang, is_unspaced(lang), 1, 1 << 10, 1 << 10) for n in names)
    return frozenset(k[0] for k in keys if k is not None)


_LETTER = re.compile(r"[^\W\d_]")


@functools.lru_cache(maxsize=1 << 18)
def _index_key(name: str, lang: str, unspaced: bool, min_chars: int, max_tokens: int,
               max_chars: int) -> tuple[str, str, int] | None:
    """(key, first unit, length in units) of a name, or None when it cannot be matched.

    Cached: the same anchors and labels are indexed again for every paragraph and page."""
    if not _LETTER.search(name):
        return None
    if unspaced:
        key = normalize_name(name, lang)
        return (key, key[0], len(key)) if min_chars <= len(key) <= max_chars else None
    if name.isascii():          # NFKC is the identity and casefold is lower() on ASCII
        tokens = _TOKEN.findall(name.lower())
    else:
        tokens = [_norm_token(t, lang) for t in _TOKEN.findall(unicodedata.normalize("NFKC", name))]
    if not tokens or len(tokens) > max_tokens or sum(map(len, tokens)) < min_chars:
        return None
    return " ".join(tokens), tokens[0], len(tokens)


def case_compatible(name: str, surface: str) -> bool:
    """True when `surface` keeps every capital of `name` (it may add capitals, never drop one)."""
    a = "".join(name.split())
    b = "".join(surface.split())
    if len(a) != len(b):
        return a == b or not any(ch.isupper() for ch in a)
    return all(t.isupper() or not n.isupper() for n, t in zip(a, b))


@functools.lru_cache(maxsize=1 << 16)
def _norm_token(token: str, lang: str) -> str:
    return normalize_name(token, lang)


def _normalise_with_offsets(text: str, lang: str) -> tuple[str, list[int]]:
    """Normalised text plus, per normalised char, the index of the source char it came from."""
    whole = normalize_name_keep_length(text, lang)
    if whole is not None:
        return whole, list(range(len(text)))
    chars: list[str] = []
    offsets: list[int] = []
    for index, ch in enumerate(text):
        piece = " " if ch.isspace() else normalize_name(ch, lang)
        chars.append(piece)
        offsets.extend([index] * len(piece))
    return "".join(chars), offsets


def normalize_name_keep_length(text: str, lang: str) -> str | None:
    """`normalize_name` of a whole text when it maps char-for-char (the common case), else None."""
    spaced = "".join(" " if ch.isspace() else ch for ch in text)
    normalised = normalize_name(spaced, lang)
    if len(normalised) != len(text) or "  " in spaced or spaced != spaced.strip():
        return None
    return normalised


def _latin_boundaries_ok(text: str, start: int, end: int) -> bool:
    """In unspaced scripts a Latin-script name must still not cut a Latin word ("art" in "start")."""
    def latin(ch: str) -> bool:
        return ch.isascii() and ch.isalnum()
    if latin(text[start]) and start > 0 and latin(text[start - 1]):
        return False
    return not (latin(text[end - 1]) and end < len(text) and latin(text[end]))
