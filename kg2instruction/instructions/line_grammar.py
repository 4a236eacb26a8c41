"""A tiny line grammar shared by the text output formats: literals and fields, rendered per language,
read back in either language.

Each text format is one line per fact. Writing it as data (a template per language for rendering,
one list of literal alternatives and slots for reading) keeps rendering and parsing from drifting
apart, which is what the round-trip guarantee rests on.
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from kg2instruction.instructions.fields import Field, read_field, render_field, skip_spaces


@dataclass(frozen=True)
class Literal:
    """Fixed text; any of `accepted` is read (case-insensitively, surrounding spaces ignored)."""

    accepted: tuple[str, ...]


@dataclass(frozen=True)
class Slot:
    """A field holding a value: an entity name, a relation label or an entity type."""

    name: str


Token = Literal | Slot


@dataclass(frozen=True)
class LineGrammar:
    """How one fact is written on a line (per language) and read back (any language).

    `templates` maps a language to a `str.format` template over the slot names; `tokens` is the
    reading grammar. `repeatable` lets several facts share a line, as tuple outputs often do
    (``(a, r, b)(c, r, d)``).
    """

    templates: Mapping[str, str]
    tokens: tuple[Token, ...]
    repeatable: bool = False

    @property
    def slot_names(self) -> tuple[str, ...]:
        return tuple(t.name for t in self.tokens if isinstance(t, Slot))

    def render(self, values: Mapping[str, str], lang: str, nan_slots: Sequence[str] = ()) -> str:
        """One line; slots in `nan_slots` get the bare NAN marker instead of a value."""
        template = self.templates.get(lang) or self.templates["en"]
        fields = {name: "NAN" if name in nan_slots else render_field(values[name])
                  for name in self.slot_names}
        return template.format(**fields)

    def read(self, line: str) -> list[dict[str, Field]] | None:
        """All facts on `line` (slot name -> field), or None when the line is not in this format."""
        facts: list[dict[str, Field]] = []
        pos = skip_spaces(line, 0)
        while True:
            fact, pos = self._read_one(line, pos)
            if fact is None:
                return None
            facts.append(fact)
            pos = skip_spaces(line, pos)
            if pos >= len(line):
                return facts
            if not self.repeatable:
                return None
            if line[pos] in ",，;；":
                pos = skip_spaces(line, pos + 1)

    def _read_one(self, line: str, pos: int) -> tuple[dict[str, Field] | None, int]:
        fact: dict[str, Field] = {}
        for token in self.tokens:
            if isinstance(token, Literal):
                pos = _match_literal(line, pos, token)
                if pos < 0:
                    return None, pos
            else:
                field = read_field(line, pos)
                if field is None:
                    return None, pos
                fact[token.name] = field
                pos = field.end
        return fact, pos


def _match_literal(line: str, pos: int, literal: Literal) -> int:
    pos = skip_spaces(line, pos)
    for text in literal.accepted:
        if line[pos:pos + len(text)].casefold() == text.casefold():
            return pos + len(text)
    return -1
