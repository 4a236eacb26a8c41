"""`train_adapter` end to end on a tiny real model: falling loss, card, checkpoints and resume."""
from __future__ import annotations

import json
from pathlib import Path

import pytest
import torch
from safetensors.torch import load_file

from kg2instruction.errors import InputError
from kg2instruction.train.card import read_card
from kg2instruction.train.config import TrainConfig
from kg2instruction.train.data import fingerprint_files
from kg2instruction.train.trainer import train_adapter

from .conftest import write_dataset


def _config(**overrides) -> TrainConfig:
    base = dict(quantization="none", lora={"r": 8, "alpha": 16, "dropout": 0.0,
                                           "target_modules": ["q_proj", "v_proj", "o_proj"]},
                learning_rate=2e-2, max_steps=12, batch_size=2, cutoff_len=256, seed=3,
                save_steps=4, threads=2)
    base.update(overrides)
    return TrainConfig(**base)


@pytest.fixture()
def overfit_dir(instruction_splits, tmp_path: Path) -> Path:
    """Two short real records: small enough to memorise in a dozen steps."""
    rows = [r for r in instruction_splits["train"] if r["task"] == "RE"][:2]
    return write_dataset({"train": rows}, tmp_path / "overfit")


@pytest.mark.slow
def test_loss_falls_and_card_records_provenance(overfit_dir: Path, tiny_model_dir: Path,
                                                tmp_path: Path):
    out = tmp_path / "adapter"
    result = train_adapter(overfit_dir, str(tiny_model_dir), _config(), out, log=lambda _: None)
    losses = [e["loss"] for e in result.card.loss_curve]
    assert len(losses) == 12
    assert sum(losses[-3:]) / 3 < 0.85 * sum(losses[:3]) / 3 and losses[-1] < losses[0]
    card = read_card(out)
    assert card.data_fingerprint == fingerprint_files([overfit_dir / "train.jsonl"])
    assert card.base_model == str(tiny_model_dir) and card.quantization == "none"
    assert card.config["learning_rate"] == 2e-2 and card.metrics["steps"] == 12
    assert card.metrics["loss_last"] == losses[-1]
    assert (out / "adapter_model.safetensors").is_file()
    assert card.data_fingerprint in (out / "README.md").read_text(encoding="utf-8")
    assert sorted(p.name for p in (out / "checkpoints").iterdir()) == [
        "checkpoint-12", "checkpoint-8", "run.json"]
    curve = [json.loads(line) for line in (out / "loss_curve.jsonl").read_text().splitlines()]
    assert curve == card.loss_curve  # the file the run kept writing equals the card's curve


class _Interrupt(Exception):
    pass


@pytest.mark.slow
def test_interrupted_training_resumes_to_the_same_adapter(dataset_dir: Path, tiny_model_dir: Path,
                                                          tmp_path: Path):
    config = _config(max_steps=6, save_steps=2, lora={"r": 4, "alpha": 8, "dropout": 0.1,
                                                      "target_modules": ["q_proj", "v_proj"]})
    straight = train_adapter(dataset_dir, str(tiny_model_dir), config, tmp_path / "straight",
                             log=lambda _: None)

    def stop_after_step_3(message: str) -> None:
        if message.startswith("step 3/"):
            raise _Interrupt

    interrupted = tmp_path / "interrupted"
    with pytest.raises(_Interrupt):
        train_adapter(dataset_dir, str(tiny_model_dir), config, interrupted, log=stop_after_step_3)
    assert not (interrupted / "adapter_card.json").exists()
    with pytest.raises(InputError, match="--resume"):
        train_adapter(dataset_dir, str(tiny_model_dir), config, interrupted, log=lambda _: None)
    messages: list[str] = []
    resumed = train_adapter(dataset_dir, str(tiny_model_dir), config, interrupted, resume=True,
                            log=messages.append)
    assert any("resumed from" in m and m.rstrip().endswith("checkpoint-2 at step 2")
               for m in messages)
    assert [e["step"] for e in resumed.card.loss_curve] == [1, 2, 3, 4, 5, 6]
    curve = (interrupted / "loss_curve.jsonl").read_text().splitlines()
    assert [json.loads(line)["step"] for line in curve] == [1, 2, 3, 4, 5, 6]  # step 3 once
    assert [e["loss"] for e in resumed.card.loss_curve] == pytest.approx(
        [e["loss"] for e in straight.card.loss_curve], abs=1e-5)
    a = load_file(str(tmp_path / "straight" / "adapter_model.safetensors"))
    b = load_file(str(interrupted / "adapter_model.safetensors"))
    assert a.keys() == b.keys() and all(torch.allclose(a[k], b[k], atol=1e-6) for k in a)


def test_excluded_themes_are_left_out(dataset_dir: Path, tiny_model_dir: Path, tmp_path: Path):
    result = train_adapter(dataset_dir, str(tiny_model_dir), _config(max_steps=1),
                           tmp_path / "unseen", exclude_themes=["人物", "astronomy"],
                           log=lambda _: None)
    assert result.card.excluded_themes == ["astronomy", "人物"]
    metrics = result.card.metrics  # the 3 地理地区 records only (a long prompt may be cut)
    assert metrics["examples"] + metrics["examples_dropped"] == 3
    with pytest.raises(InputError, match="no training examples left"):
        train_adapter(dataset_dir, str(tiny_model_dir), _config(max_steps=1), tmp_path / "none",
                      exclude_themes=["人物", "astronomy", "地理地区"], log=lambda _: None)


