"""Preference pairs from scored samples: online/offline pairs, the margin, the 70/30 mix, and the
strict instance score the samples are ranked by; expected pairs worked out by hand."""
from __future__ import annotations

import json

import pytest

from kg2instruction.errors import InputError
from kg2instruction.evaluate.instance import instance_gold, instance_score
from kg2instruction.train.preference import (
    PairKind,
    PreferencePair,
    ScoredInstance,
    build_pairs,
    candidate_pairs,
    mix_pairs,
)

GOLD = '{"human": ["Ada", "Alan"], "time": []}'


def _instance(scores, rid="r1", chunk=0, samples=None) -> ScoredInstance:
    samples = samples or tuple(f"answer {i}" for i in range(len(scores)))
    return ScoredInstance(rid, chunk, "NER", "PROMPT", GOLD, tuple(samples), tuple(scores))


def test_online_pairs_best_with_worst_and_offline_pairs_gold_with_worst():
    pairs = candidate_pairs(_instance((18.18, 0.0, 40.0, 0.0)), margin=10)
    assert [(p.kind, p.chosen, p.rejected, p.chosen_score, p.rejected_score) for p in pairs] == [
        (PairKind.ONLINE, "answer 2", "answer 3", 40.0, 0.0),   # worst: the last of the zeros
        (PairKind.OFFLINE, GOLD, "answer 3", 100.0, 0.0)]


def test_margin_must_be_exceeded_and_perfect_worst_gives_no_offline_pair():
    assert [p.kind for p in candidate_pairs(_instance((10.0, 0.0)), margin=10)] == \
        [PairKind.OFFLINE]                                       # 10 - 0 is not more than 10
    assert [p.kind for p in candidate_pairs(_instance((10.5, 0.0)), margin=10)] == \
        [PairKind.ONLINE, PairKind.OFFLINE]
    assert candidate_pairs(_instance((100.0, 100.0, 100.0)), margin=10) == []
    assert candidate_pairs(_instance((50.0, 50.0)), margin=10)[0].kind is PairKind.OFFLINE


def test_equal_scores_never_pair_a_sample_with_itself():
    (offline,) = candidate_pairs(_instance((0.0, 0.0)), margin=0)
    assert offline.kind is PairKind.OFFLINE and offline.rejected == "answer 1"


def _pairs(kind: PairKind, count: int) -> list[PreferencePair]:
    return [PreferencePair(f"{kind.value}-{i}", 0, "RE", kind, "P", "c", "r", 100.0, 0.0)
            for i in range(count)]


def test_mix_keeps_the_scarce_kind_whole_and_samples_the_other_to_the_share():
    online, offline = _pairs(PairKind.ONLINE, 10), _pairs(PairKind.OFFLINE, 10)
    result = mix_pairs(online + offline, 0.7, seed=1)
    # all 10 offline are kept, with round(10 * 0.3 / 0.7) = 4 online
    assert result.kept == {"online": 4, "offline": 10} and result.share_met
    assert result.candidates == {"online": 10, "offline": 10}
    again = mix_pairs(list(reversed(online + offline)), 0.7, seed=1)
    assert {p.id for p in again.pairs} == {p.id for p in result.pairs}  # order does not matter
    assert [p.id for p in result.pairs] == [p.id for p in online + offline
                                            if p in result.pairs]  # kept in input order
    few_offline = mix_pairs(_pairs(PairKind.ONLINE, 10) + _pairs(PairKind.OFFLINE, 2), 0.7)
    assert few_offline.kept == {"online": 1, "offline": 2}    # round(2 * 0.3 / 0.7) = 1
    few_online = mix_pairs(_pairs(PairKind.ONLINE, 3) + _pairs(PairKind.OFFLINE, 30), 0.7)
    assert few_online.kept == {"online": 3, "offline": 7}     # round(3 * 0.7 / 0.3) = 7


def test_mix_extremes_and_a_missing_kind():
    both = _pairs(PairKind.ONLINE, 3) + _pairs(PairKind.OFFLINE, 5)
    assert mix_pairs(both, 1.0).kept == {"online": 0, "offline": 5}
    assert mix_pairs(both, 0.0).kept == {"online": 3, "offline": 0}
    only_offline = mix_pairs(_pairs(PairKind.OFFLINE, 5), 0.7)
    assert only_offline.kept == {"online": 0, "offline": 5} and not only_offline.share_met
    with pytest.raises(ValueError):
        mix_pairs(both, 1.5)


def test_build_pairs_over_instances_writes_trl_preference_records():
    result = build_pairs([_instance((100.0, 0.0), rid="a"), _instance((100.0, 100.0), rid="b")],
                         margin=10, offline_share=0.5)
    assert result.kept == {"online": 1, "offline": 1}
    record = result.pairs[0].to_record()
    assert list(record)[:3] == ["prompt", "chosen", "rejected"]
    assert record == {"prompt": "PROMPT", "chosen": "answer 0", "rejected": "answer 1",
                      "id": "a", "chunk": 0, "kind": "online", "chosen_score": 100.0,
                      "rejected_score": 0.0, "task": "NER"}


def _ner_gold(output: str):
    instruction = json.dumps({"instruction": "extract", "schema": ["human", "time"],
                              "input": "Ada met Alan."})
    return instance_gold({"id": "x", "instruction": instruction, "output": output,
                          "task": "NER"})


def test_instance_score_is_strict_f1_with_the_two_edge_cases():
    gold = _ner_gold(GOLD)
    assert instance_score(gold, GOLD) == 100.0
    # P = 1/2 = 50, R = 1/2 = 50, F1 = 50
    assert instance_score(gold, '{"human": ["Ada", "Bob"], "time": []}') == 50.0
    assert instance_score(gold, '```json\n' + GOLD + '\n```') == 0.0     # strict: not JSON
    empty = _ner_gold('{"human": [], "time": []}')
    assert instance_score(empty, '{"human": [], "time": []}') == 100.0  # both empty
    assert instance_score(empty, "nothing here") == 0.0  # unparsable never ties with right
    assert instance_score(empty, '{"human": ["Ada"]}') == 0.0


def test_a_gold_output_in_no_format_is_an_input_error():
    with pytest.raises(InputError, match="gold 'output'"):
        instance_gold({"id": "x", "instruction": "plain words", "output": "no format at all",
                       "task": "RE"})
