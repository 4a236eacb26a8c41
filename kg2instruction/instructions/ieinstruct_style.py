"""IEInstruct-style instructions (ADELIE, THU-KEG/ADELIE): one instance in several output formats,
with annotation guidelines and in-context demonstrations, as a chat.

Matched to ADELIE's data construction (`scripts/tasks/*/load_data_fs.py`, `desc.py`) and its
mixture into chat form (`scripts/utils/mixture_task_fs_tuluformat.py`), read for this module:

- an instance is rendered in one of several output formats, every answer starting with
  ``[Answer]: ``: a triplet form ``(head; relation; tail)`` one per line, a natural-language
  sentence per fact, or JSON; we render *each* record in *every* configured format (`FORMATS`),
  one row per format, all rows of a record and task sharing its id (`chunk` = format index);
- the options are listed with the instruction, optionally each with its description (ADELIE's
  ``label: 'description'``); ours are the theme's relation guidelines (`guidelines`);
- with k demonstrations the chat is ADELIE's "format 2": the first user turn holds the
  instruction and the first demonstration's text, each demonstration's answer is an assistant
  turn, later demonstrations and the instance itself are user turns holding only ``Text: ...``;
  with k = 0 it is one user turn (instruction, then the text) and the answer;
- the published record is ``{"id", "task", "lang", "format", "shots", "messages"}`` (ADELIE's
  ``{"dataset", "id", "messages"}`` plus what tells variants apart).

Our choices, where ADELIE samples at random per instance: the instruction sentences, formats and
natural-language sentences were written for this project, in English and Chinese (the record's
language); the text follows the project's ``Text: `` / ``文本：`` header unquoted (ADELIE quotes it
in single quotes, which a paragraph's own apostrophes make ambiguous); no fact is ``NA`` in the
text formats and ``[]`` in JSON (ADELIE: ``NA`` and an empty object).

Demonstrations: k is drawn per record and task from `shots` (default ``(0, 3)``: half the
instances zero-shot, half three-shot, like ADELIE's mixture of both, without doubling the data),
and the demonstrations are drawn without replacement from the *train* records of the same theme
and language that hold at least one fact of the task, never the record itself, by a generator
seeded with the record id. Dev and test records draw from train too (demonstrations are labelled
data available at test time, as ADELIE's test conversion draws from its train file), and a train
record never sees a dev or test record. Every format of a record and task shows the same
demonstrations, answered in that format. The candidate labels are the theme's whole label set in
theme order, so no instruction reveals its answer.
"""
from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from kg2instruction.instructions.formats import Entity, Triple
from kg2instruction.instructions.ids import TaskName
from kg2instruction.instructions.instruction_table import instruction_row, rng_for
from kg2instruction.instructions.phrasings import TEXT_HEADER
from kg2instruction.instructions.records import LabelBook, record_entities, record_triples

FORMATS = ("triplet", "natural", "json")
ANSWER = "[Answer]: "
NO_FACT = "NA"
DEMONSTRATION_SPLIT = "train"

