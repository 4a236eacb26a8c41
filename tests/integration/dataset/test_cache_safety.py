"""Data that never disappears: `kg2i cache gc` and `make clean-cache` remove only stage outputs no
manifest references (and temporary files of killed runs); a published dataset, a trained adapter
and eval results survive byte for byte, and go only through `kg2i cache rm`, named exactly."""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from kg2instruction.cli import main as kg2i
from tests.integration.dataset.harness import RUN_NAME

REPO = Path(__file__).resolve().parents[3]
OLD_FINGERPRINT = "0123456789abcdef"       # a stage output of an older parameter setting


@dataclass
class Project:
    pipeline: Path
    run_dir: Path
    version: str                      # the published dataset version LATEST names

    def cli(self, *args: str) -> int:
        return kg2i([*args[:2], "--pipeline", str(self.pipeline), *args[2:]])


@pytest.fixture
def project(fixture_run, exported, tmp_path) -> Project:
    """A copy of the exported fixture run, plus what training and evaluation leave in the run dir
    (layout of `make train` / `make eval`: adapters/<theme>/, eval/<theme>/), a report, and
    garbage: an unreferenced output of a known stage and a leftover temporary shard file."""
    root = tmp_path / "project"
    shutil.copytree(fixture_run.project, root, symlinks=True)
    run_dir = root / "cache" / RUN_NAME
    adapter = run_dir / "adapters" / "person"
    files = {
        adapter / "adapter_config.json": b'{"peft_type": "LORA", "r": 8}\n',
        adapter / "adapter_model.safetensors": os.urandom(4096),
        adapter / "adapter_card.json": b'{"model": "smollm2-135m", "steps": 10}\n',
        adapter / "README.md": b"# adapter\n",
        adapter / "checkpoints" / "checkpoint-000010" / "adapter_model.safetensors":
            os.urandom(2048),
        run_dir / "eval" / "person" / "tuned.preds.jsonl": b'{"id": "r1", "output": "{}"}\n',
        run_dir / "eval" / "person" / "tuned.metrics.json": b'{"f1": 0.5}\n',
        run_dir / "eval" / "person" / "tuned.metrics.txt": b"f1 0.5\n",
        # named like a stage output, but inside eval/, which no stage owns
        run_dir / "eval" / OLD_FINGERPRINT / "base.metrics.json": b'{"f1": 0.1}\n',
        run_dir / "reports" / "person.html": b"<html></html>\n",
    }
    for path, data in files.items():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    kept = next(p for p in (run_dir / "make_instructions").iterdir())
    shutil.copytree(kept, run_dir / "make_instructions" / OLD_FINGERPRINT)
    shutil.copytree(kept, run_dir / "build_kg" / OLD_FINGERPRINT)   # a stage the run dropped
    (kept / ".shard-00000.parquet.x1y2z3.tmp").write_bytes(b"half a shard")
    return Project(root / "pipelines" / "fixture.yaml", run_dir, exported.name)


def _garbage(project: Project) -> list[Path]:
    run_dir = project.run_dir
    return [run_dir / "make_instructions" / OLD_FINGERPRINT, run_dir / "build_kg",
            *run_dir.glob("make_instructions/*/.*.tmp")]


def _snapshot(run_dir: Path) -> dict[str, bytes]:
    """Every file gc must keep, with its bytes (all but the planted garbage)."""
    return {p.relative_to(run_dir).as_posix(): p.read_bytes() for p in sorted(run_dir.rglob("*"))
            if p.is_file() and not p.name.endswith(".tmp")
            and not p.relative_to(run_dir).as_posix().startswith(
                (f"make_instructions/{OLD_FINGERPRINT}/", "build_kg/"))}


