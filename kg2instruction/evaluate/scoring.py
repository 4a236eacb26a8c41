"""Scoring records and summing them per theme.

A record is scored once, whatever number of chunks (lines with its id) it was cut into, as
IEPile's evaluator merges predictions by id: the predicted facts of all its lines are concatenated
and matched against the record's gold facts (its label, or its chunks' outputs together; see
`records`). Each output is read by the field's rule (`strict`, the default) or tolerantly
(`parse`, ``--lenient``); an output that cannot be read predicts nothing and is a parse failure.
ROUGE-2 is per record: the mean over its lines of ROUGE-2(predicted output, gold output), on the
raw strings (prose and fences the model added count against it, as in the paper); the theme and
overall figures are the macro average over records. A missing prediction (allowed with
`missing_as_empty`) is the empty string for ROUGE-2, no facts, and not a parse failure.
"""
from __future__ import annotations

from collections import Counter
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass, field
from enum import Enum
from typing import Any

from kg2instruction.evaluate.error_types import WRONG, ErrorType, classify_predictions
from kg2instruction.evaluate.metrics import (
    MatchCounts,
    MatchMode,
    combined_score,
    count_matches,
    percent,
    precision_recall_f1,
)
from kg2instruction.evaluate.parse import parse_entity_output, parse_relation_output
from kg2instruction.evaluate.records import GoldInstruction, Task
from kg2instruction.evaluate.rouge import rouge2
from kg2instruction.evaluate.strict import strict_entities, strict_relations
from kg2instruction.instructions.formats import (
    EntityParseResult,
    OutputFormat,
    ParseResult,
    render_entities,
    render_relations,
)


class Parsing(str, Enum):
    STRICT = "strict"     # the field's rule: the whole output, in the format asked
    LENIENT = "lenient"   # our tolerant repair; reported beside the strict figures only


@dataclass
class RecordScore:
    """What one record contributes to its theme's figures."""

    record_id: str
    theme: str
    task: Task
    instructions: int
    missing: int
    parse_failures: int
    counts: MatchCounts
    rouge2: float
    error_types: Counter[ErrorType]


def score_records(pairs: Sequence[tuple[GoldInstruction, str | None]], mode: MatchMode,
                  parsing: Parsing = Parsing.STRICT) -> list[RecordScore]:
    """One score per record, records in order of first appearance."""
    by_record: dict[str, list[tuple[GoldInstruction, str | None]]] = {}
    for gold, output in pairs:
        by_record.setdefault(gold.record_id, []).append((gold, output))
    inventory = label_inventory(gold for gold, _ in pairs)
    return [score_record(items, mode, inventory, parsing) for items in by_record.values()]


def label_inventory(gold: Iterable[GoldInstruction]) -> frozenset[str]:
    """Every relation label (entity type) the gold file knows: lets the parser split a bare-comma
    name at a label when an instruction carries no schema. Labels only, no record's answers."""
    labels: set[str] = set()
    for item in gold:
        labels.update(item.labels)
        labels.update(f[-1] if item.task is Task.ENTITY else f.relation for f in item.facts)
    return frozenset(labels)


def score_record(items: Sequence[tuple[GoldInstruction, str | None]], mode: MatchMode,
                 inventory: Collection[str] = (),
                 parsing: Parsing = Parsing.STRICT) -> RecordScore:
    """Score the lines of one record (each with its raw prediction, None when missing).

    `inventory` helps the lenient parser when an instruction lists no candidate labels."""
    first = items[0][0]
    gold_facts: list = list(first.facts) if first.record_level else []
    predicted: list = []
    rouge_values = []
    failures = missing = 0
    for gold, output in items:
        if not first.record_level:
            gold_facts.extend(gold.facts)
        if output is None:
            missing += 1
            rouge_values.append(rouge2("", _gold_string(gold, None), gold.lang))
            continue
        parsed = _parse(gold, output, parsing, gold.labels or inventory)
        if not parsed.ok:
            failures += 1
        predicted.extend(parsed.entities if gold.task is Task.ENTITY else parsed.triples)
        rouge_values.append(rouge2(output, _gold_string(gold, parsed.format), gold.lang))
    errors: Counter[ErrorType] = Counter()
    if first.task is Task.RELATION:
        errors.update(classify_predictions(gold_facts, predicted, mode))
    return RecordScore(first.record_id, first.theme, first.task, len(items), missing, failures,
                       count_matches(gold_facts, predicted, mode),
                       sum(rouge_values) / len(rouge_values), errors)


