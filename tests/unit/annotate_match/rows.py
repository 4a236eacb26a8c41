"""Builders of PARAGRAPHS / LINKED_MENTIONS rows for the matching and schema tests."""
from __future__ import annotations

from typing import Any


def paragraph(pid: str, text: str, lang: str = "en", title: str = "", page_qid: str | None = None,
              page_id: str | None = None) -> dict[str, Any]:
    return {"paragraph_id": pid, "page_id": page_id or pid.rsplit(":", 1)[0], "rev_id": None,
            "lang": lang, "title": title, "page_qid": page_qid, "section": "", "index": 0,
            "text": text, "links": [], "subject_spans": [], "source": "test"}


def mention(pid: str, text: str, surface: str, qid: str | None, source: str = "link",
            types: list[str] | None = None, occurrence: int = 0,
            score: float | None = 1.0) -> dict[str, Any]:
    """A LINKED_MENTIONS row for the `occurrence`-th appearance of `surface` in `text`."""
    start = -1
    for _ in range(occurrence + 1):
        start = text.index(surface, start + 1)
    end = start + len(surface)
    assert text[start:end] == surface
    return {"mention_id": f"{pid}:{start}-{end}", "paragraph_id": pid, "start": start,
            "end": end, "surface": surface, "source": source, "ner_label": None,
            "link_target": None, "qid": qid, "value": None, "linked_by": "test",
            "score": score, "runner_up_qid": None, "runner_up_score": None,
            "n_candidates": 1, "types": types}
