"""Stage: the InstructIE record (+ provenance) of every sampled paragraph, in its own language.

A reduce stage because the sample is one table and the triples, paragraphs and typed mentions are
sharded by page; it only joins and renames (labels and types to the paragraph's language, see
`instructions.records`), the typed mentions giving the NER records their entities.
"""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping

import pyarrow as pa
import pyarrow.compute as pc

from kg2instruction.core import ReduceStage, StageContext, register_stage
from kg2instruction.instructions.records import LabelBook, build_record, records_table
from kg2instruction.stages.entity_types_file import EntityTypesFileConfig
from kg2instruction.stages.sample_paragraphs import TRIPLES_STAGE

LANGUAGES = ("en", "zh")
MENTIONS_STAGE = "type_entities"     # typed LINKED_MENTIONS: the entities of NER records
MENTION_COLUMNS = ("paragraph_id", "surface", "start", "source", "qid", "types")


class BuildRecordsConfig(EntityTypesFileConfig):
    """Only the entity-type file: everything else a record holds comes from the theme."""


@register_stage
class BuildRecords(ReduceStage):
    """SAMPLE + NLI_TRIPLES + PARAGRAPHS + typed LINKED_MENTIONS -> RECORDS."""

    name = "build_records"
    version = "2"
    Config = BuildRecordsConfig
    requires = ("sample_paragraphs", TRIPLES_STAGE, "read_wikipedia", MENTIONS_STAGE)
    theme_fields = None      # labels in both languages, theme name, entity types
    key = ("record_id",)
    file_fields = ("entity_types_file",)
    config: BuildRecordsConfig

    def setup(self, ctx: StageContext) -> None:
        entity_types = self.config.load_entity_types(ctx)
        self._books = {lang: LabelBook.of(ctx.theme, entity_types, lang) for lang in LANGUAGES}

    def process(self, inputs: Mapping[str, pa.Table], ctx: StageContext) -> pa.Table:
        sample = {r["paragraph_id"]: r for r in inputs["sample_paragraphs"].to_pylist()}
        wanted = pa.array(sorted(sample), pa.string())
        paragraphs = _of(inputs["read_wikipedia"], wanted)
        by_paragraph = _grouped(_of(inputs[TRIPLES_STAGE], wanted).to_pylist())
        mentions_of = _grouped(_of(inputs[MENTIONS_STAGE].select(list(MENTION_COLUMNS)),
                                   wanted).to_pylist())
        rows = []
        for paragraph in paragraphs.to_pylist():
            book = self._books.get(_language(paragraph["lang"]))
            if book is None:
                ctx.count("dropped", reason="unsupported_language")
                continue
            mine = [t for t in by_paragraph.get(paragraph["paragraph_id"], [])
                    if t["relation"] is not None]
            unknown = [t for t in mine if t["relation"] not in book.relations]
            if unknown:
                ctx.count("triples_skipped", n=len(unknown), reason="label_not_in_theme")
                mine = [t for t in mine if t["relation"] in book.relations]
            chosen = sample[paragraph["paragraph_id"]]
            rows.append(build_record(paragraph, mine, book, page_key=chosen["page_key"],
                                     split=chosen["split"],
                                     mentions=mentions_of.get(paragraph["paragraph_id"], ())))
            ctx.count("records", reason=book.lang)
        ctx.count("dropped", n=len(sample) - len(paragraphs), reason="paragraph_missing")
        return records_table(rows)


def _of(table: pa.Table, paragraph_ids: pa.Array) -> pa.Table:
    return table.filter(pc.is_in(table["paragraph_id"], value_set=paragraph_ids))


def _grouped(rows: list[dict]) -> dict[str, list[dict]]:
    groups: dict[str, list[dict]] = defaultdict(list)
    for row in rows:
        groups[row["paragraph_id"]].append(row)
    return groups


def _language(lang: str | None) -> str | None:
    if not lang:
        return None
    return "zh" if lang.startswith("zh") else lang
