"""Seeded fine-tuning of a small cross-encoder into a binary relation verifier.

One run, two phases (see `config.py`): general NLI, then relation-verification pairs (T-REx
and human gold) mixed with general NLI. The phase-1 checkpoint is saved as the general-NLI-only
variant (unless the phase is skipped by warm-starting from a trained verifier). With gold dev
pairs the relation phase is evaluated every `eval_every` steps and the best step is kept; the
kept model's per-relation thresholds are then calibrated on the dev pairs and written beside it.
Weights are saved in fp16 safetensors (half the size, same scores after the fp32 upcast at
load); the label order is written to `config.id2label` so any scorer finds the entailment class.
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
from kg2instruction.nli.verifier.bundled import minilm_base_path, resolve_model
from kg2instruction.nli.verifier.checkpoint import (TrainState, drop_checkpoint, load_state,
                                                    restore, restore_weights, save_checkpoint)
from kg2instruction.nli.verifier.config import PhaseConfig, TrainConfig
from kg2instruction.nli.verifier.gold_data import GoldData, gold_data, gold_stream
from kg2instruction.nli.verifier.relation_pairs import balanced_sample
from kg2instruction.nli.verifier.thresholds import calibrate, write_thresholds
from kg2instruction.nli.verifier.training_data import (LabelledPair, RelationData,
                                                       general_as_labelled, general_pairs,
                                                       relation_data, render_one)

ID2LABEL = {0: "not_entailment", 1: "entailment"}
GENERAL_ONLY_DIR = "general-nli-only"
VERIFIER_DIR = "verifier"
BEST_DIR = "best"

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
             relation: Iterator[LabelledPair] | None, gold: Iterator[LabelledPair] | None = None
             ) -> Iterator[list[LabelledPair]]:
    """Each batch: the general share, the gold share, and T-REx relation pairs for the rest."""
    if relation is None:
        n_general, n_gold = batch_size, 0
    else:
        n_general = round(batch_size * phase.general_fraction)
        n_gold = round(batch_size * phase.gold_fraction) if gold is not None else 0
    for _ in range(phase.steps):
        batch = [next(general) for _ in range(n_general)]
        batch += [next(gold) for _ in range(n_gold)]     # type: ignore[arg-type]
        if relation is not None:
            batch += [next(relation) for _ in range(batch_size - n_general - n_gold)]
        yield batch


def load_base(config: TrainConfig):
    """(tokenizer, model) with a fresh 2-way head; wrapped in LoRA when the config asks."""
    from transformers import AutoModelForSequenceClassification, AutoTokenizer

    labels = {"num_labels": 2, "id2label": ID2LABEL,
              "label2id": {v: k for k, v in ID2LABEL.items()}}
    if config.init_model is not None:   # a trained verifier: its own head is kept
        path = resolve_model(config.init_model)
        tokenizer = AutoTokenizer.from_pretrained(path)
        model = AutoModelForSequenceClassification.from_pretrained(path, dtype=torch.float32)
        if model.config.num_labels != 2:
            raise ConfigError(f"init_model {config.init_model!r} has {model.config.num_labels} "
                              "labels; warm starts need a 2-way verifier", key="init_model")
    elif config.base_model is None:     # the MiniLM package: a plain directory
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


StepHook = Callable[[int, float, object, object], None]   # (step, loss, optimizer, scheduler)


def run_phase(model, tokenizer, batches: Iterator[list[LabelledPair]], phase: PhaseConfig,
              config: TrainConfig, name: str, progress: Progress | None,
              start_step: int = 0, resume: Callable[[object, object], None] | None = None,
              after_step: StepHook | None = None) -> list[float]:
    """Train for `phase.steps` batches (the first `start_step` are drawn and skipped: a resumed
    run replays its seeded streams); returns the loss of every step trained here."""
    if phase.steps == 0:
        return []
    model.train()
    trainable = [p for p in model.parameters() if p.requires_grad]
    optimizer = torch.optim.AdamW(trainable, lr=phase.learning_rate, weight_decay=0.01)
    scheduler = _schedule(optimizer, phase.steps, config.warmup_fraction)
    if resume is not None:
        resume(optimizer, scheduler)
    losses = []
    for step, batch in enumerate(batches, start=1):
        if step <= start_step:
            continue
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
        if after_step is not None:
            after_step(step, losses[-1], optimizer, scheduler)
            model.train()
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


class _DevSelector:
    """Scores the in-memory model on a fixed balanced sample of the gold dev pairs and keeps the
    best step's weights in `<out>/best`."""

    def __init__(self, config: TrainConfig, gold: GoldData, tokenizer, out_dir: Path) -> None:
        self.config = config
        self.templates = gold.templates
        self.pairs = balanced_sample(gold.dev, config.selection_pairs, config.seed)
        self.tokenizer = tokenizer
        self.best_dir = out_dir / BEST_DIR

    def __call__(self, model, state: TrainState, step: int) -> None:
        from kg2instruction.nli.metrics import auc_and_accuracy

        scores = _score(model, self.tokenizer, self.config, self.pairs, self.templates)
        auc = auc_and_accuracy([p.label for p in self.pairs], scores, self.config.threshold)["auc"]
        state.evaluations.append({"step": step, "dev_auc": auc})
        if state.best_auc is None or auc > state.best_auc:
            state.best_auc, state.best_step = auc, step
            save_model(model, self.tokenizer, self.best_dir, self.config)


