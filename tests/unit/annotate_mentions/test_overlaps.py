"""Overlap resolution: source priority first, then the longer span, independent of input order."""
from __future__ import annotations

import itertools

from kg2instruction.annotate.mention import Mention
from kg2instruction.annotate.mentions import MentionConfig
from kg2instruction.annotate.overlaps import resolve_overlaps

TEXT = "Abraham Lincoln's lawyer friend"
LINK = Mention(8, 15, "Lincoln", "link", link_target="Abraham Lincoln")
NER = Mention(0, 17, "Abraham Lincoln's", "ner", ner_label="PERSON")
REPEAT = Mention(0, 15, "Abraham Lincoln", "repeat", link_target="Abraham Lincoln")
NEIGHBOUR = Mention(18, 24, "lawyer", "neighbour", qid="Q40348")
NER_INSIDE = Mention(18, 31, "lawyer friend", "ner", ner_label="ORG")
NER_SHORT = Mention(25, 31, "friend", "ner", ner_label="ORG")


def test_priority_then_length_whatever_the_order() -> None:
    rank = MentionConfig().rank_of_source()
    mentions = [LINK, NER, REPEAT, NEIGHBOUR, NER_INSIDE, NER_SHORT]
    results = {tuple(resolve_overlaps(list(p), rank)[0]) for p in itertools.permutations(mentions)}
    assert results == {(LINK, NEIGHBOUR, NER_SHORT)}


def test_longer_span_wins_within_a_source() -> None:
    rank = MentionConfig().rank_of_source()
    kept, dropped = resolve_overlaps([NER_SHORT, NER_INSIDE], rank)
    assert kept == [NER_INSIDE] and dropped == [NER_SHORT]


def test_priority_is_configuration() -> None:
    ner_first = MentionConfig(overlap_priority=("ner", "link", "subject", "repeat", "neighbour"))
    kept, _ = resolve_overlaps([LINK, NER], ner_first.rank_of_source())
    assert kept == [NER]
