"""Does a sentence's grammar connect two mentions the way a relation is stated?

Two places named in one sentence are not a containment statement: "bordered by Namibia to the
south ... the seventh-largest country in Africa", "a tour of Europe and Turkey", "the railways of
China and Kazakhstan ... between Asia and Europe" all name a contained place and its container
without saying one is in the other. English states containment through a short grammatical link:
"Birmingham, Alabama", "British Columbia (Canada)", "Canada's Northwest Territories", "Alberta is
a western province of Canada", "the largest economy in Asia", "the US state of Montana", "other
nations in Asia include Malaysia". So a relation may require (theme YAML `syntax:`) that the
dependency path between its two mentions in the evidence sentence

- runs only through nouns, adjectives, the relation's linking verbs (be, lie, include, ...) and
  its prepositions (in, of, ...): an event verb on the path ("killed", "connected", "bordered
  by") relates each place to the event, not to each other, and an adverb ("lies north of")
  places one outside the other;
- joins no two things by a coordination ("X and Y") or an apposition alone; it may climb out of
  a list at either end ("include Israel, Malaysia, ..." links Malaysia through the list's first
  member), and two predicates of one subject keep its link ("founded in 1925 and based in
  Watervliet");
- passes no other proper name (a third entity in between is what the sentence is about:
  "The University of Alberta, located in Edmonton"), except, where the rule allows addresses,
  the names before the container in its address ("based in Vancouver, British Columbia,
  Canada");
- is at most `max_path_words` words long between the two.

Juxtaposition is a link of its own: the contained place first, then a comma, bracket or dash
and its container ("Birmingham, Alabama", "Birmingham, Jefferson County, Alabama"), or the
container's possessive before it (`juxtaposed_first: head`, the default); not when the second
opens a longer name ("John Kerry, Secretary of State Hillary Clinton"). The reverse order ("the
Democratic Republic of the Congo (Kinshasa)") names a seat, not a location.

Chinese has no dependency parser here; its rule is the clause (`same_clause_link`).
"""
from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from kg2instruction.config.theme import DependencyPathRule, SameClauseRule
from kg2instruction.text.zh_words import splits_a_word, word_boundaries

if TYPE_CHECKING:
    from spacy.tokens import Doc, Token

_FIRST_JOINS = frozenset({"", ",", "(", "-", "–", "—"})
_POSSESSIVES = frozenset({"'s", "’s", "'", "’"})
_LIST_EDGES = frozenset({"conj", "appos"})
_DIGIT_GROUPS = re.compile(r"(?<=\d)[,，](?=\d)")
_NAME = r"[A-Z][\w.'’&-]*(?:[ \u00a0]+(?:[A-Z][\w.'’&-]*|of|de|the))*"
_LEADING_FUNCTION_WORD = re.compile(r"(?:In|At|On|From|Of|By|For|To|With|The|A|An)[ \u00a0]+")
_CJK = re.compile(r"[\u3400-\u9fff]")
_ADDRESS_REACH = 120   # characters: an address is a few names; bounds the pattern's search
_ADDRESS_BEFORE = re.compile(rf"(?:{_NAME},[ \u00a0]*)+$")


@dataclass(frozen=True)
class LinkVerdict:
    """Whether the grammar links the two mentions, and the reason (for the funnel)."""

    linked: bool
    reason: str


def _tokens(doc: Doc, start: int, end: int) -> list[Token]:
    """The tokens a character span touches (a mention may end inside a token: "U.S.-based")."""
    span = doc.char_span(start, end, alignment_mode="expand")
    return list(span) if span is not None else []


def _span_root(tokens: Sequence[Token]) -> Token:
    """The token of a mention whose syntactic head lies outside it."""
    inside = {t.i for t in tokens}
    for token in tokens:
        if token.head.i not in inside or token.head.i == token.i:
            return token
    return tokens[-1]


def _to_root(token: Token) -> list[Token]:
    chain = [token]
    while chain[-1].head.i != chain[-1].i:
        chain.append(chain[-1].head)
    return chain


def _path(first: Token, second: Token) -> list[Token] | None:
    """Tokens from `first` up to the lowest common ancestor and down to `second`."""
    up, down = _to_root(first), _to_root(second)
    position = {t.i: k for k, t in enumerate(up)}
    for k, token in enumerate(down):
        if token.i in position:
            return up[:position[token.i] + 1] + list(reversed(down[:k]))
    return None


def _juxtaposed(doc: Doc, first: tuple[int, int], second: tuple[int, int]) -> bool:
    """`first` written first and joined to `second` by a comma or bracket alone, or `second`
    written first as a possessive of `first`; not when `second` opens a longer name ("John
    Kerry, Secretary of State Hillary Clinton": the title is the next person's)."""
    text = doc.text
    if first[1] <= second[0]:
        if text[first[1]:second[0]].strip() not in _FIRST_JOINS:
            return False
        following = next((t for t in doc if t.idx >= second[1]), None)
        return not (following is not None and following.pos_ == "PROPN"
                    and following.idx == second[1] + 1)
    if second[1] <= first[0]:
        return text[second[1]:first[0]].strip() in _POSSESSIVES
    return False


