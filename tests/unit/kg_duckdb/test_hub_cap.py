"""Hub-safe neighbour lookups: the reverse-edge cap, its deterministic choice, and that the
bundled sample's answers are the uncapped ones under the default cap."""
from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

import duckdb
import orjson
import pytest

from kg2instruction.errors import InputError
from kg2instruction.kg.build import build_kg
from kg2instruction.kg.duckdb_kg import DuckDBKG
from kg2instruction.kg.lookup_config import KGLookupConfig
from kg2instruction.kg.protocol import qid_number

from .conftest import QUIET, entity_lines

# Sample entities whose neighbours the annotation of the bundled sample asks for, the biggest hubs
# among them (Q5 human: 43,848 reverse edges; Q6581097 male; Q30; Q183; Q90 Paris) included.
SAMPLE_QIDS = ("Q5", "Q6581097", "Q6581072", "Q30", "Q183", "Q90", "Q142", "Q42", "Q1860",
               "Q145", "Q60", "Q84", "Q64", "Q148", "Q159", "Q8023", "Q80", "Q937", "Q11424")
# neighbours(SAMPLE_QIDS, "en") computed by the uncapped lookup of KG schema 1 (before the cap
# existed): rows per entity and a SHA-256 of the rows, so the capped store must answer the same.
SAMPLE_ROWS = {"Q5": 43850, "Q6581097": 38488, "Q6581072": 5610, "Q30": 3399, "Q183": 1053,
               "Q90": 970, "Q142": 1068, "Q42": 5, "Q1860": 2785, "Q145": 253, "Q60": 307,
               "Q84": 1413, "Q64": 676, "Q148": 425, "Q159": 719, "Q8023": 73, "Q80": 52,
               "Q937": 46, "Q11424": 3012}
SAMPLE_SHA256 = "ca71b2a888eb45725d9fa095dbe41674749a3206c5b87fe00607187615519528"


def _statement(pid: str, target: str) -> dict:
    return {"mainsnak": {"snaktype": "value", "property": pid, "datatype": "wikibase-item",
                         "datavalue": {"value": {"entity-type": "item", "id": target},
                                       "type": "wikibase-entityid"}},
            "type": "statement", "rank": "normal"}


def neighbours_digest(answer: dict) -> str:
    text = "\n".join(f"{qid}\t{n.qid}\t{n.pid}\t{n.direction}\t{n.label}\t{'|'.join(n.aliases)}"
                     for qid in sorted(answer) for n in answer[qid])
    return hashlib.sha256(text.encode()).hexdigest()


@pytest.fixture(scope="module")
def hub_store(head50_path: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict]:
    """Real head50 entities edited into a hub: every spoke points at the hub (P31; two of them
    also P361), with a number of statements that makes ties on n_claims."""
    entities = [orjson.loads(line.rstrip(b",")) for line in entity_lines(head50_path)[:13]]
    hub, other, spokes = entities[0], entities[1], entities[2:]
    hub["claims"] = {"P17": [_statement("P17", other["id"])]}
    other["claims"] = {}
    extra = [0, 3, 1, 3, 0, 2, 3, 1, 0, 2, 1]   # filler statements: ties at every count
    for i, (spoke, n) in enumerate(zip(spokes, extra)):
        spoke["claims"] = {"P31": [_statement("P31", hub["id"])],
                           "P1343": [_statement("P1343", other["id"]) for _ in range(n)]}
        if i in (1, 6):
            spoke["claims"]["P361"] = [_statement("P361", hub["id"])]
    dump = tmp_path_factory.mktemp("hub") / "hub.json"
    dump.write_bytes(b"[\n" + b",\n".join(orjson.dumps(e) for e in entities) + b"\n]\n")
    out = dump.with_suffix(".duckdb")
    build_kg(dump, out, resources=QUIET)
    return out, {"hub": hub["id"], "other": other["id"], "spokes": spokes}


def expected_reverse(spokes: list[dict], hub: str, cap: int) -> list[tuple[str, str]]:
    """(other, pid) reverse edges a capped lookup keeps, computed from the dump entities: most
    statements first, then QID number, then property number."""
    edges = [(-sum(len(sts) for sts in s["claims"].values()), qid_number(s["id"]),
              qid_number(pid), s["id"], pid)
             for s in spokes for pid, sts in s["claims"].items()
             if any(st["mainsnak"]["datavalue"]["value"]["id"] == hub for st in sts)]
    return [(qid, pid) for *_, qid, pid in sorted(edges)[:cap]]


@pytest.mark.parametrize("cap", [1, 4, 5, 12, 13, 100])
def test_capped_lookup_keeps_the_best_described_spokes(hub_store, cap: int) -> None:
    path, made = hub_store
    hub = made["hub"]
    with DuckDBKG(path, KGLookupConfig(max_reverse_neighbours=cap)) as kg:
        found = kg.neighbours([hub], "en")[hub]
        assert kg.degrees([hub]) == {hub: (1, 13)}
    forward = [(n.qid, n.pid) for n in found if n.direction == "forward"]
    reverse = {(n.qid, n.pid) for n in found if n.direction == "reverse"}
    assert forward == [(made["other"], "P17")]                 # forward edges are never capped
    assert reverse == set(expected_reverse(made["spokes"], hub, cap))
    assert len(reverse) == min(cap, 13)


