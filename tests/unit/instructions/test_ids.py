"""Instruction ids: the chunks of a record share its id; NER records carry their own suffix."""
from __future__ import annotations

import pytest

from kg2instruction.instructions import instruction_id, record_id_of


def test_every_chunk_of_a_record_gets_the_record_id():
    rid = "841ef2af4cfe766dd9295fb7daf321c299df0fd0cef14820dfcb421161eed4a1"
    assert instruction_id(rid) == instruction_id(rid, "RE") == rid
    assert instruction_id(rid, "NER") == rid + "/ner"
    assert record_id_of(rid + "/ner") == record_id_of(rid) == rid
    assert instruction_id("page#intro#2") == "page#intro#2"   # no suffix is special any more


def test_ambiguous_or_empty_record_ids_are_refused():
    with pytest.raises(ValueError, match="marks NER ids"):
        instruction_id("record/ner", "NER")
    with pytest.raises(ValueError):
        instruction_id("")
    with pytest.raises(ValueError, match="unknown task"):
        instruction_id("record", "KG")
