"""A granularity overlay changes the labels the stages see, and only the stages that read them rerun."""
from __future__ import annotations

from pathlib import Path

import pytest

from kg2instruction.cli import main
from kg2instruction.core.runner import plan_run
from kg2instruction.errors import ConfigError

REPO = Path(__file__).resolve().parents[3]
SAMPLE = REPO / "pipelines" / "sample.yaml"
FINE = REPO / "themes" / "overlays" / "person_fine.yaml"


def test_overlay_relabels_the_theme_and_changes_only_label_reading_fingerprints() -> None:
    plain = plan_run(SAMPLE, "person")
    fine = plan_run(SAMPLE, "person", overlay=FINE)
    labels = {rel.label.en for rel in fine.theme.theme.relations}
    assert {"father", "mother"} <= labels and "parent" not in labels
    assert "parent" in {rel.label.en for rel in plain.theme.theme.relations}
    changed = {name for name in plain.stages
               if plain.stages[name].fingerprint != fine.stages[name].fingerprint}
    # stages that never read the theme's relations keep their cache...
    assert not changed & {"read_wikipedia", "build_kg", "identify_mentions", "link_entities"}
    # ...while the schema constraint and everything downstream of it must rerun
    assert {"apply_schema", "score_nli", "nli_filter", "make_instructions"} <= changed


def test_overlay_from_the_pipeline_file_equals_the_cli_option(tmp_path: Path) -> None:
    pipeline = tmp_path / "sample.yaml"   # same pipeline, rooted at the repository
    text = SAMPLE.read_text(encoding="utf-8").replace("base_dir: ..", f"base_dir: {REPO}", 1)
    assert f"base_dir: {REPO}" in text
    text = text.replace("seed: 13", "seed: 13\noverlay: themes/overlays/person_fine.yaml", 1)
    pipeline.write_text(text, encoding="utf-8")
    from_file = plan_run(pipeline, "person")
    from_cli = plan_run(SAMPLE, "person", overlay=FINE)
    assert from_file.stages["apply_schema"].fingerprint == \
        from_cli.stages["apply_schema"].fingerprint
    assert from_file.stages["apply_schema"].fingerprint != \
        plan_run(SAMPLE, "person").stages["apply_schema"].fingerprint


def test_overlay_outside_the_project_is_rejected(tmp_path: Path) -> None:
    outside = tmp_path / "labels.yaml"
    outside.write_text(FINE.read_text(encoding="utf-8"), encoding="utf-8")
    with pytest.raises(ConfigError, match="leaves the project"):
        plan_run(SAMPLE, "person", overlay=outside)


def test_bad_overlay_stops_the_run_before_any_work(tmp_path: Path, capsys) -> None:
    bad = REPO / "themes" / "overlays" / "_bad_test.yaml"
    bad.write_text("theme: person\noperations:\n  - drop: {labels: [no such label]}\n",
                   encoding="utf-8")
    try:
        code = main(["status", "--pipeline", str(SAMPLE), "--theme", "person",
                     "--overlay", str(bad)])
    finally:
        bad.unlink()
    err = capsys.readouterr().err
    assert code == 2
    assert "_bad_test.yaml" in err and "line 3" in err and "no such label" in err
