"""The one small interface every NER model implements.

Mention identification needs only character spans with a label, per text, in batches; keeping the
interface that narrow is what lets a user swap spaCy or LAC for any other model (a transformer, a
gazetteer) without touching the annotators.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol, runtime_checkable


@dataclass(frozen=True, order=True)
class NerSpan:
    """A labelled span of one text; `start`/`end` are Python str offsets into that text."""

    start: int
    end: int
    label: str


@runtime_checkable
class NerModel(Protocol):
    """A named-entity tagger for one language.

    `tag` receives a whole batch so implementations can use their own batching (spaCy's
    `nlp.pipe`); it must return one list per input text, in input order, spans sorted by start.
    Labels are the model's own (spaCy's OntoNotes labels, LAC's PER/LOC/ORG/TIME...): which of them
    become entity mentions, value mentions or nothing is decided by configuration, not here.
    """

    name: str

    def tag(self, texts: Sequence[str]) -> list[list[NerSpan]]:
        """Entity spans per text."""
        ...
