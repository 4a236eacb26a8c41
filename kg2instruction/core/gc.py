"""`kg2i cache gc`: delete stage outputs that no latest manifest of the pipeline references.

Each (pipeline, theme) keeps its latest manifest; an output directory referenced by none of them
is from an older parameter setting or an abandoned run. Temporary files a killed run left behind
(`.shard-*.tmp`, never visible as shards) are removed too, so do not collect while a run of the
same pipeline is writing. With no manifest at all nothing is deleted: a cache with no record of
its runs is not proof that it is garbage.
"""
from __future__ import annotations

import shutil
from pathlib import Path

from kg2instruction.core.manifest import MANIFESTS, read_manifests
from kg2instruction.core.shard_store import FINGERPRINT_DIR_CHARS


def unreferenced_outputs(run_dir: Path) -> list[Path]:
    """Output directories no manifest references, then leftover temporary files in kept ones."""
    manifests = read_manifests(run_dir)
    if not manifests:
        return []
    keep = {(stage, report.fingerprint[:FINGERPRINT_DIR_CHARS])
            for manifest in manifests for stage, report in manifest.stages.items()}
    garbage, leftovers = [], []
    for stage_dir in sorted(p for p in run_dir.iterdir() if p.is_dir() and p.name != MANIFESTS):
        for output in sorted(p for p in stage_dir.iterdir() if p.is_dir()):
            if (stage_dir.name, output.name) not in keep:
                garbage.append(output)
            else:
                leftovers.extend(sorted(output.glob(".*.tmp")))
    return garbage + leftovers


def collect_garbage(run_dir: Path, *, dry_run: bool) -> list[Path]:
    """Remove (or with dry_run only list) unreferenced outputs and leftover temporary files."""
    garbage = unreferenced_outputs(run_dir) if run_dir.is_dir() else []
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
