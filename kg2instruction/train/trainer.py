"""`train_adapter`: instruction data + base model + config -> a LoRA adapter with its card.

One code path for both hardware settings; the only switch is the resolved `quantization` (NF4 base
weights for QLoRA on CUDA, full-precision on the CPU). Output folder layout::

    <out>/adapter_config.json, adapter_model.safetensors   the adapter (peft format)
    <out>/adapter_card.json, README.md                      provenance and metrics (written last)
    <out>/loss_curve.jsonl                                  {step, loss, lr} per logged step, live
    <out>/checkpoints/checkpoint-<step>/                    resumable state (transformers Trainer)
"""
from __future__ import annotations

import json
import os
import shutil
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from kg2instruction.atomic import atomic_write_text
from kg2instruction.errors import InputError
from kg2instruction.train.card import AdapterCard, write_card
from kg2instruction.train.checkpoints import stored_differences
from kg2instruction.train.config import Quantization, TrainConfig
from kg2instruction.train.data import DataPaths, dataset_files, fingerprint_files, load_examples
from kg2instruction.train.encoding import EncodingStats, encode_all
from kg2instruction.train.fit import LOSS_FILE, FitResult, FitSetup, fit
from kg2instruction.train.kbit import prepare_for_training
from kg2instruction.train.selection import select_examples
from kg2instruction.train.models import (
    is_seq2seq,
    load_model,
    load_tokenizer,
    resolve_model,
    resolve_quantization,
)
from kg2instruction.train.template import get_template

CHECKPOINTS = "checkpoints"


@dataclass(frozen=True)
class TrainResult:
    out: Path
    card: AdapterCard


def attach_lora(model, config: TrainConfig, *, seq2seq: bool):
    """Wrap the prepared base model with a fresh LoRA adapter (only its weights train)."""
    from peft import LoraConfig, TaskType, get_peft_model

    layers = None
    if config.lora.top_layers is not None:  # backward stops below the lowest adapted layer
        depth = int(getattr(model.config, "num_hidden_layers", 0) or 0)
        if depth < 1:
            raise InputError("lora.top_layers", "the model does not say how many layers it has")
        layers = list(range(max(0, depth - config.lora.top_layers), depth))
    lora = LoraConfig(r=config.lora.r, lora_alpha=config.lora.alpha,
                      lora_dropout=config.lora.dropout, target_modules=config.lora.target_modules,
                      layers_to_transform=layers,
                      task_type=TaskType.SEQ_2_SEQ_LM if seq2seq else TaskType.CAUSAL_LM)
    try:
        return get_peft_model(model, lora)
    except ValueError as exc:  # peft: target modules not found in the base model
        raise InputError("lora.target_modules", str(exc)) from None


