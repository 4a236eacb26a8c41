"""Theme ids expand to the display names records carry, in every language of the theme file."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from kg2instruction.errors import ConfigError
from kg2instruction.train.data import load_examples, theme_key
from kg2instruction.train.theme_names import expand_themes

REPO_THEMES = Path(__file__).resolve().parents[3] / "themes"


def test_ids_expand_to_english_and_chinese_names():
    names = {theme_key(t) for t in expand_themes(["natural_science", "event"], REPO_THEMES)}
    assert {"natural_science", "event", theme_key("自然科学"), theme_key("事件")} <= names
    assert expand_themes(["no_such_theme"], REPO_THEMES) == ["no_such_theme"]
    assert expand_themes(["person"], None) == ["person"]


def test_excluding_an_id_drops_its_chinese_records(tmp_path: Path):
    rows = [{"id": "a", "instruction": "Q", "output": "A", "cate": "自然科学"},
            {"id": "b", "instruction": "Q", "output": "A", "cate": "Natural_Science"},
            {"id": "c", "instruction": "Q", "output": "A", "cate": "人物"}]
    path = tmp_path / "train.jsonl"
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows),
                    encoding="utf-8")
    kept = load_examples(path, require_output=True,
                         exclude_themes=expand_themes(["natural_science"], REPO_THEMES))
    assert [e.id for e in kept] == ["c"]


def test_bad_theme_file_is_named(tmp_path: Path):
    (tmp_path / "odd.yaml").write_text("name: [odd]\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="name") as caught:
        expand_themes(["odd"], tmp_path)
    assert "odd.yaml" in str(caught.value)
