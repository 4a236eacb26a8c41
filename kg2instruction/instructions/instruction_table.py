"""The instruction table: one row per instruction, whatever its style, and its record shape on disk.

Both styles (InstructIE, IEPile) and both tasks (relations, NER) produce rows of `INSTRUCTIONS`,
so the export, the report and the tests treat them alike. A row keeps the pieces apart (`prompt`
without the text, `input` = the text) because the Alpaca export needs them apart, and the joined
`instruction` because that is what an instruction-tuning trainer reads.

Ids follow `kg2instruction.instructions.ids`: relation instructions are ``<record>`` or
``<record>#<k>`` (schema batch k); NER instructions of the same paragraph are ``<record>/ner`` (and
``/ner#<k>``), a record of their own, so one file can hold both tasks and the evaluator still scores
each record once.
"""
from __future__ import annotations

import json
import random
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, Literal

import pyarrow as pa

from kg2instruction.instructions.formats import Entity, Triple
from kg2instruction.instructions.ids import instruction_id

Style = Literal["instructie", "iepile"]
TaskName = Literal["RE", "NER"]
NER_SUFFIX = "/ner"

INSTRUCTIONS = pa.schema([
    ("id", pa.string()),
    ("record_id", pa.string()),
    ("split", pa.string()),
    ("style", pa.string()),          # instructie | iepile
    ("task", pa.string()),           # RE | NER (the evaluator's task field)
    ("lang", pa.string()),
    ("theme", pa.string()),
    ("cate", pa.string()),
    ("format", pa.string()),         # json | tuple | natural | colon
    ("nan", pa.bool_()),             # W/ NAN variant: absent listed labels answered NAN
    ("labels", pa.list_(pa.string())),  # candidate labels, in the order the instruction lists them
    ("prompt", pa.string()),         # the instruction without the text (Alpaca `instruction`)
    ("input", pa.string()),          # the paragraph (Alpaca `input`)
    ("instruction", pa.string()),    # what the model reads: prompt and text together
    ("output", pa.string()),
    ("label", pa.string()),          # JSON list of this instruction's gold facts
])


def task_record_id(record_id: str, task: TaskName) -> str:
    return record_id + NER_SUFFIX if task == "NER" else record_id


def rng_for(seed: int, record_id: str, *purpose: str) -> random.Random:
    """A generator private to one record and purpose: results never depend on shard layout."""
    return random.Random("\x00".join([str(seed), record_id, *purpose]))


def label_json(task: TaskName, facts: Sequence[Triple] | Sequence[Entity]) -> str:
    """Gold facts as the evaluator reads `label`: [{head, relation, tail}] / [{entity, entity_type}]."""
    if task == "NER":
        items = [{"entity": e[0], "entity_type": e[1]} for e in facts]
    else:
        items = [{"head": t[0], "relation": t[1], "tail": t[2]} for t in facts]
    return json.dumps(items, ensure_ascii=False)


def instruction_row(record: Mapping[str, Any], *, style: Style, task: TaskName,
                    batch: int | None, fmt: str, nan: bool, labels: Sequence[str], prompt: str,
                    instruction: str, output: str, facts: Sequence[Triple] | Sequence[Entity],
                    ) -> dict[str, Any]:
    """Both styles build their rows here, so ids, provenance columns and the facts kept for
    evaluation are the same whichever style produced the instruction."""
    return {
        "id": instruction_id(task_record_id(record["record_id"], task), batch),
        "record_id": record["record_id"], "split": record["split"], "style": style,
        "task": task, "lang": record["lang"], "theme": record["theme"], "cate": record["cate"],
        "format": fmt, "nan": nan, "labels": list(labels), "prompt": prompt,
        "input": record["text"], "instruction": instruction, "output": output,
        "label": label_json(task, facts),
    }


def instructions_table(rows: Iterable[Mapping[str, Any]]) -> pa.Table:
    rows = list(rows)
    return pa.Table.from_pylist(rows, schema=INSTRUCTIONS) if rows else INSTRUCTIONS.empty_table()


# Record shape of the published instruction files (IEPile's, which the evaluator and trainer read).
EXPORTED_FIELDS = ("id", "instruction", "output", "cate", "lang", "task", "label")


def exported(row: Mapping[str, Any]) -> dict[str, Any]:
    return {k: row[k] for k in EXPORTED_FIELDS}
