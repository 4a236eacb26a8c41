"""The pipeline file (`pipelines/<name>.yaml`): sources, languages, cache, seed, executor, stages.

Only the framework-level keys are modelled here; each entry under `stages:` is validated
against its own stage's `Config` by the DAG builder, so new stages need no change to this file.
Relative paths resolve against `base_dir` (itself relative to the pipeline file) and may not
leave it: a pipeline cannot make the framework read or write outside its project.

The cache is the exception, because it is big and belongs on whatever disk has room: the first
of `--cache-dir` (the running command's option, `set_cache_dir_override`), the `KG2I_CACHE_DIR`
environment variable (both relative to the working directory), the pipeline's `cache_dir:`
(relative to the pipeline file's folder), and its older `cache:` (inside the project, relative to
`base_dir`, default `cache`) names the cache root; runs live in `<cache root>/<pipeline name>/`.
"""
from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any, Literal

import pydantic

from kg2instruction.config.yaml_loader import LoadedYaml, load_yaml, validate
from kg2instruction.errors import ConfigError

_SOURCE_NAME = re.compile(r"^[A-Za-z0-9_]+$")
CACHE_ENV = "KG2I_CACHE_DIR"
DEFAULT_CACHE = "cache"
# `--cache-dir` of the command being run (set by the CLI; wins over the environment and YAML).
_cache_dir_override: Path | None = None


def set_cache_dir_override(path: str | Path | None) -> None:
    """Make every pipeline loaded from now on use `path` as its cache root (None: stop).

    The CLI's `--cache-dir` goes here rather than through every loader (run, report, export,
    refresh, audit...), so no code path can quietly fall back to the project's cache."""
    global _cache_dir_override
    _cache_dir_override = None if path is None else Path(path).expanduser().absolute()


class _Strict(pydantic.BaseModel):
    model_config = pydantic.ConfigDict(extra="forbid", frozen=True)


class SourceFile(_Strict):
    """One input file of a source kind (a Wikipedia dump per language, the Wikidata dump...)."""

    path: str
    lang: str | None = None
    # Prefix of the shard ids this file produces; defaults to the language (en-00000, ...).
    name: str | None = None
    # auto: by file name (.jsonl/.json: corpus; .zip: plain-text extracts named <QID>.txt;
    # otherwise a MediaWiki XML export)
    format: Literal["auto", "xml", "jsonl", "extracts"] = "auto"

    @property
    def shard_prefix(self) -> str:
        return self.name or self.lang or "src"


class ExecutorConfig(_Strict):
    """Defaults for `kg2i run`; command-line options override them."""

    kind: Literal["local", "ray"] = "local"
    workers: int = pydantic.Field(1, ge=1)       # local: process-pool size (1 = in-process)
    ray_address: str | None = None               # None: RAY_ADDRESS or a fresh local Ray
    # Ray actor-pool size per model stage; default fills the cluster's CPUs (or GPUs).
    actors: dict[str, int] = {}


class PipelineConfig(_Strict):
    name: str | None = None                      # run name; defaults to the file's stem
    base_dir: str = ".."                         # project root, relative to this file
    cache: str | None = None                     # inside the project, relative to base_dir
    cache_dir: str | None = None                 # anywhere, relative to this file's folder
    themes_dir: str = "themes"
    overlay: str | None = None                   # granularity overlay applied to the theme
    seed: int = 0
    languages: list[str] = ["en"]
    reduce_rows_per_shard: int = pydantic.Field(100_000, ge=1)
    plugins: list[str] = []                      # extra modules that register stages
    sources: dict[str, SourceFile | list[SourceFile]] = {}
    executor: ExecutorConfig = ExecutorConfig()
    stages: dict[str, dict[str, Any] | None] = {}

    @pydantic.field_validator("sources")
    @classmethod
    def _source_names(cls, value: dict[str, Any]) -> dict[str, Any]:
        for kind, files in value.items():
            if not _SOURCE_NAME.match(kind):
                raise ValueError(f"source kind {kind!r} must be letters, digits, underscores")
            prefixes = [f.shard_prefix for f in (files if isinstance(files, list) else [files])]
            for prefix in prefixes:
                if not _SOURCE_NAME.match(prefix):
                    raise ValueError(f"source {kind!r}: shard prefix {prefix!r} must be letters, "
                                     "digits, underscores")
            if len(set(prefixes)) != len(prefixes):
                raise ValueError(f"source {kind!r}: two files share a name/lang; set `name:` to "
                                 "tell them apart")
        return value


