"""Reading the gold and prediction files of an evaluation, and pairing them IEPile's way.

Gold file (JSONL, plain or gzip), one object per line, in either form:

- an **instruction record** ``{"id", "instruction", "output"?, "cate"?, "lang"?, "task"?, "label"?}``
  (IEPile's and InstructIE's test files, our ``iepile/`` and ``instructie/`` exports): ``label`` is
  IEPile's list of ``{head, relation, tail}`` (or ``{entity, entity_type}``), as a list or a JSON
  string; the candidate labels are read from the instruction's ``schema`` when it is IEPile-style
  JSON;
- an **InstructIE record** ``{"id", "cate", "text", "relation": [{head, head_type, relation, tail,
  tail_type}], "entity"?: [{"name"|"entity", "type"|"entity_type"}]}`` with no ``output``.

``cate`` is the theme (missing: "(no theme)"); ``lang`` is ``en`` or ``zh`` (missing: ``zh`` when the
record holds CJK characters, else ``en``); ``task`` is ``NER`` for entity records, anything else
(``RE``, ``KG``, absent) means relation triples.

**Records and chunks.** A line's ``id`` is its record's id. A record whose schema is cut into
chunks has one line per chunk, all with the record's id, in chunk order (IEPile's convention,
`instructions.ids`); its predictions are merged and scored once. The record's gold facts:

- ``label`` and InstructIE's ``relation``/``entity`` describe the *whole record*: every line of the
  id must carry the same facts, and they count once (IEPile reads the label of an id once);
- a line with only an ``output`` holds the facts of *its own chunk*: the record's facts are those
  of all its lines together.

**What an instruction asks for** (`answer_format`, see `strict`): JSON when the instruction is
IEPile-style JSON (``kg`` for IEPile's KG task) or the gold output is a JSON object; otherwise the
text format its gold output is written in; ``any`` when the gold does not tell (no instruction and
no output, or an output that is just ``NAN``).

Prediction file (JSONL): ``{"id", "output"}`` with the model's raw text, one line per gold line;
the k-th prediction of an id answers the k-th gold line of that id (what `kg2i predict` writes,
in the gold file's order; IEPile's own files hold gold and output on one line).
"""
from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from enum import Enum
from pathlib import Path
from typing import Any

from kg2instruction.errors import InputError
from kg2instruction.evaluate.strict import (ANY, JSON, KG, TEXT_FORMATS, strict_entities,
                                            strict_relations)
from kg2instruction.instructions.fields import NAN
from kg2instruction.instructions.formats import (Entity, Triple, entities_from_json,
                                                 relations_from_json)
from kg2instruction.sources.compressed import open_text

NO_THEME = "(no theme)"
_CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
IDS_SHOWN = 5


class Task(str, Enum):
    RELATION = "relation"
    ENTITY = "entity"


Fact = Triple | Entity


@dataclass(frozen=True)
class GoldInstruction:
    """One gold line: the instruction of one chunk of a record, and the gold it carries."""

    record_id: str
    chunk: int              # position among the lines of its id (0, 1, ...)
    theme: str
    lang: str
    task: Task
    facts: tuple[Fact, ...]
    record_level: bool      # `facts` are the whole record's (label) or this chunk's (output)
    output: str | None
    labels: tuple[str, ...]
    answer_format: str
    line: int


@dataclass(frozen=True)
class Prediction:
    output: str
    line: int


def read_jsonl(path: str | Path) -> Iterator[tuple[int, dict[str, Any]]]:
    """(line number, object) for each non-blank line; a bad line is an InputError naming it."""
    with open_text(path) as fh:
        for number, line in enumerate(fh, start=1):
            if not line.strip():
                continue
            try:
                obj = json.loads(line)
            except ValueError as exc:
                raise InputError(path, f"not valid JSON ({exc})", line=number) from None
            if not isinstance(obj, dict):
                raise InputError(path, f"expected a JSON object, got {type(obj).__name__}",
                                 line=number)
            yield number, obj


def load_gold(path: str | Path) -> list[GoldInstruction]:
    """Every gold line in file order, numbered within its id; the lines of one id must agree."""
    chunks: Counter[str] = Counter()
    gold = []
    for number, obj in read_jsonl(path):
        rid = _id_of(path, number, obj)
        gold.append(gold_instruction(path, number, rid, chunks[rid], obj))
        chunks[rid] += 1
    _check_chunks_agree(path, gold)
    return gold


