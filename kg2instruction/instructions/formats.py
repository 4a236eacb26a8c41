"""The output formats of the instruction data: render facts to text, parse text back to facts.

The instruction generator writes outputs with `render`, the evaluator reads model outputs with
`parse` (through the tolerant wrapper in `kg2instruction.evaluate.parse`). Both sides use this one
module so that, for every format, ``parse(render(facts)) == facts`` — the guarantee the dataset's
"every output parses back to exactly the triples of its record" check relies on.

Relation formats (``lang`` picks the wording; parsing accepts either language)::

    json     {"born in": [{"subject": "X", "object": "Y"}], "spouse": []}       (IEPile style)
    tuple    (X, born in, Y)                                                     (en and zh)
    natural  subject is X, relation is born in, object is Y  |  主体是X，关系是出生地，客体是Y
    colon    born in: X, Y                                   |  出生地：X，Y

Entity (NER) formats, an entity type -> entity names::

    json     {"person": ["X", "Z"], "location": []}
    tuple    (X, person)
    natural  entity is X, type is person  |  实体是X，类型是人物
    colon    person: X                    |  人物：X

Rules shared by all formats:

- Facts are written label by label in `labels_in_order` (the candidate labels of the instruction, in
  the order the instruction lists them); facts of one label keep their given order. With
  ``labels_in_order=None`` labels follow first appearance.
- Text formats write one fact per line, fields bare or JSON-quoted (see `fields`).
- ``nan=True`` (the paper's W/ NAN variant) marks every listed label without a fact: ``"label":
  "NAN"`` in JSON, ``(NAN, label, NAN)``, ``subject is NAN, relation is label, object is NAN``,
  ``label: NAN`` (entities: ``(NAN, type)``, ``entity is NAN, type is T``, ``T: NAN``). Without it
  JSON lists such a label with ``[]`` (IEPile's convention) and text formats leave it out.
- An output with nothing to say (no line, no key) is exactly ``NAN``.
- Parsing ignores NAN markers (a fact with a bare NAN in any entity slot is no fact).
"""
from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from enum import Enum
from typing import Any, NamedTuple, TypeVar

from kg2instruction.instructions.fields import NAN
from kg2instruction.instructions.line_grammar import LineGrammar, Literal, Slot


class Triple(NamedTuple):
    """A relation fact as the formats carry it; entity types live in the record, not the output."""

    head: str
    relation: str
    tail: str

    @classmethod
    def from_record(cls, item: Mapping[str, Any]) -> Triple:
        """From an InstructIE relation entry ``{head, head_type?, relation, tail, tail_type?}``."""
        return cls(str(item["head"]), str(item["relation"]), str(item["tail"]))


class Entity(NamedTuple):
    """A named-entity fact: the entity string and its type."""

    text: str
    type: str


class OutputFormat(str, Enum):
    JSON = "json"
    TUPLE = "tuple"
    NATURAL = "natural"
    COLON = "colon"


LANGUAGES = ("en", "zh")
FactT = TypeVar("FactT", Triple, Entity)


@dataclass(frozen=True)
class ParseResult:
    """Triples read from an output; `ok` is False (with `error`) when part of it could not be read."""

    triples: tuple[Triple, ...]
    ok: bool
    error: str | None = None
    format: str | None = None


@dataclass(frozen=True)
class EntityParseResult:
    """Entities read from an NER output; same meaning of `ok` and `error` as `ParseResult`."""

    entities: tuple[Entity, ...]
    ok: bool
    error: str | None = None
    format: str | None = None


# ---- the line grammars --------------------------------------------------------------------------

_SEP = Literal((",", "，"))
_OPEN = Literal(("(", "（"))
_CLOSE = Literal((")", "）"))
_COLON = Literal((":", "："))