def dependency_link(doc: Doc, head: tuple[int, int], tail: tuple[int, int],
                    rule: DependencyPathRule) -> LinkVerdict:
    """Judge the link between the mentions at character spans `head` and `tail` (the relation's
    reading: for `located in`, the contained place and its container) of a parsed sentence."""
    if head[0] < tail[1] and tail[0] < head[1]:
        return LinkVerdict(False, "overlap")
    first, second = (head, tail) if rule.juxtaposed_first == "head" else (tail, head)
    if _juxtaposed(doc, first, second):
        return LinkVerdict(True, "juxtaposed")
    if rule.addresses:
        # "based in Vancouver, British Columbia, Canada": the places before the container in
        # its address describe the container, so the path may end at the address's start
        address = (_address_start(doc.text, first, second), second[1])
        if address[0] < second[0]:
            if _juxtaposed(doc, first, address):    # "Birmingham, Jefferson County, Alabama"
                return LinkVerdict(True, "juxtaposed")
            second = address
    head, tail = (first, second) if rule.juxtaposed_first == "head" else (second, first)
    head_tokens, tail_tokens = _tokens(doc, *head), _tokens(doc, *tail)
    if not head_tokens or not tail_tokens:
        return LinkVerdict(False, "no_tokens")
    path = _path(_span_root(head_tokens), _span_root(tail_tokens))
    if path is None:
        return LinkVerdict(False, "no_path")
    ends = {t.i for t in head_tokens} | {t.i for t in tail_tokens}
    # climbing out of a list (or an apposition) at either end is part of naming that end
    while (len(path) > 2 and path[0].dep_ in _LIST_EDGES and path[0].head.i == path[1].i
           and path[1].i not in ends):
        path = path[1:]
    while (len(path) > 2 and path[-1].dep_ in _LIST_EDGES and path[-1].head.i == path[-2].i
           and path[-2].i not in ends):
        path = path[:-1]
    if any(_joins_two_things(a, b) for a, b in zip(path, path[1:])):
        return LinkVerdict(False, "coordination")
    if all(edge in _LIST_EDGES for edge in _edge_labels(path)):
        # an apposition not written as "contained, container" (juxtaposed above) renames or
        # glosses ("the Democratic Republic of the Congo (Kinshasa)", "Asia, Hong Kong")
        return LinkVerdict(False, "apposition")
    between = [t for t in path[1:-1] if t.i not in ends]
    for token in between:
        reason = _blocks(token, rule)
        if reason:
            return LinkVerdict(False, reason)
    if len(between) > rule.max_path_words:
        return LinkVerdict(False, "long_path")
    return LinkVerdict(True, "path")


def _blocks(token: Token, rule: DependencyPathRule) -> str | None:
    """Why a word on the path breaks the link: an event verb, a preposition of another
    relation ("bordered by"), a direction ("lies north of": outside, not in), a third name."""
    if token.pos_ in ("VERB", "AUX") and (token.lemma_ or token.text).lower() not in rule.verbs:
        return "verb"
    if token.pos_ == "ADP" and token.text.lower() not in rule.prepositions:
        return "preposition"
    if token.pos_ == "ADV":
        return "adverb"
    if token.pos_ == "PROPN":
        return "other_name"
    return None


def same_clause_link(text: str, head: tuple[int, int], tail: tuple[int, int],
                     rule: SameClauseRule) -> LinkVerdict:
    """The link of a language without a parser here (Chinese): nothing between the two mentions
    ends a clause or joins a list. Chinese writes containment inside one clause, container
    first ("美国首都华盛顿", "马来西亚的马六甲州", "法国共有36783个市镇"); a comma or an
    enumeration comma between two places ("包括印度的孟买、中国的上海") separates them. A break
    word counts only as a whole segmented word: 和 in 共和国 and 及 in 埃及 join nothing."""
    first, second = sorted((head, tail))
    if second[0] < first[1]:
        return LinkVerdict(False, "overlap")
    between = _DIGIT_GROUPS.sub(lambda m: " " * len(m.group()), text[first[1]:second[0]])
    boundaries: frozenset[int] | None = None
    for word in rule.breaks:
        for found in re.finditer(re.escape(word), between):
            if not _CJK.search(word):
                return LinkVerdict(False, "clause_break")
            if boundaries is None:
                boundaries = word_boundaries(text[first[0]:second[1]])
            offset = first[1] - first[0]
            if not splits_a_word(boundaries, found.start() + offset, found.end() + offset):
                return LinkVerdict(False, "clause_break")
    return LinkVerdict(True, "same_clause")


def _address_start(text: str, first: tuple[int, int], second: tuple[int, int]) -> int:
    """Where the address ending in `second` starts ("Vancouver, British Columbia, Canada" for
    "Canada"): capitalised names joined by commas right before it, never reaching `first`."""
    floor = max(first[1] if first[1] <= second[0] else 0, second[0] - _ADDRESS_REACH)
    match = _ADDRESS_BEFORE.search(text, floor, second[0])
    if not match:
        return second[0]
    lead = _LEADING_FUNCTION_WORD.match(text, match.start())   # "In Vancouver, Canada"
    return lead.end() if lead else match.start()


def _joins_two_things(a: Token, b: Token) -> bool:
    """A coordination edge between two things ("the CEO of Veooz and an angel investor",
    "Europe and Turkey"), as opposed to two predicates of one subject ("founded in 1925 and
    based in Watervliet"), which keep the subject's link."""
    child = a if a.head.i == b.i else b
    if child.dep_ != "conj":
        return False
    parent = b if child is a else a
    predicates = child.pos_ in ("VERB", "AUX") and parent.pos_ in ("VERB", "AUX")
    own_subject = any(c.dep_ in ("nsubj", "nsubjpass") for c in child.children)
    return not predicates or own_subject


def _edge_labels(path: Sequence[Token]) -> list[str]:
    """Dependency labels of the path's edges (each edge is labelled on its child)."""
    labels = []
    for parent_or_child, other in zip(path, path[1:]):
        child = parent_or_child if parent_or_child.head.i == other.i else other
        labels.append(child.dep_)
    return labels
