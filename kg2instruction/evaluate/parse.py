"""Lenient reading of raw model output (``kg2i eval --lenient``), without ever raising.

This is *not* the field's rule: IEPile's evaluator decodes the whole output and counts anything
else as a parse error (`strict`, the default scoring). Lenient figures are reported beside the
strict ones, to show how much a model loses to its formatting alone, never instead of them.

Models wrap answers in prose and code fences, use single quotes, leave trailing commas, write
``(a, b, c)(d, e, f)`` on one line, number their lines, or put a bare comma inside a name. The
strict parsers in `kg2instruction.instructions.formats` read exactly what we render; this module
finds the structured part of anything else:

1. the content of ```` ``` ```` fences if there are any (a fence is a line that starts with three
   backticks; an unclosed fence runs to the end; ```` ```json {...}``` ```` on one line too);
2. exactly ``NAN``: no facts;
3. the first JSON value (object or array) that decodes — strictly, then with trailing commas
   removed, then as a Python literal (single quotes) — and has the shape of an output (a bracket
   on a line that reads as a text fact belongs to a name there, not to a JSON answer). A bracket
   that never closes is an answer cut off by the token limit: nothing inside it is taken for the
   answer (its first complete inner value, often an empty ``[]``, would score a truncated answer
   as a valid empty one);
4. otherwise line by line, each of the text formats in either language, bullets and numbering
   stripped; a tuple or natural line with unquoted commas is split at a known label when the
   candidate labels are given.

`ok` is False when nothing structured was found (garbage, blank output) or a JSON answer held
entries of the wrong shape; the facts read so far are kept either way. Lines of prose around
structured lines are skipped without failing the output.
"""
from __future__ import annotations

import ast
import bisect
import json
import re
from collections.abc import Callable, Collection, Iterator
from dataclasses import dataclass, field
from typing import Any

from kg2instruction.instructions.fields import NAN
from kg2instruction.instructions.formats import (
    ENTITY_LINES,
    RELATION_COLON_ABSENT,
    RELATION_LINES,
    Entity,
    EntityParseResult,
    OutputFormat,
    ParseResult,
    Triple,
    entities_from_json,
    relations_from_json,
)

MAX_JSON_CANDIDATES = 16
MAX_JSON_CHARS = 200_000
# A fence is a line starting with ``` (Markdown); an unclosed one runs to the end of the text.
_FENCE = re.compile(r"^[ \t]*```[^\n`]*\n(.*?)(?:^[ \t]*```|\Z)", re.DOTALL | re.MULTILINE)
_INLINE_FENCE = re.compile(r"^\s*```(?:[A-Za-z]+\b)?(.*?)```\s*$", re.DOTALL)
_BULLET = re.compile(r"^\s*(?:[-*•·]|\d{1,3}[.)、．]|[（(]\d{1,3}[)）])\s+")
_TRAILING_COMMA = re.compile(r",\s*([}\]])")
_COMMA = re.compile(r"\s*[,，]\s*")
_NATURAL_FALLBACK = (
    re.compile(r"^subject is (.+?)[,，]\s*relation is (.+?)[,，]\s*object is (.+)$", re.IGNORECASE),
    re.compile(r"^主体是(.+?)[,，]\s*关系是(.+?)[,，]\s*客体是(.+)$"),
)


def parse_relation_output(text: Any, labels: Collection[str] = ()) -> ParseResult:
    """Triples in a model's raw answer; `labels` (the instruction's candidates) only help split
    names with bare commas."""
    body, failure = _body(text)
    if failure is not None:
        return (ParseResult((), True, None, "nan") if failure == "nan"
                else ParseResult((), False, failure))
    lines = _read_lines(body, lambda line: _read_relation_line(line, labels))
    for doc in _json_values(body, lines.fact_lines):
        triples, error = relations_from_json(doc)
        if triples or error is None:
            return ParseResult(tuple(triples), error is None, error, OutputFormat.JSON.value)
    if lines.format is None:
        return ParseResult((), False, "no triples found in any known format")
    return ParseResult(tuple(lines.facts), True, None, lines.format)


def parse_entity_output(text: Any, types: Collection[str] = ()) -> EntityParseResult:
    """Entities in a model's raw NER answer (same tolerance as `parse_relation_output`).
    `types` is accepted for symmetry; entity lines have no comma ambiguity to resolve."""
    body, failure = _body(text)
    if failure is not None:
        return (EntityParseResult((), True, None, "nan") if failure == "nan"
                else EntityParseResult((), False, failure))
    lines = _read_lines(body, _read_entity_line)
    for doc in _json_values(body, lines.fact_lines):
        entities, error = entities_from_json(doc)
        if entities or error is None:
            return EntityParseResult(tuple(entities), error is None, error, OutputFormat.JSON.value)
    if lines.format is None:
        return EntityParseResult((), False, "no entities found in any known format")
    return EntityParseResult(tuple(lines.facts), True, None, lines.format)


def _body(text: Any) -> tuple[str, str | None]:
    """The text to read (fences removed), or a reason to stop: "nan" or a failure message."""
    if not isinstance(text, str):
        return "", f"output is {type(text).__name__}, not text"
    body = _unfence(text)
    if not body.strip():
        return "", "empty output"
    if body.strip() == NAN:
        return "", "nan"
    return body, None


# ---- text lines ----------------------------------------------------------------------------------

