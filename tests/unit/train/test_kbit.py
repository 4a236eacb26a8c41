"""The bitsandbytes CPU trap: a no-grad forward before training must not silence the gradients.

Real 4-bit (NF4) layers on the CPU, a real tiny Llama, real `generate` through the prediction
backend, then LoRA training through the training API.
"""
from __future__ import annotations

from pathlib import Path

import pytest
import torch

from kg2instruction.evaluate.generation import GenerationSettings, TransformersGenerator
from kg2instruction.train.config import Quantization, TrainConfig
from kg2instruction.train.kbit import prepare_for_training, restore_trainable_4bit_weights
from kg2instruction.train.models import load_model, load_tokenizer, resolve_model
from kg2instruction.train.trainer import attach_lora

from .conftest import has_avx512_bf16

CONFIG = TrainConfig(quantization=Quantization.NF4, lora={"r": 4, "alpha": 8, "dropout": 0.0,
                                                          "target_modules": ["q_proj", "v_proj"]})


def _nf4_model_after_generate(tiny_model_dir: Path):
    source = resolve_model(str(tiny_model_dir))
    model = load_model(source, Quantization.NF4, seq2seq=False)
    generator = TransformersGenerator(model, load_tokenizer(source),
                                      GenerationSettings(max_new_tokens=3), seq2seq=False)
    model.eval()
    assert len(generator.generate(["Ada married Bob.", "NGC1313 is a galaxy"])) == 2
    return model


def _lora_gradients(model) -> list[float]:
    torch.manual_seed(0)
    for name, param in model.named_parameters():
        if "lora_B" in name:  # B starts at zero; nudge it so A's gradient is not zero by design
            torch.nn.init.normal_(param, std=0.1)
    ids = torch.randint(0, 1000, (2, 16))
    model(input_ids=ids, labels=ids).loss.backward()
    return [0.0 if p.grad is None else p.grad.abs().sum().item()
            for p in model.parameters() if p.requires_grad]


def test_gradients_flow_after_generate_when_prepared(tiny_model_dir: Path):
    model = _nf4_model_after_generate(tiny_model_dir)
    peft_model = attach_lora(prepare_for_training(model, gradient_checkpointing=False), CONFIG,
                             seq2seq=False)
    grads = _lora_gradients(peft_model)
    assert grads and all(g > 0 for g in grads)


@pytest.mark.skipif(not has_avx512_bf16(), reason="bitsandbytes packs 4-bit weights for inference "
                                                  "only on CPUs with AVX512-BF16; no trap here")
def test_trap_is_real_without_the_guard(tiny_model_dir: Path):
    """Control: the same sequence minus the guard really loses the gradients on this CPU."""
    from peft import LoraConfig, get_peft_model

    model = _nf4_model_after_generate(tiny_model_dir)
    peft_model = get_peft_model(model, LoraConfig(r=4, lora_alpha=8, lora_dropout=0.0,
                                                  target_modules=["q_proj", "v_proj"]))
    peft_model.train()
    assert not any(g > 0 for g in _lora_gradients(peft_model))
    assert restore_trainable_4bit_weights(peft_model) > 0


def test_restore_is_a_no_op_for_full_precision_models(tiny_model_dir: Path):
    model = load_model(resolve_model(str(tiny_model_dir)), Quantization.NONE, seq2seq=False)
    assert restore_trainable_4bit_weights(model) == 0
