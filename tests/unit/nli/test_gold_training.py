"""Training on human gold: the gold stream draws labels evenly from each dataset, batches take
the configured shares, and a run killed after a checkpoint resumes to the very same weights."""
from __future__ import annotations

import itertools
import random
from collections import Counter
from pathlib import Path

import pytest
import torch

from kg2instruction.nli.verifier.checkpoint import (TrainState, load_state, restore,
                                                    restore_weights, save_checkpoint)
from kg2instruction.nli.verifier.config import PhaseConfig, TrainConfig
from kg2instruction.nli.verifier.general_nli import DEFAULT_CORPORA, read_corpus
from kg2instruction.nli.verifier.gold_data import gold_stream
from kg2instruction.nli.verifier.gold_pairs import hypothesis, knowledgenet_pairs
from kg2instruction.nli.verifier.train import _batches, run_phase, seed_everything
from tests.unit.nli.conftest import _tokenizer_dir

REPO = Path(__file__).resolve().parents[3]
TEMPLATES = {"P569": "[X] was born on [Y].", "P570": "[X] died on [Y].",
             "P19": "[X] was born in [Y].", "P551": "[X] lived in [Y].",
             "P27": "[X] is a citizen of [Y].", "P108": "[X] worked for [Y].",
             "P69": "[X] was educated at [Y].",
             "P102": "[X] is a member of the political party [Y].",
             "P40": "[Y] is a child of [X].", "P26": "[X] married [Y].",
             "P571": "[X] was established in [Y].", "P159": "[X] is headquartered in [Y].",
             "P749": "[Y] is the parent organization of [X].", "P112": "[X] was founded by [Y].",
             "P169": "The chief executive officer of [X] is [Y]."}


def test_gold_stream_draws_every_pair_of_a_dataset_equally_often() -> None:
    """Labels keep their natural share (re-balancing them over-drew the few relations that
    carry a set's negatives), and one pass over the set draws each pair once."""
    pairs = knowledgenet_pairs(REPO / "tests/fixtures/gold/knowledgenet/folds1-3.jsonl.gz", {1})
    drawn = list(itertools.islice(gold_stream(pairs, TEMPLATES, {}, random.Random(0)),
                                  len(pairs)))
    assert sorted(drawn) == sorted((p.premise, hypothesis(p, TEMPLATES[p.pid]), p.label)
                                   for p in pairs)
    assert all(h.endswith(".") and "[X]" not in h for _, h, _ in drawn)


def test_gold_stream_can_draw_labels_one_to_one() -> None:
    pairs = knowledgenet_pairs(REPO / "tests/fixtures/gold/knowledgenet/folds1-3.jsonl.gz", {1})
    assert sum(p.label for p in pairs) / len(pairs) > 0.8
    drawn = list(itertools.islice(gold_stream(pairs, TEMPLATES, {}, random.Random(0),
                                              "labels_1to1"), 2000))
    assert 0.45 < sum(label for _, _, label in drawn) / len(drawn) < 0.55


def test_batches_take_the_general_gold_and_relation_shares() -> None:
    phase = PhaseConfig(steps=2, learning_rate=1e-4, general_fraction=0.25, gold_fraction=0.5)
    general = itertools.repeat(("g", "g", 0))
    gold = itertools.repeat(("k", "k", 1))
    relation = itertools.repeat(("r", "r", 1))
    batches = list(_batches(phase, 8, general, relation, gold))
    assert len(batches) == 2
    assert Counter(p for p, _, _ in batches[0]) == {"g": 2, "k": 4, "r": 2}
    with pytest.raises(ValueError, match="must not exceed 1"):
        PhaseConfig(steps=1, learning_rate=1e-4, general_fraction=0.6, gold_fraction=0.6)


def _tiny(seed: int):
    from transformers import AutoTokenizer, BertConfig, BertForSequenceClassification

    seed_everything(seed)
    tokenizer = AutoTokenizer.from_pretrained(_tokenizer_dir())
    model = BertForSequenceClassification(BertConfig(
        vocab_size=tokenizer.vocab_size, hidden_size=32, num_hidden_layers=1,
        num_attention_heads=2, intermediate_size=64, max_position_embeddings=64, num_labels=2,
        hidden_dropout_prob=0.1))
    return tokenizer, model


def _pairs() -> list[tuple[str, str, int]]:
    snli = next(c for c in DEFAULT_CORPORA if c.name == "snli_dev")
    return [(p.premise, p.hypothesis, p.label)
            for p in itertools.islice(read_corpus(snli, REPO / "tests/fixtures/nli"), 64)]


def _with_adapter(model):
    """The tiny model with a LoRA adapter, as recipes with `adapter:` train (peft saves only
    the adapter and the head)."""
    from peft import LoraConfig, TaskType, get_peft_model

    return get_peft_model(model, LoraConfig(task_type=TaskType.SEQ_CLS, r=2, lora_alpha=4,
                                            target_modules=["query", "value"]))


def _trained(model) -> dict[str, torch.Tensor]:
    return {n: p.detach().clone() for n, p in model.named_parameters() if p.requires_grad}


@pytest.mark.parametrize("adapter", [False, True], ids=["full", "lora"])
def test_a_killed_run_resumes_from_its_checkpoint_to_the_same_weights(tmp_path,
                                                                      adapter: bool) -> None:
    phase = PhaseConfig(steps=6, learning_rate=1e-3, general_fraction=1.0)
    config = TrainConfig(batch_size=8, max_length=48)
    recipe = config.model_dump_json()

    def tiny(seed: int):
        tokenizer, model = _tiny(seed)
        return tokenizer, _with_adapter(model) if adapter else model

    tokenizer, model = tiny(3)
    straight = run_phase(model, tokenizer, _batches(phase, 8, iter(_pairs()), None), phase,
                         config, "general", None)
    expected = _trained(model)

    class Killed(Exception):
        pass

    def checkpoint_then_die(step, loss, optimizer, scheduler) -> None:
        if step == 3:
            save_checkpoint(tmp_path, model_b, optimizer, scheduler,
                            TrainState(phase="general", step=3), recipe)
            raise Killed

    tokenizer, model_b = tiny(3)
    with pytest.raises(Killed):
        run_phase(model_b, tokenizer, _batches(phase, 8, iter(_pairs()), None), phase, config,
                  "general", None, after_step=checkpoint_then_die)

    state = load_state(tmp_path, recipe)
    assert state is not None and state.step == 3
    assert load_state(tmp_path, TrainConfig(batch_size=4).model_dump_json()) is None
    # a fresh process: the same base weights (a pretrained model's), every trained tensor
    # something else until the checkpoint's are restored
    tokenizer, model_c = tiny(3)
    with torch.no_grad():
        for parameter in model_c.parameters():
            if parameter.requires_grad:
                parameter.normal_()
    restore_weights(tmp_path, model_c)
    resumed = run_phase(model_c, tokenizer, _batches(phase, 8, iter(_pairs()), None), phase,
                        config, "general", None, start_step=state.step,
                        resume=lambda o, s: restore(tmp_path, o, s))
    assert resumed == straight[3:]
    after = _trained(model_c)
    assert after.keys() == expected.keys() and len(after) > (4 if adapter else 0)
    assert all(torch.allclose(after[n], expected[n], atol=1e-6) for n in expected)