@dataclass
class _Lines:
    """Facts read from the text lines, the first format seen, and the numbers of those lines."""

    facts: list = field(default_factory=list)
    format: str | None = None
    fact_lines: set[int] = field(default_factory=set)


def _read_lines(body: str, read_line: Callable[[str], tuple[str, list] | None]) -> _Lines:
    out = _Lines()
    for number, raw in enumerate(body.split("\n")):
        line = _BULLET.sub("", raw.strip(), count=1).strip()
        read = read_line(line) if line else None
        if read is not None:
            out.format = out.format or read[0]
            out.facts.extend(read[1])
            out.fact_lines.add(number)
    return out


def _read_entity_line(line: str) -> tuple[str, list[Entity]] | None:
    if line == NAN:
        return "nan", []
    for name, grammar in ENTITY_LINES.items():
        facts = grammar.read(line)
        if facts is not None:
            return name.value, [Entity(f["entity"].value, f["type"].value)
                                for f in facts if not f["entity"].is_nan]
    return None


def _read_relation_line(line: str, labels: Collection[str]) -> tuple[str, list[Triple]] | None:
    if line == NAN:
        return "nan", []
    for name, grammar in RELATION_LINES.items():
        facts = grammar.read(line)
        if facts is not None:
            return name.value, [Triple(f["head"].value, f["relation"].value, f["tail"].value)
                                for f in facts if not (f["head"].is_nan or f["tail"].is_nan)]
    absent = RELATION_COLON_ABSENT.read(line)
    if absent is not None and absent[0]["head"].is_nan:
        return OutputFormat.COLON.value, []
    for pattern in _NATURAL_FALLBACK:
        match = pattern.match(line)
        if match:
            head, relation, tail = (g.strip() for g in match.groups())
            triples = [] if NAN in (head, tail) else [Triple(head, relation, tail)]
            return OutputFormat.NATURAL.value, triples
    if labels and line[:1] in "(（" and line[-1:] in ")）":
        triple = _split_at_label(line[1:-1], labels)
        if triple is not None:
            return OutputFormat.TUPLE.value, [triple]
    return None


def _split_at_label(inner: str, labels: Collection[str]) -> Triple | None:
    """``a, b, rel, c`` with `rel` a known label -> (``a, b``, rel, c): the first field between
    separators that is a label, with at least one field on each side."""
    seps = list(_COMMA.finditer(inner))
    for i in range(len(seps) - 1):
        candidate = inner[seps[i].end():seps[i + 1].start()]
        if candidate in labels:
            head, tail = inner[:seps[i].start()].strip(), inner[seps[i + 1].end():].strip()
            if head and tail and NAN not in (head, tail):
                return Triple(head, candidate, tail)
    return None


# ---- fences and JSON ---------------------------------------------------------------------------

def _unfence(text: str) -> str:
    """The content of the fenced blocks (all of them, in order), or `text` if it has none."""
    if "```" not in text:
        return text
    blocks = [m.group(1) for m in _FENCE.finditer(text)]
    if blocks:
        return "\n".join(blocks)
    inline = _INLINE_FENCE.match(text)
    return inline.group(1) if inline else text


def _json_values(body: str, fact_lines: set[int]) -> Iterator[Any]:
    """Decoded JSON objects/arrays found in `body`, leftmost first (nested ones are skipped).

    A bracket on a line already read as a text fact is part of a name (``(f{}, r, x)``), not
    the start of a JSON answer, and is passed over."""
    newlines = [i for i, ch in enumerate(body) if ch == "\n"]
    pos = 0
    tried = 0
    while tried < MAX_JSON_CANDIDATES:
        start = _next_opening(body, pos)
        if start < 0:
            return
        if bisect.bisect_left(newlines, start) in fact_lines:
            pos = body.find("\n", start)
            if pos < 0:
                return
            continue
        end = _matching_close(body, start)
        if end < 0:   # truncated: the rest of the body is inside an answer that never ends
            return
        tried += 1
        span = body[start:end + 1]
        doc = _decode(span) if len(span) <= MAX_JSON_CHARS else None
        if isinstance(doc, dict | list):
            yield doc
            pos = end + 1
        else:
            pos = start + 1


def _next_opening(body: str, pos: int) -> int:
    starts = [i for i in (body.find("{", pos), body.find("[", pos)) if i >= 0]
    return min(starts) if starts else -1


def _matching_close(body: str, start: int) -> int:
    """Index of the bracket closing the one at `start`, skipping quoted strings; -1 if none."""
    depth = 0
    quote = None
    i = start
    while i < len(body):
        ch = body[i]
        if quote:
            if ch == "\\":
                i += 1
            elif ch == quote:
                quote = None
        elif ch in "\"'":
            quote = ch
        elif ch in "{[":
            depth += 1
        elif ch in "}]":
            depth -= 1
            if depth == 0:
                return i
        i += 1
    return -1


def _decode(span: str) -> Any:
    attempts: tuple[Callable[[str], Any], ...] = (
        json.loads,
        lambda s: json.loads(_TRAILING_COMMA.sub(r"\1", s)),
        ast.literal_eval,  # single quotes and trailing commas; literals only, never code
    )
    for attempt in attempts:
        try:
            return attempt(span)
        except (ValueError, SyntaxError, TypeError, RecursionError, MemoryError):
            continue
    return None