RELATION_LINES: dict[OutputFormat, LineGrammar] = {
    OutputFormat.TUPLE: LineGrammar(
        {"en": "({head}, {relation}, {tail})"},
        (_OPEN, Slot("head"), _SEP, Slot("relation"), _SEP, Slot("tail"), _CLOSE),
        repeatable=True),
    OutputFormat.NATURAL: LineGrammar(
        {"en": "subject is {head}, relation is {relation}, object is {tail}",
         "zh": "主体是{head}，关系是{relation}，客体是{tail}"},
        (Literal(("subject is", "主体是")), Slot("head"), _SEP,
         Literal(("relation is", "关系是")), Slot("relation"), _SEP,
         Literal(("object is", "客体是")), Slot("tail"))),
    OutputFormat.COLON: LineGrammar(
        {"en": "{relation}: {head}, {tail}", "zh": "{relation}：{head}，{tail}"},
        (Slot("relation"), _COLON, Slot("head"), _SEP, Slot("tail"))),
}
# `label: NAN` has one entity slot only, so the colon format marks absence with its own grammar.
RELATION_COLON_ABSENT = LineGrammar({"en": "{relation}: {head}", "zh": "{relation}：{head}"},
                                    (Slot("relation"), _COLON, Slot("head")))

ENTITY_LINES: dict[OutputFormat, LineGrammar] = {
    OutputFormat.TUPLE: LineGrammar(
        {"en": "({entity}, {type})"},
        (_OPEN, Slot("entity"), _SEP, Slot("type"), _CLOSE), repeatable=True),
    OutputFormat.NATURAL: LineGrammar(
        {"en": "entity is {entity}, type is {type}", "zh": "实体是{entity}，类型是{type}"},
        (Literal(("entity is", "实体是")), Slot("entity"), _SEP,
         Literal(("type is", "类型是")), Slot("type"))),
    OutputFormat.COLON: LineGrammar(
        {"en": "{type}: {entity}", "zh": "{type}：{entity}"},
        (Slot("type"), _COLON, Slot("entity"))),
}


# ---- rendering ----------------------------------------------------------------------------------

def _group_by_label(facts: Sequence[FactT], label_of: Callable[[FactT], str],
                    labels_in_order: Sequence[str] | None) -> dict[str, list[FactT]]:
    """Facts per label, labels in the instruction's order (first appearance when not given)."""
    order = list(dict.fromkeys(labels_in_order if labels_in_order is not None
                               else (label_of(f) for f in facts)))
    groups: dict[str, list] = {label: [] for label in order}
    for fact in facts:
        label = label_of(fact)
        if label not in groups:
            raise ValueError(f"fact {fact!r} has label {label!r}, which is not among the listed "
                             f"labels {order!r}")
        groups[label].append(fact)
    return groups


def render_relations(fmt: OutputFormat | str, triples: Iterable[Triple],
                     labels_in_order: Sequence[str] | None, lang: str, *, nan: bool = False) -> str:
    """The output text for `triples` in format `fmt` and language `lang` (see the module rules)."""
    fmt = OutputFormat(fmt)
    _check_lang(lang)
    groups = _group_by_label([Triple(*t) for t in triples], lambda t: t.relation, labels_in_order)
    if fmt is OutputFormat.JSON:
        doc = {label: ([{"subject": t.head, "object": t.tail} for t in group]
                       if group or not nan else NAN) for label, group in groups.items()}
        return json.dumps(doc, ensure_ascii=False) if doc else NAN
    grammar = RELATION_LINES[fmt]
    lines: list[str] = []
    for label, group in groups.items():
        for t in group:
            lines.append(grammar.render(t._asdict(), lang))
        if not group and nan:
            if fmt is OutputFormat.COLON:
                lines.append(RELATION_COLON_ABSENT.render({"relation": label}, lang, ("head",)))
            else:
                lines.append(grammar.render({"relation": label}, lang, ("head", "tail")))
    return "\n".join(lines) if lines else NAN


