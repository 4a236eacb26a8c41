"""Zero-shot and k-shot prompts for prediction.

k-shot prompts prepend k solved examples *of the same theme* from the dev split (the paper used
k=5), each written with the same template the query uses, so the model sees the expected answer
format before the question. The choice is a seeded sample from the id-sorted dev examples of a
theme: the same dev file and seed always give the same prompts, whatever the file order. A theme
with fewer than k dev examples is topped up from the other themes (again seeded), so every query
gets k demonstrations.
"""
from __future__ import annotations

import random
from collections import defaultdict
from collections.abc import Sequence

from kg2instruction.train.data import InstructionExample, theme_key
from kg2instruction.train.template import PromptTemplate

SHOT_SEPARATOR = "\n\n"


class ShotPool:
    """Demonstrations per theme, drawn once from the dev split."""

    def __init__(self, dev: Sequence[InstructionExample], k: int, seed: int) -> None:
        if k < 0:
            raise ValueError(f"k must be >= 0, got {k}")
        self.k = k
        usable = sorted((e for e in dev if e.output is not None), key=lambda e: e.id)
        by_theme: dict[str, list[InstructionExample]] = defaultdict(list)
        for example in usable:
            by_theme[theme_key(example.theme or "")].append(example)
        self._usable = usable
        self._seed = seed
        self._by_theme = {theme: self._draw(examples, theme)
                          for theme, examples in by_theme.items()}

    def _draw(self, examples: list[InstructionExample], theme: str) -> list[InstructionExample]:
        rng = random.Random(f"{self._seed}:{theme}")
        chosen = rng.sample(examples, min(self.k, len(examples)))
        if len(chosen) < self.k:
            others = [e for e in self._usable if e not in chosen]
            chosen += rng.sample(others, min(self.k - len(chosen), len(others)))
        return chosen

    def shots_for(self, example: InstructionExample) -> list[InstructionExample]:
        """The k demonstrations for a query (never the query itself)."""
        if self.k == 0:
            return []
        theme = theme_key(example.theme or "")
        if theme not in self._by_theme:
            self._by_theme[theme] = self._draw([], theme)
        return [e for e in self._by_theme[theme] if e.id != example.id]


def build_prompt(template: PromptTemplate, example: InstructionExample,
                 shots: Sequence[InstructionExample] = ()) -> str:
    """Demonstrations (prompt + answer each), then the query prompt the model must complete."""
    parts = [template.render(s.instruction, s.input) + (s.output or "") for s in shots]
    parts.append(template.render(example.instruction, example.input))
    return SHOT_SEPARATOR.join(parts)