class Pipeline:
    """A validated pipeline file with its paths resolved and confined to the project."""

    def __init__(self, config: PipelineConfig, doc: LoadedYaml) -> None:
        self.config = config
        self.doc = doc
        self.file = doc.path
        self.base_dir = Path(os.path.normpath(doc.path.parent.absolute() / config.base_dir))
        self.name = config.name or doc.path.stem
        if not _SOURCE_NAME.match(self.name):
            raise ConfigError("pipeline name must be letters, digits, underscores",
                              path=doc.path, line=doc.line_of(("name",)), key="name")
        self.cache_root, self.cache_origin = self._cache_root()
        self.themes_dir = self.confined(config.themes_dir, ("themes_dir",))
        self.overlay = None if config.overlay is None else self.confined(config.overlay,
                                                                         ("overlay",))

    def _cache_root(self) -> tuple[Path, str]:
        """The cache root and where it was set (see the module docstring for the order)."""
        if _cache_dir_override is not None:
            return _cache_dir_override, "--cache-dir"
        from_env = os.environ.get(CACHE_ENV, "").strip()
        if from_env:
            return Path(from_env).expanduser().absolute(), CACHE_ENV
        if self.config.cache is not None and self.config.cache_dir is not None:
            raise ConfigError("set `cache_dir:` (anywhere, relative to this file) or `cache:` "
                              "(inside the project), not both", path=self.file,
                              line=self.doc.line_of(("cache_dir",)), key="cache_dir")
        if self.config.cache_dir is not None:
            given = Path(self.config.cache_dir).expanduser()
            return Path(os.path.normpath(self.file.parent.absolute() / given)), "cache_dir"
        return self.confined(self.config.cache or DEFAULT_CACHE, ("cache",)), "cache"

    def confined(self, relative: str, loc: tuple[str | int, ...]) -> Path:
        """Resolve a configured path against base_dir; reject one that escapes it.

        Normalised lexically (not through symlinks) so an operator may symlink `dumps/` to a big
        disk, while `../../etc` in a config is refused."""
        resolved = Path(os.path.normpath(self.base_dir / relative))
        if resolved != self.base_dir and self.base_dir not in resolved.parents:
            raise ConfigError(f"path {relative!r} leaves the project directory {self.base_dir}",
                              path=self.file, line=self.doc.line_of(loc),
                              key=".".join(str(p) for p in loc))
        return resolved

    def source_files(self, kind: str) -> list[SourceFile]:
        files = self.config.sources.get(kind)
        if files is None:
            return []
        return files if isinstance(files, list) else [files]

    def source_path(self, kind: str, index: int) -> Path:
        source = self.source_files(kind)[index]
        multi = isinstance(self.config.sources[kind], list)
        loc: tuple[str | int, ...] = ("sources", kind, index, "path") if multi else \
            ("sources", kind, "path")
        return self.confined(source.path, loc)

    def line_of(self, *loc: str | int) -> int | None:
        return self.doc.line_of(loc)


def load_pipeline(path: str | Path) -> Pipeline:
    """Parse and validate a pipeline file (stage configs are checked later, by the DAG)."""
    doc = load_yaml(path)
    config = validate(PipelineConfig, doc)
    return Pipeline(config, doc)