def _check_chunks_agree(path: str | Path, gold: list[GoldInstruction]) -> None:
    """The lines of one id describe one record: same theme, task, language and record facts."""
    first: dict[str, GoldInstruction] = {}
    for item in gold:
        head = first.setdefault(item.record_id, item)
        for attribute in ("theme", "task", "lang", "record_level"):
            if getattr(item, attribute) != getattr(head, attribute):
                what = ("gold source ('label' or 'relation' vs 'output')"
                        if attribute == "record_level" else attribute)
                raise InputError(path, f"{what} differs from line {head.line}, the first line of "
                                       f"id {item.record_id!r}: the lines of one id are the chunks "
                                       f"of one record", line=item.line, record=item.record_id)
        if item.record_level and Counter(item.facts) != Counter(head.facts):
            raise InputError(path, f"'label' differs from line {head.line} of the same id: every "
                                   f"chunk of a record carries the record's whole label",
                             line=item.line, record=item.record_id)


def load_predictions(path: str | Path) -> dict[str, list[Prediction]]:
    """Prediction id -> its raw outputs, in file order."""
    predictions: dict[str, list[Prediction]] = {}
    for number, obj in read_jsonl(path):
        pid = _id_of(path, number, obj)
        output = obj.get("output")
        if not isinstance(output, str):
            raise InputError(path, "expected 'output' to be the model's text (a string)",
                             line=number, record=pid)
        predictions.setdefault(pid, []).append(Prediction(output, number))
    return predictions


def pair_predictions(gold: list[GoldInstruction], predictions: dict[str, list[Prediction]], *,
                     gold_path: str | Path, pred_path: str | Path,
                     missing_as_empty: bool) -> list[tuple[GoldInstruction, str | None]]:
    """Each gold line with its prediction (None: missing, allowed by `missing_as_empty`)."""
    lines: dict[str, int] = Counter(g.record_id for g in gold)
    unknown = [pid for pid in predictions if pid not in lines]
    if unknown:
        raise InputError(pred_path, f"{len(unknown)} prediction id(s) not in the gold file "
                                    f"{gold_path}: {_first(unknown)}")
    for pid, outputs in predictions.items():
        if len(outputs) > lines[pid]:
            raise InputError(pred_path, f"{len(outputs)} predictions for id {pid!r}, which has "
                                        f"{lines[pid]} line(s) in the gold file {gold_path} (one "
                                        f"prediction per gold line)",
                             line=outputs[lines[pid]].line)
    missing = [f"{g.record_id!r}" + (f" (line {g.chunk + 1} of its id)" if lines[g.record_id] > 1
                                     else "")
               for g in gold if g.chunk >= len(predictions.get(g.record_id, ()))]
    if missing and not missing_as_empty:
        shown = ", ".join(missing[:IDS_SHOWN]) + (", ..." if len(missing) > IDS_SHOWN else "")
        raise InputError(pred_path, f"{len(missing)} gold line(s) of {gold_path} have no "
                                    f"prediction: {shown} (use --missing-as-empty to score them "
                                    f"as empty outputs)")
    pairs = []
    for g in gold:
        mine = predictions.get(g.record_id, ())
        pairs.append((g, mine[g.chunk].output if g.chunk < len(mine) else None))
    return pairs


def _first(ids: list[str]) -> str:
    shown = ", ".join(repr(i) for i in ids[:IDS_SHOWN])
    return shown + (", ..." if len(ids) > IDS_SHOWN else "")


def _id_of(path: str | Path, number: int, obj: dict[str, Any]) -> str:
    value = obj.get("id")
    if not isinstance(value, str | int) or isinstance(value, bool) or value == "":
        raise InputError(path, "expected an 'id' (string or integer)", line=number)
    return str(value)


