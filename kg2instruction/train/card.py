"""The adapter card: what an adapter was trained on and how, next to its weights.

An adapter without its provenance cannot be compared or reproduced; the card records the data
fingerprint (sha256 of the training files), the full config, the base model, the themes left out,
training metrics and the loss curve (for a DPO adapter also the SFT adapter it continued from and
the preference pairs), as `adapter_card.json` (for tools) and `README.md` (for
people).
"""
from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from kg2instruction.atomic import atomic_write_text

CARD_FILE = "adapter_card.json"


@dataclass
class AdapterCard:
    base_model: str
    base_model_location: str
    gguf_file: str | None
    seq2seq: bool
    quantization: str
    data_files: list[str]
    data_fingerprint: str
    excluded_themes: list[str]
    config: dict[str, Any]
    metrics: dict[str, Any]
    loss_curve: list[dict[str, float]] = field(default_factory=list)
    # sft: tuned on instructions; dpo: continued from `parent` (an SFT adapter) on preference
    # pairs, described in `preference_data` (files, fingerprint, pair counts)
    method: str = "sft"
    parent: dict[str, Any] | None = None
    preference_data: dict[str, Any] | None = None

    def to_markdown(self) -> str:
        first = self.loss_curve[0]["loss"] if self.loss_curve else None
        last = self.loss_curve[-1]["loss"] if self.loss_curve else None
        lines = [
            "# LoRA adapter (KG2Instruction)", "",
            f"- method: {self.method}"
            + (f", continued from the adapter `{self.parent.get('path')}` (weights sha256 "
               f"`{self.parent.get('weights_sha256')}`)" if self.parent else ""),
            f"- base model: `{self.base_model}`"
            + (f" (GGUF `{self.gguf_file}`)" if self.gguf_file else ""),
            f"- quantization while training: {self.quantization}",
            f"- training data: {', '.join(f'`{f}`' for f in self.data_files)}",
            f"- data fingerprint (sha256): `{self.data_fingerprint}`",
            f"- themes left out: {', '.join(self.excluded_themes) or 'none'}",
            *([f"- preference pairs: `{json.dumps(self.preference_data.get('counts', {}))}`"]
              if self.preference_data else []),
            f"- loss: first step {first}, last step {last}", "",
            "## Metrics", "", "```json", _json(self.metrics), "```", "",
            "## Config", "", "```json", _json(self.config), "```", "",
        ]
        return "\n".join(lines)


def _json(doc: dict[str, Any]) -> str:
    return json.dumps(doc, indent=2, ensure_ascii=False)


def write_card(directory: Path, card: AdapterCard) -> None:
    atomic_write_text(directory / "README.md", card.to_markdown())
    atomic_write_text(directory / CARD_FILE, json.dumps(asdict(card), indent=2, ensure_ascii=False))


def read_card(directory: Path) -> AdapterCard | None:
    path = Path(directory) / CARD_FILE
    if not path.is_file():
        return None
    return AdapterCard(**json.loads(path.read_text(encoding="utf-8")))


def require_card(directory: Path) -> AdapterCard:
    """The card of a trained adapter; a folder without one is not a finished adapter."""
    from kg2instruction.errors import InputError

    directory = Path(directory)
    if not (directory / "adapter_config.json").is_file():
        raise InputError(directory, "not a LoRA adapter folder (no adapter_config.json)")
    card = read_card(directory)
    if card is None:
        raise InputError(directory, f"no {CARD_FILE}: not an adapter finished by `kg2i train`")
    return card
