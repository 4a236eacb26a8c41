"""Surface forms a Wikipedia text may use for a Wikidata date, in English and Chinese.

Distant supervision finds a time claim in a paragraph by rendering the claim the ways writers
write dates and looking for those strings; so this module is a list of writing conventions, not a
date parser. Each form carries the (possibly coarser) date it states: a day-precision birth date
written as "1952" in the text states only the year, and the triple's normalised value must say
no more than the text does.

Bare numbers are only rendered for years >= `MIN_BARE_YEAR`: "79" alone is far more often a
count than the year AD 79, which is rendered with its era marker instead.
"""
from __future__ import annotations

from dataclasses import dataclass

from kg2instruction.text.normalize import base_language
from kg2instruction.values.wikidata_time import CENTURY, DAY, DECADE, MONTH, YEAR, WikiTime

MIN_BARE_YEAR = 100

MONTHS_EN = ("January", "February", "March", "April", "May", "June", "July", "August",
             "September", "October", "November", "December")
# Abbreviations as Wikipedia's MOS allows them; September has two.
MONTH_ABBREVIATIONS_EN: tuple[tuple[str, ...], ...] = (
    ("Jan",), ("Feb",), ("Mar",), ("Apr",), (), ("Jun",), ("Jul",), ("Aug",), ("Sep", "Sept"),
    ("Oct",), ("Nov",), ("Dec",))


def _month_numbers_en() -> dict[str, int]:
    table: dict[str, int] = {}
    for number, (name, abbreviations) in enumerate(zip(MONTHS_EN, MONTH_ABBREVIATIONS_EN), 1):
        table[name.lower()] = number
        for abbreviation in abbreviations:
            table[abbreviation.lower()] = number
    return table


# Lower-cased month name or abbreviation -> 1..12: what recognisers read back from text, kept
# beside the names the renderers write so the two cannot drift apart.
MONTH_NUMBERS_EN: dict[str, int] = _month_numbers_en()
ORDINAL_WORDS_EN = ("first", "second", "third", "fourth", "fifth", "sixth", "seventh", "eighth",
                    "ninth", "tenth", "eleventh", "twelfth", "thirteenth", "fourteenth",
                    "fifteenth", "sixteenth", "seventeenth", "eighteenth", "nineteenth",
                    "twentieth", "twenty-first")
BCE_MARKERS_EN = ("BC", "BCE", "B.C.", "B.C.E.")
CHINESE_NUMERALS = "〇一二三四五六七八九"


@dataclass(frozen=True, order=True)
class DateForm:
    """One way of writing a date, and the date at the precision this writing states."""

    surface: str
    value: WikiTime


def ordinal_en(n: int) -> str:
    """1 -> '1st', 22 -> '22nd', 13 -> '13th'."""
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def _month_names_en(month: int) -> list[str]:
    full = MONTHS_EN[month - 1]
    abbreviations = MONTH_ABBREVIATIONS_EN[month - 1]
    return [full, *abbreviations, *(f"{a}." for a in abbreviations)]


def _years_en(t: WikiTime) -> list[str]:
    """The year as written after a day/month: '2009', '44 BC', 'AD 79' / '79 AD' for early CE."""
    year = abs(t.year)
    if t.is_bce:
        return [f"{year} {marker}" for marker in BCE_MARKERS_EN]
    forms = [str(year)] if year >= MIN_BARE_YEAR else []
    if year < 1000:
        forms += [f"AD {year}", f"{year} AD", f"A.D. {year}", f"{year} CE"]
    return forms


def _day_forms_en(t: WikiTime) -> list[str]:
    forms: list[str] = []
    days = [str(t.day), ordinal_en(t.day)]
    for year in _years_en(t):
        for month in _month_names_en(t.month):
            for day in days:
                forms.append(f"{day} {month} {year}")
                forms.append(f"{month} {day}, {year}")
                forms.append(f"{month} {day} {year}")
            forms.append(f"{days[0]} {month}, {year}")
    if not t.is_bce and t.year >= 1000:
        forms.append(f"{t.year:04d}-{t.month:02d}-{t.day:02d}")
    return forms


def _month_forms_en(t: WikiTime) -> list[str]:
    forms = [f"{month} {year}" for year in _years_en(t) for month in _month_names_en(t.month)]
    forms += [f"{month}, {year}" for year in _years_en(t) for month in _month_names_en(t.month)]
    if not t.is_bce and t.year >= 1000:
        forms.append(f"{t.year:04d}-{t.month:02d}")
    return forms


def _year_forms_en(t: WikiTime) -> list[str]:
    year = abs(t.year)
    if t.is_bce:
        return [f"{year} {marker}" for marker in BCE_MARKERS_EN]
    forms = [str(year)] if year >= MIN_BARE_YEAR else []
    return forms + [f"AD {year}", f"{year} AD", f"A.D. {year}", f"{year} A.D.", f"{year} CE"]


