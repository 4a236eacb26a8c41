"""The pipeline's own stages, run in-process on a paragraph table and a KG store.

A benchmark must score what a run publishes, so it runs the registered stage classes with the
configs of a pipeline file (validated as `kg2i run` validates them), in the DAG's order, calling
each stage's `setup` and `process` as the framework does; only reading and writing shards is left
out. Whatever another change does inside a stage (evidence sentences, linking, hypotheses) is
picked up unchanged. The source stage is replaced by the given paragraphs and the KG artifact by
the given store directory; theme stages run once per theme, each on the theme-free stages'
tables. Paragraphs are processed in batches of whole pages, as shards are.
"""
from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

from kg2instruction.config.pipeline import SourceFile, load_pipeline
from kg2instruction.core.context import ArtifactRef, StageContext
from kg2instruction.core.dag import StageNode, build_dag
from kg2instruction.core.fingerprint import derived_seed
from kg2instruction.core.registry import get_stage, stage_ref
from kg2instruction.core.stage import ArtifactStage, MapStage, SourceStage, Stage, StageConfig
from kg2instruction.core.theme_ref import load_theme_ref
from kg2instruction.errors import ConfigError


@dataclass
class ChainOutput:
    """Every stage's output: theme-free stages once, theme stages per theme; funnel counters."""

    tables: dict[str, list[pa.Table]] = field(default_factory=lambda: defaultdict(list))
    by_theme: dict[str, dict[str, list[pa.Table]]] = field(
        default_factory=lambda: defaultdict(lambda: defaultdict(list)))
    counters: dict[str, Counter[str]] = field(default_factory=lambda: defaultdict(Counter))

    def table(self, stage: str) -> pa.Table:
        return _concat(self.tables[stage])

    def theme_table(self, theme: str, stage: str) -> pa.Table:
        return _concat(self.by_theme[theme][stage])

    def rows(self, stage: str) -> list[dict[str, Any]]:
        """A theme stage's rows over every theme (each paragraph is in one theme), or a
        theme-free stage's rows."""
        if stage in self.tables:
            return self.table(stage).to_pylist()
        return [row for theme in sorted(self.by_theme)
                for row in self.theme_table(theme, stage).to_pylist()]


def _concat(tables: list[pa.Table]) -> pa.Table:
    tables = [t for t in tables if t is not None]
    if not tables:
        return pa.table({})
    return pa.concat_tables(tables, promote_options="default")


def page_batches(paragraphs: pa.Table, pages_per_batch: int) -> Iterator[pa.Table]:
    """Consecutive slices holding `pages_per_batch` whole pages each (a page is never split)."""
    page_ids = paragraphs.column("page_id").to_pylist()
    start, pages = 0, 0
    for index in range(1, len(page_ids) + 1):
        if index == len(page_ids) or page_ids[index] != page_ids[index - 1]:
            pages += 1
            if pages == pages_per_batch or index == len(page_ids):
                yield paragraphs.slice(start, index - start)
                start, pages = index, 0


def _by_language(paragraphs: pa.Table) -> Iterator[tuple[str, pa.Table]]:
    """(lang, the paragraphs of that language in their order), languages sorted."""
    if paragraphs.num_rows == 0:
        return
    langs = paragraphs.column("lang")
    for lang in sorted(set(langs.to_pylist())):
        yield lang, paragraphs.filter(pc.equal(langs, lang))


