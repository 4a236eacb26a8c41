"""`kg2i train --method dpo`: bad inputs are one error line naming file and line; a real short run
on the packaged SmolLM2-135M continues a tiny SFT adapter with TRL's DPOTrainer, reading the pairs
file in the shape `kg2i preference-pairs` writes, and records its parent in the card."""
from __future__ import annotations

import json
from pathlib import Path

import pytest
from pydantic import ValidationError
from safetensors.torch import load_file

from kg2instruction.cli import main
from kg2instruction.errors import ConfigError, InputError
from kg2instruction.train.config import TrainConfig
from kg2instruction.train.dpo_config import DpoConfig, load_dpo_config
from kg2instruction.train.pairs import load_pairs
from kg2instruction.train.template import ALPACA
from kg2instruction.train.trainer import train_adapter

from .conftest import write_dataset

REPO = Path(__file__).resolve().parents[3]
PAIR = {"prompt": "P", "chosen": "{}", "rejected": "x", "kind": "offline"}


def _pairs_file(path: Path, rows: list) -> Path:
    path.write_text("".join((r if isinstance(r, str) else json.dumps(r)) + "\n" for r in rows),
                    encoding="utf-8")
    return path


def _one_error_line(capsys) -> str:
    err = capsys.readouterr().err.strip()
    assert "\n" not in err and "Traceback" not in err, err
    return err


def test_dpo_without_an_sft_adapter_is_refused(tmp_path: Path, capsys):
    pairs = _pairs_file(tmp_path / "pairs.jsonl", [PAIR])
    assert main(["train", "--method", "dpo", "--data", str(pairs), "--out",
                 str(tmp_path / "out")]) == 2
    assert "--adapter: required with --method dpo" in _one_error_line(capsys)
    assert main(["train", "--data", str(pairs), "--adapter", str(tmp_path), "--out",
                 str(tmp_path / "out")]) == 2
    assert "applies to --method dpo only" in _one_error_line(capsys)


@pytest.mark.parametrize("rows, expected", [
    ([PAIR, {"prompt": "P", "chosen": "a"}], "line 2: expected 'rejected' to be a string "
                                             "(missing)"),
    ([PAIR, PAIR, "{not json"], "line 3: not valid JSON"),
    ([["P", "a", "b"]], "line 1: expected a JSON object"),
    ([{**PAIR, "prompt": " "}], "line 1: expected 'prompt' to be a non-empty string"),
    ([{**PAIR, "chosen": 3}], "line 1: expected 'chosen' to be a string (got int)"),
    ([], "no preference pairs"),
])
def test_a_malformed_pairs_file_names_file_line_and_expectation(rows, expected, tmp_path: Path,
                                                                capsys):
    pairs = _pairs_file(tmp_path / "pairs.jsonl", rows)
    assert main(["train", "--method", "dpo", "--data", str(pairs), "--adapter",
                 str(tmp_path / "sft"), "--out", str(tmp_path / "out")]) == 2
    err = _one_error_line(capsys)
    assert str(pairs) in err and expected in err


def test_missing_pairs_file_and_missing_adapter_card(tmp_path: Path, capsys):
    assert main(["train", "--method", "dpo", "--data", str(tmp_path / "none.jsonl"),
                 "--adapter", str(tmp_path), "--out", str(tmp_path / "out")]) == 2
    assert "no such preference-pairs file" in _one_error_line(capsys)
    pairs = _pairs_file(tmp_path / "pairs.jsonl", [PAIR])
    assert main(["train", "--method", "dpo", "--data", str(pairs), "--adapter", str(tmp_path),
                 "--out", str(tmp_path / "out")]) == 2
    assert "not a LoRA adapter folder" in _one_error_line(capsys)


def test_pairs_counts_per_file_and_kind(tmp_path: Path):
    a = _pairs_file(tmp_path / "a.jsonl", [PAIR, {**PAIR, "kind": "online"}])
    b = _pairs_file(tmp_path / "b.jsonl", [{"prompt": "Q", "chosen": "c", "rejected": "r"}])
    pairs = load_pairs([a, b])
    assert pairs.rows[2] == {"prompt": "Q", "chosen": "c", "rejected": "r"}
    assert pairs.counts == {"pairs": 3, "per_file": {str(a): 2, str(b): 1},
                            "per_kind": {"offline": 1, "online": 1, "unlabelled": 1}}