def _score(model, tokenizer, config: TrainConfig, pairs, templates) -> list[float]:
    from kg2instruction.nli.hf_scorer import HfNliScorer, HfScorerSettings
    from kg2instruction.nli.verifier.evaluate import score_gold_pairs

    model.eval()
    scorer = HfNliScorer("in-training", HfScorerSettings(device="cpu", max_length=256),
                         tokenizer=tokenizer, model=model)
    return score_gold_pairs(pairs, templates, scorer)


def calibrate_model(model_dir: Path, config: TrainConfig, gold: GoldData) -> dict:
    """Per-relation thresholds of the saved model on every gold dev pair, written beside it as
    thresholds.json; returns the calibration report."""
    from kg2instruction.nli.hf_scorer import HfNliScorer, HfScorerSettings
    from kg2instruction.nli.verifier.evaluate import score_gold_pairs

    scorer = HfNliScorer(str(model_dir), HfScorerSettings(device="cpu", max_length=256))
    scores = score_gold_pairs(gold.dev, gold.templates, scorer)
    sources = sorted({p.source for p in gold.dev})
    cal = config.calibration
    thresholds = calibrate([p.pid for p in gold.dev], [p.label for p in gold.dev], scores,
                           lang=config.lang, target_precision=cal.target_precision,
                           positive_prior=cal.positive_prior, min_pairs=cal.min_pairs,
                           min_each_class=cal.min_each_class,
                           min_keep_correct=cal.min_keep_correct,
                           calibrated_on=f"gold dev pairs ({', '.join(sources)}; "
                                         f"{len(gold.dev)} pairs)")
    write_thresholds(model_dir, thresholds)
    return {"default": thresholds.default, "by_pid": dict(thresholds.by_pid),
            "report": dict(thresholds.report)}


def _promote(best: Path, final: Path) -> None:
    """The selected step's weights become the run's verifier."""
    if final.exists():
        shutil.rmtree(final)
    shutil.copytree(best, final)


