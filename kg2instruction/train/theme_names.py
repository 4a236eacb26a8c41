"""Theme selection across languages: a theme id also names its records' `cate` in every language.

Exported records carry the theme's *display* name in the record's language (`Natural_Science`,
`自然科学`), while users name themes by id (`natural_science`). Expanding each id to the names its
theme file declares lets `--exclude-themes natural_science` leave out the Chinese records too.
"""
from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from kg2instruction.config.yaml_loader import load_yaml
from kg2instruction.errors import ConfigError
from kg2instruction.train.data import theme_key


def expand_themes(themes: Iterable[str], themes_dir: Path | None) -> list[str]:
    """The given themes plus the display names (en, zh, …) of those that have a theme file."""
    expanded: list[str] = []
    for theme in themes:
        expanded.append(theme)
        path = None if themes_dir is None else themes_dir / f"{theme_key(theme)}.yaml"
        if path is None or not path.is_file():
            continue
        doc = load_yaml(path).data
        names = doc.get("name") if isinstance(doc, dict) else None
        if not isinstance(names, dict) or not all(isinstance(n, str) for n in names.values()):
            raise ConfigError("expected 'name' to map languages to theme names", path=path,
                              key="name")
        expanded.extend(names.values())
    return list(dict.fromkeys(expanded))
