"""Instruction ids: how the instructions cut from one record point back to it.

A record whose candidate labels are split into batches (IEPile's `split_num`) yields several
instructions. Each gets the id ``<record id>#<k>`` (k = 0, 1, … the batch index, decimal); a record
with a single instruction may keep the bare record id. The evaluator merges the predictions of all
instructions of a record by the record id, as IEPile's evaluator does, so a record is scored once.
Record ids must therefore not themselves end in ``#<digits>``.
"""
from __future__ import annotations

import re

SPLIT_SEPARATOR = "#"
_SPLIT_SUFFIX = re.compile(r"#(\d+)$")


def instruction_id(record_id: str, split: int | None) -> str:
    """The id of batch `split` of `record_id` (the bare record id when `split` is None)."""
    if _SPLIT_SUFFIX.search(record_id):
        raise ValueError(f"record id {record_id!r} ends in '#<digits>', which marks a split")
    if split is None:
        return record_id
    if split < 0:
        raise ValueError(f"split index must be >= 0, got {split}")
    return f"{record_id}{SPLIT_SEPARATOR}{split}"


def record_id_of(instruction_id_: str) -> str:
    """The record an instruction id belongs to (the id itself when it carries no split suffix)."""
    return _SPLIT_SUFFIX.sub("", instruction_id_)


def split_index_of(instruction_id_: str) -> int | None:
    """The batch index of an instruction id, None for an unsplit one."""
    match = _SPLIT_SUFFIX.search(instruction_id_)
    return None if match is None else int(match.group(1))