def render_entities(fmt: OutputFormat | str, entities: Iterable[Entity],
                    types_in_order: Sequence[str] | None, lang: str, *, nan: bool = False) -> str:
    """The NER output text for `entities`; entity types play the part of relation labels."""
    fmt = OutputFormat(fmt)
    _check_lang(lang)
    groups = _group_by_label([Entity(*e) for e in entities], lambda e: e.type, types_in_order)
    if fmt is OutputFormat.JSON:
        doc = {etype: ([e.text for e in group] if group or not nan else NAN)
               for etype, group in groups.items()}
        return json.dumps(doc, ensure_ascii=False) if doc else NAN
    grammar = ENTITY_LINES[fmt]
    lines: list[str] = []
    for etype, group in groups.items():
        lines.extend(grammar.render({"entity": e.text, "type": e.type}, lang) for e in group)
        if not group and nan:
            lines.append(grammar.render({"type": etype}, lang, ("entity",)))
    return "\n".join(lines) if lines else NAN


def _check_lang(lang: str) -> None:
    if lang not in LANGUAGES:
        raise ValueError(f"unknown language {lang!r}; expected one of {LANGUAGES}")


# ---- one object per format, for code that picks a format once and uses it many times ------------

@dataclass(frozen=True)
class RelationFormat:
    """`render`/`parse` of one relation output format."""

    name: OutputFormat

    def render(self, triples: Iterable[Triple], labels_in_order: Sequence[str] | None,
               lang: str, *, nan: bool = False) -> str:
        return render_relations(self.name, triples, labels_in_order, lang, nan=nan)

    def parse(self, text: str) -> ParseResult:
        return parse_relations(self.name, text)


@dataclass(frozen=True)
class EntityFormat:
    """`render`/`parse` of one NER output format."""

    name: OutputFormat

    def render(self, entities: Iterable[Entity], types_in_order: Sequence[str] | None,
               lang: str, *, nan: bool = False) -> str:
        return render_entities(self.name, entities, types_in_order, lang, nan=nan)

    def parse(self, text: str) -> EntityParseResult:
        return parse_entities(self.name, text)


RELATION_FORMATS = {fmt: RelationFormat(fmt) for fmt in OutputFormat}
ENTITY_FORMATS = {fmt: EntityFormat(fmt) for fmt in OutputFormat}


# ---- parsing (exact inverse of rendering; tolerant reading of model output is in evaluate/) ------

def parse_relations(fmt: OutputFormat | str, text: str) -> ParseResult:
    """The triples written in `text` in format `fmt`; never raises on bad text."""
    fmt = OutputFormat(fmt)
    if text.strip() == NAN:
        return ParseResult((), True, None, fmt.value)
    if fmt is OutputFormat.JSON:
        try:
            doc = json.loads(text)
        except ValueError as exc:
            return ParseResult((), False, f"not JSON: {exc}", fmt.value)
        triples, error = relations_from_json(doc)
        return ParseResult(tuple(triples), error is None, error, fmt.value)
    grammars = [RELATION_LINES[fmt]]
    if fmt is OutputFormat.COLON:
        grammars.append(RELATION_COLON_ABSENT)
    facts, error = _read_lines(text, grammars)
    triples = []
    for fact in facts:
        if "tail" not in fact:  # `label: X` is only valid as the absence marker `label: NAN`
            if not fact["head"].is_nan:
                error = error or f"{fact['relation'].value!r} has one entity, expected two or NAN"
        elif not (fact["head"].is_nan or fact["tail"].is_nan):
            triples.append(Triple(fact["head"].value, fact["relation"].value, fact["tail"].value))
    return ParseResult(tuple(triples), error is None, error, fmt.value)


def parse_entities(fmt: OutputFormat | str, text: str) -> EntityParseResult:
    """The entities written in `text` in format `fmt`; never raises on bad text."""
    fmt = OutputFormat(fmt)
    if text.strip() == NAN:
        return EntityParseResult((), True, None, fmt.value)
    if fmt is OutputFormat.JSON:
        try:
            doc = json.loads(text)
        except ValueError as exc:
            return EntityParseResult((), False, f"not JSON: {exc}", fmt.value)
        entities, error = entities_from_json(doc)
        return EntityParseResult(tuple(entities), error is None, error, fmt.value)
    facts, error = _read_lines(text, [ENTITY_LINES[fmt]])
    entities = tuple(Entity(f["entity"].value, f["type"].value)
                     for f in facts if not f["entity"].is_nan)
    return EntityParseResult(entities, error is None, error, fmt.value)


