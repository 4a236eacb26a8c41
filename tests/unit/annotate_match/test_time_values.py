"""Date rendering (en/zh, every precision, BC/AD, 公元前) and finding dates in text safely."""
from __future__ import annotations

import pytest

from kg2instruction.values import (find_bounded, fold_text, parse_wikidata_time, recognise_times,
                                   render_time)
from kg2instruction.values.wikidata_time import CENTURY, DAY, DECADE, MONTH, YEAR


def surfaces(time: str, precision: int, lang: str, coarsest: int | None = None) -> set[str]:
    return {f.surface for f in render_time(parse_wikidata_time(time, precision), lang, coarsest)}


# --- parsing and the normalised value ---------------------------------------------------------

@pytest.mark.parametrize("time, precision, iso", [
    ("+2009-12-04T00:00:00Z", DAY, "2009-12-04"),
    ("+2009-12-00T00:00:00Z", MONTH, "2009-12"),
    ("+1974-00-00T00:00:00Z", YEAR, "1974"),          # Q42's P2031 as stored in the dump
    ("+1990-00-00T00:00:00Z", DECADE, "199X"),
    ("+1850-00-00T00:00:00Z", CENTURY, "18XX"),        # 19th century
    ("-0044-03-15T00:00:00Z", DAY, "-0044-03-15"),     # historical numbering: 44 BC
    ("+0079-08-24T00:00:00Z", DAY, "0079-08-24"),
])
def test_iso_value_keeps_precision_and_wikidata_sign(time: str, precision: int, iso: str) -> None:
    assert parse_wikidata_time(time, precision).iso() == iso


def test_bce_year_is_historical_not_astronomical() -> None:
    caesar = parse_wikidata_time("-0044-03-15T00:00:00Z", DAY)
    assert caesar.year == -44 and caesar.is_bce
    assert "44 BC" in surfaces("-0044-03-15T00:00:00Z", DAY, "en", coarsest=YEAR)
    assert "43 BC" not in surfaces("-0044-03-15T00:00:00Z", DAY, "en", coarsest=YEAR)
    with pytest.raises(ValueError, match="year 0"):
        parse_wikidata_time("+0000-00-00T00:00:00Z", YEAR)


def test_missing_month_lowers_precision_instead_of_inventing_a_date() -> None:
    t = parse_wikidata_time("+1952-00-00T00:00:00Z", DAY)
    assert t.precision == YEAR and t.iso() == "1952"


@pytest.mark.parametrize("bad", ["1952", "+1952-3-1", "yesterday"])
def test_malformed_time_strings_are_rejected(bad: str) -> None:
    with pytest.raises(ValueError):
        parse_wikidata_time(bad, DAY)


def test_geological_precision_is_not_renderable() -> None:
    with pytest.raises(ValueError, match="precision"):
        parse_wikidata_time("-13798000000-00-00T00:00:00Z", 3)


# --- English renderings ----------------------------------------------------------------------

def test_english_day_forms() -> None:
    forms = surfaces("+2009-12-04T00:00:00Z", DAY, "en")
    for expected in ("4 December 2009", "December 4, 2009", "4 Dec 2009", "Dec. 4, 2009",
                     "2009-12-04", "December 4th, 2009"):
        assert expected in forms
    assert "December 2009" not in forms and "2009" not in forms   # own precision only


def test_english_day_claim_renders_coarser_forms_on_request() -> None:
    forms = render_time(parse_wikidata_time("+2009-12-04T00:00:00Z", DAY), "en", coarsest=YEAR)
    by_surface = {f.surface: f.value.iso() for f in forms}
    assert by_surface["December 2009"] == "2009-12"
    assert by_surface["2009"] == "2009"
    assert by_surface["4 December 2009"] == "2009-12-04"


def test_english_month_year_decade_century_forms() -> None:
    assert {"December 2009", "Dec 2009", "2009-12"} <= surfaces("+2009-12-00T00:00:00Z", MONTH, "en")
    assert "2009" in surfaces("+2009-00-00T00:00:00Z", YEAR, "en")
    assert "1990s" in surfaces("+1990-00-00T00:00:00Z", DECADE, "en")
    assert {"19th century", "nineteenth century", "19th-century"} <= surfaces(
        "+1850-00-00T00:00:00Z", CENTURY, "en")
    assert "5th century BC" in surfaces("-0450-00-00T00:00:00Z", CENTURY, "en")


