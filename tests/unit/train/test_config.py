"""Training config: the shipped YAML files validate, mistakes name file, line and key."""
from __future__ import annotations

from pathlib import Path

import pytest

from kg2instruction.errors import ConfigError
from kg2instruction.train.config import Quantization, load_train_config
from kg2instruction.train.models import resolve_quantization

REPO = Path(__file__).resolve().parents[3]


def test_shipped_configs_validate():
    cpu = load_train_config(REPO / "pipelines/train/lora_cpu.yaml")
    gpu = load_train_config(REPO / "pipelines/train/qlora_gpu.yaml")
    assert cpu.quantization is Quantization.AUTO and cpu.max_steps == 66
    assert cpu.skip_empty_answers and cpu.lora.top_layers == 12 and cpu.threads == 2
    assert gpu.quantization is Quantization.NF4 and gpu.epochs == 3 and gpu.template == "alpaca"


def test_unknown_key_names_line_and_key(tmp_path: Path):
    path = tmp_path / "bad.yaml"
    path.write_text("learning_rate: 1.0e-4\nlora:\n  r: 8\n  rank_typo: 4\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="unknown key") as caught:
        load_train_config(path)
    assert caught.value.line == 4 and caught.value.key == "lora.rank_typo"


def test_bad_values_are_rejected(tmp_path: Path):
    path = tmp_path / "bad.yaml"
    path.write_text("template: vicuna\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="unknown template 'vicuna'"):
        load_train_config(path)
    path.write_text("quantization: int8\n", encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_train_config(path)
    assert caught.value.key == "quantization"
    path.write_text("lora:\n  top_layers: 0\n", encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_train_config(path)
    assert caught.value.key == "lora.top_layers" and caught.value.line == 2


def test_auto_quantization_follows_cuda():
    assert resolve_quantization(Quantization.AUTO, cuda_available=True) is Quantization.NF4
    assert resolve_quantization(Quantization.AUTO, cuda_available=False) is Quantization.NONE
    assert resolve_quantization(Quantization.NF4, cuda_available=False) is Quantization.NF4
    assert resolve_quantization(Quantization.NONE, cuda_available=True) is Quantization.NONE
