"""ROUGE-2 with hand-counted bigrams, English (rouge-score tokens) and Chinese (jieba tokens)."""
from __future__ import annotations

import pytest

from kg2instruction.evaluate.rouge import rouge2, rouge_tokens

GOLD_EN = "(NGC1313, of, Reticulum)\n(NGC1313, discoverer or inventor, James Dunlop)"
PRED_EN = "(NGC1313, of, Reticulum)"
GOLD_ZH = "(阿尔夫达尔, 位于, 内陆郡)"
PRED_ZH = "(阿尔夫达尔, 位于, 挪威)"


def test_english_pair_by_hand():
    # gold tokens: ngc1313 of reticulum ngc1313 discoverer or inventor james dunlop -> 8 bigrams
    # pred tokens: ngc1313 of reticulum -> 2 bigrams, both in gold
    # P = 2/2 = 1, R = 2/8 = 0.25, F = 2 * 1 * 0.25 / 1.25 = 0.4
    assert rouge_tokens(PRED_EN, "en") == ["ngc1313", "of", "reticulum"]
    assert rouge2(PRED_EN, GOLD_EN, "en") == pytest.approx(0.4)


def test_chinese_pair_by_hand_with_jieba_tokens():
    # jieba: gold -> 阿尔夫 达尔 位于 内陆 郡 (4 bigrams); pred -> 阿尔夫 达尔 位于 挪威 (3 bigrams)
    # shared bigrams: (阿尔夫, 达尔), (达尔, 位于) = 2
    # P = 2/3, R = 2/4, F = 2 * (2/3) * (1/2) / (2/3 + 1/2) = (2/3) / (7/6) = 4/7 = 0.571428...
    assert rouge_tokens(GOLD_ZH, "zh") == ["阿尔夫", "达尔", "位于", "内陆", "郡"]
    assert rouge_tokens(PRED_ZH, "zh") == ["阿尔夫", "达尔", "位于", "挪威"]
    assert rouge2(PRED_ZH, GOLD_ZH, "zh") == pytest.approx(4 / 7)


def test_rouge_scores_default_tokenizer_would_score_chinese_zero():
    # the reason for jieba: rouge-score keeps only [a-z0-9] runs
    assert rouge_tokens(GOLD_ZH, "en") == []


def test_edge_cases_both_empty_one_empty_and_single_tokens():
    assert rouge2("", "", "en") == 1.0
    assert rouge2("", "(a, r, b)", "en") == 0.0
    assert rouge2("(a, r, b)", "", "zh") == 0.0
    assert rouge2("NAN", "NAN", "en") == 1.0          # one token each, equal
    assert rouge2("NAN", "(a, r, b)", "en") == 0.0     # no bigram on one side, not equal


@pytest.mark.parametrize("text,lang", [(GOLD_EN, "en"), (GOLD_ZH, "zh"),
                                       ('{"位于": [{"subject": "阿尔夫达尔", "object": "内陆郡"}]}', "zh")])
def test_gold_as_prediction_is_one(text, lang):
    assert rouge2(text, text, lang) == pytest.approx(1.0)
