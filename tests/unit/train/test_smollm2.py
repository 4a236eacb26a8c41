"""The real packaged SmolLM2-135M (GGUF Q4_1, dequantised by transformers): train, generate."""
from __future__ import annotations

from pathlib import Path

import pytest
from safetensors.torch import load_file

from kg2instruction.evaluate.generation import GenerationSettings, TransformersGenerator
from kg2instruction.train.config import TrainConfig
from kg2instruction.train.models import resolve_model
from kg2instruction.train.template import PLAIN
from kg2instruction.train.trainer import train_adapter

from .conftest import write_dataset


def test_packaged_name_resolves_to_the_gguf_file():
    source = resolve_model("smollm2-135m")
    assert source.gguf_file == "SmolLM2-135M-Instruct.Q4_1.gguf"
    assert (Path(source.location) / source.gguf_file).stat().st_size > 50_000_000


@pytest.mark.slow
def test_smollm2_trains_an_adapter_that_then_generates(instruction_splits, tmp_path: Path):
    rows = [r for r in instruction_splits["train"] if r["task"] == "RE"][:2]
    data = write_dataset({"train": rows, "test": rows}, tmp_path / "data")
    config = TrainConfig(quantization="none", lora={"r": 4, "alpha": 8, "dropout": 0.0,
                                                    "target_modules": ["q_proj", "v_proj"],
                                                    "top_layers": 2},
                         learning_rate=1e-3, max_steps=2, batch_size=1, cutoff_len=256,
                         threads=2)
    result = train_adapter(data, "smollm2-135m", config, tmp_path / "adapter", log=lambda _: None)
    assert result.card.gguf_file == "SmolLM2-135M-Instruct.Q4_1.gguf"
    assert all(0 < e["loss"] < 20 for e in result.card.loss_curve)
    layers = {key.split(".layers.")[1].split(".")[0]
              for key in load_file(str(tmp_path / "adapter" / "adapter_model.safetensors"))}
    assert layers == {"28", "29"}  # top_layers: 2 of SmolLM2's 30
    generator = TransformersGenerator.load("smollm2-135m", GenerationSettings(max_new_tokens=5),
                                           adapter=tmp_path / "adapter")
    (answer,) = generator.generate([PLAIN.render("The capital of France is")])
    assert answer  # a real language model continues the sentence
