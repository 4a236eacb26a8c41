"""Hypothesis templates per Wikidata property, for building relation-verification pairs.

Training pairs are rendered with the hypotheses the pipeline stage scores. The default bank,
`bank_from_senses`, holds each P-id's one relation sense (themes/relation_senses.yaml), exactly
what `score_nli` fills for a triple of that P-id. The older bank, kept for comparison, gives a
P-id every template of every theme label it feeds (reversed P-ids with [X] and [Y] swapped, since
a reversed claim (s, P, o) is read o --label--> s) plus the X-FACTR/mLAMA relation prompts; it
teaches the verifier to accept a label's other properties (a burial place as a death place).
Templates are always in the claim's own orientation: [X] = subject, [Y] = object.
"""
from __future__ import annotations

import csv
from collections import defaultdict
from collections.abc import Iterable, Mapping
from pathlib import Path

from kg2instruction.config.senses import Senses
from kg2instruction.config.theme import Theme
from kg2instruction.errors import InputError
from kg2instruction.sources.compressed import open_text

TemplateBank = Mapping[str, Mapping[str, list[str]]]   # pid -> lang -> templates


def swap_placeholders(template: str) -> str:
    return template.replace("[X]", "\0").replace("[Y]", "[X]").replace("\0", "[Y]")


def _add(bank: dict[str, dict[str, list[str]]], pid: str, lang: str, template: str) -> None:
    templates = bank[pid].setdefault(lang, [])
    if template and template not in templates:
        templates.append(template)


def bank_from_senses(senses: Senses, langs: Iterable[str] = ("en", "zh")
                     ) -> dict[str, dict[str, list[str]]]:
    """P-id -> language -> [its one sense template] (English for languages without their own,
    as in the stage)."""
    langs = tuple(langs)
    return {pid: {lang: [sense.in_lang(lang)] for lang in langs}
            for pid, sense in senses.by_pid.items()}


def bank_from_themes(themes: Iterable[Theme], langs: Iterable[str] = ("en", "zh")
                     ) -> dict[str, dict[str, list[str]]]:
    bank: dict[str, dict[str, list[str]]] = defaultdict(dict)
    for theme in themes:
        for rel in theme.relations:
            for lang in langs:
                for template in rel.templates.in_lang(lang):
                    for pid in rel.pids:
                        _add(bank, pid, lang, template)
                    for pid in rel.reversed_pids:
                        _add(bank, pid, lang, swap_placeholders(template))
    return bank


def add_prompt_csv(bank: dict[str, dict[str, list[str]]], path: str | Path,
                   langs: Iterable[str] = ("en", "zh")) -> None:
    """Add the prompts of a relation_prompts CSV (columns pid, relation, en, zh, ...).

    Prompts with inflection markup (`[X.Nom]`, `[DEF;X]`) are skipped: only [X]/[Y] are fillable."""
    with open_text(path) as handle:
        reader = csv.DictReader(handle)
        for number, row in enumerate(reader, start=2):
            pid = row.get("pid", "")
            if not pid.startswith("P"):
                raise InputError(str(path), f"column 'pid' holds {pid!r}, expected a P-id",
                                 line=number)
            for lang in langs:
                prompt = (row.get(lang) or "").strip()
                leftover = prompt.replace("[X]", "").replace("[Y]", "")
                if "[X]" in prompt and "[Y]" in prompt and "[" not in leftover:
                    _add(bank, pid, lang, prompt)


def build_template_bank(themes: Iterable[Theme], prompt_csv: str | Path | None,
                        langs: Iterable[str] = ("en", "zh")) -> dict[str, dict[str, list[str]]]:
    langs = tuple(langs)
    bank = bank_from_themes(themes, langs)
    if prompt_csv is not None:
        add_prompt_csv(bank, prompt_csv, langs)
    return dict(bank)
