"""Overlap resolution: the writer's spans by priority, then the longer span among guesses (no
mention inside a longer one), independent of input order."""
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
    """The link beats every longer guess around it; among guesses the longest span wins, so the
    neighbour name "lawyer" inside the NER span "lawyer friend" is part of it."""
    rank = MentionConfig().rank_of_source()
    mentions = [LINK, NER, REPEAT, NEIGHBOUR, NER_INSIDE, NER_SHORT]
    results = {tuple(resolve_overlaps(list(p), rank)[0]) for p in itertools.permutations(mentions)}
    assert results == {(LINK, NER_INSIDE)}


def test_without_longest_wins_priority_decides_between_guesses() -> None:
    rank = MentionConfig(longest_wins=()).rank_of_source()
    kept, _ = resolve_overlaps([NEIGHBOUR, NER_INSIDE, NER_SHORT], rank)
    assert kept == [NEIGHBOUR, NER_SHORT]


def test_longer_span_wins_within_a_source() -> None:
    rank = MentionConfig().rank_of_source()
    kept, dropped = resolve_overlaps([NER_SHORT, NER_INSIDE], rank)
    assert kept == [NER_INSIDE] and dropped == [NER_SHORT]


def test_priority_is_configuration() -> None:
    ner_first = MentionConfig(overlap_priority=("ner", "link", "subject", "repeat", "neighbour"),
                              longest_wins=())
    kept, _ = resolve_overlaps([LINK, NER], ner_first.rank_of_source())
    assert kept == [NER]
