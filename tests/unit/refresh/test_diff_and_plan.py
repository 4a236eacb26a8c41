"""KG diff over two real DuckDB stores (head50 dump fragment, and the same with real lines
edited) and the affected-paragraph planner on top of it."""
from __future__ import annotations

import json
from pathlib import Path

import duckdb
import pyarrow as pa
import pytest

from kg2instruction.kg.build import build_kg
from kg2instruction.refresh.affected import DiffKeys, plan_shard
from kg2instruction.refresh.kg_diff import diff_kgs, read_summary


def _edited(source: Path, out: Path) -> None:
    """Q23 loses P19 Q494413, Q64 gains P31 Q6256, Q116's en label becomes 'sovereign'."""
    lines = []
    for raw in source.read_bytes().splitlines(keepends=True):
        body = raw.rstrip(b"\n").rstrip(b",")
        if body.startswith(b"{"):
            entity = json.loads(body)
            if entity["id"] == "Q23":
                entity["claims"]["P19"] = [s for s in entity["claims"]["P19"]
                                           if s["mainsnak"]["datavalue"]["value"]["id"] != "Q494413"]
            elif entity["id"] == "Q64":
                entity["claims"]["P31"].append({
                    "mainsnak": {"snaktype": "value", "property": "P31", "datatype": "wikibase-item",
                                 "datavalue": {"type": "wikibase-entityid",
                                               "value": {"entity-type": "item", "id": "Q6256",
                                                         "numeric-id": 6256}}},
                    "type": "statement", "rank": "normal"})
            elif entity["id"] == "Q116":
                entity["labels"]["en"]["value"] = "sovereign"
            else:
                lines.append(raw)
                continue
            raw = json.dumps(entity).encode() + raw[len(raw.rstrip(b",\n")):]
        lines.append(raw)
    out.write_bytes(b"".join(lines))


@pytest.fixture(scope="module")
def kgs(tmp_path_factory, fixtures_dir) -> tuple[Path, Path, Path]:
    folder = tmp_path_factory.mktemp("kgs")
    source = fixtures_dir / "wikidata" / "latest-all.head50.json"
    _edited(source, folder / "v2.json")
    build_kg(source, folder / "v1.duckdb")
    build_kg(folder / "v2.json", folder / "v2.duckdb")
    diff_kgs(folder / "v1.duckdb", folder / "v2.duckdb", folder / "diff.duckdb")
    return folder / "v1.duckdb", folder / "v2.duckdb", folder / "diff.duckdb"


def test_diff_counts_each_kind_of_change(kgs):
    summary = read_summary(kgs[2])
    assert (summary.claims_added, summary.claims_removed) == (1, 1)
    assert (summary.labels_changed, summary.labels_added, summary.labels_removed) == (1, 0, 0)
    assert not summary.everything
    with duckdb.connect(str(kgs[2]), read_only=True) as con:
        claims = sorted(con.execute("SELECT change, head, pid, tail FROM claim_changes").fetchall())
        touched = {r[0] for r in con.execute("SELECT id FROM touched").fetchall()}
    assert claims == [("added", "Q64", "P31", "Q6256"), ("removed", "Q23", "P19", "Q494413")]
    assert {"Q23", "Q494413", "Q64", "Q6256", "Q116"} <= touched
    assert "Q22" not in touched


def test_affected_adds_the_neighbours_of_renamed_entities(kgs):
    v1, _, diff = kgs
    with duckdb.connect(str(v1), read_only=True) as con:
        neighbours = {r[0] for r in con.execute(
            "SELECT tail FROM claims WHERE head = 'Q116' UNION SELECT head FROM claims "
            "WHERE tail = 'Q116'").fetchall()}
    keys = DiffKeys.load(diff, *kgs[:2])
    assert neighbours and neighbours <= keys.entities
    assert ("en", "sovereign") in keys.names and ("en", "monarch") in keys.names


def test_identical_kgs_have_an_empty_diff(kgs, tmp_path):
    diff_kgs(kgs[0], kgs[0], tmp_path / "same.duckdb")
    summary = read_summary(tmp_path / "same.duckdb")
    assert summary.touched_entities == summary.affected_entities == 0


def _paragraphs(rows: list[tuple[str, str, str]]) -> pa.Table:
    return pa.table({"paragraph_id": [r[0] for r in rows], "page_id": [r[1] for r in rows],
                     "lang": ["en"] * len(rows), "text": [r[2] for r in rows]})


def test_plan_marks_whole_pages_touched_by_entities_names_or_text(kgs):
    keys = DiffKeys.load(kgs[2], *kgs[:2])
    paragraphs = _paragraphs([
        ("en:1:0", "1", "George Washington was born in Virginia."),
        ("en:1:1", "1", "He was the first president."),            # same page as a hit
        ("en:2:0", "2", "The Sovereign of the realm spoke."),       # the new label in the text
        ("en:3:0", "3", "Berlin is a large city."),
        ("en:4:0", "4", "Scotland is a country."),                  # untouched entity
    ])
    mentions = pa.table({"paragraph_id": ["en:1:0", "en:3:0", "en:4:0"],
                         "surface": ["George Washington", "Berlin", "Scotland"],
                         "qid": ["Q23", None, "Q22"]})
    plan = plan_shard("en-00000", [paragraphs, mentions], keys)
    assert plan.paragraphs == 5
    # page 1 by its entity, page 2 by text, page 3 by the name "Berlin" (Q64 changed)
    assert plan.affected == ["en:1:0", "en:1:1", "en:2:0", "en:3:0"]
