"""Reading the gold and prediction files of an evaluation, and pairing them by id.

Gold file (JSONL, plain or gzip), one object per line, in either form:

- an **instruction record** ``{"id", "instruction", "output"?, "cate"?, "lang"?, "task"?, "label"?}``:
  the gold output string is ``output``; the gold facts are ``label`` when present (IEPile's list of
  ``{head, relation, tail}``, as a list or a JSON string), otherwise the facts ``output`` parses to.
  (IEPile's KG test files carry ``label`` and no ``output``: their gold string is rendered as below.)
  The candidate labels are read from the instruction's ``schema`` when it is IEPile-style JSON.
- an **InstructIE record** ``{"id", "cate", "text", "relation": [{head, head_type, relation, tail,
  tail_type}], "entity"?: [{"name"|"entity", "type"|"entity_type"}]}``, with no ``output``: the gold
  facts are ``relation`` (or ``entity`` for ``"task": "NER"``); its gold string for ROUGE-2 is the
  facts rendered in the format the prediction was written in (so ROUGE compares like with like).

``cate`` is the theme (missing: "(no theme)"); ``lang`` is ``en`` or ``zh`` (missing: ``zh`` when the
record holds CJK characters, else ``en``); ``task`` is ``NER`` for entity records, anything else
(``RE``, ``KG``, absent) means relation triples. Ids follow `kg2instruction.instructions.ids`:
``<record>#<k>`` for batch k of a split record.

Prediction file (JSONL): ``{"id", "output"}`` with the model's raw text; other keys are ignored.
"""
from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from enum import Enum
from pathlib import Path
from typing import Any

from kg2instruction.errors import InputError
from kg2instruction.evaluate.parse import parse_entity_output, parse_relation_output
from kg2instruction.instructions.formats import Entity, Triple, entities_from_json, relations_from_json
from kg2instruction.instructions.ids import record_id_of
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
    """One gold answer: the facts it holds and, when known, the exact output string."""

    instruction_id: str
    record_id: str
    theme: str
    lang: str
    task: Task
    facts: tuple[Fact, ...]
    output: str | None
    labels: tuple[str, ...]
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
    """Every gold instruction in file order; duplicate ids and unreadable gold are errors."""
    seen: dict[str, int] = {}
    gold = []
    for number, obj in read_jsonl(path):
        item = _gold_instruction(path, number, obj)
        if item.instruction_id in seen:
            raise InputError(path, f"duplicate id {item.instruction_id!r} (first on line "
                                   f"{seen[item.instruction_id]}); split instructions need "
                                   f"'<record>#<k>' ids", line=number)
        seen[item.instruction_id] = number
        gold.append(item)
    _check_splits_agree(path, gold)
    return gold


def _check_splits_agree(path: str | Path, gold: list[GoldInstruction]) -> None:
    """The instructions of one record must describe the same record (theme, task, language)."""
    first: dict[str, GoldInstruction] = {}
    for item in gold:
        head = first.setdefault(item.record_id, item)
        for attribute in ("theme", "task", "lang"):
            if getattr(item, attribute) != getattr(head, attribute):
                raise InputError(path, f"{attribute} {getattr(item, attribute)!r} differs from "
                                       f"{getattr(head, attribute)!r} of record {item.record_id!r} "
                                       f"on line {head.line}", line=item.line,
                                 record=item.instruction_id)


def load_predictions(path: str | Path) -> dict[str, str]:
    """Prediction id -> raw output text."""
    predictions: dict[str, str] = {}
    lines: dict[str, int] = {}
    for number, obj in read_jsonl(path):
        pid = _id_of(path, number, obj)
        output = obj.get("output")
        if not isinstance(output, str):
            raise InputError(path, "expected 'output' to be the model's text (a string)",
                             line=number, record=pid)
        if pid in predictions:
            raise InputError(path, f"duplicate prediction id (first on line {lines[pid]})",
                             line=number, record=pid)
        predictions[pid] = output
        lines[pid] = number
    return predictions