STATEMENT: dict[tuple[TaskName, str], str] = {
    ("RE", "en"): "Extract the relation triples stated in the text. "
                  "Candidate relations: {options}.",
    ("RE", "zh"): "抽取文本中陈述的关系三元组。候选关系：{options}。",
    ("NER", "en"): "Extract the entities of the listed types from the text. "
                   "Entity types: {options}.",
    ("NER", "zh"): "抽取文本中属于所列类型的实体。实体类型：{options}。",
}
GUIDELINES_HEADER = {"en": "Guidelines:", "zh": "标注准则："}
FORMAT_QUERY: dict[tuple[TaskName, str, str], str] = {
    ("RE", "triplet", "en"): 'Give the answer as "[Answer]: (subject; relation; object)", one '
                             "triple per line.",
    ("RE", "natural", "en"): 'Give the answer as "[Answer]: " followed by one sentence per fact: '
                             'The relation of "subject" is "object".',
    ("RE", "json", "en"): 'Give the answer as "[Answer]: " followed by a JSON list of '
                          '{"subject", "relation", "object"} objects.',
    ("RE", "triplet", "zh"): '请按"[Answer]: (主体; 关系; 客体)"的格式回答，每行一个三元组。',
    ("RE", "natural", "zh"): '请以"[Answer]: "开头，每个事实写一句：“主体”的关系是“客体”。',
    ("RE", "json", "zh"): '请以"[Answer]: "开头，输出由{"subject", "relation", "object"}组成的JSON列表。',
    ("NER", "triplet", "en"): 'Give the answer as "[Answer]: (entity; type)", one entity per line.',
    ("NER", "natural", "en"): 'Give the answer as "[Answer]: " followed by one sentence per '
                              'entity: "entity" is a type.',
    ("NER", "json", "en"): 'Give the answer as "[Answer]: " followed by a JSON list of '
                           '{"entity", "type"} objects.',
    ("NER", "triplet", "zh"): '请按"[Answer]: (实体; 类型)"的格式回答，每行一个实体。',
    ("NER", "natural", "zh"): '请以"[Answer]: "开头，每个实体写一句：“实体”是类型。',
    ("NER", "json", "zh"): '请以"[Answer]: "开头，输出由{"entity", "type"}组成的JSON列表。',
}
NATURAL_FACT = {"en": 'The {relation} of "{head}" is "{tail}".',
                "zh": "“{head}”的{relation}是“{tail}”。"}
NATURAL_ENTITY = {"en": '"{entity}" is a {type}.', "zh": "“{entity}”是{type}。"}


@dataclass(frozen=True)
class IEInstructStyle:
    """`shots`: the demonstration counts drawn from per record and task; `guidelines`: list each
    relation's guideline with the options."""

    formats: tuple[str, ...] = FORMATS
    shots: tuple[int, ...] = (0, 3)
    guidelines: bool = True
    seed: int = 13

    def __post_init__(self) -> None:
        if not self.formats or set(self.formats) - set(FORMATS):
            raise ValueError(f"formats must be a non-empty subset of {FORMATS}")
        if not self.shots or min(self.shots) < 0:
            raise ValueError("shots must be a non-empty list of counts >= 0")


@dataclass(frozen=True)
class DemonstrationPool:
    """The records demonstrations are drawn from, per (language, task), in record id order (so a
    draw never depends on the order records arrive in)."""

    by_lang_task: Mapping[tuple[str, str], Sequence[Mapping[str, Any]]] = field(
        default_factory=dict)

    @classmethod
    def of(cls, records: Iterable[Mapping[str, Any]]) -> DemonstrationPool:
        pool: dict[tuple[str, str], list[Mapping[str, Any]]] = defaultdict(list)
        for r in sorted(records, key=lambda r: r["record_id"]):
            if r["split"] != DEMONSTRATION_SPLIT:
                continue
            if r["relation"]:
                pool[(r["lang"], "RE")].append(r)
            if r["entity"]:
                pool[(r["lang"], "NER")].append(r)
        return cls(dict(pool))

    def draw(self, record: Mapping[str, Any], task: TaskName, k: int,
             seed: int) -> list[Mapping[str, Any]]:
        """Up to `k` other records of the record's language, drawn by a generator seeded with the
        record id (one more is drawn, so that leaving the record itself out still leaves k)."""
        candidates = self.by_lang_task.get((record["lang"], task), ())
        if k == 0 or not candidates:
            return []
        rng = rng_for(seed, record["record_id"], "ieinstruct", task, "demonstrations")
        picked = rng.sample(range(len(candidates)), min(k + 1, len(candidates)))
        others = [candidates[i] for i in picked
                  if candidates[i]["record_id"] != record["record_id"]]
        return others[:k]