def test_english_era_forms() -> None:
    bc = surfaces("-0044-00-00T00:00:00Z", YEAR, "en")
    assert {"44 BC", "44 BCE", "44 B.C."} <= bc and "44" not in bc
    ad = surfaces("+0079-00-00T00:00:00Z", YEAR, "en")
    assert {"AD 79", "79 AD"} <= ad
    assert "79" not in ad            # a bare two-digit number is not searched as a year
    assert "15 March 44 BC" in surfaces("-0044-03-15T00:00:00Z", DAY, "en")


def test_ordinals() -> None:
    forms = surfaces("+2001-05-22T00:00:00Z", DAY, "en")
    assert "22nd May 2001" in forms and "May 22nd, 2001" in forms
    assert "11th century" in surfaces("+1066-00-00T00:00:00Z", CENTURY, "en")


# --- Chinese renderings ----------------------------------------------------------------------

def test_chinese_forms_every_precision() -> None:
    assert "2009年12月4日" in surfaces("+2009-12-04T00:00:00Z", DAY, "zh")
    assert "2009年12月" in surfaces("+2009-12-00T00:00:00Z", MONTH, "zh")
    assert {"2009年", "公元2009年", "二〇〇九年"} <= surfaces("+2009-00-00T00:00:00Z", YEAR, "zh")
    assert {"1990年代", "20世纪90年代", "二十世纪九十年代"} <= surfaces(
        "+1990-00-00T00:00:00Z", DECADE, "zh")
    assert {"19世纪", "十九世纪"} <= surfaces("+1850-00-00T00:00:00Z", CENTURY, "zh")


def test_chinese_bce() -> None:
    forms = surfaces("-0044-03-15T00:00:00Z", DAY, "zh", coarsest=YEAR)
    assert {"公元前44年3月15日", "公元前44年", "前44年"} <= forms
    assert "44年" not in forms


def test_unsupported_language_is_an_error() -> None:
    with pytest.raises(ValueError, match="supported"):
        render_time(parse_wikidata_time("+2009-00-00T00:00:00Z", YEAR), "fr")


# --- finding forms in text: false-positive guards --------------------------------------------

def found(text: str, surface: str) -> list[str]:
    return [text[s:e] for s, e in find_bounded(fold_text(text), surface)]


@pytest.mark.parametrize("text", [
    "It sold 12009 copies.", "It measured 2009.5 metres.", "A fleet of 1,2009 ships.",
    "during the 1990s", "The 2009th visitor", "ID A2009 was filed", "It cost $2009.",
    "Sales rose 2009% overall.", "It cost 2,009,000 dollars.",
])
def test_year_does_not_match_inside_longer_numbers_or_words(text: str) -> None:
    assert found(text, "2009" if "1990s" not in text else "1990") == []


@pytest.mark.parametrize("text", [
    "He was born in 2009.", "(1920–2009)", "In 2009, he left.", "他于2009年出生", "1999-2009",
])
def test_year_matches_when_bounded(text: str) -> None:
    assert found(text, "2009") == ["2009"]


def test_full_width_digits_match_with_original_offsets() -> None:
    text = "他于２００９年１２月４日出生"
    assert found(text, "2009年12月4日") == ["２００９年１２月４日"]


def test_case_insensitive_english() -> None:
    assert found("born 4 DECEMBER 2009 in", "4 December 2009") == ["4 DECEMBER 2009"]


def test_chinese_year_is_not_found_inside_longer_year() -> None:
    assert found("公元12009年", "2009年") == []


# --- recognising dates the text writes ---------------------------------------------------------

def test_recognise_english_dates_maximal_spans() -> None:
    text = "Born on 4 December 2009 in Rome, he died Dec. 5, 44 BC during the 1990s in AD 79."
    values = {text[v.start:v.end]: v.value for v in recognise_times(text, "en")}
    assert values == {"4 December 2009": "2009-12-04", "Dec. 5, 44 BC": "-0044-12-05",
                      "1990s": "199X", "AD 79": "0079"}


def test_recognise_does_not_take_numbers_for_years() -> None:
    assert recognise_times("It sold 12009 copies for 2009.5 dollars each.", "en") == []


def test_recognise_chinese_dates() -> None:
    text = "他于２００９年12月4日出生，公元前44年，19世纪"
    values = {text[v.start:v.end]: (v.value, v.precision) for v in recognise_times(text, "zh")}
    assert values == {"２００９年12月4日": ("2009-12-04", DAY), "公元前44年": ("-0044", YEAR),
                      "19世纪": ("18XX", CENTURY)}
