"""The distant-supervision chain as the pipeline runs it, callable step by step for benchmarks.

paragraphs -> NER -> mentions (everything but NER) -> disambiguation -> types -> match relations
-> theme routing -> schema constraint. Each step is timed separately so `annotate.py` can compare
the annotation cost with NER alone, and `trex_recall.py` can score what matching and the schema
keep. The functions called are the ones the stages call; nothing here is benchmark-only logic.
"""
from __future__ import annotations

import argparse
import time
from collections import Counter
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyarrow as pa

from kg2instruction.annotate.disambiguate import LinkConfig, link_entities
from kg2instruction.annotate.match import MatchConfig, match_relations, paragraphs_with_anchors
from kg2instruction.annotate.mentions import MentionConfig, annotate_mentions, run_ner
from kg2instruction.annotate.schema_constraint import (ParagraphText, SchemaConfig, alias_qids,
                                                       apply_schema, entity_names)
from kg2instruction.annotate.theme_confirmation import CLASSIFIER_ROUTE, confirm_themes
from kg2instruction.annotate.theme_router import RoutedPage, make_classifier, route_pages
from kg2instruction.annotate.types import TypeResolver
from kg2instruction.config.entity_types import load_entity_types
from kg2instruction.config.routing import load_routing
from kg2instruction.config.theme import Theme, available_themes, load_theme
from kg2instruction.kg.build import build_kg, store_key
from kg2instruction.kg.duckdb_kg import DuckDBKG
from kg2instruction.kg.protocol import KnowledgeGraph
from kg2instruction.ner.base import NerModel
from kg2instruction.schemas import LINKED_MENTIONS
from kg2instruction.stages.type_entities import types_column

REPO = Path(__file__).resolve().parents[1]


def ensure_kg(dump: Path, cache_dir: Path) -> Path:
    """The KG store for `dump`, built once into `cache_dir` with the project's own build; named
    by the dump's identity and the store schema, so a new dump or schema never reuses a stale
    store (the reader refuses another schema version)."""
    out = cache_dir / f"{dump.name.split('.')[0]}-{store_key(dump)[:12]}.duckdb"
    if not out.exists():
        cache_dir.mkdir(parents=True, exist_ok=True)
        summary = build_kg(dump, out)
        print(summary.lines()[0])
    return out


@dataclass
class Timings:
    """Seconds per step, accumulated over batches."""

    seconds: Counter[str] = field(default_factory=Counter)

    @contextmanager
    def step(self, name: str) -> Iterator[None]:
        started = time.perf_counter()
        yield
        self.seconds[name] += time.perf_counter() - started


@dataclass
class ChainResult:
    """What one batch produced at each step."""

    linked: list[dict[str, Any]]
    candidates: list[dict[str, Any]]
    routed: dict[str, RoutedPage]
    kept: list[dict[str, Any]]
    funnel: Counter[str]


