"""The instruction-id convention that lets the evaluator merge split instructions."""
from __future__ import annotations

import pytest

from kg2instruction.instructions import instruction_id, record_id_of
from kg2instruction.instructions.ids import split_index_of


def test_split_ids_round_trip():
    rid = "841ef2af4cfe766dd9295fb7daf321c299df0fd0cef14820dfcb421161eed4a1"
    assert instruction_id(rid, None) == rid and record_id_of(rid) == rid
    for k in (0, 3, 12):
        iid = instruction_id(rid, k)
        assert iid == f"{rid}#{k}"
        assert record_id_of(iid) == rid and split_index_of(iid) == k
    assert record_id_of("page#intro#2") == "page#intro"  # only the last '#<digits>' is a split


def test_ambiguous_record_ids_are_refused():
    with pytest.raises(ValueError, match="marks a split"):
        instruction_id("record#7", 0)
    with pytest.raises(ValueError):
        instruction_id("record", -1)
