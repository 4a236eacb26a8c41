"""The Hugging Face `configs:` of an exported dataset, read from the files the export wrote.

`datasets.load_dataset("<version folder>", "<config>")` reads the dataset card's `configs:`; each
names its splits and their files. They are derived from the folder itself, never from a list kept
here, so a new format folder or a new split file shows up without touching this module:

    <fmt>/<split>.<ext>          config <fmt>, split <split>
    <fmt>/<sub>/<split>.<ext>    config <fmt>_<sub>, split <split>; and config <fmt> holding
                                 every <sub> of a split together (e.g. iepile = RE + NER)
    <name>.<ext> (top level)     config <name> with the single split `WHOLE_FILE_SPLIT`

Two constraints of `datasets` shape the rest. It picks one loader for the whole folder from the
first config's file suffixes, so every config uses the same format: Parquet (exact schema) when
every split has a Parquet file, else JSONL. And all splits of a config share one schema: splits
whose files differ in columns (InstructIE's release form: train/dev `{instruction, output}`,
test `{id, cate, instruction, label}`) are parted, the group holding `train` keeping the config's
name and each other group named after its splits (`instructie_test`).
"""
from __future__ import annotations

import json
import re
from collections import defaultdict
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

# Card order of the configs (by the name's first `_` part: `yayi` ranks `yayi_uie`, the config of
# folder yayi-uie/); any other follows alphabetically, top-level tables last.
CONFIG_ORDER = ("iepile", "instructie", "alpaca", "instructuie", "yayi", "ieinstruct", "records")
# The default config: both tasks, one schema over train/dev/test (what `make eval` scores).
DEFAULT_CONFIG = "iepile"
# A top-level data file is one table, not a split of one: its config gets this single split.
WHOLE_FILE_SPLIT = "triples"
DATA_SUFFIXES = (".parquet", ".jsonl")     # preferred first: Parquet keeps the exact schema
SPLIT_ORDER = {"train": 0, "dev": 1, "validation": 1, "test": 2}
_NOT_NAME_CHAR = re.compile(r"\W+")

# config -> split -> data file stems (relative, without suffix), in the order they are read
_Layout = dict[str, dict[str, list[str]]]


def data_configs(folder: Path) -> list[dict[str, Any]]:
    """The `configs:` entries (config_name, data_files: [{split, path}], default) for `folder`."""
    stems = _data_stems(folder)
    if not stems:
        return []
    suffix = _common_suffix(folder, stems)
    layout, top_level = _layout(stems)
    configs: list[dict[str, Any]] = []
    for name in _config_order(layout, top_level):
        for part_name, splits in _by_schema(folder, name, layout[name], suffix):
            configs.append({"config_name": part_name, "data_files": [
                {"split": split, "path": _paths(files, suffix)} for split, files in splits]})
    if not configs:                      # every config parted away (its files disagree)
        return []
    names = [c["config_name"] for c in configs]
    default = DEFAULT_CONFIG if DEFAULT_CONFIG in names else names[0]
    for config in configs:
        if config["config_name"] == default:
            config["default"] = True
    return configs


def default_config(configs: Sequence[Mapping[str, Any]]) -> str | None:
    """The name of the config `load_dataset(folder)` loads without a name."""
    return next((c["config_name"] for c in configs if c.get("default")), None)


def _data_stems(folder: Path) -> dict[str, set[str]]:
    """Visible data files as stem -> suffixes present (`iepile/RE/train` -> {.parquet, .jsonl})."""
    stems: dict[str, set[str]] = defaultdict(set)
    for path in sorted(folder.rglob("*")):
        rel = path.relative_to(folder)
        if (path.is_file() and path.suffix in DATA_SUFFIXES and len(rel.parts) <= 3
                and not any(part.startswith(".") for part in rel.parts)):
            stems[rel.with_suffix("").as_posix()].add(path.suffix)
    return dict(stems)


def _common_suffix(folder: Path, stems: Mapping[str, set[str]]) -> str:
    for suffix in DATA_SUFFIXES:
        if all(suffix in have for have in stems.values()):
            return suffix
    lacking = sorted(stem for stem, have in stems.items() if DATA_SUFFIXES[0] not in have)
    raise ValueError(f"{folder}: data files share no format ({', '.join(DATA_SUFFIXES)}); "
                     f"no {DATA_SUFFIXES[0]} for {', '.join(lacking)}")


def _layout(stems: Mapping[str, set[str]]) -> tuple[_Layout, set[str]]:
    layout: _Layout = defaultdict(lambda: defaultdict(list))
    top_level: set[str] = set()
    nested: dict[str, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
    for stem in sorted(stems):
        parts = stem.split("/")
        if len(parts) == 1:
            layout[_name(parts[0])][WHOLE_FILE_SPLIT].append(stem)
            top_level.add(_name(parts[0]))
        elif len(parts) == 2:
            layout[_name(parts[0])][_name(parts[1])].append(stem)
        else:
            layout[_name(f"{parts[0]}_{parts[1]}")][_name(parts[2])].append(stem)
            nested[_name(parts[0])][_name(parts[2])].append(stem)
    for name, splits in nested.items():
        if name not in layout:           # no files of its own: the union of its sub-folders
            layout[name] = splits
    return layout, top_level


def _config_order(layout: _Layout, top_level: set[str]) -> list[str]:
    rank = {name: i for i, name in enumerate(CONFIG_ORDER)}
    return sorted(layout, key=lambda n: (n in top_level, rank.get(n.split("_")[0], len(rank)),
                                         n))


def _by_schema(folder: Path, name: str, splits: Mapping[str, list[str]],
               suffix: str) -> list[tuple[str, list[tuple[str, list[str]]]]]:
    """The config's splits grouped by file schema: [(config name, [(split, stems)])]."""
    groups: dict[Any, list[tuple[str, list[str]]]] = {}
    for split in sorted(splits, key=lambda s: (SPLIT_ORDER.get(s, len(SPLIT_ORDER)), s)):
        schemas = {_schema(folder / f"{stem}{suffix}") for stem in splits[split]}
        if len(schemas) > 1:       # sub-folders that differ (RE and NER apart): no union config
            return []
        groups.setdefault(schemas.pop(), []).append((split, splits[split]))
    ordered = sorted(groups.values(), key=lambda g: not any(s == "train" for s, _ in g))
    return [(name if i == 0 else _name("_".join([name, *(s for s, _ in group)])), group)
            for i, group in enumerate(ordered)]


def _schema(path: Path) -> Any:
    """What must agree across a config's splits: column names and types (Parquet), or the keys
    of the first row (JSONL, whose types `datasets` infers per file)."""
    if path.suffix == ".parquet":
        import pyarrow.parquet as pq

        return str(pq.read_schema(path).remove_metadata())
    with open(path, encoding="utf-8") as fh:
        first = fh.readline()
    return tuple(sorted(json.loads(first))) if first.strip() else ()


def _paths(stems: list[str], suffix: str) -> str | list[str]:
    paths = [f"{stem}{suffix}" for stem in stems]
    return paths[0] if len(paths) == 1 else paths


def _name(raw: str) -> str:
    return _NOT_NAME_CHAR.sub("_", raw)
