"""IEPile-style instructions: ``{"instruction", "schema", "input"}`` with schema chunks.

IEPile found that a long schema in one instruction hurts, and that a model must see absent labels
it could confuse with present ones. So a *training* record lists its own labels, the hard
negatives of each (`hard_negatives`) and a few random other labels of the theme, shuffled.

A *dev or test* record must not reveal its answer through the labels it lists: it shows the
theme's whole schema, in the theme file's order, whatever the record holds (IEPile's test
conversion, `convert_func.get_test_data`). Hard negatives are for training only.

Either list is cut into chunks of `split_num` (4 relations, 6 entity types) by IEPile's rule: full
chunks, and a remainder of at least ``max(1, split_num // 2)`` labels becomes a chunk of its own,
a shorter one joins the last chunk. Each chunk is one instruction; all chunks of a record share
the record's id (`ids`), and each output is the JSON ``{label: [{"subject", "object"}]}`` over
exactly the chunk's labels (``[]`` for an absent one), in the chunk's order.
"""
from __future__ import annotations

import json
import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from kg2instruction.instructions.formats import (Entity, OutputFormat, Triple, render_entities,
                                                 render_relations)
from kg2instruction.instructions.ids import TaskName
from kg2instruction.instructions.instruction_table import (instruction_row, is_evaluation_split,
                                                           rng_for)
from kg2instruction.instructions.records import LabelBook, record_entities, record_triples

# The task statements of this style, one per language and task (written for this project).
IEPILE_PROMPTS: dict[tuple[TaskName, str], str] = {
    ("RE", "en"): "You are an expert in relation extraction. From the input, extract the relation "
                  "triples whose relation is in the schema. Answer with a JSON string that maps "
                  "each schema relation to a list of subject/object pairs; an empty list when the "
                  "input does not express it.",
    ("RE", "zh"): "你是关系抽取专家。请从input中抽取关系属于schema的三元组，用JSON字符串回答："
                  "每个schema关系对应一个由subject和object组成的列表，input未表达的关系对应空列表。",
    ("NER", "en"): "You are an expert in named entity recognition. From the input, extract the "
                   "entities whose type is in the schema. Answer with a JSON string that maps each "
                   "schema type to a list of entity names; an empty list when there is none.",
    ("NER", "zh"): "你是命名实体识别专家。请从input中抽取类型属于schema的实体，用JSON字符串回答："
                   "每个schema类型对应一个实体名称列表，没有该类型实体时对应空列表。",
}


@dataclass(frozen=True)
class IEPileStyle:
    relation_split_num: int = 4
    entity_split_num: int = 6
    random_negatives: int = 2      # random absent labels added besides the hard negatives
    seed: int = 13

    def __post_init__(self) -> None:
        if min(self.relation_split_num, self.entity_split_num) < 1 or self.random_negatives < 0:
            raise ValueError("split_num must be >= 1 and random_negatives >= 0")


def schema_batches(labels: Sequence[str], split_num: int) -> list[list[str]]:
    """Cut `labels` into chunks of `split_num` by IEPile's rule (module docstring)."""
    if split_num < 1:
        raise ValueError(f"split_num must be >= 1, got {split_num}")
    labels = list(labels)
    if not labels:
        return []
    full = max(len(labels) // split_num, 1) * split_num
    batches = [labels[i:i + split_num] for i in range(0, full, split_num)]
    rest = labels[full:]
    if len(rest) >= max(1, split_num // 2):
        batches.append(rest)
    else:
        batches[-1].extend(rest)
    return batches


def candidate_labels(positives: Sequence[str], all_labels: Sequence[str],
                     hard: Mapping[str, Sequence[str]], n_random: int,
                     rng: random.Random) -> list[str]:
    """Positives + their hard negatives + `n_random` other labels, shuffled."""
    chosen = list(dict.fromkeys(positives))
    for label in list(chosen):
        chosen.extend(h for h in hard.get(label, ()) if h in all_labels and h not in chosen)
    others = [label for label in all_labels if label not in chosen]
    chosen.extend(rng.sample(others, min(n_random, len(others))))
    rng.shuffle(chosen)
    return chosen


def instruction_json(prompt: str, schema: Sequence[str], text: str | None) -> str:
    """``{"instruction", "schema", "input"}`` as a JSON string, keys in the order both IEPile and
    the InstructIE release write them."""
    doc: dict[str, Any] = {"instruction": prompt, "schema": list(schema)}
    if text is not None:
        doc["input"] = text
    return json.dumps(doc, ensure_ascii=False)


def iepile_instructions(record: Mapping[str, Any], book: LabelBook,
                        hard: Mapping[str, Sequence[str]], style: IEPileStyle,
                        ) -> list[dict[str, Any]]:
    """The schema-chunked relation and NER instructions of one record.

    `hard` is the hard-negative dictionary in the record's language; dev and test records do not
    use it (module docstring)."""
    lang = "zh" if record["lang"].startswith("zh") else "en"
    evaluation = is_evaluation_split(record)
    rows: list[dict[str, Any]] = []
    triples = record_triples(record)
    entities = record_entities(record)
    relation_labels = book.relation_labels()
    if relation_labels:
        if evaluation:
            candidates = list(relation_labels)
        else:
            rng = rng_for(style.seed, record["record_id"], "iepile", "RE")
            candidates = candidate_labels([t.relation for t in triples], relation_labels, hard,
                                          style.random_negatives, rng)
        rows += _batched(record, "RE", candidates, triples, style.relation_split_num, lang)
    entity_labels = book.entity_labels()
    if entity_labels:
        order = list(entity_labels)
        if not evaluation:
            rng_for(style.seed, record["record_id"], "iepile", "NER").shuffle(order)
        rows += _batched(record, "NER", order, entities, style.entity_split_num, lang)
    return rows


def _batched(record: Mapping[str, Any], task: TaskName, candidates: list[str],
             facts: Sequence[Triple] | Sequence[Entity], split_num: int,
             lang: str) -> list[dict[str, Any]]:
    rows = []
    prompt = IEPILE_PROMPTS[(task, lang)]
    batches = schema_batches(candidates, split_num)
    for k, batch in enumerate(batches):
        members = set(batch)
        if task == "RE":
            mine = [t for t in facts if t.relation in members]   # type: ignore[union-attr]
            output = render_relations(OutputFormat.JSON, mine, batch, lang)
        else:
            mine = [e for e in facts if e.type in members]       # type: ignore[union-attr]
            output = render_entities(OutputFormat.JSON, mine, batch, lang)
        rows.append(instruction_row(
            record, style="iepile", task=task, chunk=k, fmt=OutputFormat.JSON.value, nan=False,
            labels=batch, prompt=instruction_json(prompt, batch, None),
            instruction=instruction_json(prompt, batch, record["text"]), output=output))
    return rows
