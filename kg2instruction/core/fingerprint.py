"""Fingerprints: the identity of a stage's output, and so the name of its cache directory.

fingerprint = sha256 over canonical JSON of: framework output format version, stage name and
version, its config without execution knobs, the theme fields it reads, the fingerprints of its
upstream stages, the identities of the source files it reads, and the run seed for seeded stages.
Anything that cannot change the output bytes is left out, so tuning batch sizes or worker counts
reuses the cache while changing a threshold does not.

Input files are identified by `kg.dump_identity` (name + size + SHA-1 of the first and last MiB):
O(1) on a 100 GB dump, survives a copy or `touch` (mtime would not), and changes when a dump is
replaced, truncated or grows. A rewrite of only the middle at the same size would go unnoticed;
dumps are never edited in place.
"""
from __future__ import annotations

import hashlib
from collections.abc import Mapping
from typing import Any

import orjson
import pydantic

from kg2instruction.core.stage import EXECUTION_MARK

# Bump when the framework changes how outputs are written (Parquet settings, sort rules).
OUTPUT_FORMAT_VERSION = "1"


def canonical_json(value: Any) -> bytes:
    return orjson.dumps(value, option=orjson.OPT_SORT_KEYS | orjson.OPT_NON_STR_KEYS)


def digest(value: Any) -> str:
    return hashlib.sha256(canonical_json(value)).hexdigest()


def output_config(model: pydantic.BaseModel) -> dict[str, Any]:
    """The config as JSON, minus fields marked as execution knobs (recursively)."""
    out: dict[str, Any] = {}
    for name, field in type(model).model_fields.items():
        extra = field.json_schema_extra
        if isinstance(extra, Mapping) and extra.get(EXECUTION_MARK):
            continue
        value = getattr(model, name)
        if isinstance(value, pydantic.BaseModel):
            out[name] = output_config(value)
        else:
            out[name] = pydantic.TypeAdapter(Any).dump_python(value, mode="json")
    return out


def theme_subset(theme: Any, fields: tuple[str, ...] | None) -> Any:
    """The part of the theme a stage reads, as JSON (None fields = all of it)."""
    data = theme.model_dump(mode="json") if isinstance(theme, pydantic.BaseModel) else theme
    if fields is None:
        return data
    if not fields:
        return None
    if not isinstance(data, Mapping):
        return None
    return {f: data.get(f) for f in fields}


def stage_fingerprint(*, name: str, version: str, config: pydantic.BaseModel, theme: Any,
                      upstream: Mapping[str, str], inputs: list[dict[str, Any]],
                      seed: int | None, layout: Mapping[str, Any]) -> str:
    """`layout`: run-level settings that shape outputs (languages, reduce shard size)."""
    return digest({
        "format": OUTPUT_FORMAT_VERSION,
        "stage": name,
        "version": version,
        "config": output_config(config),
        "theme": theme,
        "upstream": dict(upstream),
        "inputs": inputs,
        "seed": seed,
        "layout": dict(layout),
    })


def derived_seed(run_seed: int, stage: str, shard_id: str) -> int:
    """Per-shard seed: independent of executor, worker and completion order."""
    raw = hashlib.sha256(f"{run_seed}\x00{stage}\x00{shard_id}".encode()).digest()
    return int.from_bytes(raw[:8], "big") >> 1
