"""Build PARAGRAPHS rows from one text, its spans and the chunks kept of it.

Shared by the dump reader and the JSONL corpus reader so that both shift span offsets into each
chunk, keep only spans wholly inside it, and lay out the row columns in exactly one way.
"""
from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from kg2instruction.sources.offset_text import Span


@dataclass(frozen=True)
class ResolvedLink:
    start: int
    end: int
    target: str
    resolved: str


def chunk_rows(text: str, links: Sequence[ResolvedLink], subject_spans: Sequence[Span],
               chunks: Sequence[Span], *, first_index: int, paragraph_id: Callable[[int, int], str],
               page_columns: Mapping[str, Any]) -> list[dict[str, Any]]:
    """One row per chunk. `paragraph_id(index, chunk_number)` names the row; `page_columns` gives
    page_id, rev_id, lang, title, page_qid, section and source."""
    rows = []
    for number, (start, end) in enumerate(chunks):
        index = first_index + number
        rows.append({
            "paragraph_id": paragraph_id(index, number),
            **page_columns,
            "index": index,
            "text": text[start:end],
            "links": [{"start": l.start - start, "end": l.end - start, "anchor": text[l.start:l.end],
                       "target": l.target, "resolved": l.resolved}
                      for l in links if start <= l.start and l.end <= end],
            "subject_spans": [{"start": s - start, "end": e - start} for s, e in subject_spans
                              if start <= s and e <= end],
        })
    return rows
