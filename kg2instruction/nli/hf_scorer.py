"""`hf` backend: any Hugging Face `AutoModelForSequenceClassification` NLI model.

On a GPU the model runs in bf16 (fp16 where bf16 is unsupported) with large token-budget
batches; on the CPU in fp32. Pairs are tokenized once, bucketed by length and padded per batch.
Under Ray the stage that owns this scorer runs on an actor pool (`uses_model`), so the model is
loaded once per actor and one GPU serves the CPU workers that feed it.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import torch

from kg2instruction.errors import ConfigError
from kg2instruction.nli.adapter_classifier import is_adapter_dir, load_adapter_classifier
from kg2instruction.nli.batching import length_buckets
from kg2instruction.nli.scorer import Pair, Precision, entailment_index
_DTYPES = {"fp32": torch.float32, "fp16": torch.float16, "bf16": torch.bfloat16}


@dataclass(frozen=True)
class HfScorerSettings:
    """How to run the model; none of these change which pairs pass, only speed and precision."""

    device: str = "auto"              # auto | cpu | cuda | cuda:1 ...
    precision: Precision = "auto"     # auto: bf16/fp16 on CUDA, fp32 on CPU
    max_length: int = 256             # tokens per pair; the premise is truncated first
    max_batch_size: int = 64
    max_batch_tokens: int = 16384
    cpu_threads: int | None = None


def pick_device(requested: str) -> torch.device:
    if requested == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    device = torch.device(requested)
    if device.type == "cuda" and not torch.cuda.is_available():
        raise ConfigError(f"device {requested!r} requested but CUDA is not available",
                          key="device")
    return device


def pick_dtype(precision: Precision, device: torch.device) -> torch.dtype:
    if precision != "auto":
        return _DTYPES[precision]
    if device.type != "cuda":
        return torch.float32
    return torch.bfloat16 if torch.cuda.is_bf16_supported() else torch.float16


def load_classifier(name_or_path: str, device: torch.device, dtype: torch.dtype):
    """(tokenizer, model) in eval mode; a missing local path is a ConfigError, not a hub lookup.
    A local directory holding a LoRA adapter is merged into its base (see adapter_classifier)."""
    from transformers import AutoModelForSequenceClassification, AutoTokenizer

    local = Path(name_or_path).expanduser()
    looks_local = name_or_path.startswith((".", "/", "~")) or Path(name_or_path).exists()
    if looks_local and not local.is_dir():
        raise ConfigError(f"NLI model directory {name_or_path} does not exist", key="model")
    try:
        if looks_local and is_adapter_dir(local):
            tokenizer, model = load_adapter_classifier(local, dtype)
        else:
            tokenizer = AutoTokenizer.from_pretrained(name_or_path)
            model = AutoModelForSequenceClassification.from_pretrained(name_or_path, dtype=dtype)
    except OSError as exc:
        raise ConfigError(f"cannot load NLI model {name_or_path!r}: {exc}", key="model") from exc
    return tokenizer, model.to(device).eval()


class HfNliScorer:
    """P(entailment) from a sequence-classification NLI model (see the module docstring)."""

    def __init__(self, name_or_path: str, settings: HfScorerSettings = HfScorerSettings(),
                 tokenizer=None, model=None) -> None:
        """Pass `tokenizer` and `model` to wrap objects already in memory (tests, training)."""
        self.name = name_or_path
        self.settings = settings
        if settings.cpu_threads:
            torch.set_num_threads(settings.cpu_threads)
        self.device = pick_device(settings.device)
        self.dtype = pick_dtype(settings.precision, self.device)
        if model is None:
            tokenizer, model = load_classifier(name_or_path, self.device, self.dtype)
        self.tokenizer = tokenizer
        self.model = model
        self.entailment = entailment_index(model.config.id2label, name_or_path)

    def encode(self, pairs: Sequence[Pair]) -> tuple[list[list[int]], list[list[int]] | None]:
        """Token ids (and token type ids, for BERT-style models) of each pair, unpadded; the
        premise is truncated first so the hypothesis is always seen whole."""
        encoded = self.tokenizer([p for p, _ in pairs], [h for _, h in pairs],
                                 truncation="only_first", max_length=self.settings.max_length)
        return encoded["input_ids"], encoded.get("token_type_ids")

    def batches(self, pairs: Sequence[Pair]) -> list[tuple[list[int], dict[str, torch.Tensor]]]:
        """(indices, padded model inputs) per length bucket; also what the benchmark times the
        raw forward on, so both measure the same batches."""
        if not pairs:
            return []
        input_ids, token_types = self.encode(pairs)
        lengths = [len(ids) for ids in input_ids]
        out = []
        for indices in length_buckets(lengths, self.settings.max_batch_size,
                                      self.settings.max_batch_tokens):
            features = [{"input_ids": input_ids[i],
                         **({"token_type_ids": token_types[i]} if token_types else {})}
                        for i in indices]
            batch = self.tokenizer.pad(features, return_tensors="pt")
            out.append((indices, {k: v.to(self.device) for k, v in batch.items()}))
        return out

    @torch.inference_mode()
    def forward_probs(self, batch: dict[str, torch.Tensor]) -> torch.Tensor:
        logits = self.model(**batch).logits.float()
        return torch.softmax(logits, dim=-1)[:, self.entailment]

    def entailment_probs(self, pairs: Sequence[Pair]) -> list[float]:
        probs = [0.0] * len(pairs)
        for indices, batch in self.batches(pairs):
            for index, prob in zip(indices, self.forward_probs(batch).tolist()):
                probs[index] = prob
        return probs
