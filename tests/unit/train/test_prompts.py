"""k-shot prompts: k demonstrations of the query's theme, chosen deterministically by seed."""
from __future__ import annotations

from kg2instruction.evaluate.prompts import ShotPool, build_prompt
from kg2instruction.train.data import InstructionExample
from kg2instruction.train.template import ALPACA


def _example(rid: str, theme: str, output: str | None = "out") -> InstructionExample:
    return InstructionExample(rid, f"instruction {rid}", "", output, theme, "en", "RE", rid)


DEV = [_example(f"p{i}", "person") for i in range(8)] + [_example("e0", "event"),
                                                         _example("e1", "Event")]


def test_shots_come_from_the_query_theme_and_are_seeded():
    pool = ShotPool(list(reversed(DEV)), k=3, seed=5)
    shots = pool.shots_for(_example("q", "Person"))
    assert len(shots) == 3 and {s.theme for s in shots} == {"person"}
    again = ShotPool(DEV, k=3, seed=5).shots_for(_example("q", "person"))
    assert [s.id for s in shots] == [s.id for s in again]  # file order does not matter
    seeds = {tuple(s.id for s in ShotPool(DEV, 3, seed).shots_for(_example("q", "person")))
             for seed in range(10)}
    assert len(seeds) > 1


def test_small_themes_are_topped_up_and_unknown_themes_get_shots():
    pool = ShotPool(DEV, k=3, seed=1)
    event = pool.shots_for(_example("q", "event"))
    assert len(event) == 3 and {"e0", "e1"} <= {s.id for s in event}
    assert len(pool.shots_for(_example("q", "medicine"))) == 3


def test_zero_shot_and_k_shot_prompts():
    query = _example("q", "person", None)
    assert build_prompt(ALPACA, query) == ALPACA.render("instruction q")
    shots = ShotPool(DEV, k=2, seed=0).shots_for(query)
    prompt = build_prompt(ALPACA, query, shots)
    assert prompt.endswith(ALPACA.render("instruction q"))
    assert prompt.count("### Response:\nout") == 2
    for shot in shots:
        assert f"instruction {shot.id}" in prompt
