"""`train_dpo`: an SFT adapter + preference pairs -> a DPO-refined adapter with its card.

DPO needs a frozen reference, and here the reference must be the SFT model (base + SFT adapter),
not the bare base model. TRL 1.16's `DPOTrainer` does exactly that when handed a `PeftModel` that
already holds a trained adapter: it copies the "default" adapter to a frozen "ref" adapter and
computes reference log-probabilities with "ref" active. So the policy is the SFT adapter loaded
trainable (`PeftModel.from_pretrained(..., is_trainable=True)`), nothing else is kept in memory,
and the same path serves QLoRA (4-bit base on CUDA) and LoRA (CPU). Only the "default" adapter is
saved, so the output folder is an adapter like any SFT one (`kg2i predict --adapter`).

Sampling (`kg2i preference-pairs`) and this training run in separate processes on purpose: a
no-grad forward before training in one process can leave a 4-bit model without gradients
(`kbit`).

Output folder layout: as `trainer` (adapter files, `adapter_card.json`, `README.md`,
`loss_curve.jsonl`, `checkpoints/`).
"""
from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

from kg2instruction.errors import InputError
from kg2instruction.train.card import AdapterCard, require_card
from kg2instruction.train.config import Quantization
from kg2instruction.train.data import fingerprint_files
from kg2instruction.train.dpo_config import DpoConfig
from kg2instruction.train.fit import (LOSS_FILE, FitResult, loop_arguments, progress_callbacks,
                                      run_trainer)
from kg2instruction.train.kbit import prepare_for_training
from kg2instruction.train.models import (
    compute_dtype,
    is_seq2seq,
    load_model,
    load_tokenizer,
    resolve_model,
    resolve_quantization,
)
from kg2instruction.train.pairs import load_pairs
from kg2instruction.train.trainer import (
    CHECKPOINTS,
    TrainResult,
    check_out,
    claim_checkpoints,
    publish_adapter,
)

POLICY = "default"  # peft's name for the adapter loaded first; TRL adds "ref" beside it


def adapter_identity(adapter: Path) -> dict:
    """What identifies the parent: its folder, its weights, what it was trained on."""
    card = require_card(adapter)
    weights = sorted(Path(adapter).glob("adapter_model.*"))
    return {"path": str(adapter), "weights_sha256": fingerprint_files(weights) if weights else None,
            "method": card.method, "base_model": card.base_model,
            "data_fingerprint": card.data_fingerprint}


def dpo_arguments(config: DpoConfig, checkpoint_dir: Path, *, quantization: Quantization):
    """`DpoConfig` in TRL's terms; nothing is reported anywhere but our own callbacks."""
    import torch
    from trl import DPOConfig

    bf16 = torch.cuda.is_available() and compute_dtype() == torch.bfloat16
    return DPOConfig(
        **loop_arguments(config, checkpoint_dir),
        beta=config.beta, loss_type=[config.loss_type.value],
        label_smoothing=config.label_smoothing, max_length=config.max_length,
        # activations are recomputed only where memory is short (QLoRA); on the CPU it only costs
        gradient_checkpointing=quantization is Quantization.NF4,
        bf16=bf16, fp16=False,  # TRL would default to bf16 autocast, slow and lossy on a CPU
        data_seed=config.seed)


