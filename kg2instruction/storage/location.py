"""Where a thing lives: a local path or a URL, and the fsspec filesystem that reaches a URL.

Storage options (endpoint, credentials profile, anything the fsspec backend accepts) come from,
lowest first: the pipeline's `storage:` block, then the `KG2I_STORAGE_OPTIONS` environment
variable (a JSON object). Credentials themselves are never configured here: s3fs/botocore read
them from their usual places (`AWS_ACCESS_KEY_ID`, `~/.aws/credentials` with `profile`, instance
roles), and botocore also honours `AWS_ENDPOINT_URL`.
"""
from __future__ import annotations

import json
import os
import re
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from kg2instruction.errors import ConfigError

if TYPE_CHECKING:
    from fsspec import AbstractFileSystem

OPTIONS_ENV = "KG2I_STORAGE_OPTIONS"
# A scheme of two or more letters: `C:\dumps` (one letter) stays a local Windows-style path.
_URL = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]+://")
_S3_PROTOCOLS = ("s3", "s3a")


def is_url(target: str | Path) -> bool:
    """True for `scheme://...` (object storage, http, `file://`); False for a plain local path."""
    return isinstance(target, str) and bool(_URL.match(target))


def protocol(url: str) -> str:
    return url.split("://", 1)[0].lower()


def join(root: str | Path, *parts: str) -> str | Path:
    """`root/part/...` for a path or a URL (URLs always join with `/`)."""
    if not is_url(root):
        return Path(root).joinpath(*parts)
    return "/".join([str(root).rstrip("/"), *(p.strip("/") for p in parts)])


def name_of(target: str | Path) -> str:
    """The last component: a file name for a path, the object name for a URL."""
    return str(target).rstrip("/").rsplit("/", 1)[-1] if is_url(target) else Path(target).name


def storage_options(url: str, configured: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """fsspec keyword arguments for `url`: the pipeline's `storage:` block under the environment's.

    `endpoint_url` and `profile` are S3 names; for another protocol they are dropped rather than
    passed to a backend that would reject them."""
    merged: dict[str, Any] = dict(configured or {})
    raw = os.environ.get(OPTIONS_ENV, "").strip()
    if raw:
        try:
            from_env = json.loads(raw)
        except json.JSONDecodeError as exc:
            raise ConfigError(f"expected a JSON object of fsspec storage options ({exc})",
                              key=OPTIONS_ENV) from None
        if not isinstance(from_env, dict):
            raise ConfigError("expected a JSON object of fsspec storage options",
                              key=OPTIONS_ENV)
        merged.update(from_env)
    if protocol(url) not in _S3_PROTOCOLS:
        merged.pop("endpoint_url", None)
        merged.pop("profile", None)
    return {k: v for k, v in merged.items() if v is not None}


def filesystem(url: str, options: Mapping[str, Any] | None = None
               ) -> tuple[AbstractFileSystem, str]:
    """(fsspec filesystem, path inside it) for a URL; `options` (e.g. the pipeline's) go under
    the environment's, as in `storage_options`."""
    from fsspec.core import url_to_fs

    try:
        return url_to_fs(url, **storage_options(url, options))
    except (ImportError, ValueError) as exc:
        raise ConfigError(f"{url}: no usable fsspec filesystem for {protocol(url)}:// ({exc})"
                          ) from None
