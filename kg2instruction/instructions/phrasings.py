"""Instruction phrasings: the pools InstructIE-style instructions are drawn from (English, Chinese).

A model trained on one fixed instruction learns that sentence, not the task; the paper therefore
draws each instruction from a pool of phrasings and crosses it with the output formats. A phrasing
is a template with exactly two placeholders:

- ``{labels}``: the candidate labels (relations or entity types), in the instruction's random order;
- ``{format}``: the description of the output format (and of the NAN convention, when used), taken
  from `FORMAT_HINTS`, so every phrasing combines with every format (4 phrasings x 4 formats = 16
  instructions per language and task at least).

The paragraph is never inside the phrasing: it is appended after `TEXT_HEADER` for the InstructIE
style and kept apart as Alpaca's ``input``. Literal braces are written ``{{`` and ``}}``. An analyst
may replace the pools with a YAML file (same shape as `PhrasingPools`); a template with an unknown
or missing placeholder is a `ConfigError` naming the file, line and key, raised before any work.
"""
from __future__ import annotations

import json
import string
from collections.abc import Sequence
from pathlib import Path
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, field_validator

from kg2instruction.config.yaml_loader import load_yaml, validate
from kg2instruction.errors import ConfigError
from kg2instruction.instructions.formats import OutputFormat

Task = Literal["relation", "entity"]
PLACEHOLDERS = ("labels", "format")
TEXT_HEADER = {"en": "Text: ", "zh": "文本："}


def template_problem(template: str) -> str | None:
    """Why `template` is not a usable phrasing, or None when it is."""
    try:
        fields = [name for _, name, _, _ in string.Formatter().parse(template) if name is not None]
    except ValueError as exc:
        return f"template {template!r} is malformed ({exc}); write literal braces as {{{{ }}}}"
    unknown = sorted({f for f in fields if f not in PLACEHOLDERS})
    if unknown:
        shown = ", ".join("{" + f + "}" for f in unknown)
        return (f"template {template!r} uses unknown placeholder {shown}; only {{labels}} and "
                f"{{format}} exist")
    missing = [p for p in PLACEHOLDERS if p not in fields]
    if missing:
        return f"template {template!r} lacks " + " and ".join("{" + p + "}" for p in missing)
    return None


def _valid_template(template: str) -> str:
    problem = template_problem(template)
    if problem:
        raise ValueError(problem)
    return template


# Validated one by one, so an error's key path names the template's index (and so its line).
Template = Annotated[str, AfterValidator(_valid_template)]


class LangPool(BaseModel):
    """Phrasings of one task in each language the project generates."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    en: list[Template] = Field(min_length=1)
    zh: list[Template] = Field(min_length=1)

    @field_validator("en", "zh")
    @classmethod
    def _distinct(cls, templates: list[str]) -> list[str]:
        if len(set(templates)) != len(templates):
            raise ValueError("the same phrasing is listed twice")
        return templates

    def in_lang(self, lang: str) -> list[str]:
        return list(self.zh if lang.startswith("zh") else self.en)


class PhrasingPools(BaseModel):
    """The instruction pools: one per task (relation extraction, NER)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    relation: LangPool
    entity: LangPool

    def pool(self, task: Task, lang: str) -> list[str]:
        return getattr(self, task).in_lang(lang)


DEFAULT_PHRASINGS = PhrasingPools(
    relation=LangPool(
        en=[
            "Extract every relation triple from the text below whose relation is one of "
            "{labels}. {format}",
            "You are building a knowledge graph. Read the text and list the facts it states for "
            "these relations: {labels}. {format}",
            "Identify the subject-object pairs in the following passage that are linked by any of "
            "the relations {labels}. {format}",
            "Given the candidate relations {labels}, find all triples the passage below supports, "
            "naming each entity exactly as the text does. {format}",
            "Which facts of the types {labels} does this paragraph express? {format}",
        ],
        zh=[
            "请从下面的文本中抽取关系属于{labels}的所有三元组。{format}",
            "你正在构建知识图谱。阅读文本，列出其中陈述的、属于以下关系的事实：{labels}。{format}",
            "找出下文中由{labels}中任一关系相连的主体和客体。{format}",
            "给定候选关系{labels}，找出下面这段文字支持的全部三元组，实体名称须与原文一致。{format}",
            "这段文字表达了哪些属于{labels}的事实？{format}",
        ]),
    entity=LangPool(
        en=[
            "Find the entities in the text below whose type is one of {labels}. {format}",
            "Tag the named entities of these types in the passage: {labels}. {format}",
            "List every mention in the following text that belongs to one of the entity types "
            "{labels}. {format}",
            "Given the entity types {labels}, extract the matching entities from the text exactly "
            "as written. {format}",
        ],
        zh=[
            "请找出下面文本中类型属于{labels}的实体。{format}",
            "标注这段文字中以下类型的命名实体：{labels}。{format}",
            "列出下文中属于实体类型{labels}之一的所有提及。{format}",
            "给定实体类型{labels}，按原文写法抽取文本中对应的实体。{format}",
        ]),
)

