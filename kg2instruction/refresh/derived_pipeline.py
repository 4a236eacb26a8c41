"""The pipeline file a refresh runs: the operator's pipeline with its dump paths replaced.

Everything but `sources` (stages, thresholds, seed, cache, run name) is the operator's file
verbatim, so the stage fingerprints of a refreshed run are exactly those of a from-scratch run on
the new dumps: a refresh and a clean run are interchangeable, and their caches are shared.
The file is written into the refresh directory with `base_dir` set to the project root, so its
relative source paths still resolve, and are still confined, against the project.
"""
from __future__ import annotations

import copy
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml

from kg2instruction.atomic import atomic_write_text
from kg2instruction.config.pipeline import Pipeline, load_pipeline
from kg2instruction.errors import ConfigError


def write_derived_pipeline(base: Pipeline, out: Path, wikidata: Path | None,
                           wikipedia: Mapping[str, Path]) -> Pipeline:
    """Write `out` = `base` with `sources.wikidata` and the given Wikipedia dumps replaced (keyed
    by each source's shard prefix: its `name`, else its `lang`; paths must lie inside the
    project), and load it back validated."""
    data: dict[str, Any] = copy.deepcopy(base.doc.data)
    data["base_dir"] = str(base.base_dir)
    sources = data.setdefault("sources", {})
    if wikidata is not None:
        sources["wikidata"] = {"path": _inside(base, wikidata, "sources.wikidata.path")}
    if wikipedia:
        files = sources.get("wikipedia") or []
        files = files if isinstance(files, list) else [files]
        keys = {_prefix(f) for f in files}
        unknown = sorted(set(wikipedia) - keys)
        if unknown:
            raise ConfigError(f"no Wikipedia source with lang or name {unknown} to replace "
                              f"(sources: {sorted(k for k in keys if k)})",
                              path=base.file, key="sources.wikipedia")
        for entry in files:
            if _prefix(entry) in wikipedia:
                entry["path"] = _inside(base, wikipedia[_prefix(entry)], "sources.wikipedia")
        sources["wikipedia"] = files
    atomic_write_text(out, "# Written by `kg2i refresh` from " + str(base.file) + "\n"
                      + yaml.safe_dump(data, sort_keys=False, allow_unicode=True))
    return load_pipeline(out)


def _prefix(entry: dict[str, Any]) -> str | None:
    """The key a source is replaced by: as `SourceFile.shard_prefix`, its name, else its lang
    (two zh sources, a dump and extracts, are told apart by the extracts' name)."""
    return entry.get("name") or entry.get("lang")


def _inside(base: Pipeline, path: Path, key: str) -> str:
    relative = os.path.relpath(Path(path).absolute(), base.base_dir)
    base.confined(relative, tuple(key.split(".")))     # raises if it leaves the project
    return relative