def train_adapter(data: DataPaths, model: str, config: TrainConfig, out: str | Path, *,
                  gguf_file: str | None = None, resume: bool = False,
                  exclude_themes: Iterable[str] = (),
                  log: Callable[[str], None] = print) -> TrainResult:
    """Train a LoRA adapter on the train split of `data` (one or more files or dataset folders)."""
    import torch

    out = Path(out)
    excluded = sorted(set(exclude_themes))
    check_out(out, resume)
    if config.threads:
        torch.set_num_threads(config.threads)
    files = dataset_files(data, "train")
    where = ", ".join(map(str, files))
    examples, skipped = select_examples(
        load_examples(data, "train", require_output=True, exclude_themes=excluded),
        skip_empty_answers=config.skip_empty_answers)
    if not examples:
        raise InputError(where, "no training examples left"
                                + (f" after excluding themes {excluded}" if excluded else "")
                                + (f" after skipping {skipped} empty answers" if skipped else ""))
    source = resolve_model(model, gguf_file)
    quantization = resolve_quantization(config.quantization)
    fingerprint = fingerprint_files(files)
    claim_checkpoints(out / CHECKPOINTS, {
        "base_model": source.name, "gguf_file": source.gguf_file,
        "quantization": quantization.value, "data_fingerprint": fingerprint,
        "excluded_themes": excluded,
        # threads change the speed, not what is learned: a resume may use another count
        "config": config.model_dump(mode="json", exclude={"threads"})})
    seq2seq = is_seq2seq(source)
    tokenizer = load_tokenizer(source)
    encoded, stats = encode_all(tokenizer, get_template(config.template), examples,
                                config.cutoff_len, seq2seq=seq2seq)
    if not encoded:
        raise InputError(where, f"every prompt is longer than cutoff_len={config.cutoff_len} "
                                f"tokens (first: {stats.dropped[0]})")
    log(f"{len(encoded)} examples ({stats.truncated} truncated, {len(stats.dropped)} dropped, "
        f"{skipped} empty answers skipped); quantization={quantization.value}")
    base = prepare_for_training(load_model(source, quantization, seq2seq=seq2seq),
                                gradient_checkpointing=quantization is Quantization.NF4)
    torch.manual_seed(config.seed)  # LoRA's A matrices are random: same seed, same adapter
    peft_model = attach_lora(base, config, seq2seq=seq2seq)
    setup = FitSetup(config, tokenizer.pad_token_id, seq2seq, out / CHECKPOINTS,
                     out / LOSS_FILE, resume)
    result = fit(peft_model, encoded, setup, log)
    card = AdapterCard(source.name, source.location, source.gguf_file, seq2seq,
                       quantization.value, [str(f) for f in files], fingerprint, excluded,
                       config.model_dump(mode="json"), _metrics(result, stats, skipped),
                       result.loss_log)
    publish_adapter(peft_model, tokenizer, out, card)
    return TrainResult(out, card)


def check_out(out: Path, resume: bool) -> None:
    """Refuse to overwrite earlier training unless asked to continue it."""
    if resume or not (out / CHECKPOINTS).exists():
        return
    raise InputError(out, "already holds training checkpoints; pass --resume to continue, or "
                          "choose another output folder")


RUN_IDENTITY = "run.json"


def claim_checkpoints(folder: Path, identity: dict) -> None:
    """Tie the checkpoints to this run, so a resume never continues another run's training."""
    path = folder / RUN_IDENTITY
    differs = stored_differences(path, identity)
    if differs is not None:
        if differs:
            raise InputError(folder, f"checkpoints were made by a different run (differs in "
                                     f"{', '.join(differs)}); choose another output folder")
        return
    folder.mkdir(parents=True, exist_ok=True)
    atomic_write_text(path, json.dumps(identity, indent=2, ensure_ascii=False))


def _metrics(result: FitResult, stats: EncodingStats, skipped_empty: int) -> dict:
    losses = [entry["loss"] for entry in result.loss_log]
    per_step = result.seconds / result.steps_this_run if result.steps_this_run else None
    return {
        "steps": result.steps, "examples": stats.kept, "examples_truncated": stats.truncated,
        "examples_dropped": len(stats.dropped), "empty_answers_skipped": skipped_empty,
        "loss_first": losses[0] if losses else None, "loss_last": losses[-1] if losses else None,
        "seconds_per_step": round(per_step, 3) if per_step is not None else None,
        "train_seconds": round(result.seconds, 1),  # this invocation's optimisation only
    }


def publish_adapter(model, tokenizer, out: Path, card: AdapterCard,
                    adapters: list[str] | None = None) -> None:
    """Save weights to a temporary folder, move them into `out`, then write the card last;
    `adapters` names the adapters to save when the model holds others (DPO's frozen reference)."""
    tmp = out / f".adapter.tmp-{os.getpid()}"
    shutil.rmtree(tmp, ignore_errors=True)
    model.save_pretrained(tmp, **({"selected_adapters": adapters} if adapters else {}))
    tokenizer.save_pretrained(tmp)
    for item in tmp.iterdir():
        target = out / item.name
        if target.is_dir():
            shutil.rmtree(target)
        os.replace(item, target)
    tmp.rmdir()
    write_card(out, card)
