"""An NER model that remembers its answers on disk, so benchmark reruns skip tagging.

It wraps the model a pipeline configures (the same `NerSpec`), answers texts it has seen from a
file keyed by that spec, and loads the real model only when a text is new. Registered as an NER
plug-in, it goes where the configured model would: the mention stage sees no difference.
"""
from __future__ import annotations

import gzip
import hashlib
import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from kg2instruction.atomic import atomic_write_bytes
from kg2instruction.ner import NerModel, NerSpan, NerSpec, create_ner, register_ner

REGISTERED_NAME = "benchmark-cached"


def _text_key(text: str) -> str:
    return hashlib.sha1(text.encode("utf-8")).hexdigest()


def cache_file_for(spec: NerSpec, cache_dir: Path) -> Path:
    digest = hashlib.sha256(spec.model_dump_json().encode()).hexdigest()[:12]
    return cache_dir / f"ner-{spec.name.replace(':', '_').replace('.', '_')}-{digest}.json.gz"


class CachedNer:
    """`NerModel` answering from `cache_file`; the wrapped model (`inner`) tags only new texts."""

    name = "cached"

    def __init__(self, inner: dict[str, Any], cache_file: str,
                 batch_size: int | None = None) -> None:
        self._spec = NerSpec.model_validate(inner)
        self._batch_size = batch_size
        self._file = Path(cache_file)
        self._model: NerModel | None = None
        self._spans: dict[str, list[list[Any]]] = {}
        if self._file.exists():
            with gzip.open(self._file, "rt", encoding="utf-8") as stream:
                self._spans = json.load(stream)
        self.tagged = 0     # texts the real model tagged in this process

    def tag(self, texts: Sequence[str]) -> list[list[NerSpan]]:
        new = [t for t in dict.fromkeys(texts) if _text_key(t) not in self._spans]
        if new:
            if self._model is None:
                self._model = create_ner(self._spec, self._batch_size)
            for text, spans in zip(new, self._model.tag(new)):
                self._spans[_text_key(text)] = [[s.start, s.end, s.label] for s in spans]
            self.tagged += len(new)
            self._file.parent.mkdir(parents=True, exist_ok=True)
            atomic_write_bytes(self._file, gzip.compress(json.dumps(self._spans).encode(),
                                                         compresslevel=3))
        return [[NerSpan(*span) for span in self._spans[_text_key(t)]] for t in texts]


def cached_specs(specs: dict[str, NerSpec], cache_dir: Path) -> dict[str, NerSpec]:
    """The configured per-language specs, each wrapped in the cache."""
    register_ner(REGISTERED_NAME, CachedNer)
    return {lang: NerSpec(name=REGISTERED_NAME,
                          options={"inner": spec.model_dump(mode="json"),
                                   "cache_file": str(cache_file_for(spec, cache_dir))})
            for lang, spec in specs.items()}
