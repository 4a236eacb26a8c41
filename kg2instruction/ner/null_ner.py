"""A tagger that finds nothing: the explicit opt-out for languages without a NER model.

Choosing it by name keeps "no NER for this language" a visible configuration decision instead of
a silent fallback when a model is missing.
"""
from __future__ import annotations

from collections.abc import Sequence

from kg2instruction.ner.base import NerSpan


class NullNer:
    """Returns no spans for every text."""

    name = "none"

    def tag(self, texts: Sequence[str]) -> list[list[NerSpan]]:
        return [[] for _ in texts]
