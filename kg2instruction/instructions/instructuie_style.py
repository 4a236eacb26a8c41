"""InstructUIE-style instructions: the IE INSTRUCTIONS form of InstructUIE (BeyonderXX/InstructUIE).

Matched to InstructUIE's data loader (`src/uie_dataset.py`, `load_RE_dataset` / `load_NER_dataset`)
and its instruction file (`configs/instruction_config.json`), read for this module:

- an instance is ``{"Task", "Dataset", "subset", "Instance": {"id", "sentence", "label",
  "ground_truth", "instruction"}}``; we publish it flat, ``{"id", "Task", "Dataset", "subset",
  "sentence", "instruction", "label", "ground_truth"}`` (one table schema, no nested struct);
  `Samples` is left out: InstructUIE never fills it (its few-shot path raises);
- the instruction is one of a few expert-written task instructions, then
  ``" \\nOption: " + ", ".join(labels) + " \\nText: " + sentence + " \\nAnswer:"``;
  InstructUIE keeps a ``{0}`` placeholder that its collator fills with the sentence, we publish it filled (what the
  model reads) and keep `sentence` beside it;
- the answer (`label`, equal to `ground_truth`: distant supervision has no NA pairs to keep) is
  ``" relation: head, tail; relation: head, tail"`` for RE and ``" type: span; type: span"`` for
  NER, ``" None"`` without a fact. The leading space is InstructUIE's: its decoder collator
  concatenates ``instruction + label``, so ``Answer:`` is followed by one space;
- `Option` lists the theme's whole label set in the theme file's order (InstructUIE lists the
  dataset's labels), so the instruction tells nothing about the answer; facts keep record order.

Separators stay ASCII (``: ``, ``, ``, ``; ``) in Chinese too, because InstructUIE's evaluator
splits answers on them; the markers ``Option:``, ``Text:``, ``Answer:`` stay English for the same reason,
while the task instruction is in the record's language. The instructions below were written for
this project (InstructUIE's own are English only); one is chosen per record and task by a
generator seeded with the record id (`rng_for`), so the choice is reproducible and rotates
across a dataset.
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from kg2instruction.instructions.formats import Entity, Triple
from kg2instruction.instructions.ids import TaskName
from kg2instruction.instructions.instruction_table import instruction_row, rng_for
from kg2instruction.instructions.records import LabelBook, record_entities, record_triples

NONE_ANSWER = "None"
_RE_FORMAT = {"en": '"relation1: head1, tail1; relation2: head2, tail2"',
              "zh": '"关系1: 头实体1, 尾实体1; 关系2: 头实体2, 尾实体2"'}
_NER_FORMAT = {"en": '"type1: entity1; type2: entity2"', "zh": '"类型1: 实体1; 类型2: 实体2"'}

INSTRUCTUIE_INSTRUCTIONS: dict[tuple[TaskName, str], tuple[str, ...]] = {
    ("RE", "en"): (
        "Extract the relation triples stated in the text, choosing each relation from the "
        f"options. Answer in the format {_RE_FORMAT['en']}.",
        "Find all pairs of entities in the text that are connected by one of the given "
        f"relations, and give the answer as {_RE_FORMAT['en']}.",
        "Given the relation options below, list every head entity and tail entity that the text "
        f"links by one of them. Output format: {_RE_FORMAT['en']}.",
        "Identify which of the listed relations the text expresses and between which entities. "
        f'Answer as {_RE_FORMAT["en"]}, or "None" if it expresses none.',
    ),
    ("RE", "zh"): (
        f"抽取文本中陈述的关系三元组，关系须从选项中选择。按照{_RE_FORMAT['zh']}的格式回答。",
        f"找出文本中由给定关系之一相连的所有实体对，答案格式为{_RE_FORMAT['zh']}。",
        f"根据下列关系选项，列出文本中由这些关系相连的头实体和尾实体。输出格式：{_RE_FORMAT['zh']}。",
        f'判断文本表达了哪些候选关系以及它们连接的实体，按{_RE_FORMAT["zh"]}回答，若没有则回答"None"。',
    ),
    ("NER", "en"): (
        "List the entities in the text whose type is one of the options. Answer in the format "
        f"{_NER_FORMAT['en']}.",
        "Find every mention in the text that belongs to one of the given entity types and give "
        f"the answer as {_NER_FORMAT['en']}.",
        "Given the entity type options, tag the matching entities of the text. Output format: "
        f'{_NER_FORMAT["en"]}, or "None" if there is none.',
    ),
    ("NER", "zh"): (
        f"列出文本中类型属于选项之一的实体，按照{_NER_FORMAT['zh']}的格式回答。",
        f"找出文本中属于给定实体类型的所有提及，答案格式为{_NER_FORMAT['zh']}。",
        f'根据实体类型选项，标注文本中对应的实体。输出格式：{_NER_FORMAT["zh"]}，若没有则回答"None"。',
    ),
}


@dataclass(frozen=True)
class InstructUIEStyle:
    seed: int = 13


def relation_answer(triples: Sequence[Triple]) -> str:
    """InstructUIE's RE answer, with its leading space (module docstring)."""
    body = "; ".join(f"{t.relation}: {t.head}, {t.tail}" for t in triples)
    return " " + (body or NONE_ANSWER)


def entity_answer(entities: Sequence[Entity]) -> str:
    """InstructUIE's NER answer, with its leading space."""
    body = "; ".join(f"{e.type}: {e.text}" for e in entities)
    return " " + (body or NONE_ANSWER)


def instruction_text(task_instruction: str, labels: Sequence[str], text: str) -> str:
    """Instruction, options, text and the answer cue, joined as InstructUIE's loader joins them."""
    return (f"{task_instruction} \nOption: {', '.join(labels)} \nText: {text} \nAnswer:")


def instructuie_instructions(record: Mapping[str, Any], book: LabelBook,
                             style: InstructUIEStyle) -> list[dict[str, Any]]:
    """The RE and NER instructions of one record (a task the theme lacks is skipped)."""
    lang = "zh" if record["lang"].startswith("zh") else "en"
    rows = []
    for task, labels in (("RE", book.relation_labels()), ("NER", book.entity_labels())):
        if not labels:
            continue
        pool = INSTRUCTUIE_INSTRUCTIONS[(task, lang)]
        chosen = pool[rng_for(style.seed, record["record_id"], "instructuie", task)
                      .randrange(len(pool))]
        output = (relation_answer(record_triples(record)) if task == "RE"
                  else entity_answer(record_entities(record)))
        rows.append(instruction_row(
            record, style="instructuie", task=task, chunk=0, fmt="instructuie", nan=False,
            labels=labels, prompt=chosen,
            instruction=instruction_text(chosen, labels, record["text"]), output=output))
    return rows
