"""The error typology: one hand-built prediction per class, and exhaustiveness on random input."""
from __future__ import annotations

from collections import Counter

from hypothesis import given
from hypothesis import strategies as st

from kg2instruction.evaluate.error_types import ErrorType, classify_predictions
from kg2instruction.instructions import Triple as T

GOLD = [T("Ada", "born in", "London"), T("Ada", "spouse", "William King"),
        T("Alan", "employer", "NPL")]


def classify(pred, mode="normal"):
    return classify_predictions(GOLD, pred, mode)


def test_each_class_by_its_definition():
    assert classify([T("Ada", "born in", "London")]) == [ErrorType.CORRECT]
    # repeated beyond the gold's one copy
    assert classify([T("Ada", "born in", "London")] * 2) == [ErrorType.CORRECT, ErrorType.DUPLICATE]
    # entities of a gold pair, another relation (either direction)
    assert classify([T("Alan", "educated at", "NPL")]) == [ErrorType.INCONGRUENT]
    assert classify([T("NPL", "founded by", "Alan")]) == [ErrorType.INCONGRUENT]
    # right relation, "William" is inside "William King": a span too short
    assert classify([T("Ada", "spouse", "William")]) == [ErrorType.BOUNDARY]
    assert classify([T("Ada Lovelace", "spouse", "William King")]) == [ErrorType.BOUNDARY]
    # right relation, right head, a different tail; or the two entities swapped
    assert classify([T("Ada", "spouse", "Charles Babbage")]) == [ErrorType.ENTITY]
    assert classify([T("William King", "spouse", "Ada")]) == [ErrorType.ENTITY]
    # relation absent from the gold; relation present but no shared entity
    assert classify([T("Ada", "occupation", "mathematician")]) == [ErrorType.SPURIOUS]
    assert classify([T("Grace", "born in", "New York")]) == [ErrorType.SPURIOUS]


def test_set_mode_has_no_duplicates():
    assert classify([T("Ada", "born in", "London")] * 2, "set") == [ErrorType.CORRECT]


NAMES = st.sampled_from(["Ada", "Ada L", "London", "NPL", "Alan", "", "William King", "x"])
RELS = st.sampled_from(["born in", "spouse", "employer", "other"])
TRIPLES = st.lists(st.builds(T, NAMES, RELS, NAMES), max_size=6)


@given(TRIPLES, TRIPLES, st.sampled_from(["normal", "set"]))
def test_every_prediction_gets_exactly_one_class_and_correct_equals_true_positives(gold, pred, mode):
    from kg2instruction.evaluate.metrics import count_matches

    classes = classify_predictions(gold, pred, mode)
    counts = count_matches(gold, pred, mode)
    assert len(classes) == counts.predicted
    assert Counter(classes)[ErrorType.CORRECT] == counts.correct
