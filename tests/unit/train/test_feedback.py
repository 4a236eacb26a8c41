"""`kg2i preference-pairs` on a tiny real model and adapter: samples are scored and appended per
instruction, a rerun continues where a kill stopped (torn line included) and draws what an
uninterrupted run draws, other settings are refused, and the pairs file is rebuilt whole."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from kg2instruction.cli import main
from kg2instruction.errors import InputError
from kg2instruction.evaluate.generation import GenerationSettings, TransformersGenerator
from kg2instruction.train.config import TrainConfig
from kg2instruction.train.feedback import (
    FeedbackJob,
    GeneratorSampler,
    sample_instances,
    samples_path,
    write_pairs,
)
from kg2instruction.train.template import ALPACA
from kg2instruction.train.trainer import train_adapter

from .conftest import write_dataset


@pytest.fixture(scope="module")
def re_data(instruction_splits, tmp_path_factory) -> Path:
    # the rows whose answer is the JSON their IEPile-style instruction asks for (RE and KG)
    rows = [r for r in instruction_splits["train"] if r["output"].lstrip().startswith("{")]
    return write_dataset({"train": rows}, tmp_path_factory.mktemp("re") / "data")


@pytest.fixture(scope="module")
def tiny_adapter(re_data: Path, tiny_model_dir: Path, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("sft") / "adapter"
    config = TrainConfig(quantization="none", lora={"r": 4, "alpha": 8, "dropout": 0.0,
                                                    "target_modules": ["q_proj", "v_proj"]},
                         max_steps=1, batch_size=1, cutoff_len=256, threads=2)
    train_adapter(re_data, str(tiny_model_dir), config, out, log=lambda _: None)
    return out


@pytest.fixture(scope="module")
def sampler(tiny_model_dir: Path, tiny_adapter: Path) -> GeneratorSampler:
    settings = GenerationSettings(max_new_tokens=4, temperature=1.0, stop=ALPACA.stop)
    return GeneratorSampler(TransformersGenerator.load(str(tiny_model_dir), settings,
                                                       adapter=tiny_adapter))


def _job(data: Path, out: Path, **overrides) -> FeedbackJob:
    return FeedbackJob(data, out, ALPACA, **{"samples": 3, "seed": 5,
                                             "producer": {"model": "tiny"}, **overrides})


class _Killed(Exception):
    pass


def _lines(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


@pytest.mark.slow
def test_an_interrupted_sampling_resumes_to_what_a_straight_run_draws(re_data, sampler, tmp_path):
    straight = tmp_path / "straight" / "pairs.jsonl"
    summary = sample_instances(_job(re_data, straight), sampler, log=lambda _: None)
    assert summary.sampled == summary.total == 7
    rows = _lines(samples_path(straight))
    assert all(len(r["samples"]) == 3 and len(r["scores"]) == 3 for r in rows)
    assert {r["task"] for r in rows} == {"RE", "KG"} and all(0 <= s <= 100 for r in rows
                                                       for s in r["scores"])

    def kill_after_two(message: str) -> None:
        if message.startswith("sampled 2/"):
            raise _Killed

    resumed = tmp_path / "resumed" / "pairs.jsonl"
    with pytest.raises(_Killed):
        sample_instances(_job(re_data, resumed), sampler, log=kill_after_two)
    with open(samples_path(resumed), "a", encoding="utf-8") as fh:
        fh.write('{"id": "torn by a ki')                     # a kill mid-write
    messages: list[str] = []
    again = sample_instances(_job(re_data, resumed), sampler, log=messages.append)
    assert again.already_done == 2 and again.sampled == summary.total - 2
    assert _lines(samples_path(resumed)) == rows                # same instances, same draws
    assert sample_instances(_job(re_data, resumed), sampler, log=lambda _: None).sampled == 0

    result = write_pairs(resumed, margin=10, offline_share=0.7, seed=5)
    written = _lines(resumed)
    assert len(written) == len(result.pairs) and all(
        set(r) >= {"prompt", "chosen", "rejected", "id", "kind", "chosen_score",
                   "rejected_score", "task"} for r in written)
    assert all(r["prompt"].startswith("Below is an instruction") for r in written)


@pytest.mark.slow
def test_other_settings_are_refused_and_limit_takes_a_seeded_order(re_data, sampler, tmp_path):
    out = tmp_path / "pairs.jsonl"
    sample_instances(_job(re_data, out, limit=2), sampler, log=lambda _: None)
    first = [(r["id"], r["chunk"]) for r in _lines(samples_path(out))]
    assert len(first) == 2
    with pytest.raises(InputError, match="differs in samples"):
        sample_instances(_job(re_data, out, samples=2, limit=2), sampler, log=lambda _: None)
    other = tmp_path / "other.jsonl"
    sample_instances(_job(re_data, other, limit=2), sampler, log=lambda _: None)
    assert [(r["id"], r["chunk"]) for r in _lines(samples_path(other))] == first


@pytest.mark.slow
def test_the_command_uses_the_adapter_card_and_reports_the_pairs(re_data, tiny_adapter,
                                                                 tmp_path, capsys):
    out = tmp_path / "pairs.jsonl"
    assert main(["preference-pairs", "--adapter", str(tiny_adapter), "--data", str(re_data),
                 "--out", str(out), "--limit", "2", "--max-new-tokens", "4", "--samples",
                 "2"]) == 0
    said = capsys.readouterr().out
    assert "2 instructions sampled now" in said and f"-> {out}" in said
    meta = json.loads((tmp_path / "pairs.samples.meta.json").read_text(encoding="utf-8"))
    assert meta["template"] == "alpaca" and meta["adapter"]["weights_sha256"]
    assert out.is_file()


def test_a_folder_without_an_adapter_card_is_one_error_line(re_data, tmp_path, capsys):
    assert main(["preference-pairs", "--adapter", str(tmp_path), "--data", str(re_data),
                 "--out", str(tmp_path / "p.jsonl")]) == 2
    err = capsys.readouterr().err.strip()
    assert "\n" not in err and "not a LoRA adapter folder" in err and str(tmp_path) in err
