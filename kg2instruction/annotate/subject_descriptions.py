"""Common nouns that describe the page's subject stand for it, not for an entity of their own.

On Alberta's page, "the province" is Alberta; Wikipedia often links the word to the article about
the kind of thing ("province" -> Provinces and territories of Canada), and that article's
entity has facts of its own ("Canadian province -> country -> Canada"). Pairing such a mention
with the other entities of its sentence publishes class-level facts read off a word that refers
back to the subject: the hand audit judged every one of them a wrong entity. The nouns are the
ones the page's first sentence uses for its subject ("Alberta is a western province of Canada"
-> province; `evidence.subject_nouns`), so the rule needs no word list and no KG lookup.

Such a mention still pairs with the page subject itself: "Alberta is a province" is a statement
about the subject and its kind.
"""
from __future__ import annotations

from collections.abc import Collection, Iterable


def _is_cased(text: str) -> bool:
    return any(ch.lower() != ch.upper() for ch in text)


def is_subject_description(surface: str, nouns: Collection[str]) -> bool:
    """True when `surface` is a common-noun phrase ending in one of the subject's nouns.

    In a cased script a capital letter marks a name ("Province of Canada", "Canada"), which is
    never a description; in an uncased one (Chinese) only the noun itself counts."""
    text = surface.strip()
    if not text or not nouns:
        return False
    if not _is_cased(text):
        return text in nouns
    if text != text.lower():
        return False
    return text.split()[-1] in nouns


def description_qids(anchors: Iterable[tuple[str | None, str]], subject: str | None,
                     nouns: Collection[str]) -> frozenset[str]:
    """QIDs (other than the subject's) every mention of which in the paragraph is a description
    of the subject; `anchors` are (qid, surface) pairs. An entity also named properly elsewhere
    in the paragraph keeps its pairs."""
    described: set[str] = set()
    named: set[str] = set()
    for qid, surface in anchors:
        if qid is None or qid == subject:
            continue
        (described if is_subject_description(surface, nouns) else named).add(qid)
    return frozenset(described - named)
