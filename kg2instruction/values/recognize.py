"""Recognising dates and numbers in text as value mentions, English and Chinese.

Rendering finds the dates the KG knows; recognition finds every date the text writes, so that
(a) the mention stage can emit value mentions with a normalised ISO value, and (b) matching can
refuse a rendered "1952" that sits inside a longer written date ("4 December 1952" states a day,
so a year-precision claim must not claim a piece of it). Patterns cover the forms that
`time_forms` renders; anything they do not parse is simply not a value mention.
"""
from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from kg2instruction.values.text_search import drop_nested, fold_text
from kg2instruction.values.time_forms import MONTH_NUMBERS_EN, ORDINAL_WORDS_EN
from kg2instruction.values.wikidata_time import CENTURY, DAY, DECADE, MONTH, YEAR, WikiTime


@dataclass(frozen=True, order=True)
class RecognisedValue:
    """A value written in the text: its span, kind ('time' | 'quantity') and normalised value."""

    start: int
    end: int
    kind: str
    value: str
    precision: int | None = None   # date precision for kind == 'time'


_MONTH = "(?P<month>" + "|".join(sorted(MONTH_NUMBERS_EN, key=len, reverse=True)) + r")\.?"
_DAY = r"(?P<day>[0-3]?\d)(?:st|nd|rd|th)?"
_ERA = r"(?:\s?(?P<era>b\.c\.e\.|b\.c\.|bce|bc|a\.d\.|ad|ce)(?![a-z]))?"
_YEAR = r"(?P<year>\d{1,4})"
_NOT_NUM_L = r"(?<![\w$£€¥#.,])(?<![\d][.,])"
_NOT_NUM_R = r"(?![\w%‰])(?![.,]\d)"

_ERA_WORD = r"(?P<era>b\.c\.e\.|b\.c\.|bce|bc|a\.d\.|ad|ce)(?![a-z])"
_CENTURY_WORDS = "|".join(ORDINAL_WORDS_EN[::-1])
_EN_SOURCES: list[tuple[str, int]] = [
    (_NOT_NUM_L + r"(?P<year>\d{4})-(?P<month>[01]\d)-(?P<day>[0-3]\d)" + _NOT_NUM_R, DAY),
    (_NOT_NUM_L + _DAY + r"\s" + _MONTH + r",?\s" + _YEAR + _ERA + _NOT_NUM_R, DAY),
    (r"(?<![\w])" + _MONTH + r"\s" + _DAY + r",?\s" + _YEAR + _ERA + _NOT_NUM_R, DAY),
    (r"(?<![\w])" + _MONTH + r",?\s" + _YEAR + _ERA + _NOT_NUM_R, MONTH),
    (r"(?<![\w])(?P<era_pre>a\.d\.|ad)\s" + _YEAR + _NOT_NUM_R, YEAR),
    (_NOT_NUM_L + _YEAR + r"\s?" + _ERA_WORD, YEAR),
    (_NOT_NUM_L + r"(?P<decade>\d{2,3}0)'?s" + _ERA + r"(?![\w])", DECADE),
    (r"(?<![\w])(?P<century>\d{1,2})(?:st|nd|rd|th)[\s-]century" + _ERA + r"(?![\w])", CENTURY),
    (r"(?<![\w])(?P<century_word>" + _CENTURY_WORDS + r")[\s-]century" + _ERA + r"(?![\w])",
     CENTURY),
    (_NOT_NUM_L + r"(?P<year>1\d{3}|20\d{2})" + _NOT_NUM_R, YEAR),
]
_EN_PATTERNS = [(re.compile(pattern), precision) for pattern, precision in _EN_SOURCES]

_ZH_YEAR = r"(?P<era>公元前|公元|前)?(?P<year>\d{1,4})年"
_ZH_PATTERNS: list[tuple[re.Pattern[str], int]] = [
    (re.compile(r"(?<!\d)" + _ZH_YEAR + r"(?P<month>[01]?\d)月(?P<day>[0-3]?\d)[日号]"), DAY),
    (re.compile(r"(?<!\d)" + _ZH_YEAR + r"(?P<month>[01]?\d)月"), MONTH),
    (re.compile(r"(?<!\d)(?P<era>公元前)?(?P<decade>\d{2,3}0)年代"), DECADE),
    (re.compile(r"(?<!\d)(?P<era>公元前)?(?P<century>\d{1,2})世纪(?!\d)"), CENTURY),
    (re.compile(r"(?<!\d)" + _ZH_YEAR), YEAR),
    (re.compile(r"(?<![\d.,])(?P<year>\d{4})-(?P<month>[01]\d)-(?P<day>[0-3]\d)(?!\d)"), DAY),
]

_NUMBER = re.compile(r"(?<![\w.,])(?<!\d[.,])-?\d{1,3}(?:,\d{3})+(?:\.\d+)?(?![\w%])(?![.,]\d)"
                     r"|(?<![\w.,])-?\d+(?:\.\d+)?(?![\w%])(?![.,]\d)")


def _to_time(match: re.Match[str], precision: int) -> WikiTime | None:
    groups = match.groupdict()
    era = (groups.get("era") or groups.get("era_pre") or "").lower()
    bce = era in ("bc", "b.c.", "bce", "b.c.e.", "公元前", "前")
    if precision == CENTURY:
        word = groups.get("century_word")
        century = ORDINAL_WORDS_EN.index(word.lower()) + 1 if word else int(groups["century"])
        year = century * 100
    elif precision == DECADE:
        year = int(groups["decade"])
    else:
        year = int(groups["year"])
    if year == 0:
        return None
    month = groups.get("month")
    month_number = 0
    if month is not None:
        month_number = int(month) if month.isdigit() else MONTH_NUMBERS_EN[month.lower()]
        if not 1 <= month_number <= 12:
            return None
    day = int(groups["day"]) if groups.get("day") else 0
    if precision == DAY and not 1 <= day <= 31:
        return None
    return WikiTime(-year if bce else year, month_number, day, precision)


def recognise_times(text: str, lang: str) -> list[RecognisedValue]:
    """Maximal date expressions in `text` (nested ones dropped), with ISO values (see
    `WikiTime.iso`)."""
    folded = fold_text(text)
    patterns = _ZH_PATTERNS if lang.startswith("zh") else _EN_PATTERNS
    found: dict[tuple[int, int], RecognisedValue] = {}
    for pattern, precision in patterns:
        for match in pattern.finditer(folded):
            value = _to_time(match, precision)
            span = match.span()
            if value is not None and span not in found:
                found[span] = RecognisedValue(span[0], span[1], "time", value.iso(), precision)
    kept = drop_nested(found)
    return sorted(v for span, v in found.items() if span in kept)


def recognise_numbers(text: str, lang: str) -> Iterator[RecognisedValue]:
    """Standalone numbers ("8,848", "1.96", "-5") not inside words, dates' digits excluded by
    the caller; value = canonical decimal without separators."""
    del lang  # digits are written alike in both languages once full-width is folded
    for match in _NUMBER.finditer(fold_text(text)):
        yield RecognisedValue(match.start(), match.end(), "quantity",
                              match.group().replace(",", ""))
