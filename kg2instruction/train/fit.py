"""Optimisation with transformers' `Trainer`: AdamW, linear warm-up/decay, gradient accumulation,
checkpoints and exact resume.

Why `Trainer` and not a loop of our own: it already saves and restores everything a resume needs
(adapter weights, optimizer, scheduler, RNG states, the position in the seeded data order) and skips
the micro-batches already consumed, so an interrupted run continues to the same adapter. TRL's
`SFTTrainer` was not taken: it serves decoder-only models, and `encoding` already masks the prompt
out of the loss for both decoder-only and encoder-decoder models. What this module adds is the
mapping from `TrainConfig` to `TrainingArguments`, a collator for the pre-encoded examples, and
callbacks that keep the loss curve in a file as it grows and report one line per logged step.
"""
from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from kg2instruction.atomic import atomic_write_text
from kg2instruction.train.checkpoints import STATE_FILE, checkpoint_step, latest_checkpoint
from kg2instruction.train.config import RunSettings, TrainConfig
from kg2instruction.train.encoding import EncodedExample, collate
from kg2instruction.train.kbit import restore_trainable_4bit_weights

LOSS_FILE = "loss_curve.jsonl"
ADAPTER_WEIGHTS = "adapter_model.safetensors"


@dataclass(frozen=True)
class FitSetup:
    """Where checkpoints go, where the loss curve is written, and whether to continue."""

    config: TrainConfig
    pad_token_id: int
    seq2seq: bool
    checkpoint_dir: Path
    loss_file: Path
    resume: bool


@dataclass
class FitResult:
    """Steps done in total, the loss curve (every logged step, also from before a resume), and the
    wall time of this invocation's optimisation."""

    steps: int
    loss_log: list[dict[str, float]] = field(default_factory=list)
    seconds: float = 0.0
    steps_this_run: int = 0
    log_history: list[dict[str, Any]] = field(default_factory=list)  # every logged dict


def loop_arguments(config: RunSettings, checkpoint_dir: Path) -> dict[str, Any]:
    """The optimiser, schedule, checkpoint and logging arguments SFT's `TrainingArguments` and
    DPO's `DPOConfig` share, from the settings both configs share; nothing is reported anywhere
    but our own callbacks."""
    return dict(
        output_dir=str(checkpoint_dir),
        per_device_train_batch_size=config.batch_size,
        gradient_accumulation_steps=config.grad_accumulation,
        learning_rate=config.learning_rate, weight_decay=config.weight_decay,
        warmup_steps=config.warmup_steps, lr_scheduler_type="linear", optim="adamw_torch",
        max_grad_norm=config.max_grad_norm, num_train_epochs=config.epochs,
        max_steps=config.max_steps if config.max_steps is not None else -1,
        logging_strategy="steps", logging_steps=config.logging_steps,
        save_strategy="steps", save_steps=config.save_steps,
        save_total_limit=config.keep_checkpoints, seed=config.seed,
        report_to="none", disable_tqdm=True, log_level="warning",
        dataloader_num_workers=0, dataloader_pin_memory=False)


def training_arguments(config: TrainConfig, checkpoint_dir: Path):
    """`TrainConfig` in `Trainer`'s terms."""
    from transformers import TrainingArguments

    return TrainingArguments(**loop_arguments(config, checkpoint_dir),
                             remove_unused_columns=False, label_names=["labels"])


def fit(model, examples: Sequence[EncodedExample], setup: FitSetup,
        log: Callable[[str], None] = print) -> FitResult:
    """Train the model's trainable parameters; resumes from the newest complete checkpoint when
    `setup.resume` is set."""
    from transformers import Trainer

    if not any(p.requires_grad for p in model.parameters()):
        raise ValueError("the model has no trainable parameters (is the adapter attached?)")
    trainer = Trainer(model=model, args=training_arguments(setup.config, setup.checkpoint_dir),
                      train_dataset=list(examples),
                      data_collator=lambda batch: collate(batch, setup.pad_token_id,
                                                          seq2seq=setup.seq2seq),
                      callbacks=progress_callbacks(setup.loss_file, log))
    return run_trainer(trainer, model, setup.checkpoint_dir, setup.resume, log)