def pair_predictions(gold: list[GoldInstruction], predictions: dict[str, str], *,
                     gold_path: str | Path, pred_path: str | Path,
                     missing_as_empty: bool) -> list[tuple[GoldInstruction, str | None]]:
    """Each gold instruction with its prediction (None: missing, allowed by `missing_as_empty`)."""
    gold_ids = {g.instruction_id for g in gold}
    unknown = [pid for pid in predictions if pid not in gold_ids]
    if unknown:
        raise InputError(pred_path, f"{len(unknown)} prediction id(s) not in the gold file "
                                    f"{gold_path}: {_first(unknown)}")
    missing = [g.instruction_id for g in gold if g.instruction_id not in predictions]
    if missing and not missing_as_empty:
        raise InputError(pred_path, f"{len(missing)} gold id(s) of {gold_path} have no "
                                    f"prediction: {_first(missing)} (use --missing-as-empty to "
                                    f"score them as empty outputs)")
    return [(g, predictions.get(g.instruction_id)) for g in gold]


def _first(ids: list[str]) -> str:
    shown = ", ".join(repr(i) for i in ids[:IDS_SHOWN])
    return shown + (", ..." if len(ids) > IDS_SHOWN else "")


def _id_of(path: str | Path, number: int, obj: dict[str, Any]) -> str:
    value = obj.get("id")
    if not isinstance(value, str | int) or isinstance(value, bool) or value == "":
        raise InputError(path, "expected an 'id' (string or integer)", line=number)
    return str(value)


def _gold_instruction(path: str | Path, number: int, obj: dict[str, Any]) -> GoldInstruction:
    iid = _id_of(path, number, obj)
    task = Task.ENTITY if str(obj.get("task", "")).upper() == "NER" else Task.RELATION
    output = obj.get("output")
    if output is not None and not isinstance(output, str):
        raise InputError(path, "expected 'output' to be a string", line=number, record=iid)
    labels = _schema_labels(obj.get("instruction"))
    if "label" in obj:
        facts = _facts_from_label(path, number, iid, obj["label"], task)
    elif output is None:
        facts = _facts_from_record(path, number, iid, obj, task)
    else:
        parsed = (parse_entity_output(output, labels) if task is Task.ENTITY
                  else parse_relation_output(output, labels))
        if not parsed.ok:
            raise InputError(path, f"gold 'output' does not parse: {parsed.error}",
                             line=number, record=iid)
        facts = parsed.entities if task is Task.ENTITY else parsed.triples
    theme = obj.get("cate")
    lang = obj.get("lang")
    if lang not in ("en", "zh"):
        lang = "zh" if _CJK.search(" ".join(str(obj.get(k, "")) for k in
                                            ("text", "output", "instruction"))) else "en"
    return GoldInstruction(iid, record_id_of(iid), str(theme) if theme else NO_THEME, lang, task,
                           tuple(facts), output, labels, number)


def _facts_from_record(path, number: int, iid: str, obj: dict[str, Any], task: Task) -> list[Fact]:
    key = "entity" if task is Task.ENTITY else "relation"
    items = obj.get(key)
    if not isinstance(items, list):
        raise InputError(path, f"expected an 'output' string or a '{key}' list", line=number,
                         record=iid)
    try:
        if task is Task.ENTITY:
            return [_entity_from_record(i) for i in items]
        return [Triple.from_record(i) for i in items]
    except (KeyError, TypeError, AttributeError) as exc:
        expected = "{name, type}" if task is Task.ENTITY else "{head, relation, tail}"
        raise InputError(path, f"'{key}' entries must be objects {expected} ({exc!r})",
                         line=number, record=iid) from None


def _entity_from_record(item: dict[str, Any]) -> Entity:
    name = item["name"] if "name" in item else item["entity"]
    etype = item["type"] if "type" in item else item["entity_type"]
    return Entity(str(name), str(etype))


def _facts_from_label(path, number: int, iid: str, label: Any, task: Task) -> list[Fact]:
    if isinstance(label, str):
        try:
            label = json.loads(label)
        except ValueError as exc:
            raise InputError(path, f"'label' is not JSON ({exc})", line=number, record=iid) from None
    facts, error = entities_from_json(label) if task is Task.ENTITY else relations_from_json(label)
    if error:
        raise InputError(path, f"'label' has entries of an unexpected shape: {error}",
                         line=number, record=iid)
    return list(facts)


def _schema_labels(instruction: Any) -> tuple[str, ...]:
    """The candidate labels of an IEPile-style instruction (``{"schema": [...]}``), else ()."""
    if not isinstance(instruction, str):
        return ()
    try:
        doc = json.loads(instruction)
    except ValueError:
        return ()
    schema = doc.get("schema") if isinstance(doc, dict) else None
    if isinstance(schema, list):
        return tuple(s for s in schema if isinstance(s, str))
    return ()
