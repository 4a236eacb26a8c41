"""Phrasing pools: enough phrasings per language and task, and bad templates are caught early."""
from __future__ import annotations

import re

import pytest

from kg2instruction.errors import ConfigError
from kg2instruction.instructions.formats import OutputFormat
from kg2instruction.instructions.phrasings import (DEFAULT_PHRASINGS, fill, format_hint,
                                                   load_phrasings, template_problem)

CJK = re.compile(r"[\u4e00-\u9fff]")
ASCII_WORD = re.compile(r"\b[a-zA-Z]{4,}\b")


@pytest.mark.parametrize("task", ["relation", "entity"])
@pytest.mark.parametrize("lang", ["en", "zh"])
def test_at_least_four_phrasings_and_sixteen_combinations(task, lang):
    pool = DEFAULT_PHRASINGS.pool(task, lang)
    assert len(pool) >= 4
    prompts = {fill(p, ["a", "b"], format_hint(task, fmt, lang, nan=nan))
               for p in pool for fmt in OutputFormat for nan in (False, True)}
    assert len(prompts) >= 16 * 2


@pytest.mark.parametrize("task", ["relation", "entity"])
def test_chinese_phrasings_and_hints_are_chinese(task):
    for template in DEFAULT_PHRASINGS.pool(task, "zh"):
        for fmt in OutputFormat:
            prompt = fill(template, ["出生地点"], format_hint(task, fmt, "zh", nan=True))
            assert CJK.search(prompt)
            # only the JSON keys and the NAN marker may be Latin script
            assert set(ASCII_WORD.findall(prompt)) <= {"JSON", "subject", "object"}, prompt


def test_labels_are_listed_unambiguously_even_with_commas():
    prompt = fill("{labels} {format}", ["born in, on", "spouse"], "x")
    assert '["born in, on", "spouse"]' in prompt


@pytest.mark.parametrize("template, problem", [
    ("Extract {labels} from {text}. {format}", "unknown placeholder {text}"),
    ("Extract {relations}. {format}", "unknown placeholder {relations}"),
    ("Extract everything. {format}", "lacks {labels}"),
    ("Extract {labels}.", "lacks {format}"),
    ("Extract {labels} {format} {", "malformed"),
])
def test_template_problems_are_named(template, problem):
    assert problem in template_problem(template)


def test_literal_braces_are_allowed():
    assert template_problem('Answer like {{"a": 1}} for {labels}. {format}') is None


def test_a_phrasing_file_with_an_unknown_placeholder_names_file_line_and_key(tmp_path):
    path = tmp_path / "phrasings.yaml"
    path.write_text(
        "relation:\n"
        "  en:\n"
        "    - 'List the {labels} facts. {format}'\n"
        "    - 'List the {labels} facts of {subject}. {format}'\n"
        "  zh: ['列出{labels}。{format}']\n"
        "entity:\n"
        "  en: ['Find {labels}. {format}']\n"
        "  zh: ['找出{labels}。{format}']\n", encoding="utf-8")
    with pytest.raises(ConfigError) as err:
        load_phrasings(path)
    message = str(err.value)
    assert str(path) in message and "line 4" in message and "relation.en.1" in message
    assert "{subject}" in message


def test_a_valid_phrasing_file_loads(tmp_path):
    path = tmp_path / "phrasings.yaml"
    path.write_text("relation: {en: ['R {labels} {format}'], zh: ['关系{labels}{format}']}\n"
                    "entity: {en: ['E {labels} {format}'], zh: ['实体{labels}{format}']}\n",
                    encoding="utf-8")
    pools = load_phrasings(path)
    assert pools.pool("entity", "zh") == ["实体{labels}{format}"]
