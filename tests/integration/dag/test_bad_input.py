"""Bad input stops `kg2i run` before any work: one clear message, exit code 2, nothing written."""
from __future__ import annotations

from pathlib import Path

import pytest

from tests.integration.dag.project import run


def snapshot(root: Path) -> dict[str, int]:
    return {str(p.relative_to(root)): p.stat().st_mtime_ns for p in sorted(root.rglob("*"))}


def edit(project: Path, old: str, new: str) -> Path:
    path = project / "pipelines" / "test.yaml"
    text = path.read_text("utf-8")
    assert old in text
    path.write_text(text.replace(old, new), encoding="utf-8")
    return path


CASES = {
    # name: (pipeline edit (old, new) or None, theme, expected message fragments)
    "unknown stage": (("toy_histogram:", "toy_histogrm:"), "person",
                      ["test.yaml", "key 'stages.toy_histogrm'", "unknown stage"]),
    "typo'd key": (("min_tokens: 60", "min_tokenz: 60"), "person",
                   ["test.yaml", "line ", "stages.toy_tokens.min_tokenz", "unknown key"]),
    "missing stage": (("  read_wikipedia:\n    pages_per_shard: 20\n", ""), "person",
                      ["requires stage 'read_wikipedia'"]),
    "missing dump": (("data/enwiki.xml.bz2", "data/nowhere.xml.bz2"), "person",
                     ["nowhere.xml.bz2", "not found"]),
    "unknown theme": (None, "persn", ["theme", "persn", "person"]),
    "theme path escape": (None, "../../etc", ["theme", "../../etc"]),
    "theme absolute path": (None, "/etc/passwd", ["theme", "/etc/passwd"]),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_bad_input_exits_2_and_writes_nothing(enwiki_project: Path, case: str, capsys) -> None:
    change, theme, fragments = CASES[case]
    path = enwiki_project / "pipelines" / "test.yaml"
    if change is not None:
        path = edit(enwiki_project, *change)
    before = snapshot(enwiki_project / "cache")
    capsys.readouterr()
    assert run(path, theme=theme) == 2
    err = capsys.readouterr().err
    assert err.startswith("kg2i: error: ") and err.count("\n") == 1, err
    for fragment in fragments:
        assert fragment in err, err
    assert snapshot(enwiki_project / "cache") == before


def test_bad_input_on_a_fresh_project_creates_no_cache(enwiki_project: Path) -> None:
    import shutil

    shutil.rmtree(enwiki_project / "cache")
    assert run(enwiki_project / "pipelines" / "test.yaml", theme="../../etc") == 2
    edit(enwiki_project, "bucket: 50", "bucket: 50\n    colour: red")
    assert run(enwiki_project / "pipelines" / "test.yaml") == 2
    assert not (enwiki_project / "cache").exists()
