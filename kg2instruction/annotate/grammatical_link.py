"""Does a sentence's grammar connect two mentions the way a relation is stated?

Two places named in one sentence are not a containment statement: "bordered by Namibia to the
south ... the seventh-largest country in Africa", "a tour of Europe and Turkey", "the railways of
China and Kazakhstan ... between Asia and Europe" all name a contained place and its container
without saying one is in the other. English states containment through a short grammatical link:
"Birmingham, Alabama", "British Columbia (Canada)", "Canada's Northwest Territories", "Alberta is
a western province of Canada", "the largest economy in Asia", "the US state of Montana", "other
nations in Asia include Malaysia". So a relation may require (theme YAML `syntax:`) that the
dependency path between its two mentions in the evidence sentence

- runs only through nouns, the relation's linking verbs (be, lie, include, ...) and its
  prepositions (in, of, ...): an event verb on the path ("killed", "connected", "bordered by")
  relates each place to the event, not to each other;
- does not join the two through a coordination ("X and Y") or an apposition alone, only climbs
  out of a list at either end ("include Israel, Malaysia, ..." links Malaysia through the list's
  first member);
- passes no other proper name (a third entity in between is what the sentence is about:
  "The University of Alberta, located in Edmonton");
- is at most `max_path_words` words long between the two.

Juxtaposition is a link of its own: the contained place first, then a comma, bracket or dash
and its container ("Birmingham, Alabama"), or the container's possessive before it
(`juxtaposed_first: head`, the default). The reverse order ("the Democratic Republic of the
Congo (Kinshasa)") names a seat, not a location.

Chinese has no dependency parser here; its rule is the clause (`same_clause_link`).
"""
from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from kg2instruction.config.theme import DependencyPathRule, SameClauseRule

if TYPE_CHECKING:
    from spacy.tokens import Doc, Token

_FIRST_JOINS = frozenset({"", ",", "(", "-", "–", "—"})
_POSSESSIVES = frozenset({"'s", "’s", "'", "’"})
_LIST_EDGES = frozenset({"conj", "appos"})
_DIGIT_GROUPS = re.compile(r"(?<=\d)[,，](?=\d)")
_NAME = r"[A-Z][\w.'’&-]*(?:[ \u00a0]+(?:[A-Z][\w.'’&-]*|of|de|the|and))*"
_ADDRESS_REACH = 120   # characters: an address is a few names, and the pattern backtracks
_ADDRESS_BEFORE = re.compile(rf"(?:{_NAME},[ \u00a0]*)+$")


@dataclass(frozen=True)
class LinkVerdict:
    """Whether the grammar links the two mentions, and the reason (for the funnel)."""

    linked: bool
    reason: str


def _tokens(doc: Doc, start: int, end: int) -> list[Token]:
    return [t for t in doc if t.idx < end and t.idx + len(t) > start]


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


def _juxtaposed(text: str, first: tuple[int, int], second: tuple[int, int]) -> bool:
    """`first` written first and joined to `second` by a comma or bracket alone, or `second`
    written first as a possessive of `first`."""
    if first[1] <= second[0]:
        return text[first[1]:second[0]].strip() in _FIRST_JOINS
    if second[1] <= first[0]:
        return text[second[1]:first[0]].strip() in _POSSESSIVES
    return False


def dependency_link(doc: Doc, head: tuple[int, int], tail: tuple[int, int],
                    rule: DependencyPathRule) -> LinkVerdict:
    """Judge the link between the mentions at character spans `head` and `tail` (the relation's
    reading: for `located in`, the contained place and its container) of a parsed sentence."""
    first, second = (head, tail) if rule.juxtaposed_first == "head" else (tail, head)
    if _juxtaposed(doc.text, first, second):
        return LinkVerdict(True, "juxtaposed")
    # "based in Vancouver, British Columbia, Canada": the places before the container in its
    # address are the container's own description, so the path may end at the address's start
    second = (_address_start(doc.text, first, second), second[1])
    head, tail = (first, second) if rule.juxtaposed_first == "head" else (second, first)
    head_tokens, tail_tokens = _tokens(doc, *head), _tokens(doc, *tail)
    if not head_tokens or not tail_tokens:
        return LinkVerdict(False, "no_tokens")
    path = _path(_span_root(head_tokens), _span_root(tail_tokens))
    if path is None:
        return LinkVerdict(False, "no_path")
    ends = {t.i for t in head_tokens} | {t.i for t in tail_tokens}
    # climbing out of a list (or an apposition) at either end is part of naming that end
    while len(path) > 2 and path[0].dep_ in _LIST_EDGES and path[1].i not in ends:
        path = path[1:]
    while len(path) > 2 and path[-1].dep_ in _LIST_EDGES and path[-2].i not in ends:
        path = path[:-1]
    edges = _edge_labels(path)
    if any(_joins_two_things(a, b) for a, b in zip(path, path[1:])):
        return LinkVerdict(False, "coordination")
    if all(edge in _LIST_EDGES for edge in edges):
        # an apposition not written as "contained, container" (juxtaposed above) renames or
        # glosses ("the Democratic Republic of the Congo (Kinshasa)", "Asia, Hong Kong")
        return LinkVerdict(False, "apposition")
    between = [t for t in path[1:-1] if t.i not in ends]
    for token in between:
        if token.pos_ in ("VERB", "AUX") and (token.lemma_ or token.text).lower() not in rule.verbs:
            return LinkVerdict(False, "verb")
        if token.pos_ == "ADP" and token.text.lower() not in rule.prepositions:
            return LinkVerdict(False, "preposition")
        if token.pos_ == "PROPN":
            return LinkVerdict(False, "other_name")
    if len(between) > rule.max_path_words:
        return LinkVerdict(False, "long_path")
    return LinkVerdict(True, "path")


def same_clause_link(text: str, head: tuple[int, int], tail: tuple[int, int],
                     rule: SameClauseRule) -> LinkVerdict:
    """The link of a language without a parser here (Chinese): nothing between the two mentions
    ends a clause or joins a list. Chinese writes containment inside one clause, container
    first ("美国首都华盛顿", "马来西亚的马六甲州", "法国共有36783个市镇"); a comma or an
    enumeration comma between two places ("包括印度的孟买、中国的上海") separates them."""
    first, second = sorted((head, tail))
    if second[0] < first[1]:
        return LinkVerdict(False, "overlap")
    between = _DIGIT_GROUPS.sub("", text[first[1]:second[0]])
    if any(word in between for word in rule.breaks):
        return LinkVerdict(False, "clause_break")
    return LinkVerdict(True, "same_clause")


def _address_start(text: str, first: tuple[int, int], second: tuple[int, int]) -> int:
    """Where the address ending in `second` starts ("Vancouver, British Columbia, Canada" for
    "Canada"): capitalised names joined by commas right before it, never reaching `first`."""
    floor = max(first[1] if first[1] <= second[0] else 0, second[0] - _ADDRESS_REACH)
    match = _ADDRESS_BEFORE.search(text, floor, second[0])
    return match.start() if match else second[0]


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
