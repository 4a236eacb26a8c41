"""Fixtures of the matching/typing/schema tests: tiny KGs built from real dump lines, the sample KG.

Tiny KGs are built with the real ingest (`build_kg`) from real Wikidata entity JSON (Q42 with its
time and quantity claims; lines of the real `latest-all` head, edited where a test needs a
particular class graph), so the tests exercise DuckDB exactly as a run does.
"""
from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from kg2instruction.config.entity_types import CATEGORIES, EntityTypes
from kg2instruction.kg.build import build_kg
from kg2instruction.kg.duckdb_kg import DuckDBKG


def real_entities(fixtures_dir: Path) -> dict[str, dict[str, Any]]:
    """Entities of the real dump head, by QID."""
    entities = {}
    for line in (fixtures_dir / "wikidata" / "latest-all.head50.json").read_text("utf-8").splitlines():
        line = line.strip().rstrip(",")
        if line.startswith("{"):
            entity = json.loads(line)
            entities[entity["id"]] = entity
    return entities


def item_snak(pid: str, qid: str) -> dict[str, Any]:
    """A statement in dump format pointing at `qid` (used to edit real lines)."""
    return {"mainsnak": {"snaktype": "value", "property": pid, "datatype": "wikibase-item",
                         "datavalue": {"type": "wikibase-entityid",
                                       "value": {"entity-type": "item", "id": qid,
                                                 "numeric-id": int(qid[1:])}}},
            "type": "statement", "id": f"{qid}$edited-{pid}", "rank": "normal"}


def set_item_claims(entity: dict[str, Any], pid: str, qids: list[str]) -> dict[str, Any]:
    edited = json.loads(json.dumps(entity))
    edited["claims"][pid] = [item_snak(pid, q) for q in qids]
    return edited


def write_dump(path: Path, entities: list[dict[str, Any]]) -> Path:
    lines = ["["] + [json.dumps(e, ensure_ascii=False) + "," for e in entities[:-1]]
    lines += [json.dumps(entities[-1], ensure_ascii=False), "]"]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@pytest.fixture
def build_tiny_kg(tmp_path: Path) -> Iterator[Callable[[list[dict[str, Any]]], DuckDBKG]]:
    opened: list[DuckDBKG] = []

    def build(entities: list[dict[str, Any]]) -> DuckDBKG:
        n = len(opened)
        dump = write_dump(tmp_path / f"dump{n}.json", entities)
        build_kg(dump, tmp_path / f"kg{n}.duckdb")
        kg = DuckDBKG(tmp_path / f"kg{n}.duckdb")
        opened.append(kg)
        return kg

    yield build
    for kg in opened:
        kg.close()


@pytest.fixture(scope="session")
def head_entities(fixtures_dir: Path) -> dict[str, dict[str, Any]]:
    return real_entities(fixtures_dir)


@pytest.fixture(scope="session")
def q42_entity(fixtures_dir: Path) -> dict[str, Any]:
    return json.loads((fixtures_dir / "wikidata" / "Q42.json").read_text("utf-8"))["entities"]["Q42"]


def make_entity_types(roots: dict[str, list[str]], priority: list[str] | None = None) -> EntityTypes:
    """A valid EntityTypes with the given root classes (others empty)."""
    classed = [c for c in CATEGORIES if c not in ("time", "measure", "other")]
    return EntityTypes.model_validate({
        "categories": {c: {"label": {"en": c, "zh": c}, "root_classes": roots.get(c, [])}
                       for c in CATEGORIES},
        "priority": priority or classed,
        "max_depth": 6,
    })


@pytest.fixture(scope="session")
def sample_duckdb_kg(sample_kg: Path) -> Iterator[DuckDBKG]:
    """The bundled sample KG (225k real entities; built once per session by tests/conftest.py)."""
    kg = DuckDBKG(sample_kg)
    yield kg
    kg.close()
