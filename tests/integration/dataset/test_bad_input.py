"""Bad dataset configuration stops `kg2i run` with a clear error before any work (exit 2)."""
from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from kg2instruction.cli import main as kg2i
from tests.integration.dataset.harness import make_project

EMPTY_THEME = """\
theme: empty
name: {en: Empty, zh: 空}
entity_types: [human]
relations: []
"""


def _pipeline(root: Path, stages: dict) -> Path:
    path = make_project(root)
    doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    doc["stages"] = stages
    path.write_text(yaml.safe_dump(doc, sort_keys=False, allow_unicode=True), encoding="utf-8")
    return path


def _run(path: Path, theme: str = "person") -> int:
    return kg2i(["run", "--pipeline", str(path), "--theme", theme])


@pytest.mark.parametrize("ratios", [{"train": 0.8, "dev": 0.1}, {"train": 0.9, "test": 0.3}])
def test_split_ratios_that_do_not_sum_to_one(tmp_path, capsys, ratios):
    path = _pipeline(tmp_path, {"sample_paragraphs": {"splits": {"ratios": ratios}}})
    assert _run(path) == 2
    err = capsys.readouterr().err
    assert str(path) in err and "line" in err and "stages.sample_paragraphs.splits" in err
    assert "sum to 1" in err
    assert not (tmp_path / "cache").exists()


def test_instruction_template_with_an_unknown_placeholder(tmp_path, capsys):
    phrasings = {"relation": {"en": ["List {labels} in {paragraph}. {format}"],
                              "zh": ["列出{labels}。{format}"]},
                 "entity": {"en": ["Find {labels}. {format}"], "zh": ["找出{labels}。{format}"]}}
    path = _pipeline(tmp_path, {"make_instructions": {"phrasings": phrasings}})
    assert _run(path) == 2
    err = capsys.readouterr().err
    assert "stages.make_instructions.phrasings.relation.en.0" in err
    assert "unknown placeholder {paragraph}" in err and str(path) in err
    assert not (tmp_path / "cache").exists()


def test_theme_without_relations(tmp_path, capsys):
    path = _pipeline(tmp_path, {"read_wikipedia": {"pages_per_shard": 10}})
    (tmp_path / "themes" / "empty.yaml").write_text(EMPTY_THEME, encoding="utf-8")
    assert _run(path, theme="empty") == 2
    err = capsys.readouterr().err
    assert "empty.yaml" in err and "at least one relation" in err
    assert not (tmp_path / "cache").exists()


def test_unknown_output_format(tmp_path, capsys):
    path = _pipeline(tmp_path, {"make_instructions": {"formats": ["json", "yaml"]}})
    assert _run(path) == 2
    assert "stages.make_instructions.formats.1" in capsys.readouterr().err
