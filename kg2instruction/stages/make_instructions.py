"""Stage: instructions of every style (relations, NER) from the records: InstructIE, IEPile,
varied phrasings, InstructUIE, YAYI-UIE and ADELIE's IEInstruct.

Everything the instructions depend on is in the config or the theme, so it is fingerprinted: the
phrasing pools may be given inline (validated with the pipeline file, before any work), and the
hard-negative dictionary is either an analyst's YAML (`hard_negatives_file`, its content hashed)
or built here from label similarity and the co-occurrence of labels in these records.
IEInstruct's demonstrations are drawn from the train records of this theme, seen here all at once
(a reduce stage), and its guidelines come from the theme's relation templates.
"""
from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Literal

import pyarrow as pa
import pydantic

from kg2instruction.core import ReduceStage, StageContext, register_stage
from kg2instruction.instructions.formats import OutputFormat
from kg2instruction.instructions.hard_negatives import build_hard_negatives, load_hard_negatives
from kg2instruction.instructions.guidelines import relation_guidelines
from kg2instruction.instructions.ieinstruct_style import (FORMATS as IEINSTRUCT_FORMATS,
                                                          DemonstrationPool, IEInstructStyle,
                                                          ieinstruct_instructions)
from kg2instruction.instructions.iepile_style import IEPileStyle, iepile_instructions
from kg2instruction.instructions.instructie_style import InstructIEStyle, instructie_instructions
from kg2instruction.instructions.instruction_table import instructions_table
from kg2instruction.instructions.instructuie_style import (InstructUIEStyle,
                                                           instructuie_instructions)
from kg2instruction.instructions.phrasings import DEFAULT_PHRASINGS, PhrasingPools
from kg2instruction.instructions.records import LabelBook
from kg2instruction.instructions.varied_style import VariedStyle, varied_instructions
from kg2instruction.instructions.yayi_style import YayiStyle, yayi_instructions
from kg2instruction.stages.build_records import LANGUAGES
from kg2instruction.stages.entity_types_file import EntityTypesFileConfig


class MakeInstructionsConfig(EntityTypesFileConfig):
    formats: list[OutputFormat] = pydantic.Field(default_factory=lambda: list(OutputFormat),
                                                 min_length=1)
    nan_rate: float = pydantic.Field(0.5, ge=0.0, le=1.0,
                                     description="share of varied instructions W/ NAN")
    phrasings: PhrasingPools = DEFAULT_PHRASINGS
    relation_split_num: int = pydantic.Field(4, ge=1)
    entity_split_num: int = pydantic.Field(6, ge=1)
    random_negatives: int = pydantic.Field(2, ge=0)
    hard_negatives_file: str | None = None
    hard_negative_top_k: int = pydantic.Field(3, ge=1)
    ieinstruct_formats: list[Literal["triplet", "natural", "json"]] = pydantic.Field(
        default_factory=lambda: list(IEINSTRUCT_FORMATS), min_length=1,
        description="IEInstruct output formats; every record is rendered in each")
    ieinstruct_shots: list[Annotated[int, pydantic.Field(ge=0, le=8)]] = pydantic.Field(
        default_factory=lambda: [0, 3], min_length=1,
        description="IEInstruct demonstration counts, one drawn per record and task")
    ieinstruct_guidelines: bool = pydantic.Field(
        True, description="list each relation's guideline (its theme template) with the options")
    seed: int = 13

    @pydantic.field_validator("ieinstruct_formats", "ieinstruct_shots")
    @classmethod
    def _distinct(cls, values: list) -> list:
        if len(set(values)) != len(values):
            raise ValueError("a value is listed twice")
        return values


@register_stage
class MakeInstructions(ReduceStage):
    """RECORDS -> INSTRUCTIONS (every style, both tasks)."""

    name = "make_instructions"
    # 2: shared ids of chunks, answer-independent dev/test schema, InstructIE form
    # 3: InstructUIE, YAYI-UIE and IEInstruct styles, `messages` column
    version = "4"
    Config = MakeInstructionsConfig
    requires = ("build_records",)
    theme_fields = None
    key = ("style", "id", "chunk")
    file_fields = ("hard_negatives_file", "entity_types_file")
    config: MakeInstructionsConfig

    def setup(self, ctx: StageContext) -> None:
        entity_types = self.config.load_entity_types(ctx)
        self._books = {lang: LabelBook.of(ctx.theme, entity_types, lang) for lang in LANGUAGES}
        cfg = self.config
        self._instructie = InstructIEStyle(split_num=cfg.relation_split_num)
        self._varied = VariedStyle(formats=tuple(cfg.formats), nan_rate=cfg.nan_rate,
                                   phrasings=cfg.phrasings, seed=cfg.seed)
        self._iepile = IEPileStyle(relation_split_num=cfg.relation_split_num,
                                   entity_split_num=cfg.entity_split_num,
                                   random_negatives=cfg.random_negatives, seed=cfg.seed)
        self._instructuie = InstructUIEStyle(seed=cfg.seed)
        self._yayi = YayiStyle()
        self._ieinstruct = IEInstructStyle(formats=tuple(cfg.ieinstruct_formats),
                                           shots=tuple(cfg.ieinstruct_shots),
                                           guidelines=cfg.ieinstruct_guidelines, seed=cfg.seed)
        self._guidelines = {lang: relation_guidelines(ctx.theme, lang) for lang in LANGUAGES}
        self._fixed_negatives = (None if cfg.hard_negatives_file is None else
                                 load_hard_negatives(ctx.path(cfg.hard_negatives_file), ctx.theme))

    def process(self, inputs: Mapping[str, pa.Table], ctx: StageContext) -> pa.Table:
        records = inputs["build_records"].to_pylist()
        # label co-occurrence from the train split only: dev/test answers must not shape the
        # training instructions
        dictionary = self._fixed_negatives or build_hard_negatives(
            ctx.theme, ([p["relation_en"] for p in r["provenance"]] for r in records
                        if r["split"] == "train"),
            top_k=self.config.hard_negative_top_k)
        hard = {lang: dictionary.translated(book.relations) for lang, book in self._books.items()}
        pool = DemonstrationPool.of(records)
        rows = []
        for record in records:
            book = self._books[record["lang"]]
            made = (instructie_instructions(record, book, self._instructie)
                    + iepile_instructions(record, book, hard[record["lang"]], self._iepile)
                    + varied_instructions(record, book, self._varied)
                    + instructuie_instructions(record, book, self._instructuie)
                    + yayi_instructions(record, book, self._yayi)
                    + ieinstruct_instructions(record, book, self._ieinstruct, pool,
                                              self._guidelines[record["lang"]]))
            for row in made:
                ctx.count("instructions", reason=f"{row['style']}_{row['task']}_{row['lang']}")
            rows.extend(made)
        return instructions_table(rows)