def test_the_cpu_recipe_loads_and_unknown_keys_are_rejected(tmp_path: Path):
    config = load_dpo_config(REPO / "pipelines/train/dpo_cpu.yaml")
    assert config.beta == 0.1 and config.loss_type.value == "sigmoid"
    with pytest.raises(ValidationError):
        DpoConfig(lora={"r": 4})  # the LoRA shape is the SFT adapter's
    bad = tmp_path / "dpo.yaml"
    bad.write_text("beta: 0.1\ntemplate: plain\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="template"):
        load_dpo_config(bad)


def _adapter_weights(folder: Path) -> dict:
    return load_file(str(folder / "adapter_model.safetensors"))


@pytest.mark.slow
def test_dpo_continues_the_sft_adapter_on_smollm2(instruction_splits, tmp_path: Path, capsys):
    rows = [r for r in instruction_splits["train"] if r["task"] == "RE"][:2]
    data = write_dataset({"train": rows}, tmp_path / "data")
    sft = tmp_path / "sft"
    config = TrainConfig(quantization="none", lora={"r": 4, "alpha": 8, "dropout": 0.0,
                                                    "target_modules": ["q_proj", "v_proj"],
                                                    "top_layers": 2},
                         learning_rate=1e-3, max_steps=1, batch_size=1, cutoff_len=256,
                         threads=2)
    train_adapter(data, "smollm2-135m", config, sft, log=lambda _: None)
    # what `kg2i preference-pairs` writes: the instruction in the SFT template, gold vs a bad
    # sample (offline), and a better vs a worse sample (online)
    prompts = [ALPACA.render(r["instruction"]) for r in rows]
    pairs = _pairs_file(tmp_path / "pairs.jsonl", [
        {"prompt": prompts[0], "chosen": rows[0]["output"], "rejected": "The answer is:",
         "id": rows[0]["id"], "kind": "offline", "chosen_score": 100.0, "rejected_score": 0.0,
         "task": "RE"},
        {"prompt": prompts[1], "chosen": rows[1]["output"], "rejected": "{}", "id": rows[1]["id"],
         "kind": "online", "chosen_score": 50.0, "rejected_score": 0.0, "task": "RE"}])
    recipe = tmp_path / "dpo.yaml"
    recipe.write_text("quantization: none\nmax_steps: 2\nbatch_size: 2\nlearning_rate: 1.0e-3\n"
                      "max_length: 384\nsave_steps: 1\nthreads: 2\n", encoding="utf-8")
    dpo = tmp_path / "dpo"
    assert main(["train", "--method", "dpo", "--data", str(pairs), "--adapter", str(sft),
                 "--config", str(recipe), "--out", str(dpo)]) == 0
    assert "DPO adapter written to" in capsys.readouterr().out
    before, after = _adapter_weights(sft), _adapter_weights(dpo)
    assert before.keys() == after.keys()  # the policy only: no frozen "ref" copy saved
    assert any(not before[k].equal(after[k]) for k in before)
    assert not (dpo / "ref").exists()
    card = json.loads((dpo / "adapter_card.json").read_text(encoding="utf-8"))
    assert card["method"] == "dpo" and card["parent"]["path"] == str(sft)
    assert card["parent"]["data_fingerprint"] == json.loads(
        (sft / "adapter_card.json").read_text(encoding="utf-8"))["data_fingerprint"]
    assert card["preference_data"]["counts"]["per_kind"] == {"offline": 1, "online": 1}
    assert card["data_files"] == [str(pairs)] and card["config"]["template"] == "alpaca"
    # the first step compares the policy with itself: DPO's loss starts at ln 2
    assert card["loss_curve"][0]["loss"] == pytest.approx(0.693147, abs=1e-4)
    assert card["metrics"]["steps"] == 2
    with pytest.raises(InputError, match="--resume"):  # training is never silently redone
        from kg2instruction.train.dpo import train_dpo

        train_dpo([pairs], sft, load_dpo_config(recipe), dpo, log=lambda _: None)
