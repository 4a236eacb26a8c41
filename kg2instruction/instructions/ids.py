"""Instruction ids: every instruction cut from one record carries that record's id.

A record whose candidate labels are cut into schema chunks (IEPile's `split_num`) yields several
instructions, and IEPile's evaluator (`ie2instruction/eval_func.py`) finds the chunks of a record
by their shared ``id``: it concatenates the model's outputs of all lines with one id and scores
them against the record's label once. So the chunk index is never part of the id; a chunk's
position is its line order within the record (and the `chunk` column of the instruction table).

The two tasks of one paragraph are two records: relation instructions carry the record id, NER
instructions ``<record>/ner``, so the ids of one file never mix tasks even when a user
concatenates the per-task files.
"""
from __future__ import annotations

from typing import Literal

TaskName = Literal["RE", "NER"]
NER_SUFFIX = "/ner"


def instruction_id(record_id: str, task: TaskName = "RE") -> str:
    """The id shared by every instruction of `record_id` for `task`."""
    if not record_id:
        raise ValueError("a record id must not be empty")
    if task not in ("RE", "NER"):
        raise ValueError(f"unknown task {task!r}; expected 'RE' or 'NER'")
    if record_id.endswith(NER_SUFFIX):
        raise ValueError(f"record id {record_id!r} ends in {NER_SUFFIX!r}, which marks NER ids")
    return record_id + NER_SUFFIX if task == "NER" else record_id


def record_id_of(instruction_id_: str) -> str:
    """The paragraph record an instruction id belongs to (either task)."""
    return instruction_id_.removesuffix(NER_SUFFIX)
