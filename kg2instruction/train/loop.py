"""The optimisation loop: AdamW, linear warm-up/decay, gradient accumulation, checkpoints, resume.

A small explicit loop rather than HF `Trainer`: resume must continue *exactly* where training
stopped (same data order, same step), which here follows from one rule: the order of epoch e is a
seeded permutation of (seed, e), so the position of micro-batch n is known without replaying data.
"""
from __future__ import annotations

import math
import random
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import torch

from kg2instruction.train.checkpoints import (
    Progress,
    latest_checkpoint,
    load_checkpoint,
    save_checkpoint,
)
from kg2instruction.train.config import TrainConfig
from kg2instruction.train.encoding import EncodedExample, collate
from kg2instruction.train.kbit import restore_trainable_4bit_weights


@dataclass(frozen=True)
class LoopSetup:
    config: TrainConfig
    pad_token_id: int
    seq2seq: bool
    checkpoint_dir: Path
    resume: bool


def total_steps(config: TrainConfig, n_examples: int) -> int:
    """Optimizer steps: `max_steps`, or `epochs` worth of accumulated batches (at least one)."""
    if config.max_steps is not None:
        return config.max_steps
    per_epoch = math.ceil(n_examples / config.batch_size) / config.grad_accumulation
    return max(1, math.ceil(config.epochs * per_epoch))


def micro_batch(examples: Sequence[EncodedExample], index: int,
                config: TrainConfig) -> list[EncodedExample]:
    """Micro-batch number `index` of the endless, epoch-wise shuffled stream of examples."""
    per_epoch = math.ceil(len(examples) / config.batch_size)
    epoch, position = divmod(index, per_epoch)
    order = list(range(len(examples)))
    random.Random(f"{config.seed}:{epoch}").shuffle(order)
    chosen = order[position * config.batch_size:(position + 1) * config.batch_size]
    return [examples[i] for i in chosen]


def run_loop(model, examples: Sequence[EncodedExample], setup: LoopSetup,
             log: Callable[[str], None] = print) -> Progress:
    """Train the model's trainable parameters; returns the final progress with its loss log."""
    config = setup.config
    steps = total_steps(config, len(examples))
    params = [p for p in model.parameters() if p.requires_grad]
    if not params:
        raise ValueError("the model has no trainable parameters (is the adapter attached?)")
    optimizer = torch.optim.AdamW(params, lr=config.learning_rate,
                                  weight_decay=config.weight_decay)
    scheduler = torch.optim.lr_scheduler.LambdaLR(
        optimizer, _linear_schedule(config.warmup_steps, steps))
    progress = Progress()
    last = latest_checkpoint(setup.checkpoint_dir) if setup.resume else None
    if last is not None:  # restores the RNG too, so dropout continues as if never stopped
        progress = load_checkpoint(last, model, optimizer, scheduler)
        log(f"resumed from {last} at step {progress.step}/{steps}")
    else:
        torch.manual_seed(config.seed)
    device = next(p.device for p in params)
    restore_trainable_4bit_weights(model)  # a no-grad forward since loading would block gradients
    model.train()
    while progress.step < steps:
        started = time.perf_counter()
        loss_sum = 0.0
        for _ in range(config.grad_accumulation):
            batch = collate(micro_batch(examples, progress.micro_batches, config),
                            setup.pad_token_id, seq2seq=setup.seq2seq)
            loss = model(**{k: v.to(device) for k, v in batch.items()}).loss
            (loss / config.grad_accumulation).backward()
            loss_sum += loss.item()
            progress.micro_batches += 1
        torch.nn.utils.clip_grad_norm_(params, config.max_grad_norm)
        optimizer.step()
        scheduler.step()
        optimizer.zero_grad(set_to_none=True)
        progress.step += 1
        progress.seconds += time.perf_counter() - started
        step_loss = loss_sum / config.grad_accumulation
        if progress.step % config.logging_steps == 0 or progress.step == steps:
            progress.loss_log.append({"step": progress.step, "loss": round(step_loss, 6),
                                      "lr": scheduler.get_last_lr()[0]})
            log(f"step {progress.step}/{steps} loss {step_loss:.4f}")
        if progress.step % config.save_steps == 0 or progress.step == steps:
            save_checkpoint(setup.checkpoint_dir, model, optimizer, scheduler, progress,
                            keep=config.keep_checkpoints)
    return progress


def _linear_schedule(warmup: int, total: int) -> Callable[[int], float]:
    def factor(step: int) -> float:
        if warmup and step < warmup:
            return (step + 1) / warmup
        return max(0.0, (total - step) / max(1, total - warmup))
    return factor
