"""A finished fixture run (real English and Chinese text, person theme) shared by this area."""
from __future__ import annotations

from pathlib import Path

import pytest

from kg2instruction.cli import main as kg2i
from kg2instruction.config.theme import load_theme
from tests.integration.dataset.harness import FixtureRun, make_project, run_dataset_stages
from tests.unit.instructions.real_tables import chinese_rows, english_rows, tables

# Small enough to stay fast, large enough that every phrasing x format shows up in English.
TARGET_SIZE = 150
STAGE_CONFIGS = {"sample_paragraphs": {"sampling": {"target_size": TARGET_SIZE,
                                                    "negative_rate": 0.1},
                                       "splits": {"ratios": {"train": 0.6, "dev": 0.2,
                                                             "test": 0.2}}}}


@pytest.fixture(scope="session")
def fixture_run(tmp_path_factory: pytest.TempPathFactory) -> FixtureRun:
    root = tmp_path_factory.mktemp("dataset_project")
    pipeline_file = make_project(root)
    theme = load_theme("person", root / "themes")
    en_paragraphs, en_triples = english_rows(theme, limit=3000)
    zh_paragraphs, zh_triples = chinese_rows(theme)
    run = FixtureRun(project=root, theme=theme, pipeline_file=pipeline_file)
    run_dataset_stages(run, tables(en_paragraphs + zh_paragraphs, en_triples + zh_triples),
                       STAGE_CONFIGS)
    return run


@pytest.fixture(scope="session")
def exported(fixture_run: FixtureRun) -> Path:
    """The published dataset folder of the fixture run (via `kg2i export`)."""
    assert kg2i(["export", "--pipeline", str(fixture_run.pipeline_file), "--theme",
                 "person"]) == 0
    root = fixture_run.run_dir / "datasets" / "person"
    return root / (root / "LATEST").read_text(encoding="utf-8").strip()


@pytest.fixture
def hf_offline(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Offline mode and a throwaway cache; returns the cache dir to pass to `load_dataset`."""
    import datasets

    home = tmp_path / "hf_home"
    for var, value in (("HF_HOME", home), ("HF_DATASETS_CACHE", home / "datasets"),
                       ("HF_DATASETS_OFFLINE", "1"), ("HF_HUB_OFFLINE", "1")):
        monkeypatch.setenv(var, str(value))
    # `datasets` read the environment when first imported (maybe by another test module)
    for flag in ("HF_DATASETS_OFFLINE", "HF_HUB_OFFLINE"):
        if hasattr(datasets.config, flag):
            monkeypatch.setattr(datasets.config, flag, True)
    monkeypatch.setattr(datasets.config, "HF_DATASETS_CACHE", home / "datasets")
    return home / "datasets"
