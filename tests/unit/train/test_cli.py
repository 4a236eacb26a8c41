"""`kg2i train` and `kg2i predict` from the command line: outputs, and exit code 2 on bad input."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from kg2instruction.cli import main

CONFIG = """\
quantization: none
lora: {r: 4, alpha: 8, dropout: 0.0, target_modules: [q_proj, v_proj]}
learning_rate: 1.0e-2
max_steps: 2
batch_size: 2
cutoff_len: 256
save_steps: 1
threads: 2
"""


def test_train_then_predict_with_the_adapter(dataset_dir: Path, tiny_model_dir: Path,
                                             tmp_path: Path, capsys):
    config = tmp_path / "train.yaml"
    config.write_text(CONFIG, encoding="utf-8")
    adapter = tmp_path / "adapter"
    assert main(["train", "--data", str(dataset_dir), "--model", str(tiny_model_dir),
                 "--config", str(config), "--out", str(adapter)]) == 0
    assert "adapter written to" in capsys.readouterr().out
    card = json.loads((adapter / "adapter_card.json").read_text(encoding="utf-8"))
    assert card["metrics"]["steps"] == 2 and len(card["loss_curve"]) == 2
    preds = tmp_path / "preds.jsonl"
    assert main(["predict", "--data", str(dataset_dir), "--model", str(tiny_model_dir),
                 "--adapter", str(adapter), "--out", str(preds), "--max-new-tokens", "4",
                 "--shots", "1", "--limit", "2"]) == 0
    assert len(preds.read_text(encoding="utf-8").splitlines()) == 2


@pytest.mark.parametrize("args, named", [
    (["train", "--model", "/nonexistent/model-dir"], "/nonexistent/model-dir"),
    (["predict", "--model", "./missing-model"], "./missing-model"),
])
def test_missing_model_path_exits_2_naming_it(dataset_dir: Path, tmp_path: Path, capsys,
                                              args: list[str], named: str):
    code = main(args + ["--data", str(dataset_dir), "--out", str(tmp_path / "out")])
    assert code == 2
    assert named in capsys.readouterr().err


def test_bad_config_exits_2_naming_the_key(dataset_dir: Path, tmp_path: Path, capsys):
    config = tmp_path / "train.yaml"
    config.write_text("max_step: 3\n", encoding="utf-8")
    code = main(["train", "--data", str(dataset_dir), "--config", str(config),
                 "--out", str(tmp_path / "out")])
    assert code == 2 and "max_step" in capsys.readouterr().err
