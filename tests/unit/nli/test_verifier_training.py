"""Training is seeded and reproducible; the CLI and the model card behave."""
from __future__ import annotations

import itertools
from pathlib import Path

import torch

from kg2instruction.cli import main
from kg2instruction.nli.verifier.card import model_card
from kg2instruction.nli.verifier.config import PhaseConfig, TrainConfig
from kg2instruction.nli.verifier.general_nli import DEFAULT_CORPORA, read_corpus
from kg2instruction.nli.verifier.train import _batches, run_phase, seed_everything
from tests.unit.nli.conftest import _tokenizer_dir

REPO = Path(__file__).resolve().parents[3]


def _tiny_run(seed: int) -> tuple[list[float], torch.Tensor]:
    from transformers import AutoTokenizer, BertConfig, BertForSequenceClassification

    seed_everything(seed)
    tokenizer = AutoTokenizer.from_pretrained(_tokenizer_dir())
    model = BertForSequenceClassification(BertConfig(
        vocab_size=tokenizer.vocab_size, hidden_size=32, num_hidden_layers=1,
        num_attention_heads=2, intermediate_size=64, max_position_embeddings=64, num_labels=2))
    snli = next(c for c in DEFAULT_CORPORA if c.name == "snli_dev")
    pairs = [(p.premise, p.hypothesis, p.label)
             for p in itertools.islice(read_corpus(snli, REPO / "tests/fixtures/nli"), 64)]
    phase = PhaseConfig(steps=4, learning_rate=1e-3, general_fraction=1.0)
    config = TrainConfig(batch_size=8, max_length=48)
    losses = run_phase(model, tokenizer, _batches(phase, 8, iter(pairs), None), phase, config,
                       "general", None)
    return losses, model.classifier.weight.detach().clone()


def test_training_is_reproducible_with_the_same_seed() -> None:
    losses_a, weights_a = _tiny_run(7)
    losses_b, weights_b = _tiny_run(7)
    assert losses_a == losses_b and torch.equal(weights_a, weights_b)
    losses_c, _ = _tiny_run(8)
    assert losses_c != losses_a


def test_model_card_states_non_commercial_terms() -> None:
    card = model_card(TrainConfig(), {"data": {"train_pages": 10}, "seconds": {"relation": 1}},
                      {"models": {"ours": {"overall": {"auc": 0.9, "accuracy": 0.8,
                                                       "threshold": 0.5, "pairs": 2000}}}})
    assert "Non-commercial / research use only" in card
    assert "sick" in card and "CC BY-NC-SA 3.0" in card
    assert "AUC 0.9" in card and "kg2i nli train" in card


def test_eval_with_a_missing_model_is_a_clear_error(tmp_path, capsys) -> None:
    missing = tmp_path / "no-such-model"
    assert main(["nli", "eval", "--model", str(missing)]) == 2
    assert str(missing) in capsys.readouterr().err


def test_bundled_verifier_loads_by_name_with_its_label_order() -> None:
    from kg2instruction.nli.hf_scorer import HfNliScorer, HfScorerSettings
    from kg2instruction.nli.verifier.bundled import resolve_model

    path = resolve_model("bundled:minilm-relation-verifier-en")
    scorer = HfNliScorer(path, HfScorerSettings(device="cpu"))
    assert scorer.entailment == 1 and scorer.model.config.id2label[1] == "entailment"
    pairs = [("Guido Calza, born in Milan, Italy, was an Italian archaeologist.",
              "Guido Calza was born in Milan."),
             ("Guido Calza, born in Milan, Italy, was an Italian archaeologist.",
              "Guido Calza died in Milan.")]
    first, again = scorer.entailment_probs(pairs), scorer.entailment_probs(pairs[::-1])[::-1]
    assert first == again and all(0.0 < p < 1.0 for p in first)   # order-independent batching


def test_unknown_bundled_name_lists_what_exists() -> None:
    import pytest

    from kg2instruction.errors import ConfigError
    from kg2instruction.nli.verifier.bundled import resolve_model

    with pytest.raises(ConfigError, match="minilm-relation-verifier-en"):
        resolve_model("bundled:no-such-verifier")


def test_adapter_model_card_names_base_held_out_set_and_chinese_metrics() -> None:
    from kg2instruction.config.yaml_loader import load_yaml, validate

    config = validate(TrainConfig, load_yaml(REPO / "pipelines/nli/verifier-zh.yaml"))
    metrics = {"languages": {"zh": {"eval_set": "OCNLI dev", "models": {"ours": {"overall": {
        "auc": 0.77, "accuracy": 0.7, "threshold": 0.5, "pairs": 2000}}}}}}
    card = model_card(config, {"data": {}, "seconds": {"general": 1}}, metrics)
    assert card.startswith("# gemma3-270m NLI verifier (zh)")
    assert "LoRA adapter (r 16" in card and "Gemma terms of use" in card
    assert "ocnli_dev (held out: evaluation only)" in card and "T-REx" not in card
    assert "AUC 0.77" in card and "bundled:gemma3-nli-verifier-zh" in card
    assert "Non-commercial / research use only" in card
