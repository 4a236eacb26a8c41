"""NER models by name, so a pipeline config can choose one and a user can add their own.

Built-ins are registered as import paths and imported only when chosen, so a run that needs LAC
never imports spaCy and vice versa. A plug-in is either registered in code (`register_ner`) or named
directly in the config as "package.module:Factory".
"""
from __future__ import annotations

import importlib
import inspect
from collections.abc import Callable, Mapping
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from kg2instruction.errors import ConfigError
from kg2instruction.ner.base import NerModel

NerFactory = Callable[..., NerModel]

_REGISTRY: dict[str, str | NerFactory] = {
    "spacy": "kg2instruction.ner.spacy_ner:SpacyNer",
    "lac": "kg2instruction.ner.lac_ner:LacNer",
    "none": "kg2instruction.ner.null_ner:NullNer",
}


class NerSpec(BaseModel):
    """Which model to use for one language, and the keyword options its factory takes."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str
    options: dict[str, Any] = Field(default_factory=dict)


DEFAULT_NER_BY_LANG: dict[str, NerSpec] = {
    "en": NerSpec(name="spacy"),
    "zh": NerSpec(name="lac"),
}


def register_ner(name: str, factory: NerFactory | str) -> None:
    """Make a model available under `name` (a callable, or a "module:attr" import path)."""
    _REGISTRY[name] = factory


def registered_ner_names() -> list[str]:
    return sorted(_REGISTRY)


def create_ner(spec: NerSpec, batch_size: int | None = None) -> NerModel:
    """Instantiate the model a spec names; unknown names and bad options are config errors.

    `batch_size` is an execution knob kept out of `spec` (so tuning it never changes a
    fingerprint); it reaches only factories that take a `batch_size` argument."""
    factory = _resolve(spec.name)
    options = dict(spec.options)
    if batch_size is not None and _accepts(factory, "batch_size"):
        options["batch_size"] = batch_size
    try:
        model = factory(**options)
    except TypeError as exc:
        raise ConfigError(f"bad options for NER model {spec.name!r}: {exc}", key="ner.options") from exc
    if not isinstance(model, NerModel):
        raise ConfigError(f"NER model {spec.name!r} does not implement tag(texts)", key="ner.name")
    return model


def create_ners(specs: Mapping[str, NerSpec], batch_size: int | None = None) -> dict[str, NerModel]:
    """One model per language."""
    return {lang: create_ner(spec, batch_size) for lang, spec in specs.items()}


def _accepts(factory: NerFactory, parameter: str) -> bool:
    try:
        return parameter in inspect.signature(factory).parameters
    except (TypeError, ValueError):
        return False


def _resolve(name: str) -> NerFactory:
    target = _REGISTRY.get(name, name if ":" in name else None)
    if target is None:
        raise ConfigError(f"unknown NER model {name!r}; registered: {registered_ner_names()} "
                          "(or give 'package.module:Factory')", key="ner.name")
    if not isinstance(target, str):
        return target
    module_name, _, attr = target.partition(":")
    try:
        return getattr(importlib.import_module(module_name), attr)
    except (ImportError, AttributeError) as exc:
        raise ConfigError(f"NER model {name!r}: cannot import {target!r}: {exc}", key="ner.name") from exc
