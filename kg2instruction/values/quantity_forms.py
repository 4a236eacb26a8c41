"""Surface forms of a Wikidata quantity (amount + unit) in English and Chinese text.

Amounts are rendered exactly (no rounding): a rounded "1.2 million" for a population of 1,234,567
would match many numbers the sentence does not mean. Unit names come from the knowledge graph's
labels and aliases plus `unit_names.yaml` (symbols such as "km²", plurals, currency prefixes,
exact conversions such as metres <-> centimetres), which analysts can extend.
"""
from __future__ import annotations

import functools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from importlib import resources

import pydantic
import yaml

from kg2instruction.config.yaml_loader import load_yaml, validate
from kg2instruction.text.normalize import base_language

UNITLESS = "1"
_ENTITY_PREFIX = "http://www.wikidata.org/entity/"
_SCALES_EN = ((Decimal(10) ** 9, "billion"), (Decimal(10) ** 6, "million"))
_SCALES_ZH = ((Decimal(10) ** 8, "亿"), (Decimal(10) ** 4, "万"))


class UnitConversion(pydantic.BaseModel):
    model_config = pydantic.ConfigDict(extra="forbid")
    unit: str
    factor: Decimal


class UnitEntry(pydantic.BaseModel):
    """Extra names of one unit (see unit_names.yaml)."""

    model_config = pydantic.ConfigDict(extra="forbid")
    en: list[str] = []
    zh: list[str] = []
    prefix: list[str] = []
    conversions: list[UnitConversion] = []


class UnitTable(pydantic.RootModel[dict[str, UnitEntry]]):
    """Unit QID -> extra names; the file format of unit_names.yaml."""


@dataclass(frozen=True)
class UnitNames:
    """Everything a unit may be written as in one language."""

    suffixes: tuple[str, ...] = ()
    prefixes: tuple[str, ...] = ()
    conversions: tuple[tuple[str, Decimal], ...] = field(default=())


@dataclass(frozen=True, order=True)
class QuantityForm:
    """One way of writing a quantity, and its normalised value ("1.96 Q11573", "8848")."""

    surface: str
    value: str


def unit_qid(unit: str) -> str:
    """'http://www.wikidata.org/entity/Q11573' or 'Q11573' -> 'Q11573'; '1' stays '1'."""
    return unit[len(_ENTITY_PREFIX):] if unit.startswith(_ENTITY_PREFIX) else unit


@functools.lru_cache(maxsize=4)
def load_unit_table(path: str | None = None) -> dict[str, UnitEntry]:
    """The unit table from `path`, or the packaged unit_names.yaml."""
    if path is not None:
        return validate(UnitTable, load_yaml(path)).root
    text = resources.files("kg2instruction.values").joinpath("unit_names.yaml").read_text("utf-8")
    return UnitTable.model_validate(yaml.safe_load(text)).root


def unit_names(unit: str, lang: str, kg_names: Sequence[str] = (),
               table: Mapping[str, UnitEntry] | None = None) -> UnitNames:
    """Names of `unit` in `lang`: the KG's label/aliases (`kg_names`) plus the unit table; English
    labels also get a plural ("metre" -> "metres")."""
    entry = (load_unit_table() if table is None else table).get(unit_qid(unit), UnitEntry())
    names = list(getattr(entry, base_language(lang), []))
    for name in kg_names:
        names.append(name)
        if lang.startswith("en") and name and name[-1].isalpha() and not name.endswith("s"):
            names.append(name + "s")
    unique = tuple(dict.fromkeys(n for n in names if n.strip()))
    return UnitNames(unique, tuple(entry.prefix),
                     tuple((c.unit, c.factor) for c in entry.conversions))


def parse_amount(amount: str) -> Decimal:
    """Wikidata's amount string ('+1.96', '-5', '+8848') as an exact Decimal; ValueError if bad."""
    try:
        value = Decimal(amount.strip())
    except InvalidOperation:
        raise ValueError(f"not a Wikidata amount: {amount!r}") from None
    if not value.is_finite():
        raise ValueError(f"not a finite amount: {amount!r}")
    return value


def canonical_amount(value: Decimal) -> str:
    """Shortest exact decimal: Decimal('1.960') -> '1.96', Decimal('+100') -> '100'."""
    text = format(value.normalize(), "f")
    return "0" if text in ("-0", "+0") else text


def number_forms(value: Decimal, lang: str) -> list[str]:
    """How the bare number may be written: '8848', '8,848', '8 848'; exact '1.5 million' /
    '150万' scales; the Unicode minus for negatives."""
    plain = canonical_amount(value)
    forms = [plain]
    integer_part, _, fraction = plain.lstrip("-").partition(".")
    if len(integer_part) > 3:
        grouped = f"{int(integer_part):,}" + (f".{fraction}" if fraction else "")
        sign = "-" if value < 0 else ""
        forms += [sign + grouped, sign + grouped.replace(",", " ")]
    scales = _SCALES_ZH if lang.startswith("zh") else _SCALES_EN
    for scale, word in scales:
        if abs(value) >= scale:
            scaled = value / scale
            if scaled == scaled.quantize(Decimal("0.01")):
                number = canonical_amount(scaled)
                forms += [f"{number}{word}"] if lang.startswith("zh") else [f"{number} {word}"]
            break
    if value < 0:
        forms += [f.replace("-", "\u2212", 1) for f in forms]
    return list(dict.fromkeys(forms))


def render_quantity(amount: str, unit: str, lang: str, names: UnitNames,
                    converted: Mapping[str, UnitNames] | None = None,
                    min_bare_digits: int = 3) -> list[QuantityForm]:
    """All surface forms of a quantity, longest first.

    A unitless amount is rendered as a bare number only when it has at least `min_bare_digits`
    digits: "10" alone is everywhere in text, "8,848" is not. `converted` gives the names of the
    units in `names.conversions` (omitted conversions are skipped).
    """
    value = parse_amount(amount)
    qid = unit_qid(unit)
    normalised = canonical_amount(value) + ("" if qid == UNITLESS else f" {qid}")
    surfaces: list[str] = []
    if qid == UNITLESS:
        digits = sum(ch.isdigit() for ch in canonical_amount(value))
        if digits >= min_bare_digits:
            surfaces += number_forms(value, lang)
    else:
        surfaces += _with_unit(value, names, lang)
        for other_unit, factor in names.conversions:
            other = (converted or {}).get(other_unit)
            if other is not None:
                surfaces += _with_unit(value * factor, other, lang)
    unique = sorted(set(surfaces), key=lambda s: (-len(s), s))
    return [QuantityForm(surface, normalised) for surface in unique]


def _with_unit(value: Decimal, names: UnitNames, lang: str) -> list[str]:
    forms: list[str] = []
    for number in number_forms(value, lang):
        for suffix in names.suffixes:
            forms.append(f"{number} {suffix}")
            forms.append(f"{number}{suffix}")
            forms.append(f"{number}-{suffix}")  # "a 1.96-metre wall"
        forms += [f"{prefix}{number}" for prefix in names.prefixes]
    return forms
