"""Text generation backends for prediction: local transformers models and HTTP endpoints.

Both expose `generate(prompts) -> outputs` (one output per prompt, the continuation only), so the
prediction driver does not care where the model runs.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import torch


class Generator(Protocol):
    def generate(self, prompts: Sequence[str]) -> list[str]: ...


@dataclass(frozen=True)
class GenerationSettings:
    """Decoding: greedy unless `temperature` > 0 (extraction wants deterministic answers)."""

    max_new_tokens: int = 512
    temperature: float = 0.0
    max_prompt_tokens: int | None = None  # None: the model's context minus max_new_tokens
    stop: tuple[str, ...] = ()            # end an answer at the first of these (next-turn markers)


class TransformersGenerator:
    """Batched generation with a causal or seq2seq transformers model (and optional adapter)."""

    def __init__(self, model, tokenizer, settings: GenerationSettings, *, seq2seq: bool) -> None:
        self.model = model
        self.tokenizer = tokenizer
        self.settings = settings
        self.seq2seq = seq2seq
        # Decoder-only models continue the prompt, so prompts are padded (and cut) on the left.
        tokenizer.padding_side = "right" if seq2seq else "left"
        tokenizer.truncation_side = "left"

    @classmethod
    def load(cls, model: str, settings: GenerationSettings, *, gguf_file: str | None = None,
             adapter: str | Path | None = None) -> TransformersGenerator:
        from kg2instruction.train.config import Quantization
        from kg2instruction.train.models import (
            is_seq2seq,
            load_model,
            load_tokenizer,
            resolve_model,
        )

        source = resolve_model(model, gguf_file)
        seq2seq = is_seq2seq(source)
        tokenizer = load_tokenizer(source)
        base = load_model(source, Quantization.NONE, seq2seq=seq2seq)
        if adapter is not None:
            base = _with_adapter(base, Path(adapter))
        base.eval()
        return cls(base, tokenizer, settings, seq2seq=seq2seq)

    def _prompt_budget(self) -> int | None:
        if self.settings.max_prompt_tokens is not None:
            return self.settings.max_prompt_tokens
        context = getattr(self.model.config, "max_position_embeddings", None)
        if context is None or self.seq2seq:
            return context
        return max(1, context - self.settings.max_new_tokens)

    @torch.inference_mode()
    def generate(self, prompts: Sequence[str], n: int = 1) -> list[str]:
        """The continuation of each prompt; with `n` > 1 (sampling), n answers per prompt in one
        batched call, grouped by prompt (the first prompt's n answers, then the next's)."""
        budget = self._prompt_budget()
        batch = self.tokenizer(list(prompts), return_tensors="pt", padding=True,
                               truncation=budget is not None, max_length=budget)
        device = next(self.model.parameters()).device
        batch = {k: v.to(device) for k, v in batch.items()}
        sampling = self.settings.temperature > 0
        output = self.model.generate(
            **batch, max_new_tokens=self.settings.max_new_tokens, do_sample=sampling,
            temperature=self.settings.temperature if sampling else None, top_p=None, top_k=None,
            pad_token_id=self.tokenizer.pad_token_id, num_return_sequences=n,
            **({"stop_strings": list(self.settings.stop), "tokenizer": self.tokenizer}
               if self.settings.stop else {}))
        new_tokens = output if self.seq2seq else output[:, batch["input_ids"].shape[1]:]
        return [cut_at_stop(text, self.settings.stop) for text in
                self.tokenizer.batch_decode(new_tokens, skip_special_tokens=True)]


def cut_at_stop(text: str, stop: Sequence[str]) -> str:
    """The text before the first stop marker (generation halts at the marker but keeps it, and
    a batch's other rows may run past theirs)."""
    ends = [at for at in (text.find(marker) for marker in stop) if at >= 0]
    return (text[:min(ends)] if ends else text).strip()


def _with_adapter(base, adapter: Path):
    from peft import PeftModel

    from kg2instruction.errors import InputError

    if not (adapter / "adapter_config.json").is_file():
        raise InputError(adapter, "not a LoRA adapter folder (no adapter_config.json)")
    # Merged weights generate as fast as the base model; the LoRA detour costs every token.
    return PeftModel.from_pretrained(base, str(adapter)).merge_and_unload()
