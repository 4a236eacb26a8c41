"""Which published file an instruction row goes to, and the record shape it takes there.

The layout under a dataset version folder (each file also as Parquet, same rows)::

    instructie/<split>.jsonl       InstructIE's release instruction form, relations only:
                                   train, dev: {"instruction", "output"}
                                   test:       {"id", "cate", "instruction", "label": [{head,
                                               head_type, relation, tail, tail_type}]}
    iepile/<TASK>/<split>.jsonl    TASK = RE | NER, one task per file (IEPile's evaluator reads
                                   one task per run and stops on the other's answers):
                                   {"id", "instruction", "output", "cate", "lang", "task", "label"}
                                   with `label` the record's facts as a JSON string
    alpaca/<split>.jsonl           {"instruction", "input", "output"} from the varied phrasings
    instructuie/<split>.jsonl      InstructUIE's IE INSTRUCTIONS instance, flat, RE and NER:
                                   {"id", "Task", "Dataset", "subset", "sentence",
                                   "instruction", "label", "ground_truth"} (`instructuie_style`)
    yayi-uie/<split>.jsonl         YAYI-UIE chats, RE and NER: {"id", "task", "lang",
                                   "messages": [system, user, assistant]} (`yayi_style`)
    ieinstruct/<split>.jsonl       ADELIE IEInstruct chats, one line per record, task and output
                                   format: {"id", "task", "lang", "format", "shots", "messages"}
                                   (`ieinstruct_style`)

Rows keep the instruction table's order, so the chunks of a record are consecutive lines in chunk
order: IEPile's and InstructIE's evaluators pair a record's lines with its predictions by id
and order, and merge them.
"""
from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import pyarrow as pa

from kg2instruction.instructions.alpaca import to_alpaca
from kg2instruction.instructions.instruction_table import EXPORTED_FIELDS, MESSAGE, exported
from kg2instruction.instructions.records import RELATION

STYLES = ("instructie", "iepile", "varied", "instructuie", "yayi", "ieinstruct")
TASKS = ("RE", "NER")
INSTRUCTIE_TRAIN_FIELDS = ("instruction", "output")
INSTRUCTIE_TEST_FIELDS = ("id", "cate", "instruction", "label")
IEPILE_FILE = pa.schema([(name, pa.string()) for name in EXPORTED_FIELDS])
INSTRUCTIE_TRAIN_FILE = pa.schema([(name, pa.string()) for name in INSTRUCTIE_TRAIN_FIELDS])
INSTRUCTIE_TEST_FILE = pa.schema([("id", pa.string()), ("cate", pa.string()),
                                  ("instruction", pa.string()), ("label", pa.list_(RELATION))])
ALPACA_FILE = pa.schema([(name, pa.string()) for name in ("instruction", "input", "output")])
INSTRUCTUIE_FIELDS = ("id", "Task", "Dataset", "subset", "sentence", "instruction", "label",
                      "ground_truth")
INSTRUCTUIE_FILE = pa.schema([(name, pa.string()) for name in INSTRUCTUIE_FIELDS])
YAYI_FILE = pa.schema([("id", pa.string()), ("task", pa.string()), ("lang", pa.string()),
                       ("messages", pa.list_(MESSAGE))])
IEINSTRUCT_FILE = pa.schema([("id", pa.string()), ("task", pa.string()), ("lang", pa.string()),
                             ("format", pa.string()), ("shots", pa.int32()),
                             ("messages", pa.list_(MESSAGE))])
# the folder of each style published as one file per split
FOLDERS = {"instructuie": "instructuie", "yayi": "yayi-uie", "ieinstruct": "ieinstruct"}


@dataclass(frozen=True)
class InstructionFile:
    """One published file: `stem` is its path under the version folder, without suffix."""

    stem: str
    rows: list[dict[str, Any]]
    schema: pa.Schema


def instruction_files(style: str, split: str,
                      rows: Sequence[Mapping[str, Any]]) -> list[InstructionFile]:
    """The files the rows of one style and split are published in (none without rows)."""
    if not rows:
        return []
    if style == "instructie":
        if split == "test":
            return [InstructionFile(f"instructie/{split}",
                                    [instructie_test_record(r) for r in rows],
                                    INSTRUCTIE_TEST_FILE)]
        return [InstructionFile(f"instructie/{split}",
                                [{k: r[k] for k in INSTRUCTIE_TRAIN_FIELDS} for r in rows],
                                INSTRUCTIE_TRAIN_FILE)]
    if style == "iepile":
        files = []
        for task in TASKS:
            mine = [exported(r) for r in rows if r["task"] == task]
            if mine:
                files.append(InstructionFile(f"iepile/{task}/{split}", mine, IEPILE_FILE))
        return files
    if style == "varied":
        return [InstructionFile(f"alpaca/{split}", [to_alpaca(r) for r in rows], ALPACA_FILE)]
    if style == "instructuie":
        return [InstructionFile(f"{FOLDERS[style]}/{split}",
                                [instructuie_record(r) for r in rows], INSTRUCTUIE_FILE)]
    if style == "yayi":
        return [InstructionFile(f"{FOLDERS[style]}/{split}", [yayi_record(r) for r in rows],
                                YAYI_FILE)]
    if style == "ieinstruct":
        return [InstructionFile(f"{FOLDERS[style]}/{split}",
                                [ieinstruct_record(r) for r in rows], IEINSTRUCT_FILE)]
    raise ValueError(f"unknown instruction style {style!r}; expected one of {STYLES}")


def instructie_test_record(row: Mapping[str, Any]) -> dict[str, Any]:
    """A test instruction as InstructIE's test conversion writes it: `label` is a list."""
    return {"id": row["id"], "cate": row["cate"], "instruction": row["instruction"],
            "label": json.loads(row["label"])}


def instructuie_record(row: Mapping[str, Any]) -> dict[str, Any]:
    """InstructUIE's instance, flat; its `Dataset` names theme and language, its `subset` the
    split (InstructUIE's own subset names are train, dev, test too)."""
    return {"id": row["id"], "Task": row["task"], "Dataset": f"kg2instruction_{row['theme']}_"
            f"{row['lang']}", "subset": row["split"], "sentence": row["input"],
            "instruction": row["instruction"], "label": row["output"],
            "ground_truth": row["output"]}


def yayi_record(row: Mapping[str, Any]) -> dict[str, Any]:
    return {"id": row["id"], "task": row["task"], "lang": row["lang"],
            "messages": _messages(row)}


def ieinstruct_record(row: Mapping[str, Any]) -> dict[str, Any]:
    """`shots` is counted from the chat: every turn pair before the answer is a demonstration."""
    messages = _messages(row)
    return {"id": row["id"], "task": row["task"], "lang": row["lang"], "format": row["format"],
            "shots": len(messages) // 2 - 1, "messages": messages}


def _messages(row: Mapping[str, Any]) -> list[dict[str, str]]:
    if not row.get("messages"):
        raise ValueError(f"instruction {row['id']!r} of style {row['style']!r} has no messages")
    return [{"role": m["role"], "content": m["content"]} for m in row["messages"]]