def gold_instruction(path: str | Path, number: int, rid: str, chunk: int,
                     obj: dict[str, Any]) -> GoldInstruction:
    """One gold line read from its decoded object (`number` is its line in `path`); also what
    scores a single sampled answer (`instance`)."""
    task = Task.ENTITY if str(obj.get("task", "")).upper() == "NER" else Task.RELATION
    kg = str(obj.get("task", "")).upper() == "KG"
    output = obj.get("output")
    if output is not None and not isinstance(output, str):
        raise InputError(path, "expected 'output' to be a string", line=number, record=rid)
    instruction_doc = _instruction_json(obj.get("instruction"))
    labels = _schema_labels(instruction_doc)
    if instruction_doc is not None and "schema" in instruction_doc:
        answer_format = KG if kg else JSON
    elif output is not None:
        answer_format = _format_of_output(path, number, rid, output, task, kg)
    else:
        answer_format = ANY
    if "label" in obj:
        facts, record_level = _facts_from_label(path, number, rid, obj["label"], task), True
    elif output is None:
        facts, record_level = _facts_from_record(path, number, rid, obj, task), True
    else:
        parsed = (strict_entities(output, answer_format) if task is Task.ENTITY
                  else strict_relations(output, answer_format))
        if not parsed.ok:
            raise InputError(path, f"gold 'output' is not a valid {answer_format} answer: "
                                   f"{parsed.error}", line=number, record=rid)
        facts = list(parsed.entities if task is Task.ENTITY else parsed.triples)
        record_level = False
    theme = obj.get("cate")
    lang = obj.get("lang")
    if lang not in ("en", "zh"):
        lang = "zh" if _CJK.search(" ".join(str(obj.get(k, "")) for k in
                                            ("text", "output", "instruction"))) else "en"
    return GoldInstruction(rid, chunk, str(theme) if theme else NO_THEME, lang, task,
                           tuple(facts), record_level, output, labels, answer_format, number)


def _format_of_output(path: str | Path, number: int, rid: str, output: str, task: Task,
                      kg: bool) -> str:
    """The format a gold output is written in (``any`` for a bare NAN, which every text format
    writes alike); a gold output in no format is an error."""
    read = strict_entities if task is Task.ENTITY else strict_relations
    if read(output, JSON).ok:
        return KG if kg else JSON
    if output.strip() == NAN:
        return ANY
    for fmt in TEXT_FORMATS:
        if read(output, fmt.value).ok:
            return fmt.value
    raise InputError(path, f"gold 'output' is in none of the formats "
                           f"({', '.join([JSON] + [f.value for f in TEXT_FORMATS])})",
                     line=number, record=rid)


def _facts_from_record(path, number: int, rid: str, obj: dict[str, Any], task: Task) -> list[Fact]:
    key = "entity" if task is Task.ENTITY else "relation"
    items = obj.get(key)
    if not isinstance(items, list):
        raise InputError(path, f"expected an 'output' string, a 'label' or a '{key}' list",
                         line=number, record=rid)
    try:
        if task is Task.ENTITY:
            return [_entity_from_record(i) for i in items]
        return [Triple.from_record(i) for i in items]
    except (KeyError, TypeError, AttributeError) as exc:
        expected = "{name, type}" if task is Task.ENTITY else "{head, relation, tail}"
        raise InputError(path, f"'{key}' entries must be objects {expected} ({exc!r})",
                         line=number, record=rid) from None


def _entity_from_record(item: dict[str, Any]) -> Entity:
    name = item["name"] if "name" in item else item["entity"]
    etype = item["type"] if "type" in item else item["entity_type"]
    return Entity(str(name), str(etype))


def _facts_from_label(path, number: int, rid: str, label: Any, task: Task) -> list[Fact]:
    if isinstance(label, str):
        try:
            label = json.loads(label)
        except ValueError as exc:
            raise InputError(path, f"'label' is not JSON ({exc})", line=number,
                             record=rid) from None
    facts, error = entities_from_json(label) if task is Task.ENTITY else relations_from_json(label)
    if error:
        raise InputError(path, f"'label' has entries of an unexpected shape: {error}",
                         line=number, record=rid)
    return list(facts)


def _instruction_json(instruction: Any) -> dict[str, Any] | None:
    """An IEPile-style instruction (``{"instruction", "schema", "input"}``) decoded, else None."""
    if not isinstance(instruction, str):
        return None
    try:
        doc = json.loads(instruction)
    except ValueError:
        return None
    return doc if isinstance(doc, dict) else None


def _schema_labels(doc: dict[str, Any] | None) -> tuple[str, ...]:
    """The candidate labels of an IEPile-style instruction, else ()."""
    schema = doc.get("schema") if doc is not None else None
    if isinstance(schema, list):
        return tuple(s for s in schema if isinstance(s, str))
    return ()