def test_empty_answers_are_skipped_when_asked(instruction_splits, tiny_model_dir: Path,
                                              tmp_path: Path):
    rows = [r for r in instruction_splits["train"] if r["output"].startswith("{")][:2]
    empty = {**rows[0], "id": "nothing-here",
             "output": json.dumps({key: [] for key in json.loads(rows[0]["output"])})}
    data = write_dataset({"train": rows + [empty]}, tmp_path / "data")
    config = _config(max_steps=1, skip_empty_answers=True, cutoff_len=1024)
    result = train_adapter(data, str(tiny_model_dir), config, tmp_path / "adapter",
                           log=lambda _: None)
    metrics = result.card.metrics
    assert metrics["empty_answers_skipped"] == 1
    assert metrics["examples"] + metrics["examples_dropped"] == 2
    with pytest.raises(InputError, match="after skipping 1 empty answers"):
        train_adapter(write_dataset({"train": [empty]}, tmp_path / "only-empty"),
                      str(tiny_model_dir), config, tmp_path / "none", log=lambda _: None)


def test_malformed_record_and_missing_model_are_named(dataset_dir: Path, tmp_path: Path):
    bad = tmp_path / "bad" / "train.jsonl"
    bad.parent.mkdir()
    lines = (dataset_dir / "train.jsonl").read_text(encoding="utf-8").splitlines()
    record = json.loads(lines[1])
    del record["output"]
    bad.write_text("\n".join([lines[0], json.dumps(record, ensure_ascii=False)]) + "\n",
                   encoding="utf-8")
    with pytest.raises(InputError) as caught:
        train_adapter(bad, "smollm2-135m", _config(), tmp_path / "a", log=lambda _: None)
    assert str(bad) in str(caught.value) and "line 2" in str(caught.value)
    assert record["id"] in str(caught.value)
    with pytest.raises(InputError, match="model path does not exist") as caught:
        train_adapter(dataset_dir, str(tmp_path / "no-such-model"), _config(), tmp_path / "b",
                      log=lambda _: None)
    assert "no-such-model" in str(caught.value)


def test_nf4_path_trains_on_the_cpu_too(overfit_dir: Path, tiny_model_dir: Path, tmp_path: Path):
    """The QLoRA branch (NF4 base + k-bit preparation) runs here; only its CUDA kernels differ."""
    result = train_adapter(overfit_dir, str(tiny_model_dir), _config(quantization="nf4",
                                                                      max_steps=3),
                           tmp_path / "qlora", log=lambda _: None)
    assert result.card.quantization == "nf4"
    assert all(torch.isfinite(torch.tensor(e["loss"])) for e in result.card.loss_curve)
    weights = load_file(str(tmp_path / "qlora" / "adapter_model.safetensors"))
    assert any(v.abs().sum() > 0 for k, v in weights.items() if "lora_B" in k)


@pytest.mark.cuda
@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")
def test_auto_quantization_trains_qlora_on_cuda(overfit_dir: Path, tiny_model_dir: Path,
                                                tmp_path: Path):
    result = train_adapter(overfit_dir, str(tiny_model_dir), _config(quantization="auto",
                                                                      max_steps=3),
                           tmp_path / "cuda", log=lambda _: None)
    assert result.card.quantization == "nf4"
    losses = [e["loss"] for e in result.card.loss_curve]
    assert losses[-1] < losses[0]


def test_resume_refuses_checkpoints_of_another_run(dataset_dir: Path, tiny_model_dir: Path,
                                                   tmp_path: Path):
    out = tmp_path / "adapter"
    train_adapter(dataset_dir, str(tiny_model_dir), _config(max_steps=1), out, log=lambda _: None)
    with pytest.raises(InputError, match="different run.*config"):
        train_adapter(dataset_dir, str(tiny_model_dir), _config(max_steps=1, learning_rate=1e-4),
                      out, resume=True, log=lambda _: None)
    with pytest.raises(InputError, match="different run.*excluded_themes"):
        train_adapter(dataset_dir, str(tiny_model_dir), _config(max_steps=1), out, resume=True,
                      exclude_themes=["人物"], log=lambda _: None)
    again = train_adapter(dataset_dir, str(tiny_model_dir), _config(max_steps=1, threads=1), out,
                          resume=True, log=lambda _: None)  # threads only change the speed
    assert again.card.metrics["steps"] == 1  # already done: nothing retrained


def test_latest_checkpoint_ignores_incomplete_ones(tmp_path: Path):
    from kg2instruction.train.checkpoints import STATE_FILE, latest_checkpoint

    for name, complete in (("checkpoint-3", True), ("checkpoint-10", True),
                           ("checkpoint-12", False), ("tmp-checkpoint-14", True)):
        (tmp_path / name).mkdir()
        if complete:
            (tmp_path / name / STATE_FILE).write_text("{}", encoding="utf-8")
    assert latest_checkpoint(tmp_path).name == "checkpoint-10"  # 10 > 3 by number, not text
    assert latest_checkpoint(tmp_path / "absent") is None
