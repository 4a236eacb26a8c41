"""Encoder-decoder models take the seq2seq branch: AutoModelForSeq2SeqLM, unmasked decoder labels."""
from __future__ import annotations

from pathlib import Path

import pytest
import torch

from kg2instruction.evaluate.generation import GenerationSettings, TransformersGenerator
from kg2instruction.train.config import TrainConfig
from kg2instruction.train.models import is_seq2seq, resolve_model
from kg2instruction.train.trainer import train_adapter


@pytest.fixture(scope="module")
def tiny_t5_dir(smollm2_tokenizer, tmp_path_factory) -> Path:
    from transformers import T5Config, T5ForConditionalGeneration

    torch.manual_seed(0)
    pad = smollm2_tokenizer.pad_token_id
    config = T5Config(vocab_size=len(smollm2_tokenizer), d_model=32, d_kv=8, d_ff=64,
                      num_layers=1, num_decoder_layers=1, num_heads=2, pad_token_id=pad,
                      eos_token_id=smollm2_tokenizer.eos_token_id, decoder_start_token_id=pad)
    folder = tmp_path_factory.mktemp("tiny-t5")
    T5ForConditionalGeneration(config).save_pretrained(folder)
    smollm2_tokenizer.save_pretrained(folder)
    return folder


def test_seq2seq_model_trains_and_generates(tiny_t5_dir: Path, dataset_dir: Path,
                                            tmp_path: Path):
    assert is_seq2seq(resolve_model(str(tiny_t5_dir)))
    config = TrainConfig(quantization="none", lora={"r": 2, "alpha": 4, "dropout": 0.0,
                                                    "target_modules": ["q", "v"]},
                         max_steps=2, batch_size=2, cutoff_len=128, threads=2)
    result = train_adapter(dataset_dir, str(tiny_t5_dir), config, tmp_path / "adapter",
                           log=lambda _: None)
    assert result.card.seq2seq and len(result.card.loss_curve) == 2
    generator = TransformersGenerator.load(str(tiny_t5_dir), GenerationSettings(max_new_tokens=4),
                                           adapter=tmp_path / "adapter")
    outputs = generator.generate(["Ada married Bob.", "NGC1313 is a galaxy."])
    assert len(outputs) == 2 and all(isinstance(o, str) for o in outputs)
