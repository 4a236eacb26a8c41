"""NLI classifiers stored as a LoRA adapter over a base model that a package ships.

A 270M-parameter base (Gemma-3, the one small model here that reads Chinese) is far over the
size we can commit, but the part training changes is a few MB: the LoRA matrices and the new
classification head. The model directory therefore holds only `adapter_config.json` (whose
`base_model_name_or_path` names the base as `train.models.resolve_model` understands it: a
packaged-model name, local path or hub id), the adapter weights and `config.json` (the base's
config with `id2label`, so the entailment index is read as for any other model). Loading merges
the adapter into the base, so scoring costs what the base model costs.
"""
from __future__ import annotations

import json
from pathlib import Path

import torch

from kg2instruction.errors import ConfigError, InputError

ADAPTER_CONFIG = "adapter_config.json"


def is_adapter_dir(path: str | Path) -> bool:
    return (Path(path) / ADAPTER_CONFIG).is_file()


def adapter_base(path: str | Path) -> str:
    """The base model an adapter directory was trained on (as its trainer named it)."""
    config_file = Path(path) / ADAPTER_CONFIG
    try:
        base = json.loads(config_file.read_text())["base_model_name_or_path"]
    except (OSError, ValueError, KeyError) as exc:
        raise InputError(config_file, f"expected a PEFT adapter config naming its base model in "
                                      f"'base_model_name_or_path': {exc!r}") from None
    if not base:
        raise InputError(config_file, "'base_model_name_or_path' is empty")
    return base


def load_base_classifier(base: str, dtype: torch.dtype, **config_overrides):
    """(tokenizer, AutoModelForSequenceClassification) of a base model given by name or path;
    `config_overrides` go to `from_pretrained` (num_labels, id2label, or a whole `config`)."""
    from transformers import AutoModelForSequenceClassification

    from kg2instruction.train.models import load_tokenizer, resolve_model

    source = resolve_model(base)
    tokenizer = load_tokenizer(source)
    model = AutoModelForSequenceClassification.from_pretrained(
        source.location, dtype=dtype, **source.pretrained_kwargs(), **config_overrides)
    if model.config.pad_token_id is None:   # decoder heads pool at the last non-pad token
        model.config.pad_token_id = tokenizer.pad_token_id
    return tokenizer, model


def load_adapter_classifier(path: str | Path, dtype: torch.dtype):
    """(tokenizer, merged model) from an adapter directory written by `save_adapter_classifier`."""
    from peft import PeftModel
    from transformers import AutoConfig

    path = Path(path)
    base = adapter_base(path)
    try:
        config = AutoConfig.from_pretrained(path)
    except OSError as exc:
        raise ConfigError(f"NLI adapter {path} lacks its config.json (with id2label): {exc}",
                          key="model") from exc
    tokenizer, model = load_base_classifier(base, dtype, config=config)
    model = PeftModel.from_pretrained(model, path).merge_and_unload()
    return tokenizer, model


def save_adapter_classifier(peft_model, base: str, out_dir: Path) -> None:
    """Adapter weights + config naming `base` + the classifier config (id2label) in `out_dir`."""
    for adapter in peft_model.peft_config.values():
        adapter.base_model_name_or_path = base
    peft_model.save_pretrained(out_dir)
    peft_model.base_model.model.config.save_pretrained(out_dir)
