"""The InstructUIE, YAYI-UIE and IEInstruct folders of a published version: in the card's configs,
loadable offline by `datasets` with the records' splits, one schema per config, and ids that are
exactly the records' (RE: the record id, NER: ``<record>/ner``), split by split."""
from __future__ import annotations

import json
from collections import defaultdict
from pathlib import Path

import datasets
import pytest
import yaml

from kg2instruction.instructions.ids import NER_SUFFIX, record_id_of

# config name -> folder
NEW_CONFIGS = {"instructuie": "instructuie", "yayi_uie": "yayi-uie", "ieinstruct": "ieinstruct"}
COLUMNS = {
    "instructuie": ["id", "Task", "Dataset", "subset", "sentence", "instruction", "label",
                    "ground_truth"],
    "yayi_uie": ["id", "task", "lang", "messages"],
    "ieinstruct": ["id", "task", "lang", "format", "shots", "messages"],
}


def _records_by_split(folder: Path) -> dict[str, dict[str, dict]]:
    out: dict[str, dict[str, dict]] = {}
    for path in sorted((folder / "records").glob("*.jsonl")):
        rows = [json.loads(line) for line in path.read_text("utf-8").splitlines() if line]
        out[path.stem] = {r["id"]: r for r in rows}
    return out


def _configs(folder: Path) -> dict[str, dict]:
    card = (folder / "README.md").read_text(encoding="utf-8")
    return {c["config_name"]: c for c in yaml.safe_load(card.split("---\n")[1])["configs"]}


def test_card_lists_the_new_folders_and_their_configs(exported):
    configs = _configs(exported)
    card = (exported / "README.md").read_text(encoding="utf-8")
    for name, folder in NEW_CONFIGS.items():
        assert (exported / folder).is_dir()
        assert f"`{folder}/`" in card
        splits = {f["split"]: f["path"] for f in configs[name]["data_files"]}
        assert splits == {s: f"{folder}/{s}.parquet" for s in ("train", "dev", "test")}


@pytest.mark.parametrize("config", sorted(NEW_CONFIGS))
def test_new_config_loads_with_the_records_splits_and_ids(exported, hf_offline, config):
    records = _records_by_split(exported)
    loaded = datasets.load_dataset(str(exported), config, cache_dir=str(hf_offline))
    assert set(loaded) == set(records) == {"train", "dev", "test"}
    for split, rows in loaded.items():
        assert rows.column_names == COLUMNS[config], split
        ids = rows["id"]
        assert {i for i in ids if not i.endswith(NER_SUFFIX)} == set(records[split])
        assert {record_id_of(i) for i in ids if i.endswith(NER_SUFFIX)} == set(records[split])
        task_column = "Task" if config == "instructuie" else "task"
        assert all(t == ("NER" if i.endswith(NER_SUFFIX) else "RE")
                   for i, t in zip(ids, rows[task_column]))


def test_instructuie_answers_hold_the_records_facts(exported, hf_offline):
    records = _records_by_split(exported)
    loaded = datasets.load_dataset(str(exported), "instructuie", cache_dir=str(hf_offline))
    for split, rows in loaded.items():
        for row in rows:
            record = records[split][record_id_of(row["id"])]
            assert row["subset"] == split and row["sentence"] == record["text"]
            assert row["instruction"].endswith(f" \nText: {record['text']} \nAnswer:")
            if row["Task"] == "RE":
                facts = [f"{r['relation']}: {r['head']}, {r['tail']}" for r in record["relation"]]
            else:
                facts = [f"{e['entity_type']}: {e['entity']}" for e in record["entity"]]
            assert row["label"] == row["ground_truth"] == " " + ("; ".join(facts) or "None")


def test_yayi_answers_are_json_of_the_records_facts_in_the_records_language(exported,
                                                                            hf_offline):
    records = _records_by_split(exported)
    loaded = datasets.load_dataset(str(exported), "yayi_uie", cache_dir=str(hf_offline))
    langs = set()
    for split, rows in loaded.items():
        for row in rows:
            record = records[split][record_id_of(row["id"])]
            assert [m["role"] for m in row["messages"]] == ["system", "user", "assistant"]
            user, answer = row["messages"][1]["content"], json.loads(row["messages"][2]["content"])
            header = "文本：" if record["lang"] == "zh" else "Text: "
            assert user.startswith(header + record["text"] + "\n【")
            langs.add(row["lang"])
            if row["task"] == "RE":
                assert answer == [{"relation": r["relation"], "head": r["head"], "tail": r["tail"]}
                                  for r in record["relation"]]
            else:
                by_type: dict[str, list[str]] = defaultdict(list)
                for e in record["entity"]:
                    by_type[e["entity_type"]].append(e["entity"])
                assert answer == dict(by_type)
    assert langs == {"en", "zh"}


def test_ieinstruct_demonstrations_are_other_train_records(exported, hf_offline):
    records = _records_by_split(exported)
    train_by_text = defaultdict(set)
    for rid, r in records["train"].items():
        train_by_text[r["text"]].add(rid)
    loaded = datasets.load_dataset(str(exported), "ieinstruct", cache_dir=str(hf_offline))
    shots_seen = set()
    for split, rows in loaded.items():
        per_id: dict[str, set] = defaultdict(set)
        for row in rows:
            record = records[split][record_id_of(row["id"])]
            header = "文本：" if record["lang"] == "zh" else "Text: "
            users = [m["content"] for m in row["messages"] if m["role"] == "user"]
            assert len(users) == row["shots"] + 1 and users[-1].endswith(header + record["text"])
            for content in users[:-1]:
                text = content.rsplit(header, 1)[1]
                assert train_by_text[text] - {record["id"]}, (split, row["id"])
            assert all(m["content"].startswith("[Answer]: ") for m in row["messages"]
                       if m["role"] == "assistant")
            per_id[row["id"]].add(row["format"])
            shots_seen.add(row["shots"])
        assert set(map(frozenset, per_id.values())) == {frozenset({"triplet", "natural", "json"})}
    assert shots_seen == {0, 3}
