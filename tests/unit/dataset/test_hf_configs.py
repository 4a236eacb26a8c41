"""`data_configs` of a folder where no config survives: no configs, not an IndexError."""
from __future__ import annotations

import json
from pathlib import Path

from kg2instruction.dataset.hf_configs import data_configs, default_config


def test_no_surviving_config_gives_no_configs(tmp_path: Path) -> None:
    # `x-y/` and `x_y/` both name config `x_y`; their train files differ in columns, so the
    # config has no one schema and is left out: nothing is left
    for folder, row in (("x-y", {"a": 1}), ("x_y", {"b": 2})):
        (tmp_path / folder).mkdir()
        (tmp_path / folder / "train.jsonl").write_text(json.dumps(row) + "\n", encoding="utf-8")
    assert data_configs(tmp_path) == []
    assert default_config([]) is None


def test_a_surviving_config_is_the_default(tmp_path: Path) -> None:
    (tmp_path / "alpaca").mkdir()
    (tmp_path / "alpaca" / "train.jsonl").write_text('{"a": 1}\n', encoding="utf-8")
    configs = data_configs(tmp_path)
    assert [c["config_name"] for c in configs] == ["alpaca"] and default_config(configs) == "alpaca"
