"""Normalised values of date and quantity mentions, English and Chinese."""
from __future__ import annotations

import pytest

from kg2instruction.annotate.values import parse_date, parse_quantity


@pytest.mark.parametrize("text, expected", [
    ("February 12, 1809", "1809-02-12"),
    ("4 December 2009", "2009-12-04"),
    ("4th of December 2009", "2009-12-04"),
    ("Dec. 2009", "2009-12"),
    ("the summer of 1969", "1969"),
    ("44 BC", "-0044"),
    ("March 15, 44 BC", "-0044-03-15"),
    ("AD 79", "0079"),
    ("the 1990s", None),
    ("12", None),
    ("yesterday", None),
])
def test_english_dates(text: str, expected: str | None) -> None:
    assert parse_date(text, "en") == expected


@pytest.mark.parametrize("text, expected", [
    ("2009年12月4日", "2009-12-04"),
    ("2009年12月", "2009-12"),
    ("公元前300年", "-0300"),
    ("1990年代", None),
    ("2009年13月", None),
    ("今日", None),
])
def test_chinese_dates(text: str, expected: str | None) -> None:
    assert parse_date(text, "zh") == expected


@pytest.mark.parametrize("text, lang, expected", [
    ("3.5 million", "en", "3500000"),
    ("1,200 km", "en", "1200"),
    ("−3.5 °C", "en", "-3.5"),
    ("3公里", "zh", "3"),
    ("3.5万人", "zh", "35000"),
    ("2万亿", "zh", "2000000000000"),
    ("several", "en", None),
])
def test_quantities(text: str, lang: str, expected: str | None) -> None:
    assert parse_quantity(text, lang) == expected
