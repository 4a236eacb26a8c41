"""Reading instruction datasets: shapes, split discovery, theme filters, errors naming records."""
from __future__ import annotations

import json
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from kg2instruction.errors import InputError
from kg2instruction.train.data import fingerprint_files, load_examples, split_files, theme_key


def test_iepile_records_load_with_theme_and_language(dataset_dir: Path, instruction_splits):
    examples = load_examples(dataset_dir, "train", require_output=True)
    assert [e.id for e in examples] == [r["id"] for r in instruction_splits["train"]]
    first = examples[0]
    assert first.theme == "人物" and first.lang == "zh" and first.task == "KG"
    assert json.loads(first.instruction)["schema"][0]["entity_type"] == "人物"
    assert first.output == instruction_splits["train"][0]["output"]


def test_alpaca_records_keep_their_input(tmp_path: Path):
    path = tmp_path / "train.jsonl"
    path.write_text(json.dumps({"instruction": "List the spouses.", "input": "Ada married Bob.",
                                "output": "(Ada, spouse, Bob)"}) + "\n", encoding="utf-8")
    (example,) = load_examples(path, require_output=True)
    assert example.input == "Ada married Bob." and example.theme is None
    assert example.id == "train.jsonl:1"  # no id: position, for messages only


def test_test_split_without_output_loads_for_prediction(dataset_dir: Path):
    examples = load_examples(dataset_dir, "test", require_output=False, require_id=True)
    assert len(examples) == 5 and all(e.output is None for e in examples)


def test_exclude_and_only_themes_compare_loosely(dataset_dir: Path):
    everything = load_examples(dataset_dir, "train", require_output=True)
    without = load_examples(dataset_dir, "train", require_output=True,
                            exclude_themes=["astronomy", "人物"])
    assert {e.theme for e in without} == {"地理地区"}
    only = load_examples(dataset_dir, "train", require_output=True, only_themes=["Astronomy"])
    assert {e.theme for e in only} == {"Astronomy"}
    assert len(without) + len(only) + sum(e.theme == "人物" for e in everything) == len(everything)
    assert theme_key("Natural Science") == theme_key("natural_science") == "natural_science"


def test_split_files_found_in_theme_subfolders_and_parquet(tmp_path: Path):
    for theme in ("person", "event"):
        folder = tmp_path / theme
        folder.mkdir()
        pq.write_table(pa.Table.from_pylist([{"id": f"{theme}-1", "instruction": "Q",
                                              "output": "A", "cate": theme}]),
                       folder / "train.parquet")
    files = split_files(tmp_path, "train")
    assert [f.parent.name for f in files] == ["event", "person"]
    examples = load_examples(tmp_path, "train", require_output=True)
    assert sorted(e.id for e in examples) == ["event-1", "person-1"]
    with pytest.raises(InputError, match="no 'dev' split"):
        split_files(tmp_path, "dev")


@pytest.mark.parametrize("line, message", [
    ('{"instruction": "Q", "output": ', "not valid JSON"),
    ('["Q", "A"]', "expected a JSON object"),
    ('{"id": "r7", "instruction": "", "output": "A"}', "non-empty string"),
    ('{"id": "r7", "instruction": "Q"}', "expected an 'output'"),
    ('{"id": "r7", "instruction": "Q", "output": ["A"]}', "'output' to be a string"),
])
def test_malformed_training_record_names_file_and_line(tmp_path: Path, line: str, message: str):
    path = tmp_path / "train.jsonl"
    path.write_text('{"id": "ok", "instruction": "Q", "output": "A"}\n\n' + line + "\n",
                    encoding="utf-8")
    with pytest.raises(InputError, match=message) as caught:
        load_examples(path, require_output=True)
    assert caught.value.line == 3 and caught.value.source == str(path)


def test_missing_dataset_path_is_named(tmp_path: Path):
    with pytest.raises(InputError, match="no such file") as caught:
        load_examples(tmp_path / "nowhere", require_output=True)
    assert "nowhere" in str(caught.value)


def test_fingerprint_follows_file_bytes(dataset_dir: Path, tmp_path: Path):
    train = dataset_dir / "train.jsonl"
    before = fingerprint_files([train])
    assert before == fingerprint_files([train])
    copy = tmp_path / "train.jsonl"
    copy.write_bytes(train.read_bytes().replace(b"\n", b"\n\n", 1))
    assert fingerprint_files([copy]) != before


def test_export_style_folders_pick_one_format_and_combine(instruction_splits, tmp_path: Path):
    """An exported version writes each split as JSONL and Parquet: rows must not count twice."""
    rows = instruction_splits["train"]
    for style, part in (("instructie", rows[:4]), ("iepile", rows[4:])):
        folder = tmp_path / "version" / style
        folder.mkdir(parents=True)
        (folder / "train.jsonl").write_text(
            "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in part), encoding="utf-8")
        pq.write_table(pa.Table.from_pylist(part), folder / "train.parquet")
    version = tmp_path / "version"
    both = load_examples([version / "instructie", version / "iepile"], require_output=True)
    assert [e.id for e in both] == [r["id"] for r in rows]
    assert len(load_examples(version, require_output=True)) == len(rows)


def test_theme_filters_refuse_records_without_a_theme(tmp_path: Path):
    """InstructIE's train form {instruction, output} names no theme: a theme filter cannot tell
    whether to keep it, so it says so instead of keeping it silently."""
    path = tmp_path / "train.jsonl"
    path.write_text(json.dumps({"id": "a", "instruction": "Q", "output": "A", "cate": "person"})
                    + "\n" + json.dumps({"instruction": "Q", "output": "A"}) + "\n",
                    encoding="utf-8")
    assert len(load_examples(path, require_output=True)) == 2   # no filter: both load
    with pytest.raises(InputError, match=r"train.jsonl, line 2: expected a 'cate'"):
        load_examples(path, require_output=True, exclude_themes=["event"])
