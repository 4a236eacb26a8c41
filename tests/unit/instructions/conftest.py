"""Theme, entity types and InstructIE records built from real text (English and Chinese)."""
from __future__ import annotations

from collections import defaultdict
from typing import Any

import pytest

from kg2instruction.config.entity_types import EntityTypes, load_entity_types
from kg2instruction.config.theme import Theme, load_theme
from kg2instruction.instructions.records import LabelBook, build_record
from tests.unit.instructions.real_tables import REPO, chinese_rows, english_rows


@pytest.fixture(scope="session")
def person() -> Theme:
    return load_theme("person", REPO / "themes")


@pytest.fixture(scope="session")
def entity_types() -> EntityTypes:
    return load_entity_types(REPO / "themes" / "entity_types.yaml")


def _records(paragraphs: list[dict], triples: list[dict], book: LabelBook) -> list[dict[str, Any]]:
    by_paragraph = defaultdict(list)
    for t in triples:
        by_paragraph[t["paragraph_id"]].append(t)
    return [build_record(p, by_paragraph[p["paragraph_id"]], book,
                         page_key=f"page:{p['page_id']}", split="train") for p in paragraphs]


@pytest.fixture(scope="session")
def books(person: Theme, entity_types: EntityTypes) -> dict[str, LabelBook]:
    return {lang: LabelBook.of(person, entity_types, lang) for lang in ("en", "zh")}


@pytest.fixture(scope="session")
def en_records(person: Theme, books: dict[str, LabelBook]) -> list[dict[str, Any]]:
    """English records with at least one triple (T-REx sentences), plus a few negatives."""
    paragraphs, triples = english_rows(person, limit=3000)
    with_triples = {t["paragraph_id"] for t in triples}
    positives = [p for p in paragraphs if p["paragraph_id"] in with_triples]
    negatives = [p for p in paragraphs if p["paragraph_id"] not in with_triples][:10]
    return _records(positives + negatives, triples, books["en"])


@pytest.fixture(scope="session")
def zh_records(person: Theme, books: dict[str, LabelBook]) -> list[dict[str, Any]]:
    paragraphs, triples = chinese_rows(person)
    return _records(paragraphs, triples, books["zh"])
