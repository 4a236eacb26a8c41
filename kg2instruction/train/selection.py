"""Which training examples a recipe learns from.

`skip_empty_answers` exists for short CPU runs of small models: in IEPile-style data about half the
relation instructions answer nothing at all (every schema relation maps to an empty list, the
negatives that teach restraint). Trained for a few minutes, a 135M model learns that answer first,
because it is right so often, and then answers nothing to every instruction. Leaving the
all-empty instructions out keeps the restraint that matters (the relations of an answer the text
does not express are still empty lists) while every example shows a fact being extracted.
"""
from __future__ import annotations

import json
from collections.abc import Sequence

from kg2instruction.train.data import InstructionExample


def extracts_nothing(output: str | None) -> bool:
    """True for a JSON object answer whose every value is an empty list ({"a": [], "b": []});
    any other answer (text formats, facts present, not JSON) counts as extracting something."""
    if not output:
        return False
    try:
        answer = json.loads(output)
    except ValueError:
        return False
    return isinstance(answer, dict) and bool(answer) \
        and all(isinstance(value, list) and not value for value in answer.values())


def select_examples(examples: Sequence[InstructionExample], *, skip_empty_answers: bool
                    ) -> tuple[list[InstructionExample], int]:
    """The examples to train on, and how many were left out."""
    if not skip_empty_answers:
        return list(examples), 0
    kept = [example for example in examples if not extracts_nothing(example.output)]
    return kept, len(examples) - len(kept)
