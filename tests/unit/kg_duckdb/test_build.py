"""KG build on real dump lines: what is stored, ranks, fallback labels, idempotency, atomicity."""
from __future__ import annotations

import bz2
from pathlib import Path

import duckdb
import orjson
import pytest

from kg2instruction.errors import InputError
from kg2instruction.kg.build import build_kg, content_digest
from kg2instruction.kg.store_access import read_meta
from kg2instruction.kg.build_config import BuildResources, KGBuildConfig
from kg2instruction.kg.duckdb_kg import DuckDBKG

from .conftest import QUIET, entity_lines


def query(store: Path, sql: str, params=()) -> list[tuple]:
    con = duckdb.connect(str(store), read_only=True)
    try:
        return con.execute(sql, params).fetchall()
    finally:
        con.close()


def mainsnak_values(entity: dict, value_type: str, *, ranks=("normal", "preferred")) -> list[tuple]:
    """(pid, datavalue value, rank) of the entity's main snaks of one datavalue type."""
    found = []
    for pid, statements in entity["claims"].items():
        for st in statements:
            dv = st["mainsnak"].get("datavalue")
            if dv and dv["type"] == value_type and st["rank"] in ranks:
                found.append((pid, dv["value"], st["rank"]))
    return found


def test_q22_zh_label_comes_from_the_fallback_chain(head50_kg: Path, head50_entities) -> None:
    labels = head50_entities["Q22"]["labels"]
    with DuckDBKG(head50_kg) as kg:
        assert kg.labels(["Q22"], "zh") == {"Q22": labels["zh"]["value"]}
        assert kg.labels(["Q22"], "en") == {"Q22": "Scotland"}
    raw = dict(query(head50_kg, "SELECT lang, value FROM labels WHERE id = 'Q22'"))
    assert raw == {code: labels[code]["value"] for code in labels
                   if code in KGBuildConfig().variant_languages()}


def test_zh_fallback_reaches_later_variants_and_normalises_to_simplified(
        head50_path: Path, write_dump, tmp_path: Path) -> None:
    q22 = orjson.loads(entity_lines(head50_path)[0].rstrip(b","))
    kept = {code: q22["labels"][code] for code in ("en", "zh-sg", "zh-hant", "zh-tw")}
    only_traditional = {code: q22["labels"][code] for code in ("en", "zh-hant")}
    q22_sg = {**q22, "labels": kept, "aliases": {}}
    q22_hant = {**q22, "id": "Q22000", "labels": only_traditional, "aliases": {}}
    dump = write_dump([orjson.dumps(q22_sg), orjson.dumps(q22_hant)])
    out = tmp_path / "kg.duckdb"
    build_kg(dump, out, resources=QUIET)
    with DuckDBKG(out) as kg:
        labels = kg.labels(["Q22", "Q22000"], "zh")
        assert labels == {"Q22": kept["zh-sg"]["value"], "Q22000": kept["zh-hant"]["value"]}
        assert labels["Q22000"] == "蘇格蘭"
        # simplified text finds the entity whose only Chinese label is traditional
        found = kg.candidates(["苏格兰"], "zh")["苏格兰"]
        assert {c.qid for c in found} == {"Q22", "Q22000"}
        assert {c.matched for c in found if c.qid == "Q22000"} == {"蘇格蘭"}


def test_ranks_deprecated_dropped_preferred_marked(head50_kg: Path, head50_entities) -> None:
    checked_deprecated = checked_preferred = 0
    for qid in ("Q1", "Q22", "Q64", "Q84", "Q142"):
        entity = head50_entities[qid]
        stored = {(p, t): r for p, t, r in
                  query(head50_kg, "SELECT pid, tail, rank FROM claims WHERE head = ?", [qid])}
        kept = {(p, v["id"]) for p, v, _ in mainsnak_values(entity, "wikibase-entityid")}
        for pid, value, rank in mainsnak_values(entity, "wikibase-entityid",
                                                ranks=("deprecated", "preferred")):
            key = (pid, value["id"])
            if rank == "deprecated" and key not in kept:
                assert key not in stored
                checked_deprecated += 1
            elif rank == "preferred":
                assert stored[key] == "preferred"
                checked_preferred += 1
        assert set(stored) == kept
    assert checked_deprecated >= 1 and checked_preferred >= 5


