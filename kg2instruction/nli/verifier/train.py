"""Seeded fine-tuning of a small cross-encoder into a binary relation verifier.

One run, two phases (see `config.py`): general NLI, then relation-verification pairs mixed with
general NLI. The phase-1 checkpoint is saved as the general-NLI-only variant. Weights are saved
in fp16 safetensors (half the size, same scores after the fp32 upcast at load); the label order
is written to `config.id2label` so any scorer finds the entailment class.
"""
from __future__ import annotations

import json
import random
import shutil
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import torch

from kg2instruction.atomic import atomic_write_text
from kg2instruction.errors import ConfigError
from kg2instruction.nli.adapter_classifier import load_base_classifier, save_adapter_classifier
from kg2instruction.nli.verifier.bundled import minilm_base_path
from kg2instruction.nli.verifier.config import PhaseConfig, TrainConfig
from kg2instruction.nli.verifier.training_data import (LabelledPair, RelationData,
                                                       general_as_labelled, general_pairs,
                                                       relation_data, render_one)

ID2LABEL = {0: "not_entailment", 1: "entailment"}
GENERAL_ONLY_DIR = "general-nli-only"
VERIFIER_DIR = "verifier"

Progress = Callable[[str, int, int, float], None]   # phase, step, steps, loss


@dataclass
class TrainReport:
    seconds: dict[str, float] = field(default_factory=dict)
    losses: dict[str, list[float]] = field(default_factory=dict)
    data: dict[str, int] = field(default_factory=dict)


def seed_everything(seed: int) -> None:
    random.seed(seed)
    torch.manual_seed(seed)
    torch.use_deterministic_algorithms(True, warn_only=True)


def _cycle(items: Sequence[LabelledPair], rng: random.Random) -> Iterator[LabelledPair]:
    order = list(range(len(items)))
    while True:
        rng.shuffle(order)
        for index in order:
            yield items[index]


def _relation_stream(data: RelationData, rng: random.Random) -> Iterator[LabelledPair]:
    order = list(range(len(data.train)))
    while True:
        rng.shuffle(order)
        for index in order:
            yield render_one(data.train[index], data.bank, rng)


def _batches(phase: PhaseConfig, batch_size: int, general: Iterator[LabelledPair],
             relation: Iterator[LabelledPair] | None) -> Iterator[list[LabelledPair]]:
    n_general = batch_size if relation is None else round(batch_size * phase.general_fraction)
    for _ in range(phase.steps):
        batch = [next(general) for _ in range(n_general)]
        if relation is not None:
            batch += [next(relation) for _ in range(batch_size - n_general)]
        yield batch


def load_base(config: TrainConfig):
    """(tokenizer, model) with a fresh 2-way head; wrapped in LoRA when the config asks."""
    from transformers import AutoModelForSequenceClassification, AutoTokenizer

    labels = {"num_labels": 2, "id2label": ID2LABEL,
              "label2id": {v: k for k, v in ID2LABEL.items()}}
    if config.base_model is None:       # the MiniLM package: a plain directory
        path = str(minilm_base_path())
        tokenizer = AutoTokenizer.from_pretrained(path)
        model = AutoModelForSequenceClassification.from_pretrained(path, dtype=torch.float32,
                                                                   **labels)
    else:
        tokenizer, model = load_base_classifier(config.base_model, torch.float32, **labels)
    if config.adapter is not None:
        from peft import LoraConfig, TaskType, get_peft_model

        lora = config.adapter
        model = get_peft_model(model, LoraConfig(
            task_type=TaskType.SEQ_CLS, r=lora.r, lora_alpha=lora.alpha,
            lora_dropout=lora.dropout, target_modules=list(lora.target_modules)))
    return tokenizer, model


def freeze_lower(model, frozen_layers: int) -> None:
    """Freeze the embeddings and the lowest `frozen_layers` encoder layers (BERT-style models)."""
    base = getattr(model, model.base_model_prefix)
    for parameter in base.embeddings.parameters():
        parameter.requires_grad = False
    for layer in base.encoder.layer[:frozen_layers]:
        for parameter in layer.parameters():
            parameter.requires_grad = False


def _schedule(optimizer: torch.optim.Optimizer, steps: int, warmup: float):
    warm = max(1, int(steps * warmup))
    return torch.optim.lr_scheduler.LambdaLR(
        optimizer, lambda s: min((s + 1) / warm, max(0.0, (steps - s) / max(1, steps - warm))))


