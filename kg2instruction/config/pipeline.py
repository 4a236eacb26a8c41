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
from typing import TYPE_CHECKING, Any, Literal

import pydantic

from kg2instruction.config.yaml_loader import LoadedYaml, load_yaml, validate
from kg2instruction.errors import ConfigError

if TYPE_CHECKING:
    from kg2instruction.storage.cache_mirror import CacheMirror
    from kg2instruction.storage.inputs import RemotePath

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
    # ray: hand each shard to the next stage as soon as it is done (false: finish every stage
    # before the next starts, as the local executor does); same output either way.
    streaming: bool = True
    # ray, streaming: task units in the cluster at once (back-pressure); default 2 x its CPUs.
    max_in_flight: int | None = pydantic.Field(None, ge=1)


class StorageConfig(_Strict):
    """fsspec storage options for the URLs (`s3://...`) the pipeline reads dumps from and
    publishes to; the `KG2I_STORAGE_OPTIONS` environment variable (JSON) overrides them."""

    endpoint_url: str | None = None              # S3-compatible service (MinIO, Ceph, moto...)
    profile: str | None = None                   # AWS credentials profile
    options: dict[str, Any] = {}                 # anything else the fsspec backend accepts


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
    # Publish dataset versions to `<datasets_url>/<theme>/` (an fsspec URL such as
    # s3://bucket/kg2i) instead of `<cache>/<run>/datasets/<theme>/`.
    datasets_url: str | None = None
    # Mirror the stage cache to `<cache_url>/<run>/<stage>/...` (an fsspec URL): finished shards
    # are uploaded, and a run on a machine without them downloads them instead of recomputing.
    cache_url: str | None = None
    storage: StorageConfig = StorageConfig()
    stages: dict[str, dict[str, Any] | None] = {}

    @pydantic.field_validator("datasets_url")
    @classmethod
    def _datasets_url(cls, value: str | None) -> str | None:
        from kg2instruction.storage.location import is_url

        if value is not None and not is_url(value):
            raise ValueError(f"expected a URL such as s3://bucket/prefix, got {value!r} (local "
                             "datasets go to the run directory, or `kg2i export --out`)")
        return value

    @pydantic.field_validator("cache_url")
    @classmethod
    def _cache_url(cls, value: str | None) -> str | None:
        """A URL with a place after the scheme and a filesystem fsspec can load (s3fs for
        s3://): checked here, before any stage runs, not at the first upload."""
        if value is None:
            return value
        from kg2instruction.storage.location import is_url, protocol

        if not is_url(value) or not value.split("://", 1)[1].strip("/"):
            raise ValueError(f"expected a URL such as s3://bucket/prefix, got {value!r} (the "
                             "local cache is `cache_dir:`)")
        import fsspec

        try:
            fsspec.get_filesystem_class(protocol(value))
        except (ImportError, ValueError) as exc:
            raise ValueError(f"{value!r}: no usable fsspec filesystem for "
                             f"{protocol(value)}:// ({exc})") from None
        return value.rstrip("/")

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

    def source_path(self, kind: str, index: int) -> Path | RemotePath:
        """The input file: a path confined to the project, or a URL (`s3://...`) read in place
        with this pipeline's storage options.

        A `file://` URL would be a way around the confinement, so it is refused."""
        from kg2instruction.storage.location import is_url, protocol

        source = self.source_files(kind)[index]
        if is_url(source.path):
            if protocol(source.path) in ("file", "local"):
                raise ConfigError(f"{source.path!r}: a local file is a path relative to the "
                                  "project, not a file:// URL", path=self.file,
                                  line=self.doc.line_of(("sources", kind)), key="sources")
            from kg2instruction.storage.inputs import RemotePath

            return RemotePath(source.path, self.storage_options(source.path))
        multi = isinstance(self.config.sources[kind], list)
        loc: tuple[str | int, ...] = ("sources", kind, index, "path") if multi else \
            ("sources", kind, "path")
        return self.confined(source.path, loc)

    def datasets_root(self, theme: str) -> Path | str:
        """Where `kg2i export` and refresh publish the theme's versions: `datasets_url` or the
        run directory's `datasets/`."""
        if self.config.datasets_url is not None:
            return f"{self.config.datasets_url.rstrip('/')}/{theme}"
        return self.cache_root / self.name / "datasets" / theme

    def cache_mirror(self, stage: str, fingerprint: str) -> CacheMirror | None:
        """Where `cache_url:` mirrors one stage output (None without `cache_url:`). It carries
        the `storage:` block only: the environment's options are read where it is used."""
        if self.config.cache_url is None:
            return None
        from kg2instruction.core.shard_store import FINGERPRINT_DIR_CHARS
        from kg2instruction.storage.cache_mirror import CacheMirror

        storage = self.config.storage
        configured = {**storage.options, "endpoint_url": storage.endpoint_url,
                      "profile": storage.profile}
        return CacheMirror.of_stage(self.config.cache_url, self.name, stage,
                                    fingerprint[:FINGERPRINT_DIR_CHARS],
                                    {k: v for k, v in configured.items() if v is not None})

    def storage_options(self, url: str) -> dict[str, Any]:
        """fsspec options for one of this pipeline's URLs (`storage:` under the environment)."""
        from kg2instruction.storage.location import storage_options

        storage = self.config.storage
        configured = {**storage.options, "endpoint_url": storage.endpoint_url,
                      "profile": storage.profile}
        return storage_options(url, configured)

    def line_of(self, *loc: str | int) -> int | None:
        return self.doc.line_of(loc)


def load_pipeline(path: str | Path) -> Pipeline:
    """Parse and validate a pipeline file (stage configs are checked later, by the DAG)."""
    doc = load_yaml(path)
    config = validate(PipelineConfig, doc)
    return Pipeline(config, doc)
