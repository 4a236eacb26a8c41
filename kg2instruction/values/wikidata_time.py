"""Wikidata time values as calendar facts with a precision, and their normalised ISO form.

Wikidata's JSON time string ("+2009-12-04T00:00:00Z") uses the *historical* year numbering for
years BCE: there is no year 0, "-0001" is 1 BCE and "-0044" is 44 BCE (Wikibase DataModel/JSON,
"like XSD 1.0 (ISO 8601:1988)"). Only Wikidata's RDF export switches to astronomical numbering
(XSD 1.1: 1 BCE = "0000", 44 BCE = "-0043"); a backend that reads RDF must convert back before
handing values to this module. Everything here keeps the historical convention, so "-0044"
renders as "44 BC" / "公元前44年".

Precision codes (Wikibase): 6 millennium, 7 century, 8 decade, 9 year, 10 month, 11 day; coarser
codes (0-5, geological scales) are not renderable as text dates and are rejected.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

DAY, MONTH, YEAR, DECADE, CENTURY = 11, 10, 9, 8, 7
RENDERABLE_PRECISIONS = frozenset({DAY, MONTH, YEAR, DECADE, CENTURY})

_TIME = re.compile(r"^([+-]?)(\d{1,16})-(\d{2})-(\d{2})(?:T.*)?$")


@dataclass(frozen=True, order=True)
class WikiTime:
    """A date at a precision. `year` is historical: negative means BCE, 0 never occurs."""

    year: int
    month: int      # 1-12, or 0 when the precision is coarser than month
    day: int        # 1-31, or 0 when the precision is coarser than day
    precision: int

    @property
    def is_bce(self) -> bool:
        return self.year < 0

    @property
    def century(self) -> int:
        """Ordinal century of the year (1901..2000 -> 20), as Wikibase formats precision 7."""
        return (abs(self.year) + 99) // 100

    @property
    def decade(self) -> int:
        """First year of the decade ("1990s" -> 1990), for CE years."""
        return abs(self.year) // 10 * 10

    def at_precision(self, precision: int) -> WikiTime:
        """The same date truncated to a coarser precision (what a shorter text form states)."""
        if precision > self.precision:
            raise ValueError(f"cannot refine precision {self.precision} to {precision}")
        return WikiTime(self.year,
                        self.month if precision >= MONTH else 0,
                        self.day if precision >= DAY else 0,
                        precision)

    def iso(self) -> str:
        """Normalised value: ISO 8601 truncated to the precision; EDTF 'X' digits for decades and
        centuries ("199X", "18XX" = 19th century); BCE years keep Wikidata's historical sign."""
        sign = "-" if self.year < 0 else ""
        if self.precision == CENTURY:
            return f"{sign}{self.century - 1:02d}XX"
        if self.precision == DECADE:
            return f"{sign}{self.decade // 10:03d}X"
        year = f"{sign}{abs(self.year):04d}"
        if self.precision == YEAR:
            return year
        if self.precision == MONTH:
            return f"{year}-{self.month:02d}"
        return f"{year}-{self.month:02d}-{self.day:02d}"


def parse_wikidata_time(time: str, precision: int) -> WikiTime:
    """Parse Wikidata's time string at `precision`; ValueError for malformed or unrenderable values.

    Month/day "00" are legal at coarse precisions; a month or day missing at a precision that needs
    it (bad data happens in the dump) lowers the precision rather than inventing a date.
    """
    match = _TIME.match(time.strip())
    if not match:
        raise ValueError(f"not a Wikidata time string: {time!r}")
    sign, year_s, month_s, day_s = match.groups()
    year = int(year_s) * (-1 if sign == "-" else 1)
    if year == 0:
        raise ValueError(f"year 0 does not exist in Wikidata's historical numbering: {time!r}")
    month, day = int(month_s), int(day_s)
    if precision not in RENDERABLE_PRECISIONS:
        raise ValueError(f"precision {precision} is not a renderable date precision")
    if precision >= MONTH and not 1 <= month <= 12:
        precision = YEAR
    if precision >= DAY and not 1 <= day <= 31:
        precision = MONTH
    return WikiTime(year, month if precision >= MONTH else 0, day if precision >= DAY else 0,
                    precision)
