"""What a stage may use besides its input tables: KG, theme, seed, language, logger, counters.

Artifacts (the KG) are opened lazily and once per worker process, read-only: DuckDB allows one
writer, and opening a database per shard would dominate small shards.
"""
from __future__ import annotations

import atexit
import logging
import os
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

_OPEN_ARTIFACTS: dict[Path, Any] = {}


@atexit.register
def close_artifacts() -> None:
    """Close artifact handles (DuckDB connections) before the interpreter tears down."""
    while _OPEN_ARTIFACTS:
        _, handle = _OPEN_ARTIFACTS.popitem()
        close = getattr(handle, "close", None)
        if callable(close):
            close()


@dataclass(frozen=True)
class ArtifactRef:
    """Where an upstream artifact lives and how to open it (picklable, for workers)."""

    provides: str
    stage_ref: str
    path: Path
    config: dict[str, Any]

    def open(self) -> Any:
        if self.path not in _OPEN_ARTIFACTS:
            from kg2instruction.core.registry import resolve_stage_ref

            cls = resolve_stage_ref(self.stage_ref)
            _OPEN_ARTIFACTS[self.path] = cls.open(self.path, cls.Config.model_validate(self.config))
        return _OPEN_ARTIFACTS[self.path]


class StageContext:
    """Per-shard view of the run, handed to `setup` and `process`."""

    def __init__(self, *, stage: str, shard_id: str | None, lang: str | None,
                 languages: tuple[str, ...], seed: int, theme: Any,
                 artifacts: dict[str, ArtifactRef], base_dir: Path) -> None:
        self.stage = stage
        self.base_dir = base_dir
        self.shard_id = shard_id
        self.lang = lang
        self.languages = languages
        self.seed = seed
        self.theme = theme
        self.log = logging.getLogger(f"kg2instruction.stage.{stage}")
        self._artifacts = artifacts
        self._counters: Counter[str] = Counter()

    @property
    def kg(self) -> Any:
        """The knowledge graph built by the upstream artifact stage that provides `kg`."""
        return self.artifact("kg")

    def artifact(self, provides: str) -> Any:
        ref = self._artifacts.get(provides)
        if ref is None:
            raise LookupError(f"stage {self.stage!r} uses artifact {provides!r} but requires no "
                              f"stage that provides it (have: {sorted(self._artifacts) or 'none'})")
        return ref.open()

    def path(self, relative: str | Path) -> Path:
        """A project file named in the stage's config (declare the field in `file_fields`)."""
        resolved = Path(os.path.normpath(self.base_dir / relative))
        if self.base_dir not in resolved.parents:
            raise ValueError(f"{relative!r} is outside the project {self.base_dir}")
        return resolved

    def count(self, name: str, n: int = 1, *, reason: str | None = None) -> None:
        """Funnel counter: `ctx.count("dropped", n=3, reason="no_candidate")`."""
        if n:
            self._counters[name if reason is None else f"{name}.{reason}"] += int(n)

    def count_all(self, counts: Mapping[str, int]) -> None:
        """Add a library function's own funnel (name -> n) as-is, so stage wrappers that delegate
        to `annotate.*` report its counters without a loop each."""
        for name, n in counts.items():
            self.count(name, n)

    def take_counters(self) -> dict[str, int]:
        """Counters since the last call (a source stage's counters belong to the shard yielded)."""
        taken = dict(sorted(self._counters.items()))
        self._counters.clear()
        return taken

    def for_shard(self, shard_id: str | None, lang: str | None, seed: int) -> StageContext:
        return StageContext(stage=self.stage, shard_id=shard_id, lang=lang,
                            languages=self.languages, seed=seed, theme=self.theme,
                            artifacts=self._artifacts, base_dir=self.base_dir)

