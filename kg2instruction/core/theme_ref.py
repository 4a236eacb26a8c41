"""Resolve `--theme NAME` to a loaded theme, safely.

A theme name comes from the command line (`make pipeline THEME=...`), so it is checked to be a
plain name and its file is confined to the themes directory before anything is read. The theme
object itself is whatever `kg2instruction.config.theme.load_theme` returns (a validated model);
when that module is not installed yet, the raw YAML mapping is passed through, so the framework
does not depend on the theme schema.
"""
from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from kg2instruction.errors import ConfigError

_THEME_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]*$")


@dataclass(frozen=True)
class ThemeRef:
    name: str
    path: Path
    theme: Any


def available_themes(themes_dir: Path) -> list[str]:
    if not themes_dir.is_dir():
        return []
    try:   # the theme module knows which YAML files there are not themes
        from kg2instruction.config.theme import available_themes as listed
    except ImportError:
        return sorted(p.stem for p in themes_dir.glob("*.yaml"))
    return listed(themes_dir)


def theme_path(name: str, themes_dir: Path) -> Path:
    """`themes_dir/<name>.yaml`, or a ConfigError listing the themes that exist."""
    listing = ", ".join(available_themes(themes_dir)) or "none"
    if not _THEME_NAME.match(name):
        raise ConfigError(f"theme {name!r} is not a theme name (letters, digits, '-', '_'); "
                          f"available themes in {themes_dir}: {listing}", key="theme")
    path = Path(os.path.normpath(themes_dir / f"{name}.yaml"))
    if path.parent != Path(os.path.normpath(themes_dir)) or not path.is_file():
        raise ConfigError(f"theme {name!r} not found in {themes_dir}; available: {listing}",
                          key="theme")
    return path


def load_theme_ref(name: str, themes_dir: Path, overlay: Path | None = None) -> ThemeRef:
    """The validated theme, with the granularity overlay (if any) applied.

    Stages see only the overlaid theme, and fingerprints hash the theme fields each stage reads,
    so an overlay re-runs exactly the stages whose labels it changes."""
    path = theme_path(name, themes_dir)
    try:
        from kg2instruction.config.theme import load_theme
    except ImportError:
        if overlay is not None:
            raise ConfigError("overlays need the theme models (kg2instruction.config.theme)",
                              path=overlay) from None
        from kg2instruction.config.yaml_loader import load_yaml

        return ThemeRef(name, path, load_yaml(path).data or {})
    theme = load_theme(name, themes_dir)
    if overlay is not None:
        from kg2instruction.config.overlay import apply_overlay, load_overlay

        theme = apply_overlay(theme, load_overlay(overlay))
    return ThemeRef(name, path, theme)
