"""InstructIE-style instructions, in the instruction form of the InstructIE release.

InstructIE (zjunlp/InstructIE; its README's `build_instruction.py`, examples
`example_{en,zh}_ins.json`) turns a record ``{id, cate, text, relation}`` into relation-extraction
instructions whose `instruction` is the JSON string ``{"instruction", "schema", "input"}`` (one
fixed task statement per language, the theme's relation labels, the paragraph) and whose `output`
is the JSON string ``{label: [{"subject", "object"}]}`` over the listed labels (``[]`` for an
absent one). Train and dev records (the release's train and valid files are converted in train
mode) get one instruction listing the theme's whole schema; a test record gets the whole schema
cut into chunks of `split_num` (4), one instruction per chunk, all with the record's id (its
`label` is the record's whole relation list). Labels are in the theme file's order, never drawn
from the answer, so an instruction tells nothing about which labels the paragraph holds.

The release is relation extraction only; NER instructions are IEPile-style (`iepile_style`).
The shape of the published files is set in `export_files`.
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from kg2instruction.instructions.formats import OutputFormat, render_relations
from kg2instruction.instructions.iepile_style import instruction_json, schema_batches
from kg2instruction.instructions.instruction_table import instruction_row
from kg2instruction.instructions.records import LabelBook, record_triples

# The release's task statements, verbatim: they are part of the format a model is tested on.
INSTRUCTIE_PROMPTS: dict[str, str] = {
    "en": "You are an expert in relationship extraction. Please extract relationship triples that "
          "match the schema definition from the input. Return an empty list for relationships "
          "that do not exist. Please respond in the format of a JSON string.",
    "zh": "你是专门进行关系抽取的专家。请从input中抽取出符合schema定义的关系三元组，不存在的关系返回空列表。"
          "请按照JSON字符串的格式回答。",
}
TEST_SPLIT = "test"


@dataclass(frozen=True)
class InstructIEStyle:
    """`split_num`: labels per test instruction (InstructIE's test conversion uses 4)."""

    split_num: int = 4

    def __post_init__(self) -> None:
        if self.split_num < 1:
            raise ValueError(f"split_num must be >= 1, got {self.split_num}")


def instructie_instructions(record: Mapping[str, Any], book: LabelBook,
                            style: InstructIEStyle) -> list[dict[str, Any]]:
    """The relation instructions of one record (none when the theme has no relation labels)."""
    labels = book.relation_labels()
    if not labels:
        return []
    lang = "zh" if record["lang"].startswith("zh") else "en"
    prompt = INSTRUCTIE_PROMPTS[lang]
    chunks = schema_batches(labels, style.split_num) if record["split"] == TEST_SPLIT \
        else [list(labels)]
    triples = record_triples(record)
    rows = []
    for k, chunk in enumerate(chunks):
        members = set(chunk)
        output = render_relations(OutputFormat.JSON, [t for t in triples if t.relation in members],
                                  chunk, lang)
        rows.append(instruction_row(
            record, style="instructie", task="RE", chunk=k, fmt=OutputFormat.JSON.value,
            nan=False, labels=chunk, prompt=instruction_json(prompt, chunk, None),
            instruction=instruction_json(prompt, chunk, record["text"]), output=output))
    return rows
