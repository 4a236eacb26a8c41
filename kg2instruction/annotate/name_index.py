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

from kg2instruction.text.normalize import is_unspaced, normalize_name

P = TypeVar("P", bound=Hashable)

_TOKEN = re.compile(r"\w+|[^\w\s]")


@dataclass(frozen=True)
class NameMatch(Generic[P]):
    start: int
    end: int
    payloads: tuple[P, ...]   # payloads of the names matching here that pass the case rule


class NameIndex(Generic[P]):
    """Names -> payloads (e.g. the QIDs or link targets a name stands for), searchable in text.

    Stored as a trie over units (normalised word tokens, or characters when unspaced), so a scan
    stops at the first unit no name continues with, and never builds candidate strings."""

    def __init__(self, lang: str, *, min_chars: int, max_tokens: int = 8, max_chars: int = 24,
                 stop_keys: frozenset[tuple[str, ...]] = frozenset(),
                 vocabulary: frozenset[str] | None = None) -> None:
        self.lang = lang
        self._stop_keys = stop_keys
        self._vocabulary = vocabulary
        self._unspaced = is_unspaced(lang)
        self._min_chars = min_chars
        self._max_tokens = max_tokens
        self._max_chars = max_chars
        self._root: dict = {}
        self._size = 0

    def __len__(self) -> int:
        """Number of distinct keys."""
        return self._size

    def add(self, name: str, payload: P) -> bool:
        """Index `name`; returns False when the name is unusable (too short/long, no letter, a
        stop word)."""
        if self._vocabulary is not None and self._unspaced and not self._vocabulary.issuperset(
                unit for ch in name if not ch.isspace() for unit in _char_norm(ch, self.lang)):
            return False     # cheap per-char pre-check: phrase-level conversion is slow
        units = _index_units(name, self.lang, self._unspaced, self._min_chars, self._max_tokens,
                             self._max_chars)
        if units is None or units in self._stop_keys:
            return False
        if self._vocabulary is not None and not self._vocabulary.issuperset(units):
            return False
        node = self._root
        for unit in units:
            node = node.setdefault(unit, {})
        entries = node.get(_END)
        if entries is None:
            entries = node[_END] = {}        # ordered set of (name, payload): deterministic
            self._size += 1
        entries[(name, payload)] = None
        return True

    def find(self, text: str) -> list[NameMatch[P]]:
        """Every occurrence of every indexed name, sorted by (start, end)."""
        if not self._root:
            return []
        hits = self._unspaced_hits(text) if self._unspaced else self._token_hits(text)
        matches = []
        for start, end, entries in hits:
            surface = text[start:end]
            payloads = tuple(dict.fromkeys(
                payload for name, payload in entries if case_compatible(name, surface)))
            if payloads:
                matches.append(NameMatch(start, end, payloads))
        return matches

    def _token_hits(self, text: str) -> list[tuple[int, int, dict]]:
        tokens = _tokens(text, self.lang)
        hits = []
        root = self._root
        for i, (start, _, first) in enumerate(tokens):
            node = root.get(first)
            j = i
            while node is not None:
                entries = node.get(_END)
                if entries is not None:
                    hits.append((start, tokens[j][1], entries))
                j += 1
                if j == len(tokens):
                    break
                node = node.get(tokens[j][2])
        return hits

    def _unspaced_hits(self, text: str) -> list[tuple[int, int, dict]]:
        normalised, offsets = _normalise_with_offsets(text, self.lang)
        # a boundary sits between two normalised chars that come from different source chars
        boundary = [True] + [offsets[k - 1] != offsets[k] for k in range(1, len(offsets))] + [True]
        hits = []
        root = self._root
        for i, first in enumerate(normalised):
            node = root.get(first) if boundary[i] else None
            j = i + 1
            while node is not None:
                entries = node.get(_END)
                if entries is not None and boundary[j]:
                    start, end = offsets[i], offsets[j - 1] + 1
                    if _latin_boundaries_ok(text, start, end):
                        hits.append((start, end, entries))
                if j == len(normalised):
                    break
                node = node.get(normalised[j])
                j += 1
        return hits


_END = ""   # trie key of a node's entries; never a unit (units are non-empty)


def name_keys(names: Iterable[str], lang: str) -> frozenset[tuple[str, ...]]:
    """Index keys of `names` (e.g. stop words to exclude), whatever their length."""
    unspaced = is_unspaced(lang)
    units = (_index_units(n, lang, unspaced, 1, 1 << 10, 1 << 10) for n in names)
    return frozenset(u for u in units if u is not None)


_LETTER = re.compile(r"[^\W\d_]")


@functools.lru_cache(maxsize=1 << 18)
def _index_units(name: str, lang: str, unspaced: bool, min_chars: int, max_tokens: int,
                 max_chars: int) -> tuple[str, ...] | None:
    """The normalised units (tokens, or chars when unspaced) of a name, or None when it cannot be
    matched. Cached: the same anchors and labels are indexed again for every page."""
    if not _LETTER.search(name):
        return None
    if unspaced:
        key = normalize_name(name, lang)
        return tuple(key) if min_chars <= len(key) <= max_chars else None
    if name.isascii():          # NFKC is the identity and casefold is lower() on ASCII
        tokens = _TOKEN.findall(name.lower())
    else:
        tokens = [_norm_token(t, lang) for t in _TOKEN.findall(unicodedata.normalize("NFKC", name))]
    if not tokens or len(tokens) > max_tokens or sum(map(len, tokens)) < min_chars:
        return None
    return tuple(tokens)


def text_vocabulary(texts: Iterable[str], lang: str) -> frozenset[str]:
    """Every unit (normalised token; char when unspaced) of `texts`: a name with a unit outside it
    cannot occur in them, so an index built for these texts may skip it (`vocabulary=`)."""
    if is_unspaced(lang):
        return frozenset(ch for text in texts for ch in _normalise_with_offsets(text, lang)[0])
    return frozenset(unit for text in texts for _, _, unit in _tokens(text, lang))


@functools.lru_cache(maxsize=16)
def _tokens(text: str, lang: str) -> tuple[tuple[int, int, str], ...]:
    """(start, end, normalised token) of a text; cached because several indexes scan each text."""
    return tuple((m.start(), m.end(), _norm_token(m.group(), lang)) for m in _TOKEN.finditer(text))


def case_compatible(name: str, surface: str) -> bool:
    """True when `surface` keeps every capital of `name` (it may add capitals, never drop one)."""
    if name == surface or name.lower() == name:
        return True
    a = "".join(name.split())
    b = "".join(surface.split())
    if len(a) != len(b):
        return a == b or not any(ch.isupper() for ch in a)
    return all(t.isupper() or not n.isupper() for n, t in zip(a, b))


@functools.lru_cache(maxsize=1 << 16)
def _char_norm(ch: str, lang: str) -> str:
    return normalize_name(ch, lang)


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