def test_qualifier_values_are_ignored(head50_kg: Path, head50_entities) -> None:
    entity = head50_entities["Q22"]
    qualifier_times = {q["datavalue"]["value"]["time"]
                       for sts in entity["claims"].values() for st in sts
                       for snaks in st.get("qualifiers", {}).values() for q in snaks
                       if q.get("datavalue", {}).get("type") == "time"}
    main_times = {v["time"] for _, v, _ in mainsnak_values(entity, "time")}
    stored = {t for (t,) in query(head50_kg, "SELECT time FROM time_values WHERE id = 'Q22'")}
    assert qualifier_times - main_times, "fixture should have qualifier-only dates"
    assert stored == main_times
    assert not stored & (qualifier_times - main_times)


def test_q42_time_quantity_and_monolingual_values(q42_kg: Path, q42_path: Path) -> None:
    q42 = orjson.loads(q42_path.read_bytes())["entities"]["Q42"]
    with DuckDBKG(q42_kg) as kg:
        times = {t.pid: t for t in kg.time_values(["Q42"])}
        quantities = {q.pid: q for q in kg.quantity_values(["Q42"])}
    assert (times["P569"].time, times["P569"].precision, times["P569"].calendar) == \
        ("+1952-03-11T00:00:00Z", 11, "Q1985727")
    height = q42["claims"]["P2048"][0]["mainsnak"]["datavalue"]["value"]
    assert (quantities["P2048"].amount, quantities["P2048"].unit) == \
        (height["amount"], height["unit"].rsplit("/", 1)[-1]) == ("+1.96", "Q11573")
    expected_mono = {(p, v["text"], v["language"]) for p, v, _ in mainsnak_values(q42, "monolingualtext")}
    assert set(query(q42_kg, "SELECT pid, text, lang FROM monolingual_values")) == expected_mono
    assert query(q42_kg, "SELECT n_claims FROM entities WHERE id = 'Q42'") == \
        [(sum(len(v) for v in q42["claims"].values()),)]


def test_q42_english_label_falls_back_to_mul(q42_kg: Path, q42_path: Path) -> None:
    q42 = orjson.loads(q42_path.read_bytes())["entities"]["Q42"]
    assert "en" not in q42["labels"]
    with DuckDBKG(q42_kg) as kg:
        assert kg.labels(["Q42"], "en") == {"Q42": q42["labels"]["mul"]["value"]}
        assert "Q42" in {c.qid for c in kg.candidates(["douglas adams"], "en")["douglas adams"]}


def test_sitelinks_and_property_datatypes(q42_kg: Path, q42_path: Path, fixtures_dir: Path) -> None:
    q42 = orjson.loads(q42_path.read_bytes())["entities"]["Q42"]
    with DuckDBKG(q42_kg) as kg:
        assert kg.sitelinks([q42["sitelinks"]["enwiki"]["title"].replace(" ", "_")], "enwiki") == \
            {q42["sitelinks"]["enwiki"]["title"].replace(" ", "_"): "Q42"}
        assert kg.sitelinks([q42["sitelinks"]["zhwiki"]["title"]], "zhwiki") == \
            {q42["sitelinks"]["zhwiki"]["title"]: "Q42"}
    datatypes = dict(query(q42_kg, "SELECT pid, datatype FROM properties"))
    sources = dict(query(q42_kg, "SELECT pid, source FROM properties"))
    assert datatypes["P569"] == "time" and sources["P569"] == "snak"
    csv_lines = (fixtures_dir / "wikidata" / "properties_datatypes.csv").read_text().splitlines()
    assert len(datatypes) >= len(csv_lines) - 1 and sources["P181"] == "csv"


