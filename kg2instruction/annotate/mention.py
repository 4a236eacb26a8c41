"""A mention in a paragraph, as identified before disambiguation, and its Arrow row form.

One small frozen record shared by every finder (links, subject, repeats, neighbours, NER) so that
overlap resolution and the MENTIONS table treat them alike.
"""
from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Literal

import pyarrow as pa

from kg2instruction.schemas import MENTIONS

MentionSource = Literal["link", "subject", "repeat", "neighbour", "nationality", "ner", "time",
                        "quantity"]
VALUE_SOURCES: frozenset[str] = frozenset({"time", "quantity"})


@dataclass(frozen=True)
class Mention:
    start: int
    end: int
    surface: str
    source: MentionSource
    ner_label: str | None = None
    link_target: str | None = None   # resolved link title this mention stands for (links, repeats, subject)
    qid: str | None = None           # set only when the source makes the entity certain
    value: str | None = None         # normalised ISO date / decimal amount for value mentions

    @property
    def length(self) -> int:
        return self.end - self.start


def mention_id(paragraph_id: str, start: int, end: int) -> str:
    return f"{paragraph_id}:{start}-{end}"


def mentions_table(rows: Iterable[tuple[str, Sequence[Mention]]]) -> pa.Table:
    """Build a MENTIONS table from (paragraph_id, mentions sorted by offset) pairs."""
    columns: dict[str, list] = {field.name: [] for field in MENTIONS}
    for paragraph_id, mentions in rows:
        for m in mentions:
            columns["mention_id"].append(mention_id(paragraph_id, m.start, m.end))
            columns["paragraph_id"].append(paragraph_id)
            columns["start"].append(m.start)
            columns["end"].append(m.end)
            columns["surface"].append(m.surface)
            columns["source"].append(m.source)
            columns["ner_label"].append(m.ner_label)
            columns["link_target"].append(m.link_target)
            columns["qid"].append(m.qid)
            columns["value"].append(m.value)
    return pa.table(columns, schema=MENTIONS)