def run_phase(model, tokenizer, batches: Iterator[list[LabelledPair]], phase: PhaseConfig,
              config: TrainConfig, name: str, progress: Progress | None) -> list[float]:
    """Train for `phase.steps` batches; returns the loss of every step."""
    if phase.steps == 0:
        return []
    model.train()
    trainable = [p for p in model.parameters() if p.requires_grad]
    optimizer = torch.optim.AdamW(trainable, lr=phase.learning_rate, weight_decay=0.01)
    scheduler = _schedule(optimizer, phase.steps, config.warmup_fraction)
    losses = []
    for step, batch in enumerate(batches, start=1):
        encoded = tokenizer([p for p, _, _ in batch], [h for _, h, _ in batch],
                            truncation="only_first", max_length=config.max_length,
                            padding=True, return_tensors="pt")
        labels = torch.tensor([label for _, _, label in batch])
        loss = model(**encoded, labels=labels).loss
        loss.backward()
        torch.nn.utils.clip_grad_norm_(trainable, 1.0)
        optimizer.step()
        scheduler.step()
        optimizer.zero_grad(set_to_none=True)
        losses.append(round(loss.item(), 4))
        if progress is not None:
            progress(name, step, phase.steps, float(loss))
    model.eval()
    return losses


def save_model(model, tokenizer, out_dir: Path, config: TrainConfig) -> None:
    """Written to a temporary sibling and renamed into place. A full model is saved as fp16
    safetensors + tokenizer; a LoRA model as its adapter, naming the base (see
    nli.adapter_classifier)."""
    tmp = out_dir.with_name(out_dir.name + ".partial")
    if tmp.exists():
        shutil.rmtree(tmp)
    if config.adapter is not None:
        save_adapter_classifier(model, config.base_model or str(minilm_base_path()), tmp)
    else:
        half = type(model)(model.config)
        half.load_state_dict(model.state_dict())
        half.half().save_pretrained(tmp, safe_serialization=True)
        tokenizer.save_pretrained(tmp)
    if out_dir.exists():
        shutil.rmtree(out_dir)
    tmp.rename(out_dir)


def train_verifier(config: TrainConfig, out_dir: Path, base_dir: Path,
                   progress: Progress | None = None) -> TrainReport:
    """Train both variants into `out_dir/general-nli-only` and `out_dir/verifier`."""
    torch.set_num_threads(config.threads)
    seed_everything(config.seed)
    report = TrainReport()
    started = time.perf_counter()
    general = general_as_labelled(general_pairs(config, base_dir))
    relations = relation_data(config, base_dir)
    report.data = {"general_pairs": len(general), "relation_train_examples": len(relations.train),
                   "relation_held_out_examples": len(relations.held_out),
                   "train_pages": relations.train_pages, "held_out_pages": relations.held_out_pages}
    report.seconds["data"] = round(time.perf_counter() - started, 1)
    if config.relation_phase.steps and not relations.train:
        raise ConfigError(f"no {config.lang} relation-verification sentences in "
                          f"{config.sentences}: set relation_phase.steps to 0",
                          key="relation_phase")
    tokenizer, model = load_base(config)
    if config.adapter is None:
        freeze_lower(model, config.frozen_layers)
    rng = random.Random(config.seed)
    general_stream = _cycle(general, rng)
    for name, phase, relation_stream, target in (
            ("general", config.general_phase, None, GENERAL_ONLY_DIR),
            ("relation", config.relation_phase, _relation_stream(relations, rng), VERIFIER_DIR)):
        began = time.perf_counter()
        batches = _batches(phase, config.batch_size, general_stream, relation_stream)
        report.losses[name] = run_phase(model, tokenizer, batches, phase, config, name, progress)
        report.seconds[name] = round(time.perf_counter() - began, 1)
        save_model(model, tokenizer, out_dir / target, config)
    atomic_write_text(out_dir / "training_report.json", json.dumps({
        "config": config.model_dump(mode="json"), "seconds": report.seconds, "data": report.data,
        "loss_first_last": {k: [v[:20], v[-20:]] for k, v in report.losses.items()},
        "mean_loss_last_100": {k: round(sum(v[-100:]) / max(1, len(v[-100:])), 4)
                               for k, v in report.losses.items()},
    }, indent=2))
    return report