def train_dpo(pairs: Sequence[Path], adapter: str | Path, config: DpoConfig, out: str | Path, *,
              model: str | None = None, gguf_file: str | None = None, resume: bool = False,
              log: Callable[[str], None] = print) -> TrainResult:
    """Continue the SFT adapter `adapter` with DPO on the pairs files; write the new adapter."""
    import torch

    out, adapter = Path(out), Path(adapter)
    pair_set = load_pairs(pairs)  # the cheap checks first: a bad line fails before any loading
    parent_card = require_card(adapter)
    if parent_card.method != "sft":
        log(f"note: {adapter} is itself a {parent_card.method} adapter; continuing it")
    if out.resolve() == adapter.resolve():
        raise InputError(out, "is the SFT adapter folder itself; write the DPO adapter elsewhere")
    check_out(out, resume)
    if config.threads:
        torch.set_num_threads(config.threads)
    source = resolve_model(model or parent_card.base_model,
                           gguf_file if model else (gguf_file or parent_card.gguf_file))
    if is_seq2seq(source):
        raise InputError(source.name, "DPO (TRL) trains decoder-only models only")
    quantization = resolve_quantization(config.quantization)
    parent = adapter_identity(adapter)
    fingerprint = fingerprint_files(pair_set.files)
    claim_checkpoints(out / CHECKPOINTS, {
        "method": "dpo", "base_model": source.name, "gguf_file": source.gguf_file,
        "quantization": quantization.value, "data_fingerprint": fingerprint, "parent": parent,
        "config": config.model_dump(mode="json", exclude={"threads"})})
    tokenizer = load_tokenizer(source)
    log(f"{len(pair_set.rows)} preference pairs {pair_set.counts['per_kind']}; continuing "
        f"{adapter} ({parent_card.config.get('template')} template); "
        f"quantization={quantization.value}")
    base = prepare_for_training(load_model(source, quantization, seq2seq=False),
                                gradient_checkpointing=quantization is Quantization.NF4)
    policy = _trainable_adapter(base, adapter)
    result = _fit(policy, tokenizer, pair_set.rows, config, out, quantization, resume, log)
    card = AdapterCard(source.name, source.location, source.gguf_file, False,
                       quantization.value, [str(f) for f in pair_set.files], fingerprint,
                       list(parent_card.excluded_themes),
                       {**config.model_dump(mode="json"),
                        "template": parent_card.config.get("template")},
                       _metrics(result, len(pair_set.rows)), result.loss_log, method="dpo",
                       parent=parent, preference_data=pair_set.summary())
    publish_adapter(policy, tokenizer, out, card, adapters=[POLICY])
    return TrainResult(out, card)


def _trainable_adapter(base, adapter: Path):
    from peft import PeftModel

    model = PeftModel.from_pretrained(base, str(adapter), adapter_name=POLICY, is_trainable=True)
    if not any(p.requires_grad for p in model.parameters()):
        raise InputError(adapter, "the adapter loaded without trainable weights")
    return model


def _fit(policy, tokenizer, rows: list[dict[str, str]], config: DpoConfig, out: Path,
         quantization: Quantization, resume: bool, log: Callable[[str], None]) -> FitResult:
    from datasets import Dataset
    from trl import DPOTrainer

    trainer = DPOTrainer(model=policy, ref_model=None,
                         args=dpo_arguments(config, out / CHECKPOINTS, quantization=quantization),
                         train_dataset=Dataset.from_list(rows), processing_class=tokenizer,
                         callbacks=progress_callbacks(out / LOSS_FILE, log))
    if "ref" not in policy.peft_config:  # TRL would otherwise compare with the bare base model
        raise RuntimeError("TRL did not add the frozen 'ref' copy of the SFT adapter")
    return run_trainer(trainer, policy, out / CHECKPOINTS, resume, log)


def _metrics(result: FitResult, pairs: int) -> dict:
    losses = [entry["loss"] for entry in result.loss_log]
    per_step = result.seconds / result.steps_this_run if result.steps_this_run else None
    last = next((e for e in reversed(result.log_history) if "rewards/accuracies" in e), {})
    return {
        "steps": result.steps, "pairs": pairs,
        "loss_first": losses[0] if losses else None, "loss_last": losses[-1] if losses else None,
        "reward_accuracy_last": last.get("rewards/accuracies"),
        "reward_margin_last": last.get("rewards/margins"),
        "seconds_per_step": round(per_step, 3) if per_step is not None else None,
        "train_seconds": round(result.seconds, 1),
    }
