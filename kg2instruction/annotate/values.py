"""Normalised values for date and quantity mentions found by NER.

NER spans like "February 12, 1809", "the summer of 1969", "公元前300年" or "3.5 million" are kept as
value mentions; this module extracts the part it can read into Wikidata-comparable form:
ISO-like dates at the precision the text gives ("1809-02-12", "1809-02", "1809", "-0044" for
44 BC, as Wikidata writes years) and decimal amounts ("3500000"). Anything unreadable yields None:
the mention stays, without a value.

Why not `kg2instruction.values.recognise_times`: that one scans free text, so it must be strict
(bare years only 1000-2099, "4th of December" not read). Here NER has already said the span is a
date, so any 3-4 digit year is read, while decades ("the 1990s", "1990年代") and impossible dates
("2009年13月") yield no value rather than a coarser one. The month names, the ISO form
(`WikiTime.iso`) and the decimal form (`canonical_amount`) are shared with `values`, so a value
read here compares equal to the one a KG claim renders to.
"""
from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

from kg2instruction.values.quantity_forms import canonical_amount
from kg2instruction.values.time_forms import MONTH_NUMBERS_EN
from kg2instruction.values.wikidata_time import DAY, MONTH, YEAR, WikiTime

_MONTH = r"(?P<month>" + "|".join(sorted(MONTH_NUMBERS_EN, key=len, reverse=True)) + r")\.?"
_ERA = r"(?:\s*(?P<era>BCE|BC|B\.C\.E?\.|CE|AD|A\.D\.))?"
_YEAR = r"(?P<year>\d{1,4})"
_DAY = r"(?P<day>\d{1,2})(?:st|nd|rd|th)?"

_EN_DATE_PATTERNS = [
    re.compile(rf"\b{_DAY}\s+(?:of\s+)?{_MONTH},?\s+{_YEAR}\b{_ERA}", re.I),     # 4 December 2009
    re.compile(rf"\b{_MONTH}\s+{_DAY},?\s+{_YEAR}\b{_ERA}", re.I),               # December 4, 2009
    re.compile(rf"\b{_MONTH},?\s+{_YEAR}\b{_ERA}", re.I),                         # December 2009
    re.compile(rf"\b(?P<pre_era>AD|A\.D\.)\s+{_YEAR}\b", re.I),                   # AD 44
    re.compile(rf"\b{_YEAR}{_ERA}\b", re.I),                                      # 2009 / 44 BC
]
_ZH_DATE = re.compile(r"(?P<bc>公元前|前)?(?:公元)?(?P<year>\d{1,4})年(?!代)(?:(?P<month>\d{1,2})月(?:(?P<day>\d{1,2})[日号])?)?")

_NUMBER = re.compile(r"(?P<num>[-−]?\d[\d,]*(?:\.\d+)?|[-−]?\.\d+)")
_EN_SCALES = {"thousand": 10**3, "million": 10**6, "billion": 10**9, "trillion": 10**12}
_EN_SCALED = re.compile(r"(?P<num>\d[\d,]*(?:\.\d+)?)\s*(?P<scale>thousand|million|billion|trillion)\b", re.I)
_ZH_SCALES = {"万": 10**4, "亿": 10**8, "千": 10**3, "百": 10**2}
_ZH_SCALED = re.compile(r"(?P<num>\d+(?:\.\d+)?)\s*(?P<scale>万亿|万|亿|千|百)")


def parse_date(text: str, lang: str) -> str | None:
    """The first readable date in `text`, as 'YYYY-MM-DD', 'YYYY-MM' or 'YYYY' (negative for BC)."""
    if lang.startswith("zh"):
        return _parse_zh_date(text)
    for pattern in _EN_DATE_PATTERNS:
        for match in pattern.finditer(text):
            value = _en_date_value(match)
            if value is not None:
                return value
    return None


def parse_quantity(text: str, lang: str) -> str | None:
    """The amount of the first number in `text` as a plain decimal string, scale words applied."""
    scaled = (_ZH_SCALED if lang.startswith("zh") else _EN_SCALED).search(text)
    if scaled:
        return _decimal_string(scaled["num"], _scale_factor(scaled["scale"], lang))
    match = _NUMBER.search(text)
    return _decimal_string(match["num"], 1) if match else None


def _scale_factor(scale: str, lang: str) -> int:
    """"万亿" is 万 x 亿: Chinese compound scales multiply their characters."""
    if not lang.startswith("zh"):
        return _EN_SCALES[scale.lower()]
    factor = 1
    for char in scale:
        factor *= _ZH_SCALES[char]
    return factor


def _en_date_value(match: re.Match[str]) -> str | None:
    groups = match.groupdict()
    year = int(groups["year"])
    era = (groups.get("era") or groups.get("pre_era") or "").upper().replace(".", "")
    has_month = groups.get("month") is not None
    if not era and not has_month and len(groups["year"]) < 3:
        return None                                  # "12" alone is not a year
    if year == 0:
        return None
    month = MONTH_NUMBERS_EN[groups["month"].lower()] if has_month else None
    day = int(groups["day"]) if groups.get("day") else None
    if day is not None and not 1 <= day <= 31:
        return None
    return _iso(-year if era in ("BC", "BCE") else year, month, day)


def _parse_zh_date(text: str) -> str | None:
    match = _ZH_DATE.search(text)
    if not match or int(match["year"]) == 0:
        return None
    month = int(match["month"]) if match["month"] else None
    day = int(match["day"]) if match["day"] else None
    if (month is not None and not 1 <= month <= 12) or (day is not None and not 1 <= day <= 31):
        return None
    year = int(match["year"])
    return _iso(-year if match["bc"] else year, month, day)


def _iso(year: int, month: int | None, day: int | None) -> str:
    """The same normalised form match.py compares against (`WikiTime.iso`), at the precision the
    text gives."""
    precision = YEAR if month is None else MONTH if day is None else DAY
    return WikiTime(year, month or 0, day or 0, precision).iso()


def _decimal_string(number: str, factor: int) -> str | None:
    try:
        amount = Decimal(number.replace(",", "").replace("−", "-")) * factor
    except InvalidOperation:
        return None
    return canonical_amount(amount)
