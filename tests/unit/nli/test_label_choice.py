"""One reading per labelled fact of a paragraph: the best-scored one that reaches its threshold
is published, the best-scored one is the rejected row when none does, the rest are set aside."""
from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pytest

from kg2instruction.config.theme import load_theme
from kg2instruction.nli.label_choice import choose_readings
from kg2instruction.stages.nli_filter import NliFilter, split_by_threshold
from kg2instruction.stages.nli_rejected import NliRejected
from tests.unit.nli.test_nli_stage import context, scored_by

REPO = Path(__file__).resolve().parents[3]


def reading(triple_id: str, pid: str | None, score: float, *, tail_qid: str | None = "Q49088",
            tail: str = "Columbia University", tail_value: str | None = None) -> dict:
    return {"triple_id": triple_id, "paragraph_id": "p", "head": "Shepherd", "head_qid": "Q1",
            "relation": "member of", "tail": tail, "tail_qid": tail_qid,
            "tail_value": tail_value, "nli_score": score, "pid": pid}


def test_the_best_passing_reading_is_published_even_with_a_lower_pid_failing() -> None:
    # "In 1896, Shepherd made his PhD at Columbia University": P108 (works for) fails, P69
    # (educated at) is stated; the lowest P-id alone would have published "works for"
    rows = [reading("a", "P108", 0.31), reading("b", "P69", 0.93)]
    assert choose_readings(rows, [False, True]) == ([1], [], 1)


def test_among_passing_readings_the_higher_score_wins_and_ties_take_the_lower_pid() -> None:
    rows = [reading("a", "P463", 0.7), reading("b", "P108", 0.9), reading("c", "P69", 0.9)]
    assert choose_readings(rows, [True, True, True]) == ([1], [], 2)


def test_a_pair_no_reading_of_which_passes_is_rejected_once() -> None:
    rows = [reading("a", "P108", 0.2), reading("b", "P69", 0.4)]
    assert choose_readings(rows, [False, False]) == ([], [1], 1)


def test_one_fact_read_in_two_sentences_is_published_once() -> None:
    # the same entities, other mentions ("Columbia" later on): one fact
    rows = [reading("a", "P108", 0.4, tail="Columbia"), reading("b", "P108", 0.8)]
    assert choose_readings(rows, [False, True]) == ([1], [], 1)


def test_other_entities_values_names_or_labels_are_other_facts() -> None:
    rows = [reading("a", "P108", 0.9), reading("b", "P108", 0.8, tail_qid="Q13371"),
            {**reading("c", "P108", 0.8), "relation": "employer"},
            reading("d", "P569", 0.9, tail_qid=None, tail="1871", tail_value="1871"),
            reading("e", "P569", 0.7, tail_qid=None, tail="June 1871", tail_value="1871-06"),
            {**reading("f", None, 0.9, tail_qid="Q1", tail="W. R. Shepherd"),
             "relation": "alternative name"},
            {**reading("g", None, 0.9, tail_qid="Q1", tail="Bill Shepherd"),
             "relation": "alternative name"}]
    assert choose_readings(rows, [True] * 7) == ([0, 1, 2, 3, 4, 5, 6], [], 0)


@pytest.fixture(scope="module")
def person():
    return load_theme("person", REPO / "themes")


def with_readings(scored: pa.Table, extra: list[tuple[str, str, float]]) -> pa.Table:
    """`scored` plus copies of rows (by triple id) read as another P-id with a given score."""
    rows = scored.to_pylist()
    by_id = {r["triple_id"]: r for r in rows}
    rows += [{**by_id[source], "triple_id": f"{source}:{pid}", "pid": pid, "nli_score": score}
             for source, pid, score in extra]
    return pa.Table.from_pylist(rows, schema=scored.schema)


def test_the_split_stages_publish_and_reject_one_reading_per_fact(tiny_nli, person) -> None:
    _, scored = scored_by(tiny_nli[2], person)
    stated, unstated = "en:1:0:t0", "en:1:0:t2"       # Calza born in Milan / in Rome
    table = with_readings(scored, [(stated, "P9", 1.0), (unstated, "P9", 0.0)])
    model = str(tiny_nli[2])
    kept = NliFilter(NliFilter.Config(model=model)).process({"score_nli": table}, context(person))
    dropped = NliRejected(NliRejected.Config(model=model)).process({"score_nli": table},
                                                                  context(person))
    kept_ids, dropped_ids = set(kept["triple_id"].to_pylist()), set(dropped["triple_id"].to_pylist())
    assert f"{stated}:P9" in kept_ids and stated not in kept_ids | dropped_ids
    assert unstated in dropped_ids and f"{unstated}:P9" not in kept_ids | dropped_ids
    assert split_by_threshold(table, person).set_aside == 2
    assert kept.num_rows + dropped.num_rows == scored.num_rows
