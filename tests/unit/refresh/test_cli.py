"""`kg2i refresh run` at the command line: refusals exit 2 (3 while locked) and write nothing."""
from __future__ import annotations

from pathlib import Path

import pytest

from kg2instruction.cli import main
from kg2instruction.refresh.lock import RefreshLock


@pytest.fixture
def pipeline(tmp_path: Path) -> Path:
    (tmp_path / "pipelines").mkdir()
    path = tmp_path / "pipelines" / "p.yaml"
    path.write_text("name: p\nbase_dir: ..\n")
    return path


def _files(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*") if p.is_file())


@pytest.mark.parametrize("extra,message", [
    (["--mirror", "http://dumps.wikimedia.org"], "must use https"),
    (["--mirror", "https://mirror.example.org"], "not in the allowed hosts"),
    (["--wikidata", "latest", "--wikidata-file", "x.json"], "not both"),
    (["--wikipedia-file", "en"], "expected LANG=VALUE"),
])
def test_refusals_exit_2_and_write_nothing(pipeline, extra, message, capsys):
    before = _files(pipeline.parents[1])
    assert main(["refresh", "run", "--pipeline", str(pipeline), "--theme", "person",
                 *extra]) == 2
    assert message in capsys.readouterr().err
    assert _files(pipeline.parents[1]) == before


def test_local_dump_outside_the_project_is_refused(pipeline, tmp_path_factory, capsys):
    outside = tmp_path_factory.mktemp("elsewhere") / "dump.json"
    outside.write_text("[\n]\n")
    assert main(["refresh", "run", "--pipeline", str(pipeline), "--theme", "person",
                 "--wikidata-file", str(outside)]) == 2
    assert "leaves the project" in capsys.readouterr().err


def test_a_second_refresh_exits_3_while_one_holds_the_lock(pipeline, capsys):
    lock = pipeline.parents[1] / "cache" / "p" / "refresh" / "refresh.lock"
    with RefreshLock(lock):
        code = main(["refresh", "run", "--pipeline", str(pipeline), "--theme", "person"])
    assert code == 3
    assert "another refresh is running" in capsys.readouterr().err