def run_trainer(trainer, model, checkpoint_dir: Path, resume: bool,
                log: Callable[[str], None] = print) -> FitResult:
    """Run a `Trainer` (ours or TRL's) built with `progress_callbacks`, continuing from the newest
    complete checkpoint when `resume` is set; a run whose last checkpoint is final is not rerun."""
    from transformers.trainer_callback import PrinterCallback

    trainer.remove_callback(PrinterCallback)  # it would print every log dict
    last = latest_checkpoint(checkpoint_dir) if resume else None
    if last is not None:
        finished = finished_result(model, last)
        if finished is not None:
            log(f"{last} ends the training already: nothing left to do")
            return finished
        log(f"resumed from {last} at step {checkpoint_step(last)}")
    output = trainer.train(resume_from_checkpoint=str(last) if last is not None else None)
    steps = trainer.state.global_step
    return FitResult(steps=steps, loss_log=loss_entries(trainer.state.log_history),
                     seconds=float(output.metrics.get("train_runtime", 0.0)),
                     steps_this_run=steps - (checkpoint_step(last) if last is not None else 0),
                     log_history=list(trainer.state.log_history))


def finished_result(model, checkpoint: Path) -> FitResult | None:
    """The result of a run whose last checkpoint is its final step, with the adapter weights
    loaded from it; None if steps remain. (`Trainer` would otherwise run one step more.)"""
    state = json.loads((checkpoint / STATE_FILE).read_text(encoding="utf-8"))
    if state.get("global_step", 0) < state.get("max_steps", 0) or not state.get("max_steps"):
        return None
    from peft import set_peft_model_state_dict
    from safetensors.torch import load_file

    set_peft_model_state_dict(model, load_file(str(checkpoint / ADAPTER_WEIGHTS)))
    return FitResult(steps=state["global_step"], loss_log=loss_entries(state["log_history"]),
                     log_history=list(state["log_history"]))


def loss_entries(history: list[dict[str, Any]]) -> list[dict[str, float]]:
    return [{"step": int(entry["step"]), "loss": round(float(entry["loss"]), 6),
             "lr": float(entry.get("learning_rate", 0.0))}
            for entry in history if "loss" in entry and "step" in entry]


def progress_callbacks(loss_file: Path, log: Callable[[str], None]) -> list:
    """The loss-curve file with its progress lines, and the 4-bit guard (classes built here so
    transformers is imported only when training runs)."""
    from transformers import TrainerCallback

    class LossCurve(TrainerCallback):
        """One JSON line per logged step, rewritten from the restored history on resume, so the
        file always holds the whole curve of the run so far; plus a progress line."""

        def on_train_begin(self, args, state, control, **kwargs) -> None:
            loss_file.parent.mkdir(parents=True, exist_ok=True)
            atomic_write_text(loss_file, "".join(json.dumps(e) + "\n"
                                                 for e in loss_entries(state.log_history)))

        def on_log(self, args, state, control, logs=None, **kwargs) -> None:
            entries = loss_entries([{**(logs or {}), "step": state.global_step}])
            if not entries:
                return
            with open(loss_file, "a", encoding="utf-8") as fh:
                fh.write(json.dumps(entries[0]) + "\n")
            log(f"step {state.global_step}/{state.max_steps} loss {entries[0]['loss']:.4f}")

    class Trainable4bit(TrainerCallback):
        """Undo bitsandbytes' CPU inference packing right before the first step (see `kbit`): a
        no-grad forward anywhere since loading would otherwise leave every gradient at zero."""

        def on_train_begin(self, args, state, control, model=None, **kwargs) -> None:
            if model is not None:
                restore_trainable_4bit_weights(model)

    return [LossCurve(), Trainable4bit()]
