"""Fixtures for the theme/type/overlay configuration tests (real theme files of the repo)."""
from __future__ import annotations

import csv
import json
from collections.abc import Callable
from pathlib import Path

import pytest

from kg2instruction.config.theme import Theme, load_theme

REPO = Path(__file__).resolve().parents[3]
THEMES_DIR = REPO / "themes"
PAPER_THEMES = ("person", "geographic_location", "building", "works", "creature",
                "artificial_object", "natural_science", "organization", "transport", "event",
                "astronomy", "medicine")


@pytest.fixture(scope="session")
def themes_dir() -> Path:
    return THEMES_DIR


@pytest.fixture(scope="session")
def person() -> Theme:
    return load_theme("person", THEMES_DIR)


@pytest.fixture(scope="session")
def all_themes() -> dict[str, Theme]:
    return {name: load_theme(name, THEMES_DIR) for name in PAPER_THEMES}


@pytest.fixture(scope="session")
def property_datatypes(fixtures_dir: Path) -> dict[str, str]:
    """P-id -> 'item' | 'time' | 'quantity' | other datatype, from both property fixtures."""
    kinds: dict[str, str] = {}
    with open(fixtures_dir / "wikidata" / "wikidata_properties_en.jsonl", encoding="utf-8") as fh:
        for line in fh:
            prop = json.loads(line)
            kinds[prop["id"]] = prop["datatype"].lower().replace("-", "")
    with open(fixtures_dir / "wikidata" / "properties_datatypes.csv", encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            kinds.setdefault(row["property_id"], row["datatype"].lower().replace("-", ""))
    return kinds


@pytest.fixture(scope="session")
def mapping(fixtures_dir: Path) -> dict:
    return json.loads((fixtures_dir / "instructie" / "all_schema_wikidata_mapping.json")
                      .read_text(encoding="utf-8"))


@pytest.fixture()
def write_yaml(tmp_path: Path) -> Callable[[str, str], Path]:
    """Write YAML text to tmp_path/<name> and return the path."""
    def write(name: str, text: str) -> Path:
        path = tmp_path / name
        path.write_text(text, encoding="utf-8")
        return path
    return write
