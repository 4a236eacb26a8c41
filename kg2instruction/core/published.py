"""`kg2i cache rm`: remove a published product of a run, only when named exactly.

A run directory holds, besides the stage outputs `kg2i cache gc` manages, what was made from them:

    <run>/datasets/<theme>/<version>/   a published dataset version (`kg2i export`, refresh)
    <run>/datasets/<theme>/LATEST       the version train/eval read by default
    <run>/adapters/<theme>/             the trained adapter (`make train`)
    <run>/eval/<theme>/                 predictions and metrics (`make eval`)

These cost hours to remake and other people may already cite a dataset version, so no sweep ever
deletes them: each removal names one theme (and for a dataset one version), a bare theme or a
pattern is refused with the choices listed, and every target is checked before any is removed.
A folder is first renamed to a hidden `.<name>.deleting` and then deleted (as dataset retention
does), so a crash mid-delete never leaves a half dataset under its real name. Removing the
version LATEST names removes LATEST too, so nothing reads a version that is gone.

With the pipeline's `datasets_url`, dataset versions live at `<datasets_url>/<theme>/` instead;
removing one deletes its manifest first (no reader trusts it from then on), then its objects
(`storage.publish.remove_version`).
"""
from __future__ import annotations

import re
import shutil
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from kg2instruction.config.theme import THEME_NAME as _THEME
from kg2instruction.core.run_layout import ADAPTERS, DATASETS, EVAL
from kg2instruction.dataset.export import LATEST
from kg2instruction.errors import KG2IError, RemoteError

_VERSION = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")    # no hidden temp folders, no globs


class RemoveError(KG2IError):
    """A removal target that is vague, malformed or not there (nothing was removed)."""


@dataclass(frozen=True)
class Removal:
    """One path to remove, and why it is on the list."""

    path: Path | str    # a URL for a dataset published to object storage
    what: str           # "dataset person/person-3f9a1c2b7d0e", "adapter person", ...
    options: Mapping[str, Any] = field(default_factory=dict, compare=False)   # for a URL


def plan_removals(run_dir: Path, *, datasets: Iterable[str] = (), adapters: Iterable[str] = (),
                  evals: Iterable[str] = (), datasets_url: str | None = None,
                  options: Mapping[str, Any] | None = None) -> list[Removal]:
    """Check every named target and return what removing them deletes (nothing deleted yet).

    `datasets_url`: dataset versions are at `<datasets_url>/<theme>/`, not in the run dir."""
    datasets, adapters, evals = list(datasets), list(adapters), list(evals)
    if not (datasets or adapters or evals):
        raise RemoveError("name what to remove: --dataset THEME/VERSION, --adapter THEME or "
                          "--eval THEME (unreferenced stage outputs: kg2i cache gc)")
    planned: list[Removal] = []
    for spec in datasets:
        planned += (_dataset(run_dir, spec) if datasets_url is None else
                    _remote_dataset(datasets_url, spec, dict(options or {})))
    for theme in adapters:
        planned.append(_theme_folder(run_dir, ADAPTERS, "--adapter", "adapter", theme))
    for theme in evals:
        planned.append(_theme_folder(run_dir, EVAL, "--eval", "eval results", theme))
    unique: dict[Path | str, Removal] = {}
    for removal in planned:
        unique.setdefault(removal.path, removal)
    return list(unique.values())


def remove(removals: Iterable[Removal]) -> None:
    """Delete planned removals: a folder via a hidden name, so it is never half there."""
    for removal in removals:
        path = removal.path
        if isinstance(path, str):
            _remove_remote(removal)
            continue
        if path.is_symlink() or not path.is_dir():
            path.unlink(missing_ok=True)
            continue
        hidden = path.with_name(f".{path.name}.deleting")
        shutil.rmtree(hidden, ignore_errors=True)           # a crash in an earlier removal
        path.rename(hidden)
        shutil.rmtree(hidden)


def _dataset(run_dir: Path, spec: str) -> list[Removal]:
    theme, sep, version = spec.partition("/")
    root = run_dir / DATASETS / theme
    if not sep or not _THEME.match(theme) or not _VERSION.match(version) or version == LATEST:
        hint = ""
        if _THEME.match(theme) and root.is_dir():
            hint = f"; versions of {theme}: {_listing(root)}"
        raise RemoveError(f"--dataset {spec!r}: expected exactly one version as THEME/VERSION "
                          f"(e.g. person/person-3f9a1c2b7d0e){hint}")
    folder = root / version
    if not folder.is_dir():
        raise RemoveError(f"--dataset {spec!r}: no dataset version at {folder} "
                          f"(versions of {theme}: {_listing(root)})")
    removals = []
    marker = root / LATEST      # first: a crash after it leaves a version nothing points at
    if marker.is_file() and marker.read_text(encoding="utf-8").strip() == version:
        removals.append(Removal(marker, f"LATEST of {theme} (it named {version})"))
    return removals + [Removal(folder, f"dataset {theme}/{version}")]


def _split_spec(spec: str) -> tuple[str, str]:
    theme, sep, version = spec.partition("/")
    if not sep or not _THEME.match(theme) or not _VERSION.match(version) or version == LATEST:
        raise RemoveError(f"--dataset {spec!r}: expected exactly one version as THEME/VERSION "
                          f"(e.g. person/person-3f9a1c2b7d0e)")
    return theme, version


def _remote_dataset(datasets_url: str, spec: str, options: dict[str, Any]) -> list[Removal]:
    from kg2instruction.storage.files import read_text
    from kg2instruction.storage.location import join
    from kg2instruction.storage.publish import complete_versions, is_complete

    theme, version = _split_spec(spec)
    root = str(join(datasets_url, theme))
    if not is_complete(root, version, options):
        raise RemoveError(f"--dataset {spec!r}: no published dataset version at {root}/{version}"
                          f" (versions of {theme}: "
                          f"{', '.join(complete_versions(root, options)) or 'none'})")
    removals = []
    latest = read_text(join(root, LATEST), options)
    if latest is not None and latest.strip() == version:       # first, as locally
        removals.append(Removal(str(join(root, LATEST)),
                                f"LATEST of {theme} (it named {version})", options))
    return removals + [Removal(f"{root}/{version}", f"dataset {theme}/{version}", options)]


def _remove_remote(removal: Removal) -> None:
    from kg2instruction.storage.location import filesystem
    from kg2instruction.storage.publish import remove_version

    root, _, name = str(removal.path).rstrip("/").rpartition("/")
    if name == LATEST:
        fs, path = filesystem(str(removal.path), removal.options)
        try:
            fs.rm_file(path)
        except OSError as exc:
            raise RemoteError(f"{removal.path}: {exc}") from None
    else:
        remove_version(root, name, removal.options)


def _theme_folder(run_dir: Path, kind: str, option: str, what: str, theme: str) -> Removal:
    root = run_dir / kind
    if not _THEME.match(theme):
        raise RemoveError(f"{option} {theme!r}: expected one theme name "
                          f"(present: {_listing(root)})")
    folder = root / theme
    if not folder.is_dir():
        raise RemoveError(f"{option} {theme!r}: no {what} at {folder} "
                          f"(present: {_listing(root)})")
    return Removal(folder, f"{what} {theme}")


def _listing(root: Path) -> str:
    """The visible folders under root (dataset versions, or themes with an adapter/eval), for an
    error message that says what there is to name instead."""
    names = sorted(p.name for p in root.iterdir()
                   if p.is_dir() and not p.name.startswith(".")) if root.is_dir() else []
    return ", ".join(names) or "none"
