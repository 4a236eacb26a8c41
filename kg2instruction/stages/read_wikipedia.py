"""Source stage: Wikipedia dumps (or JSONL corpora, or plain-text extracts) -> PARAGRAPHS shards.

Every entry under `sources.wikipedia` in the pipeline is one file with its language; its shards
are `<lang>-00000`, `<lang>-00001`, ... in dump order. A shard holds the paragraphs of
`pages_per_shard` consecutive articles (a page never straddles two shards), so shard boundaries
depend only on the dump and this setting. Counters: pages, redirects, paragraphs, links, and
paragraphs dropped by reason (too short, too long, markup residue).
"""
from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import pyarrow as pa
import pydantic

from kg2instruction.config.pipeline import SourceFile
from kg2instruction.core import SourceStage, StageConfig, StageContext, execution_knob, register_stage
from kg2instruction.errors import InputError
from kg2instruction.sources.paragraphs import (ParagraphConfig, PageIssue, page_to_paragraphs,
                                               paragraphs_to_table)
from kg2instruction.sources.wikipedia_xml import collect_redirects, iter_pages
from kg2instruction.storage.inputs import input_path

_DROPPED_PREFIX = "paragraphs_dropped_"


class ReadWikipediaConfig(StageConfig):
    pages_per_shard: int = pydantic.Field(1000, ge=1)
    paragraphs: ParagraphConfig = ParagraphConfig()
    decompress_threads: int | None = execution_knob(None, "bzip2 decoder threads")


@register_stage
class ReadWikipedia(SourceStage):
    """MediaWiki XML exports (`.xml`, `.bz2`, multistream), JSONL corpora and plain-text extracts
    (a `.zip` of `<QID>.txt`, `kg2instruction.sources.extracts`) -> paragraphs."""

    name = "read_wikipedia"
    version = "1"
    Config = ReadWikipediaConfig
    sources = ("wikipedia",)
    theme_fields = ()
    key = ("page_id", "index")
    config: ReadWikipediaConfig

    def read(self, source: SourceFile, path: Path, ctx: StageContext) -> Iterator[pa.Table]:
        path = input_path(path)          # a URL (s3://...) is read in place, same rows
        kind = _format_of(source, path)
        if kind == "jsonl":
            yield from self._read_jsonl(source, path, ctx)
        elif kind == "extracts":
            yield from self._read_extracts(source, path, ctx)
        else:
            yield from self._read_xml(source, path, ctx)

    def _read_xml(self, source: SourceFile, path: Path, ctx: StageContext) -> Iterator[pa.Table]:
        threads = self.config.decompress_threads
        redirects = collect_redirects(path, threads=threads)
        ctx.count("redirects", n=len(redirects))

        def on_issue(issue: PageIssue) -> None:
            ctx.log.warning("%s: page %s (%s): %s", path.name, issue.page_id, issue.title,
                            issue.reason)

        funnel: Counter[str] = Counter()
        rows: list[dict[str, Any]] = []
        pages_in_shard = shards = 0
        for page in iter_pages(path, threads=threads):
            if page.redirect:
                continue
            lang = source.lang or page.site.lang
            if not lang:
                raise InputError(path, "cannot tell the wiki's language; set `lang:` for this "
                                       "source in the pipeline file")
            rows.extend(page_to_paragraphs(page, lang, redirects, self.config.paragraphs,
                                           path.name, on_issue=on_issue, funnel=funnel))
            pages_in_shard += 1
            if pages_in_shard == self.config.pages_per_shard:
                yield self._shard(rows, funnel, ctx)
                rows, pages_in_shard, shards = [], 0, shards + 1
        if pages_in_shard or not shards:   # the tail, or one empty shard for an empty dump
            yield self._shard(rows, funnel, ctx)

    def _read_jsonl(self, source: SourceFile, path: Path, ctx: StageContext) -> Iterator[pa.Table]:
        from kg2instruction.sources.corpus_jsonl import read_corpus_jsonl

        funnel: Counter[str] = Counter()
        rows = read_corpus_jsonl(path, self.config.paragraphs, path.name, lang=source.lang)
        for batch in _batches_by_page(rows, self.config.pages_per_shard):
            funnel["pages"] += len({row["page_id"] for row in batch})
            funnel["paragraphs"] += len(batch)
            funnel["links"] += sum(len(row.get("links") or ()) for row in batch)
            yield self._shard(batch, funnel, ctx)

    def _read_extracts(self, source: SourceFile, path: Path, ctx: StageContext) -> Iterator[pa.Table]:
        from kg2instruction.sources.extracts import read_extracts

        if not source.lang:
            raise InputError(path, "plain-text extracts carry no language; set `lang:` for this "
                                   "source in the pipeline file")
        funnel: Counter[str] = Counter()
        rows: list[dict[str, Any]] = []
        pages_in_shard = shards = 0
        for page_rows in read_extracts(path, source.lang, self.config.paragraphs, path.name,
                                       funnel=funnel):
            rows.extend(page_rows)
            pages_in_shard += 1
            if pages_in_shard == self.config.pages_per_shard:
                yield self._shard(rows, funnel, ctx)
                rows, pages_in_shard, shards = [], 0, shards + 1
        if pages_in_shard or not shards:
            yield self._shard(rows, funnel, ctx)

    @staticmethod
    def _shard(rows: list[dict[str, Any]], funnel: Counter[str], ctx: StageContext) -> pa.Table:
        """Book this shard's counters (drop reasons as funnel drops) and build its table."""
        for name, n in sorted(funnel.items()):
            if name.startswith(_DROPPED_PREFIX):
                ctx.count("dropped", n=n, reason=name[len(_DROPPED_PREFIX):])
            else:
                ctx.count(name, n=n)
        funnel.clear()
        return paragraphs_to_table(rows)


def _format_of(source: SourceFile, path: Path) -> str:
    if source.format != "auto":
        return source.format
    suffixes = [s.lower() for s in path.suffixes]
    if ".jsonl" in suffixes or ".json" in suffixes:
        return "jsonl"
    return "extracts" if suffixes[-1:] == [".zip"] or path.is_dir() else "xml"


def _batches_by_page(rows: Iterable[dict[str, Any]], pages: int) -> Iterator[list[dict[str, Any]]]:
    """Consecutive rows grouped so that each batch holds `pages` whole pages."""
    batch: list[dict[str, Any]] = []
    seen: list[str] = []
    for row in rows:
        if not seen or row["page_id"] != seen[-1]:
            if len(seen) == pages:
                yield batch
                batch, seen = [], []
            seen.append(row["page_id"])
        batch.append(row)
    if batch or not seen:
        yield batch