def _decade_forms_en(t: WikiTime) -> list[str]:
    decade = f"{t.decade}s"
    if t.is_bce:
        return [f"{decade} {marker}" for marker in BCE_MARKERS_EN]
    return [decade, f"{t.decade}'s"] if t.decade >= 1000 else [f"{decade} AD", f"AD {decade}"]


def _century_forms_en(t: WikiTime) -> list[str]:
    names = [ordinal_en(t.century)]
    if t.century <= len(ORDINAL_WORDS_EN):
        names.append(ORDINAL_WORDS_EN[t.century - 1])
    forms = [f"{name}{sep}century" for name in names for sep in (" ", "-")]
    if t.is_bce:
        return [f"{form} {marker}" for form in forms for marker in BCE_MARKERS_EN]
    return forms


def _chinese_digits(n: int) -> str:
    """1990 -> '一九九〇' (year digits read one by one, as Chinese writes years)."""
    return "".join(CHINESE_NUMERALS[int(d)] for d in str(n))


def _chinese_count(n: int) -> str:
    """Counting numerals up to 99 for centuries/decades: 19 -> '十九', 21 -> '二十一'."""
    if n < 10:
        return CHINESE_NUMERALS[n]
    tens, ones = divmod(n, 10)
    head = "" if tens == 1 else CHINESE_NUMERALS[tens]
    return f"{head}十{CHINESE_NUMERALS[ones] if ones else ''}"


def _years_zh(t: WikiTime) -> list[str]:
    year = abs(t.year)
    if t.is_bce:
        return [f"公元前{year}年", f"前{year}年"]
    return [f"{year}年", f"公元{year}年"]


def _day_forms_zh(t: WikiTime) -> list[str]:
    forms = [f"{y}{t.month}月{t.day}日" for y in _years_zh(t)]
    forms += [f"{y}{t.month:02d}月{t.day:02d}日" for y in _years_zh(t)]
    if not t.is_bce and t.year >= 1000:
        forms.append(f"{t.year:04d}-{t.month:02d}-{t.day:02d}")
    return forms


def _month_forms_zh(t: WikiTime) -> list[str]:
    return [f"{y}{month}月" for y in _years_zh(t) for month in (t.month, f"{t.month:02d}")]


def _year_forms_zh(t: WikiTime) -> list[str]:
    forms = _years_zh(t)
    if not t.is_bce:
        forms.append(f"{_chinese_digits(t.year)}年")
    return forms


def _decade_forms_zh(t: WikiTime) -> list[str]:
    prefix = "公元前" if t.is_bce else ""
    forms = [f"{prefix}{t.decade}年代"]
    century, within = divmod(t.decade, 100)
    if not t.is_bce and within:  # "20世纪90年代"; a century's first decade has no such name
        forms.append(f"{century + 1}世纪{within}年代")
        forms.append(f"{_chinese_count(century + 1)}世纪{_chinese_count(within // 10)}十年代")
    return forms


def _century_forms_zh(t: WikiTime) -> list[str]:
    prefix = "公元前" if t.is_bce else ""
    return [f"{prefix}{t.century}世纪", f"{prefix}{_chinese_count(t.century)}世纪"]


_RENDERERS = {
    "en": {DAY: _day_forms_en, MONTH: _month_forms_en, YEAR: _year_forms_en,
           DECADE: _decade_forms_en, CENTURY: _century_forms_en},
    "zh": {DAY: _day_forms_zh, MONTH: _month_forms_zh, YEAR: _year_forms_zh,
           DECADE: _decade_forms_zh, CENTURY: _century_forms_zh},
}

SUPPORTED_LANGUAGES = frozenset(_RENDERERS)


def render_time(t: WikiTime, lang: str, coarsest: int | None = None) -> list[DateForm]:
    """All surface forms of `t` in `lang`, at its own precision and each coarser one down to
    `coarsest` (default: only its own precision). Longest first, deduplicated.

    Decade and century forms are rendered only for claims of that precision: a birth date does
    not make "the 1950s" a statement of it.
    """
    renderers = _RENDERERS.get(base_language(lang))
    if renderers is None:
        raise ValueError(f"no date renderings for language {lang!r}; "
                         f"supported: {sorted(SUPPORTED_LANGUAGES)}")
    coarsest = t.precision if coarsest is None else coarsest
    precisions = [p for p in (DAY, MONTH, YEAR) if coarsest <= p <= t.precision]
    if t.precision < YEAR:
        precisions = [t.precision]
    seen: set[str] = set()
    forms: list[DateForm] = []
    for precision in precisions:
        value = t.at_precision(precision)
        for surface in renderers[precision](value):
            if surface not in seen:
                seen.add(surface)
                forms.append(DateForm(surface, value))
    forms.sort(key=lambda f: (-len(f.surface), f.surface))
    return forms