class AnnotationChain:
    """Everything the annotation stages do to a batch of paragraphs, with per-step timing."""

    def __init__(self, kg: KnowledgeGraph, ner: Mapping[str, NerModel], themes_dir: Path,
                 match_config: MatchConfig | None = None,
                 schema_config: SchemaConfig | None = None,
                 mention_config: MentionConfig | None = None,
                 link_config: LinkConfig | None = None) -> None:
        self.kg = kg
        self.ner = ner
        self.match_config = match_config or MatchConfig()
        self.schema_config = schema_config or SchemaConfig()
        self.mention_config = mention_config or MentionConfig()
        self.link_config = link_config or LinkConfig()
        self.entity_types = load_entity_types(themes_dir / "entity_types.yaml")
        self.routing = load_routing(themes_dir / "theme_routing.yaml", themes_dir)
        self.themes: dict[str, Theme] = {n: load_theme(n, themes_dir)
                                         for n in available_themes(themes_dir)}
        self.classifier = (make_classifier(self.routing.classifier, self.themes)
                           if self.routing.classifier else None)   # as the route stage does
        self.timings = Timings()

    def ner_spans(self, paragraphs: pa.Table) -> list:
        with self.timings.step("ner"):
            return run_ner(paragraphs, self.ner)

    def annotate(self, paragraphs: pa.Table, spans: list) -> ChainResult:
        """Every step after NER on one batch (a shard)."""
        funnel: Counter[str] = Counter()
        with self.timings.step("mentions"):
            mentions, counts = annotate_mentions(paragraphs, spans, self.kg, self.mention_config)
            funnel.update(counts)
        with self.timings.step("disambiguate"):
            linked, counts = link_entities(mentions, paragraphs, self.kg, self.link_config,
                                           self.entity_types)
            funnel.update(counts)
        resolver = TypeResolver(self.kg, self.entity_types)   # per shard, as the stage does
        with self.timings.step("types"):
            linked = linked.select(LINKED_MENTIONS.names)
            linked = linked.set_column(linked.schema.get_field_index("types"), "types",
                                       types_column(linked, resolver))
        rows = paragraphs.to_pylist()
        linked_rows = linked.to_pylist()
        with self.timings.step("match"):
            batch = paragraphs_with_anchors(rows, linked_rows)
            candidates, match_counts = match_relations(batch, self.kg, self.match_config)
            funnel.update(match_counts.as_dict())
        with self.timings.step("route"):
            routed = route_pages(rows, self.kg, resolver, self.routing, self.classifier)
        with self.timings.step("schema"):
            kept, schema_funnel = self._schema(rows, linked_rows, candidates, routed, resolver)
            funnel.update(schema_funnel)
        return ChainResult(linked_rows, candidates, routed, kept, funnel)

    def _schema(self, rows, linked_rows, candidates, routed, resolver):
        theme_of = {r["paragraph_id"]: routed[r["page_id"]].theme for r in rows}
        categories_of = {m["qid"]: m["types"] for m in linked_rows if m["qid"] and m["types"]}
        unseen = sorted({t[f"{e}_qid"] for t in candidates for e in ("head", "tail")
                         if t[f"{e}_qid"] and t[f"{e}_qid"] not in categories_of})
        categories_of.update(resolver.reached(unseen))
        names_of = entity_names(self.kg, alias_qids(linked_rows), sorted({r["lang"] for r in rows}))
        texts = {r["paragraph_id"]: ParagraphText(r["text"], r["lang"]) for r in rows}
        kept: list[dict[str, Any]] = []
        funnel: Counter[str] = Counter()
        by_theme: dict[str | None, tuple[list, list]] = {}
        for c in candidates:
            by_theme.setdefault(theme_of[c["paragraph_id"]], ([], []))[0].append(c)
        for m in linked_rows:
            by_theme.setdefault(theme_of[m["paragraph_id"]], ([], []))[1].append(m)
        # the stage's default (apply_schema `classifier_routed: theme_heads`)
        by_classifier = {r["paragraph_id"] for r in rows
                         if routed[r["page_id"]].routed_by == CLASSIFIER_ROUTE}
        for theme_name, (theme_candidates, theme_mentions) in sorted(
                (k, v) for k, v in by_theme.items() if k is not None):
            triples, part = apply_schema(theme_candidates, theme_mentions, self.themes[theme_name],
                                         categories_of, names_of, self.schema_config, texts)
            triples, part["dropped.classifier_theme_unconfirmed"] = confirm_themes(
                triples, by_classifier, theme_name, self.routing, categories_of, self.kg,
                resolver,
                [self.schema_config.alias_relation] if self.schema_config.alias_relation else [])
            part["kept"] = len(triples)
            kept += triples
            funnel.update(part)
        funnel["schema.dropped.unrouted"] += sum(1 for c in candidates
                                                 if theme_of[c["paragraph_id"]] is None)
        return kept, funnel


def open_kg(dump: Path, cache_dir: Path) -> DuckDBKG:
    return DuckDBKG(ensure_kg(dump, cache_dir))


def add_chain_arguments(parser: argparse.ArgumentParser) -> None:
    """The inputs every T-REx benchmark reads (gold sentences, KG dump, caches, themes), with the
    same defaults, so their results are comparable run to run."""
    parser.add_argument("--gold", type=Path,
                        default=REPO / "tests/fixtures/wikidata/trex-gold-dev.jsonl.gz")
    parser.add_argument("--kg-dump", type=Path,
                        default=REPO / "pipelines/sample/wikidata-mini.json.bz2")
    parser.add_argument("--cache-dir", type=Path, default=REPO / "cache/benchmarks")
    parser.add_argument("--themes-dir", type=Path, default=REPO / "themes")
    parser.add_argument("--batch-size", type=int, default=1000)