def test_gc_removes_only_unreferenced_stage_outputs(project, capsys):
    before = _snapshot(project.run_dir)
    assert any(k.startswith(f"datasets/person/{project.version}/") for k in before)
    assert "datasets/person/LATEST" in before
    garbage = _garbage(project)
    assert all(p.exists() for p in garbage) and len(garbage) == 3

    assert project.cli("cache", "gc", "--dry-run") == 0
    listed = capsys.readouterr().out
    assert "would remove 3 unreferenced outputs" in listed
    assert all(p.exists() for p in garbage)

    assert project.cli("cache", "gc") == 0
    out = capsys.readouterr().out
    assert "removed 3 unreferenced outputs" in out
    assert not any(p.exists() for p in garbage)
    assert _snapshot(project.run_dir) == before
    assert project.cli("cache", "gc") == 0 and "removed 0 unreferenced outputs" in \
        capsys.readouterr().out


def test_make_clean_cache_keeps_published_products(project):
    bin_dir = Path(sys.executable).parent
    if shutil.which("make") is None or not (bin_dir / "kg2i").is_file():
        pytest.skip("needs make and the installed kg2i script")
    before = _snapshot(project.run_dir)
    # `-o venv`: run the target's own recipe, without (re)building the virtualenv first
    done = subprocess.run(["make", "--no-print-directory", "-o", "venv", "clean-cache",
                           f"PIPELINE={project.pipeline}", f"BIN={bin_dir}"],
                          cwd=REPO, capture_output=True, text=True, stdin=subprocess.DEVNULL)
    assert done.returncode == 0, done.stderr
    assert "removed 3 unreferenced outputs" in done.stdout
    assert not any(p.exists() for p in _garbage(project))
    assert _snapshot(project.run_dir) == before


@pytest.mark.parametrize("args, message", [
    ((), "name what to remove: --dataset THEME/VERSION"),
    (("--dataset", "person"), "expected exactly one version as THEME/VERSION"),
    (("--dataset", "person/*"), "expected exactly one version as THEME/VERSION"),
    (("--dataset", "person/LATEST"), "expected exactly one version as THEME/VERSION"),
    (("--dataset", "person/../person"), "expected exactly one version as THEME/VERSION"),
    (("--dataset", "person/person-000000000000"), "no dataset version at"),
    (("--adapter", "../adapters"), "expected one theme name"),
    (("--adapter", "works"), "no adapter at"),
    (("--eval", "*"), "expected one theme name"),
    (("--adapter", "person", "--eval", "works"), "no eval results at"),
])
def test_rm_refuses_vague_or_missing_targets_and_removes_nothing(project, capsys, args, message):
    before = _snapshot(project.run_dir)
    assert project.cli("cache", "rm", *args) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("kg2i: error: ") and message in err[0], err
    if args == ("--dataset", "person"):
        assert project.version in err[0]          # the choices are listed
    assert _snapshot(project.run_dir) == before


def test_rm_removes_exactly_the_named_products(project, capsys):
    root = project.run_dir / "datasets" / "person"
    shutil.copytree(root / project.version, root / "person-000000000000")   # an older version
    before = _snapshot(project.run_dir)
    named = ["--dataset", f"person/{project.version}", "--adapter", "person", "--eval", "person"]

    assert project.cli("cache", "rm", *named, "--dry-run") == 0
    assert capsys.readouterr().out.count("would remove ") == 4
    assert _snapshot(project.run_dir) == before

    assert project.cli("cache", "rm", *named) == 0
    out = capsys.readouterr().out.splitlines()
    assert out == [
        f"removed LATEST of person (it named {project.version}): {root / 'LATEST'}",
        f"removed dataset person/{project.version}: {root / project.version}",
        f"removed adapter person: {project.run_dir / 'adapters' / 'person'}",
        f"removed eval results person: {project.run_dir / 'eval' / 'person'}"]
    gone = (f"datasets/person/{project.version}/", "datasets/person/LATEST", "adapters/person/",
            "eval/person/")
    assert _snapshot(project.run_dir) == {k: v for k, v in before.items()
                                          if not k.startswith(gone)}
    assert not list(project.run_dir.rglob(".*.deleting"))