def render_answer(task: TaskName, fmt: str, facts: Sequence[Triple] | Sequence[Entity],
                  lang: str) -> str:
    """``[Answer]: `` and the facts in format `fmt` (module docstring)."""
    if fmt == "json":
        if task == "RE":
            doc = [{"subject": t.head, "relation": t.relation, "object": t.tail}
                   for t in facts]                                  # type: ignore[union-attr]
        else:
            doc = [{"entity": e.text, "type": e.type} for e in facts]  # type: ignore[union-attr]
        return ANSWER + json.dumps(doc, ensure_ascii=False)
    if not facts:
        return ANSWER + NO_FACT
    if fmt == "triplet":
        lines = [f"({t.head}; {t.relation}; {t.tail})" if task == "RE"  # type: ignore[union-attr]
                 else f"({t.text}; {t.type})" for t in facts]          # type: ignore[union-attr]
    elif fmt == "natural":
        lines = [NATURAL_FACT[lang].format(**f._asdict()) if task == "RE"
                 else NATURAL_ENTITY[lang].format(entity=f.text, type=f.type)  # type: ignore
                 for f in facts]
    else:
        raise ValueError(f"unknown IEInstruct format {fmt!r}; expected one of {FORMATS}")
    return ANSWER + "\n".join(lines)


def task_statement(task: TaskName, fmt: str, labels: Sequence[str], lang: str,
                   guidelines: Mapping[str, str] | None) -> str:
    """What the model is asked: the task with its options, the guidelines of the listed labels
    (when given and any exists), and the output format."""
    parts = [STATEMENT[(task, lang)].format(options="[" + ", ".join(labels) + "]")]
    lines = [f"- {label}: {guidelines[label]}" for label in labels
             if guidelines and label in guidelines]
    if lines:
        parts.append("\n".join([GUIDELINES_HEADER[lang], *lines]))
    parts.append(FORMAT_QUERY[(task, fmt, lang)])
    return "\n".join(parts)


def _facts(record: Mapping[str, Any], task: TaskName) -> list[Triple] | list[Entity]:
    return record_triples(record) if task == "RE" else record_entities(record)


def conversation(statement: str, task: TaskName, fmt: str, record: Mapping[str, Any],
                 demonstrations: Sequence[Mapping[str, Any]], lang: str) -> list[dict[str, str]]:
    """ADELIE's few-shot chat (module docstring); the record's own answer is the last turn."""
    header = TEXT_HEADER[lang]
    messages: list[dict[str, str]] = []
    for shown in [*demonstrations, record]:
        text = header + shown["text"]
        content = f"{statement}\n{text}" if not messages else text
        messages.append({"role": "user", "content": content})
        messages.append({"role": "assistant",
                         "content": render_answer(task, fmt, _facts(shown, task), lang)})
    return messages


def ieinstruct_instructions(record: Mapping[str, Any], book: LabelBook, style: IEInstructStyle,
                            pool: DemonstrationPool,
                            guidelines: Mapping[str, str] | None) -> list[dict[str, Any]]:
    """One row per task and format; `guidelines` (label -> sentence, `guidelines` module) is used
    only when the style asks for it."""
    lang = "zh" if record["lang"].startswith("zh") else "en"
    rows = []
    for task, labels in (("RE", book.relation_labels()), ("NER", book.entity_labels())):
        if not labels:
            continue
        rng = rng_for(style.seed, record["record_id"], "ieinstruct", task, "shots")
        demonstrations = pool.draw(record, task, rng.choice(style.shots), style.seed)
        for chunk, fmt in enumerate(style.formats):
            statement = task_statement(task, fmt, labels, lang,
                                       guidelines if style.guidelines and task == "RE" else None)
            messages = conversation(statement, task, fmt, record, demonstrations, lang)
            rows.append(instruction_row(
                record, style="ieinstruct", task=task, chunk=chunk, fmt=fmt, nan=False,
                labels=labels, prompt=statement, instruction=messages[-2]["content"],
                output=messages[-1]["content"], messages=messages))
    return rows