# How each output format is described to the model; keyed by (task, format, lang). The NAN
# sentence is appended when the instruction uses the W/ NAN variant.
FORMAT_HINTS: dict[tuple[Task, OutputFormat, str], str] = {
    ("relation", OutputFormat.JSON, "en"):
        'Answer with a JSON object that maps each listed relation to a list of '
        '{"subject": ..., "object": ...} pairs.',
    ("relation", OutputFormat.TUPLE, "en"):
        "Write one triple per line as (subject, relation, object).",
    ("relation", OutputFormat.NATURAL, "en"):
        "Write one fact per line as: subject is S, relation is R, object is O.",
    ("relation", OutputFormat.COLON, "en"):
        "Write one fact per line as: relation: subject, object.",
    ("relation", OutputFormat.JSON, "zh"):
        '请用JSON对象回答，每个列出的关系对应一个由{"subject": …, "object": …}组成的列表。',
    ("relation", OutputFormat.TUPLE, "zh"): "每行写一个三元组，格式为(主体, 关系, 客体)。",
    ("relation", OutputFormat.NATURAL, "zh"): "每行写一个事实，格式为：主体是S，关系是R，客体是O。",
    ("relation", OutputFormat.COLON, "zh"): "每行写一个事实，格式为：关系：主体，客体。",
    ("entity", OutputFormat.JSON, "en"):
        "Answer with a JSON object that maps each listed type to a list of entity names.",
    ("entity", OutputFormat.TUPLE, "en"): "Write one entity per line as (entity, type).",
    ("entity", OutputFormat.NATURAL, "en"):
        "Write one entity per line as: entity is E, type is T.",
    ("entity", OutputFormat.COLON, "en"): "Write one entity per line as: type: entity.",
    ("entity", OutputFormat.JSON, "zh"): "请用JSON对象回答，每个列出的类型对应一个实体名称列表。",
    ("entity", OutputFormat.TUPLE, "zh"): "每行写一个实体，格式为(实体, 类型)。",
    ("entity", OutputFormat.NATURAL, "zh"): "每行写一个实体，格式为：实体是E，类型是T。",
    ("entity", OutputFormat.COLON, "zh"): "每行写一个实体，格式为：类型：实体。",
}
NAN_HINTS: dict[tuple[Task, str], tuple[str, str]] = {
    # (with NAN, without NAN)
    ("relation", "en"): ("For a listed relation the text does not express, write NAN in place of "
                         "subject and object.",
                         "Leave out relations the text does not express; if it expresses none, "
                         "answer NAN."),
    ("relation", "zh"): ("对于文本未表达的候选关系，用NAN代替主体和客体。",
                         "文本未表达的关系不要输出；若一个都没有，回答NAN。"),
    ("entity", "en"): ("For a listed type with no entity in the text, write NAN as the entity.",
                       "Leave out types with no entity in the text; if there is none, answer NAN."),
    ("entity", "zh"): ("对于文本中没有实体的候选类型，用NAN代替实体。",
                       "文本中没有实体的类型不要输出；若一个都没有，回答NAN。"),
}


def format_hint(task: Task, fmt: OutputFormat, lang: str, *, nan: bool) -> str:
    """The `{format}` text: how to write the answer and how to mark absent labels."""
    key_lang = "zh" if lang.startswith("zh") else "en"
    with_nan, without_nan = NAN_HINTS[(task, key_lang)]
    if fmt is OutputFormat.JSON and not nan:   # JSON lists an absent label with [] instead
        without_nan = ("List a relation the text does not express with an empty list."
                       if task == "relation" else "List a type with no entity with an empty list.")
        if key_lang == "zh":
            without_nan = "文本未表达的关系对应空列表。" if task == "relation" else "没有实体的类型对应空列表。"
    joiner = " " if key_lang == "en" else ""
    return FORMAT_HINTS[(task, fmt, key_lang)] + joiner + (with_nan if nan else without_nan)


def labels_text(labels: Sequence[str]) -> str:
    """Candidate labels as a JSON list: unambiguous even when a label holds a comma."""
    return json.dumps(list(labels), ensure_ascii=False)


def fill(template: str, labels: Sequence[str], hint: str) -> str:
    """A phrasing with its placeholders filled."""
    return template.format(labels=labels_text(labels), format=hint)


def load_phrasings(path: str | Path) -> PhrasingPools:
    """An analyst's phrasing pools from YAML; errors name the file, line and key."""
    doc = load_yaml(path)
    if doc.data is None:
        raise ConfigError("empty phrasing file", path=doc.path)
    return validate(PhrasingPools, doc)
