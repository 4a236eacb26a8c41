"""P/R/F1 and the Score with hand-worked numbers, in both match modes."""
from __future__ import annotations

from kg2instruction.evaluate.metrics import (
    MatchCounts, MatchMode, combined_score, count_matches, precision_recall_f1,
)
from kg2instruction.instructions import Triple

T = Triple
BORN = T("Ada", "born in", "London")


def test_normal_mode_counts_a_repeated_prediction_twice_set_mode_once():
    gold = [BORN, T("Ada", "spouse", "William King")]
    pred = [BORN, BORN, T("Ada", "spouse", "William")]
    # normal: Counter(gold) & Counter(pred) = {BORN: 1} -> correct 1 of 3 predicted, 2 gold
    assert count_matches(gold, pred, MatchMode.NORMAL) == MatchCounts(gold=2, predicted=3, correct=1)
    # set: pred = {BORN, (Ada, spouse, William)} -> correct 1 of 2 predicted, 2 gold
    assert count_matches(gold, pred, MatchMode.SET) == MatchCounts(gold=2, predicted=2, correct=1)


def test_gold_duplicates_can_each_be_matched_in_normal_mode():
    assert count_matches([BORN, BORN], [BORN, BORN], "normal") == MatchCounts(2, 2, 2)
    assert count_matches([BORN, BORN], [BORN], "set") == MatchCounts(1, 1, 1)


def test_match_is_exact_and_case_sensitive():
    assert count_matches([BORN], [T("ada", "born in", "London")], "normal").correct == 0
    assert count_matches([BORN], [T("Ada ", "born in", "London")], "normal").correct == 0


def test_p_and_r_are_rounded_before_f1_like_iepile():
    # gold 1, predicted 6, correct 1: P = 1/6 = 16.666.. -> 16.67, R = 100.00
    # F1 from the rounded values: 2 * 16.67 * 100 / 116.67 = 3334 / 116.67 = 28.5763 -> 28.58
    # (from unrounded P it would be 2/7 = 28.5714 -> 28.57: the convention is visible here)
    prf = precision_recall_f1(MatchCounts(gold=1, predicted=6, correct=1))
    assert (prf.precision, prf.recall, prf.f1) == (16.67, 100.0, 28.58)


def test_empty_denominators_give_zero_not_an_error():
    prf = precision_recall_f1(MatchCounts(0, 0, 0))
    assert (prf.precision, prf.recall, prf.f1) == (0.0, 0.0, 0.0)


def test_score_is_the_mean_of_f1_and_rouge2_in_percent():
    # 0.5 * 36.36 + 0.5 * 57.14 = 18.18 + 28.57 = 46.75
    assert combined_score(36.36, 57.14) == 46.75
    assert combined_score(100.0, 100.0) == 100.0
