"""The instruction table: one row per instruction, whatever its style, and its record shape on disk.

Every style (InstructIE, IEPile, the varied phrasings, InstructUIE, YAYI-UIE, IEInstruct) and both
tasks (relations, NER) produce rows of `INSTRUCTIONS`, so the export, the report and the tests treat
them alike. A row keeps the pieces apart (`prompt` without the text, `input` = the text) because
the Alpaca export needs them apart, and the joined `instruction` because that is what an
instruction-tuning trainer reads. Chat styles also keep the whole conversation in `messages`
(IEInstruct's holds demonstrations, which no single prompt/output pair can carry); for them
`instruction` is the last user turn and `output` the answer.

Ids follow `kg2instruction.instructions.ids`: all schema chunks of one record share its id
(``<record>`` for relations, ``<record>/ner`` for NER), and `chunk` (0, 1, ...) orders them.
`label` is the *record's* gold facts for the task, the same on every chunk, as IEPile's test
files carry it (its evaluator reads the label of an id once and scores the merged outputs of all
the id's chunks against it); the facts a chunk's own output holds are its `output`.
"""
from __future__ import annotations

import json
import random
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, Literal

import pyarrow as pa

from kg2instruction.instructions.ids import NER_SUFFIX as NER_SUFFIX  # re-exported
from kg2instruction.instructions.ids import TaskName, instruction_id

Style = Literal["instructie", "iepile", "varied", "instructuie", "yayi", "ieinstruct"]
EVALUATION_SPLITS = frozenset({"dev", "test"})   # built independently of the answer

MESSAGE = pa.struct([("role", pa.string()), ("content", pa.string())])

INSTRUCTIONS = pa.schema([
    ("id", pa.string()),
    ("chunk", pa.int32()),           # position of the instruction among its record's chunks
    ("record_id", pa.string()),
    ("split", pa.string()),
    ("style", pa.string()),          # instructie iepile varied instructuie yayi ieinstruct
    ("task", pa.string()),           # RE | NER (the evaluator's task field)
    ("lang", pa.string()),
    ("theme", pa.string()),
    ("cate", pa.string()),
    ("format", pa.string()),         # json | tuple | natural | colon (ieinstruct: triplet |
                                     # natural | json, its own renderings; `chunk` = format index)
    ("nan", pa.bool_()),             # W/ NAN variant: absent listed labels answered NAN
    ("labels", pa.list_(pa.string())),  # candidate labels, in the order the instruction lists them
    ("prompt", pa.string()),         # the instruction without the text (Alpaca `instruction`)
    ("input", pa.string()),          # the paragraph (Alpaca `input`)
    ("instruction", pa.string()),    # what the model reads: prompt and text together
    ("output", pa.string()),
    ("label", pa.string()),          # JSON list of the record's gold facts (every chunk)
    # the conversation of chat styles (yayi, ieinstruct), answer last; null for the others
    ("messages", pa.list_(MESSAGE)),
])


def rng_for(seed: int, record_id: str, *purpose: str) -> random.Random:
    """A generator private to one record and purpose: results never depend on shard layout."""
    return random.Random("\x00".join([str(seed), record_id, *purpose]))


def label_items(record: Mapping[str, Any], task: TaskName) -> list[dict[str, str]]:
    """The record's gold facts as IEPile's and InstructIE's test files write `label`: the
    record's own entries, ``{head, head_type, relation, tail, tail_type}`` for relations and
    ``{entity, entity_type}`` for NER, in record order."""
    if task == "NER":
        return [{"entity": e["entity"], "entity_type": e["entity_type"]} for e in record["entity"]]
    return [{k: r[k] for k in ("head", "head_type", "relation", "tail", "tail_type")}
            for r in record["relation"]]


def is_evaluation_split(record: Mapping[str, Any]) -> bool:
    """dev and test instructions must not depend on the answer (no hard negatives)."""
    return record["split"] in EVALUATION_SPLITS


def instruction_row(record: Mapping[str, Any], *, style: Style, task: TaskName, chunk: int,
                    fmt: str, nan: bool, labels: Sequence[str], prompt: str, instruction: str,
                    output: str,
                    messages: Sequence[Mapping[str, str]] | None = None) -> dict[str, Any]:
    """Every style builds its rows here, so ids, provenance columns and the facts kept for
    evaluation are the same whichever style produced the instruction."""
    if chunk < 0:
        raise ValueError(f"chunk must be >= 0, got {chunk}")
    return {
        "id": instruction_id(record["record_id"], task), "chunk": chunk,
        "record_id": record["record_id"], "split": record["split"], "style": style,
        "task": task, "lang": record["lang"], "theme": record["theme"], "cate": record["cate"],
        "format": fmt, "nan": nan, "labels": list(labels), "prompt": prompt,
        "input": record["text"], "instruction": instruction, "output": output,
        "label": json.dumps(label_items(record, task), ensure_ascii=False),
        "messages": None if messages is None else [dict(m) for m in messages],
    }


def instructions_table(rows: Iterable[Mapping[str, Any]]) -> pa.Table:
    rows = list(rows)
    return pa.Table.from_pylist(rows, schema=INSTRUCTIONS) if rows else INSTRUCTIONS.empty_table()


# Record shape of the published IEPile-style files (what the evaluator and the trainer read).
EXPORTED_FIELDS = ("id", "instruction", "output", "cate", "lang", "task", "label")


def exported(row: Mapping[str, Any]) -> dict[str, Any]:
    return {k: row[k] for k in EXPORTED_FIELDS}