def train_verifier(config: TrainConfig, out_dir: Path, base_dir: Path,
                   progress: Progress | None = None) -> TrainReport:
    """Train both variants into `out_dir/general-nli-only` and `out_dir/verifier` (resuming from
    `out_dir/checkpoint` when a run of the same recipe left one)."""
    torch.set_num_threads(config.threads)
    seed_everything(config.seed)
    report = TrainReport()
    started = time.perf_counter()
    general = general_as_labelled(general_pairs(config, base_dir))
    relations = relation_data(config, base_dir)
    gold = gold_data(config, base_dir, splits=("train", "dev"))
    report.data = {"general_pairs": len(general), "relation_train_examples": len(relations.train),
                   "relation_held_out_examples": len(relations.held_out),
                   "train_pages": relations.train_pages, "held_out_pages": relations.held_out_pages,
                   "gold_train_pairs": len(gold.train), "gold_dev_pairs": len(gold.dev)}
    report.seconds["data"] = round(time.perf_counter() - started, 1)
    if config.relation_phase.steps and not relations.train:
        raise ConfigError(f"no {config.lang} relation-verification sentences in "
                          f"{config.sentences}: set relation_phase.steps to 0",
                          key="relation_phase")
    if config.relation_phase.gold_fraction and not gold.train:
        raise ConfigError("relation_phase.gold_fraction is set but gold.train names no pairs",
                          key="gold.train")
    if config.eval_every and not gold.dev:
        raise ConfigError("eval_every needs gold.dev pairs to select on", key="gold.dev")
    out_dir.mkdir(parents=True, exist_ok=True)
    recipe = config.model_dump_json()
    state = load_state(out_dir, recipe) or TrainState()
    tokenizer, model = load_base(config)
    if config.adapter is None:
        freeze_lower(model, config.frozen_layers)
    selector = _DevSelector(config, gold, tokenizer, out_dir) if config.eval_every else None
    rng = random.Random(config.seed)
    general_stream = _cycle(general, rng)
    gold_pairs_stream = gold_stream(gold.train, gold.templates, config.gold.source_weights,
                                    random.Random(config.seed + 7), config.gold.draw) \
        if gold.train else None
    phases = (("general", config.general_phase, None, None, GENERAL_ONLY_DIR),
              ("relation", config.relation_phase, _relation_stream(relations, rng),
               gold_pairs_stream, VERIFIER_DIR))
    order = [name for name, *_ in phases]
    done = order[:order.index(state.phase)] if state.phase else []
    for name, phase, relation_stream, gold_part, target in phases:
        batches = _batches(phase, config.batch_size, general_stream, relation_stream, gold_part)
        if name in done:                          # replay the streams of a finished phase
            for _ in batches:
                pass
            continue
        resuming = state.phase == name and state.step > 0
        start_step = state.step if resuming else 0
        state.phase, state.step = name, start_step
        began = time.perf_counter() - state.seconds.get(name, 0.0)

        def after_step(step: int, loss: float, optimizer, scheduler, name=name, phase=phase,
                       began=began) -> None:
            state.step = step
            state.losses.setdefault(name, []).append(loss)
            if selector is not None and name == "relation" and \
                    (step % config.eval_every == 0 or step == phase.steps):
                selector(model, state, step)
            if config.checkpoint_every and (step % config.checkpoint_every == 0) \
                    and step < phase.steps:
                state.seconds[name] = round(time.perf_counter() - began, 1)
                save_checkpoint(out_dir, model, optimizer, scheduler, state, recipe)

        if resuming:
            restore_weights(out_dir, model)
        run_phase(model, tokenizer, batches, phase, config, name, progress, start_step=start_step,
                  resume=(lambda o, s: restore(out_dir, o, s)) if resuming else None,
                  after_step=after_step)
        state.seconds[name] = round(time.perf_counter() - began, 1)
        # a phase of 0 steps still writes its model: the verifier is then the general one
        final = out_dir / target
        if selector is not None and name == "relation" and state.best_step is not None:
            _promote(out_dir / BEST_DIR, final)
        else:
            save_model(model, tokenizer, final, config)
        state.step = 0
    report.seconds.update(state.seconds)
    report.losses = state.losses
    calibration = calibrate_model(out_dir / VERIFIER_DIR, config, gold) if gold.dev else None
    atomic_write_text(out_dir / "training_report.json", json.dumps({
        "config": config.model_dump(mode="json"), "seconds": report.seconds, "data": report.data,
        "loss_first_last": {k: [v[:20], v[-20:]] for k, v in report.losses.items()},
        "mean_loss_last_100": {k: round(sum(v[-100:]) / max(1, len(v[-100:])), 4)
                               for k, v in report.losses.items()},
        "dev_evaluations": state.evaluations, "selected_step": state.best_step,
        "calibration": calibration,
    }, indent=2))
    drop_checkpoint(out_dir)
    return report
