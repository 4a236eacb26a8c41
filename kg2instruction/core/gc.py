"""`kg2i cache gc`: delete stage outputs that no latest manifest of the pipeline references.

Each (pipeline, theme) keeps its latest manifest; an output directory referenced by none of them
is from an older parameter setting or an abandoned run. Temporary files a killed run left behind
(`.shard-*.tmp`, never visible as shards) are removed too, so do not collect while a run of the
same pipeline is writing. With no manifest at all nothing is deleted: a cache with no record of
its runs is not proof that it is garbage.

The run directory also holds what people made from the stage outputs and cannot rebuild for free:
published dataset versions (`datasets/`), trained adapters (`adapters/`), evaluation results
(`eval/`), reports, refresh state. gc therefore works from an allow-list, never a deny-list: it
only looks inside `<run>/<stage>/` for a stage name it knows (from the manifests, the pipeline
file and the stage registry), and there only at directories shaped like a stage output
(`ShardStore`: the fingerprint's first 16 hex digits). Anything else is not its business; those
are removed only by `kg2i cache rm`, which has to be told exactly what (`core.published`).
"""
from __future__ import annotations

import re
import shutil
from collections.abc import Iterable
from pathlib import Path

from kg2instruction.core.manifest import RunManifest, read_manifests
from kg2instruction.core.run_layout import RESERVED_RUN_DIRS
from kg2instruction.core.shard_store import FINGERPRINT_DIR_CHARS

_OUTPUT_DIR = re.compile(rf"^[0-9a-f]{{{FINGERPRINT_DIR_CHARS}}}$")


def stage_names(manifests: Iterable[RunManifest], configured: Iterable[str] = ()) -> set[str]:
    """Every name that can be a stage's output folder in the run dir: the stages the manifests
    recorded, the stages the pipeline file lists (`configured`), and the built-in stages (a stage
    dropped from the pipeline after its last run still leaves outputs to collect). Never the
    run dir's own folders (`datasets`, `adapters`, `eval`, ...), whatever a manifest says."""
    from kg2instruction.core.registry import known_stage_names

    recorded = {stage for manifest in manifests for stage in manifest.stages}
    return (recorded | set(configured) | set(known_stage_names())) - RESERVED_RUN_DIRS


def unreferenced_outputs(run_dir: Path, configured: Iterable[str] = ()) -> list[Path]:
    """Stage outputs no manifest references, then leftover temporary files in kept ones."""
    manifests = read_manifests(run_dir)
    if not manifests:
        return []
    keep = {(stage, report.fingerprint[:FINGERPRINT_DIR_CHARS])
            for manifest in manifests for stage, report in manifest.stages.items()}
    garbage, leftovers = [], []
    for name in sorted(stage_names(manifests, configured)):
        stage_dir = run_dir / name
        if stage_dir.is_symlink() or not stage_dir.is_dir():
            continue
        for output in sorted(stage_dir.iterdir()):
            if output.is_symlink() or not output.is_dir() or not _OUTPUT_DIR.match(output.name):
                continue
            if (name, output.name) not in keep:
                garbage.append(output)
            else:
                leftovers.extend(p for p in sorted(output.glob(".*.tmp")) if not p.is_symlink())
    return garbage + leftovers


def collect_garbage(run_dir: Path, *, dry_run: bool, configured: Iterable[str] = ()) -> list[Path]:
    """Remove (or with dry_run only list) unreferenced stage outputs and leftover temporary
    files; `configured` are the stage names of the pipeline file (see `stage_names`)."""
    garbage = unreferenced_outputs(run_dir, configured) if run_dir.is_dir() else []
    if not dry_run:
        for path in garbage:
            if path.is_dir():
                shutil.rmtree(path)
            else:
                path.unlink(missing_ok=True)
        for stage_dir in {p.parent for p in garbage if p.parent.parent == run_dir}:
            if stage_dir.is_dir() and not any(stage_dir.iterdir()):
                stage_dir.rmdir()
    return garbage
