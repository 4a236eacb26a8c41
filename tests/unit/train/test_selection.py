"""Choosing training examples: all-empty JSON answers are recognised and can be left out."""
from __future__ import annotations

import json
from pathlib import Path

from kg2instruction.train.data import load_examples
from kg2instruction.train.selection import extracts_nothing, select_examples

from .conftest import write_dataset


def test_only_an_object_of_empty_lists_extracts_nothing():
    assert extracts_nothing('{"spouse": [], "occupation": []}')
    assert not extracts_nothing('{"spouse": [], "occupation": [{"subject": "a", "object": "b"}]}')
    assert not extracts_nothing('{"human": ["Einstein"], "time": []}')
    assert not extracts_nothing("(Einstein, award received, Nobel Prize)")  # text formats
    assert not extracts_nothing("{}") and not extracts_nothing("") and not extracts_nothing(None)
    assert not extracts_nothing('{"spouse": "NAN"}') and not extracts_nothing("[]")


def test_select_examples_leaves_out_the_empty_ones(instruction_splits, tmp_path: Path):
    rows = [r for r in instruction_splits["train"] if r["output"].startswith("{")][:3]
    empty = {**rows[0], "id": "empty-1",
             "output": json.dumps({key: [] for key in json.loads(rows[0]["output"])})}
    folder = write_dataset({"train": rows + [empty]}, tmp_path / "data")
    examples = load_examples(folder, "train", require_output=True)
    kept, skipped = select_examples(examples, skip_empty_answers=True)
    assert skipped == 1 and [e.id for e in kept] == [r["id"] for r in rows]
    assert select_examples(examples, skip_empty_answers=False) == (examples, 0)