def test_build_summary_counts_match_tables(head50_kg: Path) -> None:
    counts = read_meta(head50_kg)["counts"]
    for table in ("labels", "aliases", "claims", "time_values", "quantity_values", "sitelinks"):
        assert counts[table] == query(head50_kg, f"SELECT count(*) FROM {table}")[0][0] > 0
    assert counts["items"] == counts["entities_read"] == 49 and counts["bad_lines"] == 0


def test_rebuild_is_idempotent_and_digest_sees_changes(head50_path, head50_kg, write_dump, tmp_path):
    again = tmp_path / "again.duckdb"
    build_kg(head50_path, again, resources=QUIET)
    meta_a, meta_b = read_meta(head50_kg), read_meta(again)
    assert meta_a["content_digest"] == meta_b["content_digest"]
    assert meta_a["dump_id"] == meta_b["dump_id"]
    for table in ("claims", "name_index", "preferred_labels", "neighbour_rows"):
        assert query(head50_kg, f"SELECT * FROM {table}") == query(again, f"SELECT * FROM {table}")
    fewer = tmp_path / "fewer.duckdb"
    build_kg(write_dump(entity_lines(head50_path)[:-1]), fewer, resources=QUIET)
    assert read_meta(fewer)["content_digest"] != meta_a["content_digest"]
    con = duckdb.connect(str(again), read_only=True)
    try:
        assert content_digest(con) == meta_b["content_digest"]
    finally:
        con.close()


