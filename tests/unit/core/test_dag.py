from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pytest

from kg2instruction.core import MapStage, register_stage
from kg2instruction.core.runner import plan_run
from kg2instruction.errors import ConfigError
from tests.integration.dag.project import TOY_THEME

HEADER = """\
name: t
base_dir: ..
plugins: [tests.integration.dag.toy_stages, tests.unit.core.test_dag]
sources:
  lines: {path: data/lines.txt}
stages:
"""


@register_stage
class CycleA(MapStage):
    name = "cycle_a"
    requires = ("cycle_b",)

    def process(self, inputs, ctx) -> pa.Table:
        return inputs["cycle_b"]


@register_stage
class CycleB(MapStage):
    name = "cycle_b"
    requires = ("toy_lines", "cycle_a")

    def process(self, inputs, ctx) -> pa.Table:
        return inputs["toy_lines"]


def project(tmp_path: Path, stages: str, header: str = HEADER) -> Path:
    (tmp_path / "pipelines").mkdir()
    (tmp_path / "themes").mkdir()
    (tmp_path / "themes" / "person.yaml").write_text(TOY_THEME, encoding="utf-8")
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "lines.txt").write_text("a b\nc d e\n", encoding="utf-8")
    path = tmp_path / "pipelines" / "t.yaml"
    path.write_text(header + stages, encoding="utf-8")
    return path


def error_of(path: Path, theme: str = "person", **options) -> ConfigError:
    with pytest.raises(ConfigError) as caught:
        plan_run(path, theme, **options)
    return caught.value


def test_valid_pipeline_plans_in_dependency_order(tmp_path: Path) -> None:
    path = project(tmp_path, "  toy_hits: {}\n  toy_upper: {min_tokens: 2}\n"
                             "  toy_lexicon: {words: [a]}\n  toy_lines: {}\n")
    plan = plan_run(path, "person")
    # ready stages keep their YAML order
    assert plan.dag.order == ["toy_lexicon", "toy_lines", "toy_upper", "toy_hits"]
    assert plan.dag.until("toy_upper").order == ["toy_lines", "toy_upper"]
    assert len({p.fingerprint for p in plan.stages.values()}) == 4
    assert not (tmp_path / "cache").exists()


def test_unknown_stage_is_named_with_its_line(tmp_path: Path) -> None:
    path = project(tmp_path, "  toy_lines: {}\n  toy_uper: {}\n")
    error = error_of(path)
    assert error.key == "stages.toy_uper" and error.line == 8
    assert "unknown stage 'toy_uper'" in str(error) and "toy_upper" in str(error)


def test_typo_in_a_stage_key_names_file_line_and_key(tmp_path: Path) -> None:
    path = project(tmp_path, "  toy_lines: {}\n  toy_upper:\n    min_tokenz: 3\n")
    error = error_of(path)
    assert (error.key, error.line, error.path) == ("stages.toy_upper.min_tokenz", 9, str(path))
    assert "unknown key" in str(error)


def test_wrong_value_type_is_a_config_error(tmp_path: Path) -> None:
    error = error_of(project(tmp_path, "  toy_lines: {lines_per_shard: many}\n"))
    assert error.key == "stages.toy_lines.lines_per_shard"


def test_missing_required_stage(tmp_path: Path) -> None:
    error = error_of(project(tmp_path, "  toy_upper: {}\n"))
    assert "requires stage 'toy_lines'" in str(error) and error.key == "stages.toy_upper"


def test_cycle_is_reported_with_its_members(tmp_path: Path) -> None:
    error = error_of(project(tmp_path, "  toy_lines: {}\n  cycle_a: {}\n  cycle_b: {}\n"))
    assert "cycle" in str(error)
    assert "cycle_a -> cycle_b -> cycle_a" in str(error) or \
        "cycle_b -> cycle_a -> cycle_b" in str(error)


def test_stage_reading_an_absent_source(tmp_path: Path) -> None:
    header = HEADER.replace("  lines: {path: data/lines.txt}\n", "  other: {path: data/lines.txt}\n")
    error = error_of(project(tmp_path, "  toy_lines: {}\n", header))
    assert "reads source 'lines'" in str(error)


def test_unknown_until_and_force_targets(tmp_path: Path) -> None:
    path = project(tmp_path, "  toy_lines: {}\n")
    assert "--until 'nope'" in str(error_of(path, until="nope"))
    assert "--force 'nope'" in str(error_of(path, force=["nope"]))


@pytest.mark.parametrize("theme", ["../../etc", "../themes/person", "/etc/passwd", "nosuch", ""])
def test_theme_must_be_a_name_inside_the_themes_dir(tmp_path: Path, theme: str) -> None:
    error = error_of(project(tmp_path, "  toy_lines: {}\n"), theme=theme)
    assert error.key == "theme" and "person" in str(error)   # lists what exists


@pytest.mark.parametrize("field,value", [("sources.lines.path", "../../etc/passwd"),
                                         ("cache", "/tmp/elsewhere"),
                                         ("themes_dir", "../..")])
def test_paths_may_not_leave_the_project(tmp_path: Path, field: str, value: str) -> None:
    header = HEADER
    if field == "sources.lines.path":
        header = header.replace("data/lines.txt", value)
    else:
        header = f"{field}: {value}\n" + header
    error = error_of(project(tmp_path, "  toy_lines: {}\n", header))
    assert "leaves the project" in str(error) and error.key == field


def test_missing_input_file_is_an_input_error(tmp_path: Path) -> None:
    from kg2instruction.errors import InputError

    path = project(tmp_path, "  toy_lines: {}\n")
    (tmp_path / "data" / "lines.txt").unlink()
    with pytest.raises(InputError, match="lines.txt"):
        plan_run(path, "person")
