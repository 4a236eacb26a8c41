"""A KG build that hits a full disk, or is SIGKILLed, leaves the previous KG exactly as it was;
rerunning it completes with the same content as a clean build."""
from __future__ import annotations

import signal
import time
from pathlib import Path

import duckdb
import pytest

from kg2instruction.kg.build import content_digest

from .conftest import popen_kg2i, run_kg2i


def _digest(path: Path) -> str:
    with duckdb.connect(str(path), read_only=True) as con:
        return content_digest(con)


def _build(dump: Path, out: Path, fault: list[str] | None = None):
    return run_kg2i(["kg", "build", "--dump", str(dump), "--out", str(out)], fault=fault)


@pytest.fixture(scope="module")
def previous_kg(tmp_path_factory, fixtures_dir) -> tuple[Path, str]:
    """Version 1: the KG of the head50 dump fragment, at the path later builds replace."""
    out = tmp_path_factory.mktemp("kg") / "kg.duckdb"
    done = _build(fixtures_dir / "wikidata" / "latest-all.head50.json", out)
    assert done.returncode == 0, done.stderr
    return out, _digest(out)


def _leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name not in ("kg.duckdb", ".kg.duckdb.lock"))


@pytest.mark.slow
def test_full_disk_during_build_keeps_the_previous_kg(previous_kg, fixtures_dir, tmp_path,
                                                      monkeypatch):
    out, digest = previous_kg
    dump = fixtures_dir / "wikidata" / "Q42.json"
    monkeypatch.setenv("COLUMNS", "40")          # a narrow terminal must not break the line
    failed = _build(dump, out, fault=["fsize", str(256 * 1024)])
    assert failed.returncode == 2
    lines = failed.stderr.strip().splitlines()   # one line: the path written and the cause
    assert len(lines) == 1 and lines[0].startswith("kg2i: error: "), failed.stderr
    assert str(out.parent) in lines[0] and "File too large" in lines[0]
    assert _digest(out) == digest                              # version 1 untouched
    assert _leftovers(out.parent) == []                        # no temporary file left behind
    assert _build(dump, out).returncode == 0                   # the rerun completes...
    clean = tmp_path / "clean.duckdb"
    assert _build(dump, clean).returncode == 0
    assert _digest(out) == _digest(clean) != digest           # ...equal to a clean build
    _build(fixtures_dir / "wikidata" / "latest-all.head50.json", out)   # restore version 1


@pytest.mark.slow
def test_sigkill_during_build_keeps_the_previous_kg(previous_kg, sample_dir, tmp_path):
    out, digest = previous_kg
    dump = sample_dir / "wikidata-mini.json.bz2"            # big enough to be killed mid-way
    proc = popen_kg2i(["kg", "build", "--dump", str(dump), "--out", str(out)])
    time.sleep(4)
    assert proc.poll() is None, "the build finished before it could be killed"
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    assert _digest(out) == digest
    assert _leftovers(out.parent)                 # the killed build's temporary store is there
    rerun = _build(dump, out)
    assert rerun.returncode == 0, rerun.stderr
    assert "interrupted earlier build" in rerun.stdout
    assert _leftovers(out.parent) == []           # ...and the rerun removed it
    clean = tmp_path / "clean.duckdb"
    assert _build(dump, clean).returncode == 0
    assert _digest(out) == _digest(clean)
