"""`DuckDBKG` on the bundled wikidata-mini sample, checked against the raw dump lines.

Expected answers are computed here from the dump itself (decompressed once, lines picked by a
regex), not hard-coded, so the tests check the store against the source data.
"""
from __future__ import annotations

import re
from collections import defaultdict
from pathlib import Path

import orjson
import pytest

from kg2instruction.errors import ConfigError
from kg2instruction.kg.build import build_kg
from kg2instruction.kg.duckdb_kg import DuckDBKG
from kg2instruction.kg.protocol import KnowledgeGraph, qid_number
from kg2instruction.sources.compressed import open_binary
from kg2instruction.text.normalize import normalize_name

from .conftest import QUIET, entity_lines

AMBIGUOUS_EN = ("Richmond", "Washington", "Victoria")
AMBIGUOUS_ZH = "剑桥"
HUB = "Q90"   # Paris
_PICK = re.compile(rb"(?i)ichmond|washington|victoria|\xe5\x89\x91\xe6\xa1\xa5|\xe5\x8a\x8d\xe6\xa9\x8b|"
                   rb'"id":"Q90"|"id":"Q142"')


@pytest.fixture(scope="module")
def kg(sample_kg: Path):
    with DuckDBKG(sample_kg) as store:
        yield store


@pytest.fixture(scope="module")
def picked(sample_dir: Path) -> dict[str, dict]:
    """Entities of the sample dump whose line mentions one of the names or ids used below."""
    entities = {}
    with open_binary(sample_dir / "wikidata-mini.json.bz2") as fh:
        for line in fh:
            if _PICK.search(line):
                entity = orjson.loads(line.rstrip().rstrip(b","))
                entities[entity["id"]] = entity
    return entities


def terms(entity: dict, codes: tuple[str, ...]) -> list[tuple[str, str]]:
    """(via, value) of the entity's labels and aliases in the given language codes."""
    found = [("label", entity["labels"][c]["value"]) for c in codes if c in entity.get("labels", {})]
    aliases = entity.get("aliases") or {}
    found += [("alias", a["value"]) for c in codes for a in aliases.get(c, [])]
    return found


def item_claims(entity: dict) -> set[tuple[str, str]]:
    return {(pid, st["mainsnak"]["datavalue"]["value"]["id"])
            for pid, sts in entity["claims"].items() for st in sts
            if st["rank"] != "deprecated" and st["mainsnak"].get("snaktype") == "value"}


def test_satisfies_protocol(kg: DuckDBKG) -> None:
    assert isinstance(kg, KnowledgeGraph)


@pytest.mark.parametrize("name", AMBIGUOUS_EN)
def test_ambiguous_english_names(kg: DuckDBKG, picked: dict, name: str) -> None:
    norm = normalize_name(name, "en")
    expected = {qid for qid, e in picked.items()
                if any(normalize_name(v, "en") == norm for _, v in terms(e, ("en", "mul")))}
    found = kg.candidates([name], "en")[name]
    assert len(expected) >= 5
    assert {c.qid for c in found} == expected
    assert [c.qid for c in found] == [c.qid for c in sorted(
        found, key=lambda c: (-c.n_claims, qid_number(c.qid)))]
    counts = kg.n_claims([c.qid for c in found])
    for c in found:
        assert c.n_claims == counts[c.qid] == sum(map(len, picked[c.qid]["claims"].values()))
        entity_terms = terms(picked[c.qid], ("en", "mul"))
        assert (c.via, c.matched) in entity_terms and normalize_name(c.matched, "en") == norm
        if any(via == "label" and normalize_name(v, "en") == norm for via, v in entity_terms):
            assert c.via == "label"


def test_candidates_normalise_case_width_and_spaces(kg: DuckDBKG) -> None:
    variants = ["Richmond", "  RICHMOND ", "ｒｉｃｈｍｏｎｄ", "rich\u00a0mond".replace("\u00a0", "")]
    results = kg.candidates(variants, "en")
    assert set(results) == set(variants)
    assert len({tuple(c.qid for c in found) for found in results.values()}) == 1
    assert kg.candidates(["no such name xq"], "en") == {}


def test_ambiguous_chinese_name_matches_traditional_and_simplified(kg: DuckDBKG, picked) -> None:
    zh_codes = ("zh", "zh-hans", "zh-cn", "zh-sg", "zh-my", "zh-hant", "zh-tw", "zh-hk", "zh-mo")
    expected = {qid for qid, e in picked.items()
                if any(normalize_name(v, "zh") == AMBIGUOUS_ZH for _, v in terms(e, zh_codes))}
    found = kg.candidates([AMBIGUOUS_ZH, "劍橋"], "zh")
    assert len(expected) >= 2
    assert {c.qid for c in found[AMBIGUOUS_ZH]} == expected == {c.qid for c in found["劍橋"]}


def test_latin_names_in_chinese_text_match_english_labels(kg: DuckDBKG) -> None:
    zh = kg.candidates(["Richmond", "里士满"], "zh")
    en = kg.candidates(["Richmond"], "en")
    assert {c.qid for c in zh["Richmond"]} >= {c.qid for c in en["Richmond"]}


