"""YAYI-UIE-style instructions: chat turns whose user turn is the text, then the task instruction.

Matched to the prompt shape the YAYI-UIE README (wenge-research/YAYI-UIE) documents for its model
and SFT data: the text comes first (``Text: ...`` / ``文本：...``, their advice: text before
instruction works better), then an instruction made of three parts, the task type in 【】, the
task option (the allowed labels, as a bracketed list) and the output format, a JSON shape; the
answer is JSON. RE answers ``[{"relation", "head", "tail"}]`` (the README's relation format) and
NER ``{type: [entities]}`` (its entity format), listing only the types that occur. We write real
JSON (double quotes, ``ensure_ascii=False``) where the README sketches Python-style quotes, so an
answer always parses; no fact is ``[]`` (RE) or ``{}`` (NER).

The record is a chat, ``{"id", "task", "lang", "messages": [{"role": "system"}, {"role": "user"},
{"role": "assistant"}]}``, in the record's language throughout; YAYI-UIE's Baichuan template has
no system turn, ours states the assistant's job so a chat template can carry it. The options are
the theme's whole label set in theme file order (never drawn from the answer), facts keep record
order and entity types option order. The sentences were written for this project.
"""
from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from kg2instruction.instructions.formats import Entity, Triple
from kg2instruction.instructions.ids import TaskName
from kg2instruction.instructions.instruction_table import instruction_row
from kg2instruction.instructions.phrasings import TEXT_HEADER
from kg2instruction.instructions.records import LabelBook, record_entities, record_triples

YAYI_SYSTEM: dict[str, str] = {
    "en": "You are an assistant that extracts structured information from text. Follow the "
          "instruction and answer only with the JSON it asks for.",
    "zh": "你是从文本中抽取结构化信息的助手。请按指令要求，只输出所需的JSON。",
}
TASK_TYPE: dict[tuple[TaskName, str], str] = {
    ("RE", "en"): "Relation Extraction", ("RE", "zh"): "关系抽取",
    ("NER", "en"): "Entity Extraction", ("NER", "zh"): "实体抽取",
}
# {options} is the bracketed label list
TASK_INSTRUCTION: dict[tuple[TaskName, str], str] = {
    ("RE", "en"): "The candidate relations are {options}. Extract the relation triples the text "
                  "states with these relations and output them in json "
                  '[{{"relation": "", "head": "", "tail": ""}}]; output [] if there is none.',
    ("RE", "zh"): "候选关系列表是{options}。请根据关系列表抽取文本陈述的关系三元组，以json"
                  '[{{"relation": "", "head": "", "tail": ""}}]格式输出，没有则输出[]。',
    ("NER", "en"): "The entity types are {options}. Extract the entities of these types from the "
                   "text and output them in json {{type: [entities]}}, listing only the types "
                   "that occur; output {{}} if there is none.",
    ("NER", "zh"): "实体类型列表是{options}。请抽取文本中属于这些类型的实体，以json{{类型: [实体]}}"
                   "格式输出，只列出出现的类型，没有则输出{{}}。",
}


@dataclass(frozen=True)
class YayiStyle:
    """No knobs yet: the options are the theme's labels, the answer is JSON."""


def options_text(labels: Sequence[str]) -> str:
    return "[" + ", ".join(labels) + "]"


def relation_json(triples: Sequence[Triple]) -> str:
    return json.dumps([{"relation": t.relation, "head": t.head, "tail": t.tail} for t in triples],
                      ensure_ascii=False)


def entity_json(entities: Sequence[Entity], types_in_order: Sequence[str]) -> str:
    groups: dict[str, list[str]] = {}
    for etype in [*types_in_order, *(e.type for e in entities)]:
        groups.setdefault(etype, [])
    for e in entities:
        groups[e.type].append(e.text)
    return json.dumps({k: v for k, v in groups.items() if v}, ensure_ascii=False)


def task_instruction(task: TaskName, labels: Sequence[str], lang: str) -> str:
    """【task type】 and the instruction with its options and output format."""
    instruction = TASK_INSTRUCTION[(task, lang)].format(options=options_text(labels))
    return f"【{TASK_TYPE[(task, lang)]}】{instruction}"


def user_turn(instruction: str, text: str, lang: str) -> str:
    """The text first, then the instruction (YAYI-UIE's advice)."""
    return f"{TEXT_HEADER[lang]}{text}\n{instruction}"


def yayi_instructions(record: Mapping[str, Any], book: LabelBook,
                      style: YayiStyle) -> list[dict[str, Any]]:
    """The RE and NER chats of one record (a task the theme lacks is skipped)."""
    lang = "zh" if record["lang"].startswith("zh") else "en"
    rows = []
    for task, labels in (("RE", book.relation_labels()), ("NER", book.entity_labels())):
        if not labels:
            continue
        output = (relation_json(record_triples(record)) if task == "RE"
                  else entity_json(record_entities(record), labels))
        prompt = task_instruction(task, labels, lang)
        user = user_turn(prompt, record["text"], lang)
        messages = [{"role": "system", "content": YAYI_SYSTEM[lang]},
                    {"role": "user", "content": user},
                    {"role": "assistant", "content": output}]
        rows.append(instruction_row(
            record, style="yayi", task=task, chunk=0, fmt="json", nan=False, labels=labels,
            prompt=prompt, instruction=user, output=output, messages=messages))
    return rows
