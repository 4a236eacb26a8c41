"""The page's own entity: which QID it is, and where a paragraph writes it when unlinked.

Which QID: the paragraph's `page_qid` when the source gives it (a JSONL corpus, sitelinks);
otherwise, for matching, the entity disambiguation chose for the mentions of the page title (the
bold subject and its repeats), so matching agrees with linking; and for theme routing, which runs
before linking, the title's sitelink or its best label candidate (the same lookup linking uses).

Where written: encyclopedia text names its subject in ways no label lists: "Davy Graham" on the
page "Davey Graham", "Dudley Coutts Stuart" on "Lord Dudley Stuart", "keystones" on "Keystone",
"CXAM" on "CXAM radar". The mention stage finds such spans (NER) but cannot link them: they
match no label.
Matching may still treat one as the page entity, because it only ever uses it for a fact the KG
states between the page entity and another entity *linked in the same paragraph*: an unlinked
mention that shares a content word with the page title is grounded to the page entity.
"""
from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Mapping
from typing import Any, Protocol, TypeVar

from kg2instruction.annotate.link_targets import target_candidates, title_form
from kg2instruction.kg.protocol import KnowledgeGraph, qid_number
from kg2instruction.text.normalize import normalize_name

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


S = TypeVar("S", bound=Span)


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


def ground_subject(title: str, unlinked: Iterable[S], lang: str) -> S | None:
    """The unlinked mention most like the page title (most shared content words, then the
    earliest); None when none shares any. A mention whose head word is not one of the title's
    names something of the subject, not the subject ("Alberta's Rockies", "Lincoln
    administration", "University of Alberta" on "Alberta")."""
    wanted = title_tokens(title, lang)
    if not wanted:
        return None
    title_words = _words(title)
    best: tuple[int, int] | None = None
    chosen: S | None = None
    for span in unlinked:
        shared = len(wanted & title_tokens(span.surface, lang))
        if shared and not lang.startswith(("zh", "ja")) and head_word(span.surface) not in title_words:
            continue
        if shared and span.start is not None:
            key = (-shared, span.start)
            if best is None or key < best:
                best, chosen = key, span
    return chosen


def subject_repeats(title: str, unlinked: Iterable[S], lang: str) -> list[S]:
    """The unlinked mentions that repeat the page subject's own name, shortened the way an
    article shortens it: some but not all of the title's content words and no other, ending the
    way the title does. In English that is the same head word ("Ferguson also holds an MBA" on
    "Matt Ferguson"; not "Vienna" on "University of Vienna", nor "Matt", nor "John Ferguson",
    nor "Ferguson Park"); in Chinese the title's ending ("亚当斯" on "道格拉斯·亚当斯"). The
    whole title left unlinked is not one: linking had its reasons ("Asia" the nymph on the page
    of the continent, typed a person by NER)."""
    wanted = title_tokens(title, lang)
    if not wanted:
        return []
    bare = strip_disambiguator(title)
    unspaced = lang.startswith(("zh", "ja"))
    found = []
    for span in unlinked:
        if span.start is None:
            continue
        tokens = title_tokens(span.surface, lang)
        if not tokens or not tokens < wanted:
            continue
        if unspaced:
            ends_alike = normalize_name(bare, lang).endswith(normalize_name(span.surface, lang))
        else:
            ends_alike = head_word(span.surface) == head_word(bare) and \
                _words(span.surface) <= _words(bare)
        if ends_alike:
            found.append(span)
    return found


# Words after which an English noun phrase's head comes first ("University of Alberta").
_HEAD_FIRST_BEFORE = frozenset({"of", "for", "in", "on", "at", "de", "du", "des", "von", "van"})


def head_word(surface: str) -> str:
    """The head of a name read as an English-style noun phrase: the word before 'of' (and the
    like) when there is one, else the last word; possessives count as modifiers."""
    words = _WORD.findall(_PARENTHETICAL.sub("", surface).replace("\u2019", "'").casefold())
    words = [w for w in words if w != "s"] or words      # "Alberta's Rockies" -> alberta, rockies
    for i, word in enumerate(words[1:], start=1):
        if word in _HEAD_FIRST_BEFORE:
            return _singular(words[i - 1])
    return _singular(words[-1]) if words else ""


def _words(text: str) -> frozenset[str]:
    return frozenset(_singular(w) for w in _WORD.findall(_PARENTHETICAL.sub("", text).casefold()))


def _singular(word: str) -> str:
    return word[:-1] if len(word) > 3 and word.endswith("s") else word


def strip_disambiguator(title: str) -> str:
    """'Blog 27 (band)' -> 'Blog 27' (for display where the title stands in for the subject)."""
    return _PARENTHETICAL.sub("", title)


def subjects_from_mentions(paragraphs: Iterable[Mapping[str, Any]],
                           mentions: Iterable[Mapping[str, Any]]) -> dict[str, str]:
    """page_id -> QID for pages without `page_qid`: the QID most often given to mentions whose
    link target is the page title (ties: lower QID)."""
    page_of: dict[str, tuple[str, str, str]] = {}   # paragraph -> (page, lang, title key)
    for row in paragraphs:
        if not row.get("page_qid"):
            page_of[row["paragraph_id"]] = (row["page_id"], row["lang"],
                                            normalize_name(row["title"] or "", row["lang"]))
    votes: dict[str, Counter[str]] = {}
    for m in mentions:
        page = page_of.get(m["paragraph_id"])
        if page is None or not m["qid"] or not m["link_target"]:
            continue
        if normalize_name(m["link_target"], page[1]) == page[2]:
            votes.setdefault(page[0], Counter())[m["qid"]] += 1
    return {page: min(c, key=lambda q: (-c[q], qid_number(q))) for page, c in votes.items()}


def subjects_from_titles(titles: Iterable[tuple[str, str]], kg: KnowledgeGraph
                         ) -> dict[tuple[str, str], str]:
    """(lang, title) -> QID: the sitelink of the title on `<lang>wiki`, else its best-ranked
    candidate (the lookup linking uses), else, for a qualified title whose qualifier the KG
    cannot bear out ("Berlin (city)" in a KG without the class "city"), the bare name's best
    candidate: routing only needs the kind of page, which namesakes usually share, and the
    matched subject comes from linking anyway. Titles with none are absent."""
    by_lang: dict[str, list[str]] = {}
    for lang, title in titles:
        by_lang.setdefault(lang, []).append(title)
    found: dict[tuple[str, str], str] = {}
    for lang, names in sorted(by_lang.items()):
        names = sorted(set(names))
        linked = kg.sitelinks(names, f"{lang.split('-')[0]}wiki")
        rest = [t for t in names if t not in linked]
        ranked = target_candidates(rest, kg, lang) if rest else {}
        bare = {t: title_form(t).bare for t in rest if not ranked.get(t) and title_form(t).bare}
        by_bare = target_candidates(sorted(set(bare.values())), kg, lang) if bare else {}
        for title in names:
            qid = linked.get(title) or next((c.qid for c in ranked.get(title, ())), None) or \
                next((c.qid for c in by_bare.get(bare.get(title) or "", ())), None)
            if qid:
                found[(lang, title)] = qid
    return found
