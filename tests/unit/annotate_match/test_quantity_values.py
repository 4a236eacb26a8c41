"""Quantity rendering (units, symbols, separators, scales, conversions) in English and Chinese."""
from __future__ import annotations

from decimal import Decimal

import pytest

from kg2instruction.values import find_bounded, fold_text, render_quantity, unit_names
from kg2instruction.values.quantity_forms import canonical_amount, load_unit_table, number_forms

METRE, CENTIMETRE = "Q11573", "Q174728"


def forms(amount: str, unit: str, lang: str, kg_names: tuple[str, ...] = ()) -> set[str]:
    names = unit_names(unit, lang, kg_names)
    converted = {u: unit_names(u, lang) for u, _ in names.conversions}
    return {f.surface for f in render_quantity(amount, unit, lang, names, converted)}


def test_height_of_q42_in_english() -> None:
    # Q42 P2048 = +1.96 metre (unit given as an entity URI in the dump)
    rendered = forms("+1.96", "http://www.wikidata.org/entity/Q11573", "en", ("metre",))
    assert {"1.96 metres", "1.96 m", "1.96 metre", "196 cm"} <= rendered


def test_height_in_chinese() -> None:
    rendered = forms("+1.96", METRE, "zh", ("米",))
    assert {"1.96米", "196厘米", "1.96 m"} <= rendered


def test_normalised_value_carries_amount_and_unit() -> None:
    names = unit_names(METRE, "en", ("metre",))
    values = {f.value for f in render_quantity("+1.960", METRE, "en", names)}
    assert values == {"1.96 Q11573"}


def test_thousands_separators_and_plain_integer() -> None:
    assert {"8848 m", "8,848 m", "8,848 metres"} <= forms("+8848", METRE, "en", ("metre",))
    assert {"8848", "8,848"} <= set(number_forms(Decimal("8848"), "en"))


def test_exact_scales_only() -> None:
    assert "1.5 million" in number_forms(Decimal("1500000"), "en")
    assert not any("million" in f for f in number_forms(Decimal("1234567"), "en"))
    assert "150万" in number_forms(Decimal("1500000"), "zh")
    assert "14亿" in number_forms(Decimal("1400000000"), "zh")


def test_negative_amounts_use_both_minus_signs() -> None:
    assert {"-5", "\u22125"} <= set(number_forms(Decimal("-5"), "en"))


def test_unitless_short_numbers_are_not_rendered() -> None:
    # Q42 P2021 (Erdős number) = +10, unit '1': "10" would match everywhere
    assert forms("+10", "1", "en") == set()
    assert {"8848", "8,848"} <= forms("+8848", "1", "en")


def test_canonical_amount() -> None:
    assert canonical_amount(Decimal("+100")) == "100"
    assert canonical_amount(Decimal("1.9600")) == "1.96"
    assert canonical_amount(Decimal("-0")) == "0"


def test_bad_amount_is_an_error() -> None:
    with pytest.raises(ValueError, match="amount"):
        render_quantity("tall", METRE, "en", unit_names(METRE, "en"))


def test_quantity_found_with_boundaries() -> None:
    text = "He was 1.96 m tall; the 21.96 m mast and 1.96 million fans do not count."
    folded = fold_text(text)
    spans = [text[s:e] for f in forms("+1.96", METRE, "en", ("metre",))
             for s, e in find_bounded(folded, f)]
    assert spans == ["1.96 m"]


def test_packaged_unit_table_is_valid_and_conversions_point_to_known_units() -> None:
    table = load_unit_table()
    for unit, entry in table.items():
        for conversion in entry.conversions:
            assert conversion.unit in table, f"{unit} converts to unknown {conversion.unit}"


def test_user_unit_table_errors_name_file_and_key(tmp_path) -> None:
    from kg2instruction.errors import ConfigError

    bad = tmp_path / "units.yaml"
    bad.write_text("Q11573:\n  en: [m]\n  fr: [mètre]\n", encoding="utf-8")
    with pytest.raises(ConfigError) as error:
        load_unit_table(str(bad))
    assert "units.yaml" in str(error.value) and "fr" in str(error.value)


def test_recognise_numbers_reads_separators_and_skips_codes() -> None:
    from kg2instruction.values import recognise_numbers

    text = "The peak is 8,848 m high, 1.5 km wide and -3 degrees; route A123 and ８８４８."
    found = {text[v.start:v.end]: v.value for v in recognise_numbers(text, "en")}
    assert found == {"8,848": "8848", "1.5": "1.5", "-3": "-3", "８８４８": "8848"}
