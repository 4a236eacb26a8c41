"""Resumable training state: a killed training run starts again where it was saved.

The verifier trains for most of an hour on a shared CPU; losing that to a kill is the costly
failure. Every `checkpoint_every` steps the fp32 weights, the optimizer and scheduler, the step,
the torch RNG and the run's bookkeeping (losses, best dev score) are written to
`<out>/checkpoint/` by rename, so a half-written checkpoint is never read. The data streams are
seeded, so resuming replays them up to the saved step instead of storing them.
"""
from __future__ import annotations

import json
import shutil
from dataclasses import dataclass, field
from pathlib import Path

import torch

CHECKPOINT_DIR = "checkpoint"


@dataclass
class TrainState:
    """Where the run is: the phase in progress, its completed steps, and the bookkeeping."""

    phase: str = ""
    step: int = 0
    losses: dict[str, list[float]] = field(default_factory=dict)
    seconds: dict[str, float] = field(default_factory=dict)
    best_auc: float | None = None
    best_step: int | None = None
    evaluations: list[dict] = field(default_factory=list)


def save_checkpoint(out_dir: Path, model, optimizer, scheduler, state: TrainState,
                    config_json: str) -> None:
    target = out_dir / CHECKPOINT_DIR
    tmp = target.with_name(target.name + ".partial")
    if tmp.exists():
        shutil.rmtree(tmp)
    tmp.mkdir(parents=True)
    model.save_pretrained(tmp / "model", safe_serialization=True)
    torch.save({"optimizer": optimizer.state_dict(), "scheduler": scheduler.state_dict(),
                "torch_rng": torch.get_rng_state()}, tmp / "optimizer.pt")
    (tmp / "state.json").write_text(json.dumps({"config": json.loads(config_json),
                                                "state": state.__dict__}))
    old = target.with_name(target.name + ".old")
    if target.exists():
        target.rename(old)
    tmp.rename(target)
    if old.exists():
        shutil.rmtree(old)


def load_state(out_dir: Path, config_json: str) -> TrainState | None:
    """The saved state when a checkpoint of this very recipe exists (another recipe's is
    ignored: its steps would mean something else)."""
    path = out_dir / CHECKPOINT_DIR / "state.json"
    if not path.is_file():
        return None
    saved = json.loads(path.read_text())
    if saved["config"] != json.loads(config_json):
        return None
    return TrainState(**saved["state"])


def restore_weights(out_dir: Path, model) -> None:
    """The checkpoint's weights into the live model (every trained tensor must be there).

    A PEFT (LoRA) model saves only its adapter and trained head, as `adapter_model.safetensors`
    with the adapter's name taken out of the keys: those go back through peft's own loader."""
    from safetensors.torch import load_file

    folder = out_dir / CHECKPOINT_DIR / "model"
    adapter = folder / "adapter_model.safetensors"
    if adapter.is_file():
        from peft import set_peft_model_state_dict

        missing = set_peft_model_state_dict(model, load_file(str(adapter))).missing_keys
    else:
        missing, _ = model.load_state_dict(load_file(str(folder / "model.safetensors")),
                                           strict=False)
    trained = {name for name, p in model.named_parameters() if p.requires_grad}
    if trained & set(missing):
        raise RuntimeError(f"checkpoint lacks trained weights {sorted(trained & set(missing))[:3]}")


def restore(out_dir: Path, optimizer, scheduler) -> None:
    """Optimizer, scheduler and torch RNG of the checkpoint into live objects."""
    target = out_dir / CHECKPOINT_DIR
    saved = torch.load(target / "optimizer.pt", weights_only=False)
    optimizer.load_state_dict(saved["optimizer"])
    scheduler.load_state_dict(saved["scheduler"])
    torch.set_rng_state(saved["torch_rng"])


def drop_checkpoint(out_dir: Path) -> None:
    shutil.rmtree(out_dir / CHECKPOINT_DIR, ignore_errors=True)
