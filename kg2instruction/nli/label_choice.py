"""One published triple per labelled fact of a paragraph: the reading the verifier found stated.

A theme label often gathers several Wikidata properties ("member of" is P463, P108, P69, P102
and more), and a KG may hold several of them between the same two entities: a professor who
studied and taught at one university has both P69 and P108 to it. Each candidate is scored on
its own property's sense ("[X] was educated at [Y]", "[X] works for [Y]"), so choosing among
them before the verifier (the lowest P-id, as the schema step once did) makes the verifier
judge "works for" against "he took his PhD at Columbia" and throw the fact away, or keep the
wrong sense. Likewise a fact whose entities share several sentences is a candidate in each
(annotate/match.py), and only some of them state it. The choice is made here, on the scores:
among the readings of one labelled fact of a paragraph (its two entities, or values, and its
label) that reach their threshold, the best-scored one is published; when none does, the
best-scored one is the rejected row (so the rejected side, which audits sample, holds each
labelled fact once too); the others are counted, not kept.
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

LabelKey = tuple[Any, ...]


def _end(row: Mapping[str, Any], end: str) -> tuple[str, Any]:
    """An end as the fact knows it: its entity, else its value, else its written name. A tail
    naming the head's own entity (an alternative name) is its name: each name is a fact."""
    if end == "tail" and row["tail_qid"] is not None and row["tail_qid"] == row["head_qid"]:
        return "name", row["tail"]
    if row[f"{end}_qid"] is not None:
        return "qid", row[f"{end}_qid"]
    if end == "tail" and row["tail_value"] is not None:
        return "value", row["tail_value"]
    return "name", row[end]


def label_key(row: Mapping[str, Any]) -> LabelKey:
    """What a published triple states: its paragraph, its two ends and its label; neither the
    P-id behind the label nor the mentions (and sentence) it was read from are part of it."""
    return (row["paragraph_id"], _end(row, "head"), row["relation"], _end(row, "tail"))


def choose_readings(rows: Sequence[Mapping[str, Any]], keep: Sequence[bool]
                    ) -> tuple[list[int], list[int], int]:
    """(indices to publish, indices to reject, readings set aside) for scored rows and their
    threshold verdicts. Ties go to the lower P-id, then the triple id, so the choice is stable."""
    groups: dict[LabelKey, list[int]] = {}
    for index, row in enumerate(rows):
        groups.setdefault(label_key(row), []).append(index)
    published: list[int] = []
    rejected: list[int] = []
    for members in groups.values():
        passing = [i for i in members if keep[i]]
        pool = passing or members
        best = min(pool, key=lambda i: (-float(rows[i]["nli_score"]), rows[i]["pid"] or "",
                                        rows[i]["triple_id"]))
        (published if passing else rejected).append(best)
    set_aside = len(rows) - len(published) - len(rejected)
    return sorted(published), sorted(rejected), set_aside
