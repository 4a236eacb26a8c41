"""LoRA-adapter NLI verifiers (the Chinese one): saved as adapter + config naming the base, loaded
back by the scorer with the same scores, label order from the saved id2label, and trained end to
end by `train_verifier` on the real Chinese NLI fixtures. The base is a tiny Gemma-3 built from a
config (the real one is 270M parameters; it has its own slow test)."""
from __future__ import annotations

import json
from pathlib import Path

import pytest
import torch

from kg2instruction.errors import ConfigError, InputError
from kg2instruction.nli.adapter_classifier import adapter_base, is_adapter_dir
from kg2instruction.nli.hf_scorer import HfNliScorer, HfScorerSettings
from kg2instruction.nli.verifier.config import LoraAdapterConfig, PhaseConfig, TrainConfig
from kg2instruction.nli.verifier.train import ID2LABEL, load_base, save_model, train_verifier
from tests.unit.nli.conftest import LABELLED_PAIRS

REPO = Path(__file__).resolve().parents[3]
SETTINGS = HfScorerSettings(device="cpu", max_length=96)


@pytest.fixture(scope="module")
def tiny_gemma_base(tmp_path_factory) -> Path:
    """A randomly initialised 2-layer Gemma-3 text model with the MiniLM tokenizer (no token
    type ids, as Gemma's own tokenizer), saved as a local base model directory."""
    from transformers import AutoTokenizer, Gemma3ForCausalLM, Gemma3TextConfig

    from kg2instruction.nli.verifier.bundled import minilm_base_path

    torch.manual_seed(0)
    tokenizer = AutoTokenizer.from_pretrained(minilm_base_path())
    tokenizer.model_input_names = ["input_ids", "attention_mask"]
    config = Gemma3TextConfig(vocab_size=tokenizer.vocab_size, hidden_size=32,
                              intermediate_size=64, num_hidden_layers=2, num_attention_heads=2,
                              num_key_value_heads=1, head_dim=16, max_position_embeddings=256,
                              sliding_window=64, pad_token_id=tokenizer.pad_token_id)
    path = tmp_path_factory.mktemp("tiny-gemma")
    Gemma3ForCausalLM(config).save_pretrained(path)
    tokenizer.save_pretrained(path)
    return path


def adapter_config(base: Path, **changes) -> TrainConfig:
    fields = dict(lang="zh", base_model=str(base), held_out_corpora=("ocnli_dev",),
                  adapter=LoraAdapterConfig(r=4, alpha=8, dropout=0.0),
                  general_phase=PhaseConfig(steps=3, learning_rate=1e-3, general_fraction=1.0),
                  relation_phase=PhaseConfig(steps=0, learning_rate=1e-4, general_fraction=0.1),
                  batch_size=4, max_length=96, threads=1)
    return TrainConfig(**{**fields, **changes})


def test_adapter_round_trip_scores_the_same(tiny_gemma_base: Path, tmp_path: Path) -> None:
    config = adapter_config(tiny_gemma_base)
    tokenizer, model = load_base(config)
    torch.manual_seed(1)
    with torch.no_grad():          # a trained-looking adapter: non-zero B matrices and head
        for name, parameter in model.named_parameters():
            if parameter.requires_grad:
                parameter.add_(torch.randn_like(parameter) * 0.5)
    model.eval()
    pairs = [(p, h) for p, h, _ in LABELLED_PAIRS]
    in_memory = HfNliScorer("in-memory", SETTINGS, tokenizer=tokenizer, model=model)
    save_model(model, tokenizer, tmp_path / "verifier", config)

    saved = tmp_path / "verifier"
    assert is_adapter_dir(saved) and adapter_base(saved) == str(tiny_gemma_base)
    assert not list(saved.glob("model*.safetensors"))        # only the adapter is stored
    loaded = HfNliScorer(str(saved), SETTINGS)
    assert loaded.entailment == 1 and loaded.model.config.id2label[1] == ID2LABEL[1]
    expected = in_memory.entailment_probs(pairs)
    assert len(set(round(p, 4) for p in expected)) > 1       # the adapter does change scores
    assert loaded.entailment_probs(pairs) == pytest.approx(expected, abs=1e-5)


def test_adapter_whose_base_is_missing_is_named_in_the_error(tiny_gemma_base: Path,
                                                               tmp_path: Path) -> None:
    config = adapter_config(tiny_gemma_base)
    tokenizer, model = load_base(config)
    save_model(model, tokenizer, tmp_path / "verifier", config)
    adapter_file = tmp_path / "verifier" / "adapter_config.json"
    raw = json.loads(adapter_file.read_text())
    raw["base_model_name_or_path"] = str(tmp_path / "gone" / "base")
    adapter_file.write_text(json.dumps(raw))
    with pytest.raises(InputError, match="gone/base"):
        HfNliScorer(str(tmp_path / "verifier"), SETTINGS)


def test_train_verifier_trains_an_adapter_on_chinese_nli(tiny_gemma_base: Path,
                                                          tmp_path: Path) -> None:
    config = adapter_config(tiny_gemma_base)
    report = train_verifier(config, tmp_path / "run", REPO)
    assert len(report.losses["general"]) == 3 and report.losses.get("relation", []) == []
    assert report.data["general_pairs"] > 10_000          # OCNLI train, CMNLI, Chinese-SNLI
    verifier = tmp_path / "run" / "verifier"
    assert is_adapter_dir(verifier)
    probs = HfNliScorer(str(verifier), SETTINGS).entailment_probs([("他出生于北京。", "他出生于北京。")])
    assert 0.0 < probs[0] < 1.0


def test_relation_phase_without_sentences_of_the_language_is_a_config_error(
        tiny_gemma_base: Path, tmp_path: Path) -> None:
    config = adapter_config(tiny_gemma_base, relation_phase=PhaseConfig(
        steps=5, learning_rate=1e-4, general_fraction=0.1))
    with pytest.raises(ConfigError, match="no zh relation-verification sentences"):
        train_verifier(config, tmp_path / "run", REPO)
    assert not (tmp_path / "run" / "verifier").exists()