class StageChain:
    """The map stages of a pipeline up to `until`, ready to run on paragraphs."""

    def __init__(self, pipeline_file: Path, kg_dir: Path, themes: Sequence[str],
                 until: Sequence[str] = ("nli_filter",),
                 languages: Sequence[str] = ("en",)) -> None:
        pipeline = load_pipeline(pipeline_file)
        dag = build_dag(pipeline)
        wanted: set[str] = set()
        for name in until:
            if name not in dag.nodes:
                raise ConfigError(f"{pipeline_file}: no stage {name!r} (stages: {dag.order})")
            wanted |= dag.ancestors(name) | {name}
        self.nodes: list[StageNode] = [dag[n] for n in dag.order if n in wanted]
        self.base_dir = pipeline.base_dir
        self.seed = pipeline.config.seed
        self.languages = tuple(languages)
        self.themes = {name: load_theme_ref(name, pipeline.themes_dir, pipeline.overlay).theme
                       for name in themes}
        self.artifacts: dict[str, ArtifactRef] = {}
        for node in self.nodes:
            if node.cls.kind == "artifact":
                cls: type[ArtifactStage] = node.cls   # type: ignore[assignment]
                self.artifacts[cls.provides] = ArtifactRef(
                    cls.provides, stage_ref(cls), kg_dir, node.config.model_dump(mode="json"))
        self._configs: dict[str, StageConfig] = {node.name: node.config for node in self.nodes}
        self._prepared: dict[tuple[str, str | None], Stage] = {}

    def config(self, stage: str) -> StageConfig:
        """The stage's config as the pipeline file sets it (after any `update_config`)."""
        return self._configs[stage]

    def update_config(self, stage: str, fields: Mapping[str, Any]) -> None:
        """Change some of a stage's settings before it runs (e.g. wrap its NER in a cache)."""
        if any(name == stage for name, _ in self._prepared):
            raise RuntimeError(f"stage {stage!r} is already set up")
        self._configs[stage] = self._configs[stage].model_copy(update=dict(fields))

    def themed(self, node: StageNode) -> bool:
        return node.cls.theme_fields != ()

    def _context(self, name: str, theme: str | None, shard: str, lang: str | None = None
                 ) -> StageContext:
        return StageContext(stage=name, shard_id=shard, lang=lang, languages=self.languages,
                            seed=derived_seed(self.seed, name, shard),
                            theme=self.themes[theme] if theme else None,
                            artifacts=self.artifacts, base_dir=self.base_dir)

    def _stage(self, node: StageNode, theme: str | None) -> Stage:
        key = (node.name, theme)
        if key not in self._prepared:
            stage = node.cls(self._configs[node.name])
            stage.setup(self._context(node.name, theme, ""))
            self._prepared[key] = stage
        return self._prepared[key]

    def read_source(self, path: Path, lang: str) -> pa.Table:
        """Paragraphs of a dump or corpus file, read by the pipeline's own source stage."""
        node = next(n for n in self.nodes if n.cls.kind == "source")
        stage = node.cls(self._configs[node.name])
        ctx = self._context(node.name, None, lang)
        stage.setup(ctx)
        assert isinstance(stage, SourceStage)
        tables = list(stage.read(SourceFile(path=str(path), lang=lang), path, ctx))
        return pa.concat_tables(tables) if tables else pa.table({})

    def run(self, paragraphs: pa.Table, pages_per_batch: int = 200) -> ChainOutput:
        """Every batch is of one language and its stages see that language, as a pipeline
        shard does: a stage choosing by language (nli_filter applies a verifier's thresholds
        only to the language they were calibrated for) must behave here as in a run."""
        output = ChainOutput()
        number = 0
        for lang, part in _by_language(paragraphs):
            for batch in page_batches(part, pages_per_batch):
                self._run_batch(batch, f"batch-{lang}-{number:05d}", output, lang)
                number += 1
        return output

    def _run_batch(self, paragraphs: pa.Table, shard: str, output: ChainOutput,
                   lang: str | None = None) -> None:
        shared: dict[str, pa.Table] = {}
        themed: dict[str, dict[str, pa.Table]] = {t: {} for t in self.themes}
        for node in self.nodes:
            kind = node.cls.kind
            if kind == "artifact":
                continue
            if kind == "source":
                shared[node.name] = paragraphs
                output.tables[node.name].append(paragraphs)
                continue
            if kind != "map":
                raise ConfigError(f"stage {node.name!r} is a {kind} stage; the benchmark chain "
                                  "runs map stages only")
            for theme in (sorted(self.themes) if self.themed(node) else [None]):
                inputs = {}
                for required in node.cls.requires:
                    if get_stage(required).kind == "artifact":
                        continue
                    table = (themed[theme].get(required) if theme else None)
                    inputs[required] = table if table is not None else shared[required]
                stage = self._stage(node, theme)
                assert isinstance(stage, MapStage)
                ctx = self._context(node.name, theme, shard, lang)
                table = stage.process(inputs, ctx)
                output.counters[node.name].update(ctx.take_counters())
                if theme:
                    themed[theme][node.name] = table
                    output.by_theme[theme][node.name].append(table)
                else:
                    shared[node.name] = table
                    output.tables[node.name].append(table)