def _parse(gold: GoldInstruction, output: str, parsing: Parsing, labels: Collection[str]
           ) -> ParseResult | EntityParseResult:
    if Parsing(parsing) is Parsing.STRICT:
        if gold.task is Task.ENTITY:
            return strict_entities(output, gold.answer_format)
        return strict_relations(output, gold.answer_format)
    if gold.task is Task.ENTITY:
        return parse_entity_output(output, labels)
    return parse_relation_output(output, labels)


def _gold_string(gold: GoldInstruction, predicted_format: str | None) -> str:
    """The gold output; for lines without one, the gold facts of the line's schema chunk (all of
    the record's when the instruction lists no schema) in the prediction's format."""
    if gold.output is not None:
        return gold.output
    fmt = predicted_format if predicted_format in {f.value for f in OutputFormat} else "json"
    label_of = (lambda f: f[-1]) if gold.task is Task.ENTITY else (lambda f: f.relation)
    facts = list(gold.facts)
    order = None
    if gold.labels:
        order = list(gold.labels)
        facts = [f for f in facts if label_of(f) in set(order)]
    if gold.task is Task.ENTITY:
        return render_entities(fmt, facts, order, gold.lang)
    return render_relations(fmt, facts, order, gold.lang)


@dataclass
class GroupTotals:
    """Sums over the records of one theme (or of all themes) of one task."""

    records: int = 0
    instructions: int = 0
    missing: int = 0
    parse_failures: int = 0
    records_with_parse_failures: int = 0
    counts: MatchCounts = field(default_factory=MatchCounts)
    rouge2_sum: float = 0.0
    error_types: Counter[ErrorType] = field(default_factory=Counter)

    def add(self, score: RecordScore) -> None:
        self.records += 1
        self.instructions += score.instructions
        self.missing += score.missing
        self.parse_failures += score.parse_failures
        self.records_with_parse_failures += score.parse_failures > 0
        self.counts += score.counts
        self.rouge2_sum += score.rouge2
        self.error_types.update(score.error_types)

    def summary(self, mode: MatchMode, task: Task,
                parsing: Parsing = Parsing.STRICT) -> dict[str, Any]:
        """The figures of this group; every number is in percent and tagged with `mode` and
        `parsing`."""
        prf = precision_recall_f1(self.counts)
        rouge2_percent = round(self.rouge2_sum / self.records * 100, 2) if self.records else 0.0
        answered = self.instructions - self.missing
        out: dict[str, Any] = {
            "match_mode": MatchMode(mode).value,
            "parsing": Parsing(parsing).value,
            "records": self.records,
            "instructions": self.instructions,
            "missing_predictions": self.missing,
            "parse_failures": self.parse_failures,
            "parse_failure_rate": percent(self.parse_failures, answered),
            "records_with_parse_failures": self.records_with_parse_failures,
            "gold": self.counts.gold,
            "predicted": self.counts.predicted,
            "correct": self.counts.correct,
            "precision": prf.precision,
            "recall": prf.recall,
            "f1": prf.f1,
            "rouge2": rouge2_percent,
            "score": combined_score(prf.f1, rouge2_percent),
        }
        if task is Task.RELATION:
            out["error_types"] = self._error_summary()
        return out

    def _error_summary(self) -> dict[str, dict[str, float]]:
        total = sum(self.error_types.values())
        wrong = sum(self.error_types[t] for t in WRONG)
        return {
            "counts": {t.value: self.error_types[t] for t in ErrorType},
            "percent_of_predictions": {t.value: percent(self.error_types[t], total)
                                       for t in ErrorType},
            "percent_of_errors": {t.value: percent(self.error_types[t], wrong) for t in WRONG},
        }