def test_labels_and_aliases_batch_equals_single_calls(kg: DuckDBKG, picked: dict) -> None:
    qids = sorted(picked)[:80] + ["Q0", "Q999999999"]
    batch_labels, batch_aliases = kg.labels(qids, "en"), kg.aliases(qids, "zh")
    single_labels, single_aliases = {}, {}
    for qid in qids:
        single_labels.update(kg.labels([qid], "en"))
        single_aliases.update(kg.aliases([qid], "zh"))
    assert batch_labels == single_labels and batch_aliases == single_aliases
    assert "Q0" not in batch_labels
    for qid, label in batch_labels.items():
        entity_labels = picked[qid]["labels"]
        assert label == (entity_labels.get("en") or entity_labels["mul"])["value"]
    for values in batch_aliases.values():
        assert values == sorted(set(values))


def test_neighbours_both_directions_with_labels(kg: DuckDBKG, picked: dict) -> None:
    forward = item_claims(picked[HUB])
    reverse = {(pid, qid) for qid, e in picked.items() for pid, tail in item_claims(e) if tail == HUB}
    found = kg.neighbours([HUB], "en")[HUB]
    assert {(n.pid, n.qid) for n in found if n.direction == "forward"} == forward
    assert {(n.pid, n.qid) for n in found if n.direction == "reverse"} == reverse
    assert found == sorted(found) and len(reverse) > 100
    labels = kg.labels([n.qid for n in found], "en")
    aliases = kg.aliases([n.qid for n in found], "en")
    for n in found:
        assert n.label == labels.get(n.qid) and list(n.aliases) == aliases.get(n.qid, [])


def test_claims_between_in_either_direction(kg: DuckDBKG, picked: dict) -> None:
    france = "Q142"
    expected = {(HUB, p, t) for p, t in item_claims(picked[HUB]) if t == france}
    expected |= {(france, p, t) for p, t in item_claims(picked[france]) if t == HUB}
    assert len({h for h, _, _ in expected}) == 2      # claims exist both ways between the pair
    one_way = kg.claims_between([(HUB, france)])
    assert {(c.head, c.pid, c.tail) for c in one_way} == expected
    assert kg.claims_between([(france, HUB), (HUB, france)]) == one_way == sorted(one_way)
    assert kg.claims_between([(HUB, "Q999999999")]) == []


def test_types_closure_on_the_sample(kg: DuckDBKG, picked: dict) -> None:
    people = [qid for qid, e in picked.items()
              if ("P31", "Q5") in item_claims(e)][:20]
    places = [qid for qid, e in picked.items()
              if any(p == "P31" and t == "Q515" for p, t in item_claims(e))][:20]
    roots = {"person": ["Q5"], "city": ["Q515"]}
    found = kg.types(people + places + ["Q999999999"], roots, max_depth=0)
    assert people and places
    assert all(found[q] == ["person"] for q in people)
    assert all("city" in found[q] for q in places)
    assert "Q999999999" not in found


def test_types_follow_p279_and_survive_a_cycle(head50_path: Path, write_dump, tmp_path) -> None:
    """Real entity lines edited into: X -P31-> A -P279-> B -P279-> C -P279-> A (a cycle)."""
    lines = entity_lines(head50_path)
    x, a, b, c = (orjson.loads(line.rstrip(b",")) for line in lines[:4])

    def statement(pid: str, target: str) -> dict:
        return {"mainsnak": {"snaktype": "value", "property": pid, "datatype": "wikibase-item",
                             "datavalue": {"value": {"entity-type": "item", "id": target},
                                           "type": "wikibase-entityid"}},
                "type": "statement", "rank": "normal"}

    x["claims"] = {"P31": [statement("P31", a["id"])]}
    a["claims"] = {"P279": [statement("P279", b["id"])]}
    b["claims"] = {"P279": [statement("P279", c["id"])]}
    c["claims"] = {"P279": [statement("P279", a["id"])]}
    out = tmp_path / "cycle.duckdb"
    build_kg(write_dump([orjson.dumps(e) for e in (x, a, b, c)]), out, resources=QUIET)
    roots = {"ra": [a["id"]], "rb": [b["id"]], "rc": [c["id"]]}
    with DuckDBKG(out) as kg:
        assert kg.types([x["id"]], roots) == {x["id"]: ["ra", "rb", "rc"]}
        assert kg.types([x["id"]], roots, max_depth=1) == {x["id"]: ["ra", "rb"]}
        assert kg.types([x["id"]], roots, max_depth=0) == {x["id"]: ["ra"]}
        assert kg.types([a["id"]], roots) == {}           # A is a class, not an instance


def test_unknown_language_is_a_config_error(kg: DuckDBKG) -> None:
    with pytest.raises(ConfigError, match="'fr'"):
        kg.labels(["Q90"], "fr")


def test_many_readers_share_one_store(sample_kg: Path) -> None:
    with DuckDBKG(sample_kg) as first, DuckDBKG(sample_kg) as second:
        assert first.labels([HUB], "en") == second.labels([HUB], "en") != {}


def test_empty_batches(kg: DuckDBKG) -> None:
    assert kg.labels([], "en") == {} and kg.candidates([], "en") == {}
    assert kg.neighbours([], "en") == {} and kg.claims_between([]) == []
    assert kg.time_values([]) == [] and kg.types([], {"x": ["Q5"]}) == {}


def test_sample_store_counts_match_the_dump(kg: DuckDBKG, sample_dir: Path) -> None:
    counts = kg.meta["counts"]
    assert counts["items"] == counts["entities_read"] == counts["lines"] - 2  # `[` and `]`
    assert counts["bad_lines"] == 0 and counts["claims"] > 400_000
    by_lang = defaultdict(int)
    for lang in kg.languages:
        by_lang[lang] += 1
    assert set(by_lang) == {"en", "zh"}