def test_cap_applies_per_entity_in_a_batch(hub_store) -> None:
    path, made = hub_store
    hub, other = made["hub"], made["other"]
    with DuckDBKG(path, KGLookupConfig(max_reverse_neighbours=2)) as kg:
        found = kg.neighbours([hub, other], "en")
    assert sum(n.direction == "reverse" for n in found[hub]) == 2
    assert sum(n.direction == "reverse" for n in found[other]) == 2   # hub + 10 spokes point here


def test_neighbour_rows_are_sorted_and_complete(hub_store) -> None:
    """Every claim once forward from its head and once reverse from its tail, in every language;
    reverse positions count 0.. per entity; the physical order is the documented one."""
    path, _ = hub_store
    with duckdb.connect(str(path), read_only=True) as con:
        rows = con.execute("SELECT lang, entity, direction, pos, other, pid FROM neighbour_rows"
                           ).fetchall()
        claims = con.execute("SELECT head, pid, tail FROM claims").fetchall()
        langs = [r[0] for r in con.execute("SELECT DISTINCT lang FROM lang_fallback").fetchall()]
    assert rows == sorted(rows)
    for lang in langs:
        mine = [r for r in rows if r[0] == lang]
        assert sorted((e, p, o) for _, e, d, _, o, p in mine if d == "forward") == sorted(claims)
        reverse = [r for r in mine if r[2] == "reverse"]
        assert sorted((o, p, e) for _, e, _, _, o, p in reverse) == sorted(claims)
        for entity in {r[1] for r in reverse}:
            assert [r[3] for r in reverse if r[1] == entity] == list(
                range(sum(r[1] == entity for r in reverse)))


def test_neighbour_rows_carry_the_names_of_the_other_end(sample: DuckDBKG) -> None:
    """The names stored with each row are the other entity's own labels and aliases."""
    for qid, found in sample.neighbours(["Q42", "Q937"], "en").items():
        others = sorted({n.qid for n in found})
        labels, aliases = sample.labels(others, "en"), sample.aliases(others, "en")
        assert found
        for n in found:
            assert n.label == labels.get(n.qid)
            assert list(n.aliases) == aliases.get(n.qid, [])


@pytest.fixture(scope="module")
def sample(sample_kg: Path):
    with DuckDBKG(sample_kg) as kg:
        yield kg


def test_default_cap_keeps_the_sample_answers(sample: DuckDBKG) -> None:
    answer = sample.neighbours(list(SAMPLE_QIDS), "en")
    assert {qid: len(found) for qid, found in answer.items()} == SAMPLE_ROWS
    assert neighbours_digest(answer) == SAMPLE_SHA256


def test_default_cap_is_above_every_sample_degree(sample: DuckDBKG, sample_kg: Path) -> None:
    """So no sample entity is capped: the largest reverse degree in the store is below it."""
    with duckdb.connect(str(sample_kg), read_only=True) as con:
        biggest = con.execute("SELECT max(n_reverse) FROM degrees").fetchone()[0]
        uncapped = con.execute(
            "SELECT count(*) FROM claims WHERE tail IN ('Q5', 'Q30')").fetchone()[0]
    assert biggest < sample.lookup.max_reverse_neighbours
    answer = sample.neighbours(["Q5", "Q30"], "en")
    assert sum(n.direction == "reverse" for found in answer.values() for n in found) == uncapped


def test_capped_hub_on_the_sample_keeps_the_best_described(sample_kg: Path) -> None:
    with duckdb.connect(str(sample_kg), read_only=True) as con:
        rows = con.execute("""
            SELECT c.head, c.pid, coalesce(e.n_claims, 0) FROM claims c
            LEFT JOIN entities e ON e.id = c.head WHERE c.tail = 'Q5'""").fetchall()
    best = sorted(rows, key=lambda r: (-r[2], qid_number(r[0]), qid_number(r[1])))[:250]
    with DuckDBKG(sample_kg, KGLookupConfig(max_reverse_neighbours=250)) as kg:
        found = kg.neighbours(["Q5"], "en")["Q5"]
    kept = {(n.qid, n.pid) for n in found if n.direction == "reverse"}
    assert kept == {(head, pid) for head, pid, _ in best}


def test_an_older_store_is_refused_with_a_rebuild_message(hub_store, tmp_path: Path) -> None:
    path, _ = hub_store
    old = tmp_path / "old.duckdb"
    shutil.copy(path, old)
    with duckdb.connect(str(old)) as con:
        con.execute("UPDATE meta SET value = '1' WHERE key = 'schema_version'")
    with pytest.raises(InputError, match="schema version 1.*rebuild"):
        DuckDBKG(old)


def test_the_cap_must_be_positive() -> None:
    with pytest.raises(ValueError):
        KGLookupConfig(max_reverse_neighbours=0)
    with pytest.raises(ValueError):
        KGLookupConfig(max_neighbours=5)