def _read_lines(text: str, grammars: Sequence[LineGrammar]) -> tuple[list[dict], str | None]:
    facts: list[dict] = []
    error = None
    for number, line in enumerate(text.split("\n"), start=1):
        if not line.strip():
            continue
        for grammar in grammars:
            read = grammar.read(line.rstrip("\r"))
            if read is not None:
                facts.extend(read)
                break
        else:
            error = error or f"line {number} is not in this format: {line[:80]!r}"
    return facts, error


def relations_from_json(doc: Any) -> tuple[list[Triple], str | None]:
    """Triples from a decoded JSON output in any of the shapes models and datasets use:

    - ``{label: [{"subject", "object"}] | [] | "NAN"}`` (IEPile relation output, our `json`);
    - ``[{"head", "relation", "tail"}]`` (InstructIE / IEPile KG labels) or ``[[h, r, t]]``;
    - ``{type: {entity: {attribute: value | [values]}}}`` (IEPile KG output).

    Entries of the wrong shape are skipped and reported in the error, never raised.
    """
    triples: list[Triple] = []
    bad = 0
    if isinstance(doc, list):
        for item in doc:
            triple = _triple_from_item(item)
            if triple is None:
                bad += 1
            elif NAN not in (triple.head, triple.tail):
                triples.append(triple)
    elif isinstance(doc, dict):
        for label, value in doc.items():
            if isinstance(value, dict):
                found, skipped = _triples_from_kg_entities(value)
                triples.extend(found)
                bad += skipped
            elif value == NAN:
                continue
            elif isinstance(value, list):
                for pair in value:
                    if (isinstance(pair, dict) and isinstance(pair.get("subject"), str)
                            and isinstance(pair.get("object"), str)):
                        triples.append(Triple(pair["subject"], str(label), pair["object"]))
                    else:
                        bad += 1
            else:
                bad += 1
    else:
        return [], f"expected a JSON object or list, got {type(doc).__name__}"
    return triples, (f"{bad} entries of an unexpected shape skipped" if bad else None)


def _triple_from_item(item: Any) -> Triple | None:
    if isinstance(item, dict):
        head = item.get("head", item.get("subject"))
        tail = item.get("tail", item.get("object"))
        relation = item.get("relation", item.get("predicate"))
        values = (head, relation, tail)
    elif isinstance(item, list | tuple) and len(item) == 3:
        values = tuple(item)
    else:
        return None
    if not all(isinstance(v, str) for v in values):
        return None
    return Triple(*values)


def _triples_from_kg_entities(entities: Mapping[Any, Any]) -> tuple[list[Triple], int]:
    triples: list[Triple] = []
    bad = 0
    for name, attributes in entities.items():
        if not isinstance(attributes, dict):
            bad += 1
            continue
        for attribute, value in attributes.items():
            for v in value if isinstance(value, list) else [value]:
                if isinstance(v, str):
                    if v != NAN:
                        triples.append(Triple(str(name), str(attribute), v))
                else:
                    bad += 1
    return triples, bad


def entities_from_json(doc: Any) -> tuple[list[Entity], str | None]:
    """Entities from ``{type: [names] | [] | "NAN"}`` or ``[{"entity", "entity_type"}]``."""
    entities: list[Entity] = []
    bad = 0
    if isinstance(doc, dict):
        for etype, names in doc.items():
            if names == NAN:
                continue
            if not isinstance(names, list):
                bad += 1
                continue
            for name in names:
                if isinstance(name, str):
                    entities.append(Entity(name, str(etype)))
                else:
                    bad += 1
    elif isinstance(doc, list):
        for item in doc:
            name = item.get("entity", item.get("name")) if isinstance(item, dict) else None
            etype = item.get("entity_type", item.get("type")) if isinstance(item, dict) else None
            if isinstance(name, str) and isinstance(etype, str):
                entities.append(Entity(name, etype))
            else:
                bad += 1
    else:
        return [], f"expected a JSON object or list, got {type(doc).__name__}"
    return entities, (f"{bad} entries of an unexpected shape skipped" if bad else None)
