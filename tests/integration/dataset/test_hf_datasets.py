"""A published version folder is a Hugging Face dataset: `datasets.load_dataset(folder, config)`
returns every format with its splits by name, the metadata files are ones `datasets` accepts, and
the folder is readable by others (0755/0644) like any shared dataset. Offline, with a private
cache: the test never touches the network or the user's Hugging Face cache."""
from __future__ import annotations

import json
import re
import stat
from pathlib import Path

import datasets
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import yaml

from kg2instruction.dataset.dataset_card import front_matter
from kg2instruction.dataset.export import SUMMARY_FILE
from kg2instruction.dataset.hf_configs import data_configs


def _card_configs(folder: Path) -> list[dict]:
    """The `configs:` of the card's YAML front matter, as `datasets` reads them."""
    card = (folder / "README.md").read_text(encoding="utf-8")
    assert card.startswith("---\n")
    return yaml.safe_load(card.split("---\n")[1])["configs"]


def _files(entry: dict) -> list[str]:
    return [entry["path"]] if isinstance(entry["path"], str) else entry["path"]


def test_every_data_file_is_in_a_config_and_every_format_has_one(exported):
    configs = _card_configs(exported)
    listed = {path for c in configs for f in c["data_files"] for path in _files(f)}
    on_disk = {p.relative_to(exported).as_posix() for p in exported.rglob("*.parquet")}
    assert listed == on_disk
    formats = {p.name for p in exported.iterdir() if p.is_dir()}
    assert formats >= {"instructie", "iepile", "alpaca", "records"}
    # a config is named after its folder, non-word characters as `_` (yayi-uie/ -> yayi_uie)
    assert {re.sub(r"\W+", "_", f) for f in formats} <= {c["config_name"] for c in configs}
    summary = json.loads((exported / SUMMARY_FILE).read_text(encoding="utf-8"))
    assert summary["configs"] == configs


def test_every_config_loads_with_its_splits_by_name(exported, hf_offline):
    for config in _card_configs(exported):
        name = config["config_name"]
        loaded = datasets.load_dataset(str(exported), name, cache_dir=str(hf_offline))
        assert list(loaded) == [f["split"] for f in config["data_files"]], name
        for entry in config["data_files"]:
            tables = [pq.read_table(exported / path) for path in _files(entry)]
            split = loaded[entry["split"]]
            assert split.column_names == tables[0].column_names, (name, entry["split"])
            assert split.num_rows == sum(t.num_rows for t in tables), (name, entry["split"])
            column = split.column_names[0]
            assert split[column] == [v for t in tables for v in t[column].to_pylist()]


def test_default_config_loads_without_a_name(exported, hf_offline):
    (default,) = [c for c in _card_configs(exported) if c.get("default")]
    loaded = datasets.load_dataset(str(exported), cache_dir=str(hf_offline))
    assert list(loaded) == [f["split"] for f in default["data_files"]]
    assert {"train", "dev", "test"} <= set(loaded)


def test_metadata_files_are_ones_datasets_accepts(exported):
    info = exported / datasets.config.DATASET_INFO_FILENAME
    if info.exists():   # must then be a real DatasetInfo, not our own summary under its name
        assert isinstance(datasets.DatasetInfo.from_directory(str(exported)),
                          datasets.DatasetInfo)
    assert (exported / SUMMARY_FILE).is_file()


def test_published_folder_is_readable_by_everyone(exported):
    modes = {p.relative_to(exported).as_posix() or ".": stat.S_IMODE(p.stat().st_mode)
             for p in [exported, *exported.rglob("*")]}
    assert modes["."] == 0o755
    wrong = {name: oct(mode) for name, mode in modes.items()
             if mode != (0o755 if (exported / name).is_dir() else 0o644)}
    assert wrong == {}


def _write(folder: Path, stem: str, table: pa.Table, *, jsonl: bool = True) -> None:
    path = folder / f"{stem}.parquet"
    path.parent.mkdir(parents=True, exist_ok=True)
    pq.write_table(table, path)
    if jsonl:
        (folder / f"{stem}.jsonl").write_text(
            "".join(json.dumps(r) + "\n" for r in table.to_pylist()), encoding="utf-8")


def test_configs_follow_whatever_files_exist(tmp_path, hf_offline):
    """Split files named anyhow, task sub-folders, a split with other columns: all loadable."""
    rows = pa.table({"id": ["a", "b"], "output": ["x", "y"]})
    for stem in ("iepile/RE/train", "iepile/NER/train", "iepile/RE/test", "iepile/NER/test",
                 "alpaca/train", "alpaca/test_ner", "alpaca/test_re", "instructie/train",
                 "instructie/dev"):
        _write(tmp_path, stem, rows if "NER" not in stem else rows.slice(1))
    _write(tmp_path, "instructie/test", pa.table({"id": ["t"], "label": [["l1", "l2"]]}))
    configs = data_configs(tmp_path)
    assert [c["config_name"] for c in configs] == [
        "iepile", "iepile_NER", "iepile_RE", "instructie", "instructie_test", "alpaca"]
    assert configs[0]["default"] is True
    assert configs[0]["data_files"][0] == {
        "split": "train", "path": ["iepile/NER/train.parquet", "iepile/RE/train.parquet"]}
    summary = {"theme": "t", "version": "v", "records": {"train/en": 2}, "configs": configs}
    (tmp_path / "README.md").write_text(front_matter(summary), encoding="utf-8")

    def ids(config: str) -> dict[str, list[str]]:
        loaded = datasets.load_dataset(str(tmp_path), config, cache_dir=str(hf_offline))
        return {split: ds["id"] for split, ds in loaded.items()}

    assert ids("iepile") == {"train": ["b", "a", "b"], "test": ["b", "a", "b"]}
    assert ids("iepile_RE") == {"train": ["a", "b"], "test": ["a", "b"]}
    assert ids("alpaca") == {"train": ["a", "b"], "test_ner": ["a", "b"], "test_re": ["a", "b"]}
    assert ids("instructie") == {"train": ["a", "b"], "dev": ["a", "b"]}
    assert ids("instructie_test") == {"test": ["t"]}


def test_a_split_only_in_jsonl_makes_every_config_jsonl(tmp_path):
    """`datasets` reads one file format per folder: one JSONL-only split switches them all."""
    rows = pa.table({"id": ["a"]})
    for stem in ("iepile/train", "iepile/test"):
        _write(tmp_path, stem, rows)
    (tmp_path / "alpaca").mkdir()
    (tmp_path / "alpaca" / "train.jsonl").write_text('{"id": "a"}\n', encoding="utf-8")
    paths = [f["path"] for c in data_configs(tmp_path) for f in c["data_files"]]
    assert sorted(paths) == ["alpaca/train.jsonl", "iepile/test.jsonl", "iepile/train.jsonl"]
    _write(tmp_path, "provenance", rows, jsonl=False)
    with pytest.raises(ValueError, match="no .parquet for alpaca/train"):
        data_configs(tmp_path)