def test_failed_rebuild_keeps_the_earlier_kg(head50_path: Path, tmp_path: Path) -> None:
    out = tmp_path / "kg.duckdb"
    build_kg(head50_path, out, resources=QUIET)
    assert _files(tmp_path) == ["kg.duckdb"]      # no scratch or temporary file left
    before = read_meta(out)
    packed = bz2.compress(head50_path.read_bytes())
    truncated = tmp_path / "latest-all.json.bz2"
    truncated.write_bytes(packed[: len(packed) * 2 // 3])
    with pytest.raises(InputError, match="latest-all.json.bz2"):
        build_kg(truncated, out, resources=QUIET)
    assert read_meta(out) == before
    assert _files(tmp_path) == ["kg.duckdb", "latest-all.json.bz2"]


def _files(folder: Path) -> list[str]:
    """What is in `folder` besides the build lock (which stays, empty, beside the store)."""
    return sorted(p.name for p in folder.iterdir() if p.name != ".kg.duckdb.lock")


def test_a_build_removes_what_a_killed_build_left(head50_path: Path, tmp_path: Path) -> None:
    """A killed build leaves its temporary store, DuckDB's spill directory and the scratch file;
    the next build of the same store removes them (and only them) and says so."""
    left = [tmp_path / ".kg.duckdb.k1ll3d.tmp", tmp_path / ".kg.duckdb.k1ll3d.tmp.scratch",
            tmp_path / ".kg.duckdb.k1ll3d.tmp.wal"]
    for path in left:
        path.write_bytes(b"partial")
    spill = tmp_path / ".kg.duckdb.k1ll3d.tmp.tmp"
    spill.mkdir()
    (spill / "duckdb_temp_block-1.block").write_bytes(b"spilled")
    unrelated = [tmp_path / ".other.duckdb.x.tmp", tmp_path / "kg.duckdb.notes.tmp"]
    for path in unrelated:
        path.write_bytes(b"not ours")
    summary = build_kg(head50_path, tmp_path / "kg.duckdb", resources=QUIET)
    assert summary.leftovers_removed == 4
    assert any("interrupted earlier build" in line for line in summary.lines())
    assert _files(tmp_path) == sorted(["kg.duckdb", *(p.name for p in unrelated)])


def test_a_second_build_of_the_same_store_stops_at_once(head50_path: Path, tmp_path: Path) -> None:
    """While one build holds a store's lock, another of the same store stops at once with the
    holder's pid (exit code 3), touching nothing; the lock is free again afterwards."""
    from kg2instruction.storage.exclusive_lock import ExclusiveLock, Locked

    out = tmp_path / "kg.duckdb"
    with ExclusiveLock(tmp_path / ".kg.duckdb.lock", "test holder"):
        with pytest.raises(Locked, match=f"another KG build of {out} is running") as err:
            build_kg(head50_path, out, resources=QUIET)
    assert err.value.exit_code == 3 and not out.exists()
    build_kg(head50_path, out, resources=QUIET)
    assert out.is_file()


def test_bad_lines_are_recorded_in_the_store(head50_path: Path, write_dump, tmp_path: Path) -> None:
    lines = entity_lines(head50_path)[:3]
    lines.insert(1, b'{"type":"item","id":"Q1","claims":{"P31":[{"no_mainsnak":1}]}}')
    lines.insert(3, b"garbage")
    dump = write_dump(lines)
    out = tmp_path / "kg.duckdb"
    summary = build_kg(dump, out, KGBuildConfig(max_bad_lines=2), QUIET)
    assert summary.counts["bad_lines"] == 2 and summary.counts["items"] == 3
    assert [(line, reason.split(" ")[0]) for _, line, reason, _ in
            query(out, "SELECT * FROM bad_lines ORDER BY line")] == [(3, "malformed"), (5, "not")]
    assert any("bad line 5" in text for text in summary.lines())
    with pytest.raises(InputError) as err:
        build_kg(dump, tmp_path / "strict.duckdb", KGBuildConfig(max_bad_lines=1), QUIET)
    assert err.value.line == 5 and not (tmp_path / "strict.duckdb").exists()


def test_malformed_entity_leaves_no_partial_rows(head50_path: Path, write_dump, tmp_path) -> None:
    q22 = orjson.loads(entity_lines(head50_path)[0].rstrip(b","))
    broken = {**q22, "id": "Q22001"}
    broken["claims"] = {**q22["claims"], "P9999": [{"rank": "normal"}]}   # statement without mainsnak
    out = tmp_path / "kg.duckdb"
    build_kg(write_dump([orjson.dumps(broken), orjson.dumps(q22)]), out, resources=QUIET)
    for table, column in (("labels", "id"), ("claims", "head"), ("name_index", "id"),
                          ("entities", "id"), ("sitelinks", "id")):
        assert query(out, f"SELECT count(*) FROM {table} WHERE {column} = 'Q22001'") == [(0,)]
    assert query(out, "SELECT count(*) FROM claims WHERE head = 'Q22'")[0][0] > 0


def test_parallel_parse_gives_the_serial_store(head50_path: Path, write_dump, tmp_path) -> None:
    lines = entity_lines(head50_path)
    lines.insert(7, b"garbage")
    lines.insert(30, b'{"type":"item","id":"Q5","claims":{"P31":[{"rank":"normal"}]}}')
    dump = write_dump(lines)
    config = KGBuildConfig(max_bad_lines=5)
    serial = build_kg(dump, tmp_path / "serial.duckdb", config,
                      BuildResources(progress=False, parse_workers=1, batch_bytes=200_000))
    parallel = build_kg(dump, tmp_path / "parallel.duckdb", config,
                        BuildResources(progress=False, parse_workers=2, batch_bytes=200_000))
    assert read_meta(tmp_path / "serial.duckdb")["content_digest"] == \
        read_meta(tmp_path / "parallel.duckdb")["content_digest"]
    assert serial.counts == parallel.counts and serial.bad_lines == parallel.bad_lines
    assert [b.line for b in parallel.bad_lines] == [9, 32]
