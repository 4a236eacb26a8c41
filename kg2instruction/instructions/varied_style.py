"""Varied instructions: a phrasing from the pool x an output format, per record and task.

The KG2Instruction paper's instruction variety: each record yields one relation instruction (all
the theme's relation labels, randomly ordered) and one NER instruction (the theme's entity types,
randomly ordered), phrased from a pool and answered in one of four output formats, with or
without NAN for absent labels. Phrasing, format, label order and the W/ NAN variant are drawn per
record from a generator seeded by (seed, record id, task), so the data is reproducible and every
phrasing meets every format across a dataset. The output lists facts label by label in the
instruction's order (the formats module's rule), which is what lets a model learn to walk the
schema it was given. These rows are published as the Alpaca files; the ``instructie/`` files
follow InstructIE's release format instead (`instructie_style`).
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from kg2instruction.instructions.formats import OutputFormat, render_entities, render_relations
from kg2instruction.instructions.instruction_table import instruction_row, rng_for
from kg2instruction.instructions.phrasings import (DEFAULT_PHRASINGS, TEXT_HEADER, PhrasingPools,
                                                   fill, format_hint)
from kg2instruction.instructions.records import LabelBook, record_entities, record_triples


@dataclass(frozen=True)
class VariedStyle:
    """What the varied generator may draw from."""

    formats: tuple[OutputFormat, ...] = tuple(OutputFormat)
    nan_rate: float = 0.5          # share of instructions in the W/ NAN variant
    phrasings: PhrasingPools = field(default=DEFAULT_PHRASINGS)
    seed: int = 13

    def __post_init__(self) -> None:
        if not self.formats:
            raise ValueError("at least one output format is needed")
        if not 0.0 <= self.nan_rate <= 1.0:
            raise ValueError(f"nan_rate must lie in [0, 1], got {self.nan_rate}")


def join_text(prompt: str, text: str, lang: str) -> str:
    """The instruction a model reads: the prompt, then the paragraph after its header."""
    return f"{prompt}\n{TEXT_HEADER['zh' if lang.startswith('zh') else 'en']}{text}"


def varied_instructions(record: Mapping[str, Any], book: LabelBook,
                        style: VariedStyle) -> list[dict[str, Any]]:
    """The relation and NER instructions of one record (a task the theme lacks is skipped)."""
    rows = []
    lang = record["lang"]
    for task, labels, facts in (("RE", book.relation_labels(), record_triples(record)),
                                ("NER", book.entity_labels(), record_entities(record))):
        if not labels:
            continue
        kind = "relation" if task == "RE" else "entity"
        # the purpose string predates the style's name; kept so the draws stay what they were
        rng = rng_for(style.seed, record["record_id"], "instructie", task)
        order = list(labels)
        rng.shuffle(order)
        phrasing = rng.choice(style.phrasings.pool(kind, lang))
        fmt = rng.choice(style.formats)
        nan = rng.random() < style.nan_rate
        prompt = fill(phrasing, order, format_hint(kind, fmt, lang, nan=nan))
        render = render_relations if task == "RE" else render_entities
        output = render(fmt, facts, order, lang, nan=nan)
        rows.append(instruction_row(
            record, style="varied", task=task, chunk=0, fmt=fmt.value, nan=nan,
            labels=order, prompt=prompt, instruction=join_text(prompt, record["text"], lang),
            output=output))
    return rows
