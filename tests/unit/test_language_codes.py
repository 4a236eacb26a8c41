"""Language codes with a region or script ("zh-hans", "zh-cn") read as their base language
everywhere a rule, word list or KG language tag is keyed by language."""
from __future__ import annotations

from kg2instruction.text.normalize import base_language, is_unspaced
from kg2instruction.text.sentences import sentence_spans


def test_the_base_language_drops_region_and_script() -> None:
    assert [base_language(c) for c in ("zh-hans", "zh-cn", "zh", "en", "en-gb")] == \
        ["zh", "zh", "zh", "en", "en"]


def test_unspaced_scripts_with_any_suffix() -> None:
    assert [is_unspaced(c) for c in ("zh-hans", "ja", "zh", "en", "en-gb")] == \
        [True, True, True, False, False]


def test_a_regional_chinese_code_splits_sentences_as_chinese() -> None:
    text = "北京是首都。上海是城市。"
    assert sentence_spans(text, "zh-hans") == sentence_spans(text, "zh") == [(0, 6), (6, 12)]
