"""The theme generator reproduces the mapping table's facts and flags what it cannot resolve."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from kg2instruction.config.derive_themes import read_sources, write_themes
from kg2instruction.config.overlay import swap_placeholders
from kg2instruction.config.theme import load_theme
from kg2instruction.errors import ConfigError

from .conftest import PAPER_THEMES


def sources(fixtures_dir: Path, themes_dir: Path, mapping: Path | None = None):
    return read_sources(
        mapping or fixtures_dir / "instructie" / "all_schema_wikidata_mapping.json",
        fixtures_dir / "instructie" / "final_schema_zh_type_constraints.json",
        fixtures_dir / "wikidata" / "relation_prompts_23langs.csv",
        fixtures_dir / "wikidata" / "wikidata_properties_en.jsonl",
        fixtures_dir / "wikidata" / "properties_datatypes.csv",
        themes_dir / "derivation")


@pytest.fixture(scope="module")
def derived_dir(fixtures_dir: Path, themes_dir: Path, tmp_path_factory: pytest.TempPathFactory
                ) -> Path:
    out = tmp_path_factory.mktemp("derived")
    write_themes(sources(fixtures_dir, themes_dir), out)
    return out


def test_derived_themes_validate(derived_dir: Path) -> None:
    assert sorted(p.stem for p in derived_dir.glob("*.yaml")) == sorted(PAPER_THEMES)
    for name in PAPER_THEMES:
        assert load_theme(name, derived_dir).relations


def test_every_mapped_pid_keeps_its_direction(derived_dir: Path, mapping: dict) -> None:
    for name in PAPER_THEMES:
        theme = load_theme(name, derived_dir)
        upstream = mapping["en"][theme.name.en]
        reverse = {row[0] for row in upstream["reverse_pids"]}
        for en, _zh, rows in upstream["schema"]:
            if en == "other":
                continue
            for pid, pid_label, _pid_zh in rows:
                direction = "reverse" if pid in reverse else "forward"
                got = {r.label.en for r in theme.relations_for(pid, direction)}
                # "possible" P-ids become relations labelled with the property itself.
                expected = pid_label if en == "possible" else en
                assert expected in got, (name, en, pid, direction, got)


def test_unknown_pid_in_the_mapping_is_flagged(fixtures_dir: Path, themes_dir: Path,
                                               mapping: dict, tmp_path: Path) -> None:
    broken = json.loads(json.dumps(mapping))
    broken["en"]["Person"]["schema"][1][2].append(["P999999999", "made up", "虚构"])
    path = tmp_path / "mapping.json"
    path.write_text(json.dumps(broken, ensure_ascii=False), encoding="utf-8")
    with pytest.raises(ConfigError, match="P999999999"):
        write_themes(sources(fixtures_dir, themes_dir, path), tmp_path)


def test_swap_placeholders() -> None:
    assert swap_placeholders("[X] is the parent of [Y].") == "[Y] is the parent of [X]."
    assert swap_placeholders("[X]的首都是[Y]。") == "[Y]的首都是[X]。"
