"""The field's rule for reading a model's answer (the default scoring): all of it, as asked.

IEPile's evaluator (`ie2instruction/eval/extracter/re_extracter.py`, `ner_extracter.py`) decodes
the whole output with `json.loads`. An output that does not decode (prose around the JSON, a code
fence, single quotes, a trailing comma, an answer cut off by the token limit) or decodes to
anything but an object is a **parse error**: the instruction predicts nothing, and the error is
counted. Inside the object, entries of the wrong shape are skipped and the rest kept, exactly as
there:

- relations ``{label: [{"subject": s, "object": o}, ...]}`` -> (s, label, o); a value that is not
  a list is skipped, an item that is not an object is skipped, a missing subject or object reads as
  ``""``, a non-string one skips the item;
- entities ``{type: [name, ...]}`` -> (name, type); a value that is not a list and a name that is
  not a string are skipped;
- IEPile's KG task ``{type: {entity: {attribute: value | [values]}}}`` -> (entity, attribute,
  value) (IEPile ships no KG extracter; the object must decode the same way, the nesting is read
  as `formats.relations_from_json` reads it).

An answer in one of this project's text formats (tuple, natural, colon) is read by that format's
exact grammar (`formats.parse_relations` / `parse_entities`): every non-blank line must be a fact
or a NAN marker, or the answer is a parse error. Which format an instruction asks for is decided
from its gold (`records.AnswerFormat`); when the gold does not tell (no instruction, or an answer
that is just ``NAN``), an answer is accepted in any one of the formats, each read strictly.
The tolerant reading is `parse` (``kg2i eval --lenient``), reported beside these figures.
"""
from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from kg2instruction.instructions.formats import (
    Entity,
    EntityParseResult,
    OutputFormat,
    ParseResult,
    Triple,
    parse_entities,
    parse_relations,
    relations_from_json,
)

TEXT_FORMATS = (OutputFormat.TUPLE, OutputFormat.NATURAL, OutputFormat.COLON)
JSON = OutputFormat.JSON.value
KG = "kg"
ANY = "any"
R = TypeVar("R", ParseResult, EntityParseResult)


def strict_relations(text: str, answer_format: str = JSON) -> ParseResult:
    """Triples of a relation answer under the field's rule (`answer_format`: json, kg, tuple,
    natural, colon, or any)."""
    if answer_format in (JSON, KG):
        doc, error = _decode_object(text)
        if error is not None:
            return ParseResult((), False, error, answer_format)
        if answer_format == KG:
            triples, _ = relations_from_json(doc)
            return ParseResult(tuple(triples), True, None, KG)
        return ParseResult(_iepile_relations(doc), True, None, JSON)
    if answer_format == ANY:
        return _first_ok([lambda: strict_relations(text, JSON)]
                         + [lambda f=f: _text_relations(text, f) for f in TEXT_FORMATS])
    return _text_relations(text, OutputFormat(answer_format))


def strict_entities(text: str, answer_format: str = JSON) -> EntityParseResult:
    """Entities of an NER answer under the field's rule (`answer_format` as for relations)."""
    if answer_format in (JSON, KG):
        doc, error = _decode_object(text)
        if error is not None:
            return EntityParseResult((), False, error, JSON)
        return EntityParseResult(_iepile_entities(doc), True, None, JSON)
    if answer_format == ANY:
        return _first_ok([lambda: strict_entities(text, JSON)]
                         + [lambda f=f: _text_entities(text, f) for f in TEXT_FORMATS])
    return _text_entities(text, OutputFormat(answer_format))


def _decode_object(text: str) -> tuple[dict[str, Any], str | None]:
    try:
        doc = json.loads(text)
    except ValueError as exc:
        return {}, f"not JSON ({exc})"
    except RecursionError:
        return {}, "not JSON (nested too deeply)"
    if not isinstance(doc, dict):
        return {}, f"JSON {type(doc).__name__}, not the object the instruction asks for"
    return doc, None


def _iepile_relations(doc: dict[str, Any]) -> tuple[Triple, ...]:
    triples = []
    for label, values in doc.items():
        if not isinstance(values, list):
            continue
        for item in values:
            if not isinstance(item, dict):
                continue
            head, tail = item.get("subject", ""), item.get("object", "")
            if isinstance(head, str) and isinstance(tail, str):
                triples.append(Triple(head, label, tail))
    return tuple(triples)


def _iepile_entities(doc: dict[str, Any]) -> tuple[Entity, ...]:
    return tuple(Entity(name, etype) for etype, names in doc.items() if isinstance(names, list)
                 for name in names if isinstance(name, str))


def _text_relations(text: str, fmt: OutputFormat) -> ParseResult:
    if not text.strip():
        return ParseResult((), False, "empty output", fmt.value)
    return parse_relations(fmt, text)


def _text_entities(text: str, fmt: OutputFormat) -> EntityParseResult:
    if not text.strip():
        return EntityParseResult((), False, "empty output", fmt.value)
    return parse_entities(fmt, text)


def _first_ok(attempts: Sequence[Callable[[], R]]) -> R:
    """The first attempt that reads the whole answer, else the first attempt's failure."""
    results = []
    for attempt in attempts:
        result = attempt()
        if result.ok:
            return result
        results.append(result)
    return results[0]
