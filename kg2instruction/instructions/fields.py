"""Writing and reading one field (an entity name or a label) inside the text output formats.

Entity names contain anything: commas ("September 27, 1826"), parentheses ("Mercury (planet)"),
quotes, colons, Chinese punctuation ("2,424人"). A text format stays unambiguous only if such a name
cannot be mistaken for a separator, so every field is written in one of two forms:

- **bare**: the name as is, when it is "plain": non-empty, no surrounding whitespace, every character
  printable, none of the reserved characters ``, ， ( ) （ ） : ： " \\``, and not the marker ``NAN``;
- **quoted** otherwise: a JSON string literal (``"…"``, with ``\\"``, ``\\\\`` and ``\\uXXXX`` for
  non-printable characters), so it never holds a raw line break.

Bare is what a model mostly sees (the paper's formats), quoting only where the bare form would lie.
A bare ``NAN`` is the absence marker; an entity really called NAN is written ``"NAN"``.
"""
from __future__ import annotations

import json
from dataclasses import dataclass

NAN = "NAN"
# Structural characters of the text formats (ASCII and full-width forms models also produce).
RESERVED = frozenset(',，()（）:："\\')


def is_plain(value: str) -> bool:
    """True when `value` can be written bare without being misread."""
    return (bool(value) and value == value.strip() and value != NAN
            and all(ch.isprintable() and ch not in RESERVED for ch in value))


def quote(value: str) -> str:
    """A JSON string literal for `value` with only printable characters in it."""
    out = ['"']
    for ch in value:
        if ch == '"':
            out.append('\\"')
        elif ch == "\\":
            out.append("\\\\")
        elif ch.isprintable():
            out.append(ch)
        else:
            out.append(_escape_code_point(ord(ch)))
    out.append('"')
    return "".join(out)


def _escape_code_point(code: int) -> str:
    if code <= 0xFFFF:
        return f"\\u{code:04x}"
    code -= 0x10000  # astral character: a UTF-16 surrogate pair, as JSON spells it
    return f"\\u{0xD800 + (code >> 10):04x}\\u{0xDC00 + (code & 0x3FF):04x}"


def render_field(value: str) -> str:
    """The bare form when it is safe, the quoted form otherwise."""
    return value if is_plain(value) else quote(value)


@dataclass(frozen=True)
class Field:
    """A field read from a line: its value, whether it was the bare NAN marker, where it ended."""

    value: str
    is_nan: bool
    end: int


def read_field(line: str, pos: int, stop_chars: frozenset[str] = RESERVED) -> Field | None:
    """Read one field starting at `pos` (leading spaces skipped).

    A quoted field is a JSON string literal; a bare field runs up to the next character in
    `stop_chars` (or the end of the line) and is stripped. Returns None when there is no field.
    """
    n = len(line)
    while pos < n and line[pos] == " ":
        pos += 1
    if pos < n and line[pos] == '"':
        end = _closing_quote(line, pos)
        if end is None:
            return None
        try:
            value = json.loads(line[pos:end + 1])
        except ValueError:
            return None
        return Field(value, False, end + 1)
    start = pos
    while pos < n and line[pos] not in stop_chars:
        pos += 1
    value = line[start:pos].strip()
    if not value:
        return None
    return Field(value, value == NAN, pos)


def _closing_quote(line: str, start: int) -> int | None:
    pos = start + 1
    while pos < len(line):
        ch = line[pos]
        if ch == "\\":
            pos += 2
            continue
        if ch == '"':
            return pos
        pos += 1
    return None


def skip_spaces(line: str, pos: int) -> int:
    while pos < len(line) and line[pos].isspace():
        pos += 1
    return pos
