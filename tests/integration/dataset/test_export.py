"""The published dataset: loadable with `datasets`, every output parses back to its record's facts,
splits by page, a dataset card with counts, sources and licences, atomic and idempotent."""
from __future__ import annotations

import json
from collections import Counter, defaultdict
from pathlib import Path

import datasets
import pyarrow.parquet as pq
import pytest

from kg2instruction.cli import main as kg2i
from kg2instruction.dataset.export import ExportInfo, export_dataset, latest_version
from kg2instruction.instructions.alpaca import to_alpaca
from kg2instruction.instructions.formats import Entity, Triple, parse_entities, parse_relations
from kg2instruction.instructions.ids import NER_SUFFIX, record_id_of

FIELDS = ["id", "instruction", "output", "cate", "lang", "task", "label"]


def _load(folder: Path, kind: str, builder: str) -> datasets.DatasetDict:
    """The files under `folder/kind`, sub-folders too (`RE/test` -> split `RE_test`)."""
    suffix = ".jsonl" if builder == "json" else ".parquet"
    files = {path.relative_to(folder / kind).with_suffix("").as_posix().replace("/", "_"):
             str(path) for path in sorted((folder / kind).rglob(f"*{suffix}"))}
    return datasets.load_dataset(builder, data_files=files)


def _records(folder: Path) -> dict[str, dict]:
    loaded = _load(folder, "records", "json")
    return {r["id"]: r for split in loaded.values() for r in split}


def _table_rows(fixture_run, style: str, split: str) -> list[dict]:
    return [r for r in fixture_run.table("make_instructions").to_pylist()
            if r["style"] == style and r["split"] == split]


@pytest.mark.parametrize("builder", ["json", "parquet"])
def test_iepile_files_hold_one_task_each_and_add_up_to_the_records(exported, builder):
    loaded = _load(exported, "iepile", builder)
    assert set(loaded) == {f"{task}_{split}" for task in ("RE", "NER")
                           for split in ("train", "dev", "test")}
    records = _records(exported)
    facts: dict[str, Counter] = defaultdict(Counter)
    seen = Counter()
    for name, rows in loaded.items():
        task = name.split("_")[0]
        assert rows.column_names == FIELDS
        previous = None
        done: set[str] = set()
        for row in rows:
            assert row["task"] == task
            if row["id"] != previous:   # the chunks of a record are consecutive lines
                assert row["id"] not in done
                done.add(row["id"])
                previous = row["id"]
            record = records[record_id_of(row["id"])]
            seen[(row["lang"], task)] += 1
            if task == "NER":
                parsed = parse_entities("json", row["output"])
                got = list(parsed.entities)
                assert json.loads(row["label"]) == record["entity"]   # the whole record's
            else:
                parsed = parse_relations("json", row["output"])
                got = list(parsed.triples)
                assert json.loads(row["label"]) == record["relation"]
            assert parsed.ok, (row["id"], parsed.error)
            facts[row["id"]].update(got)
    for rid, record in records.items():
        assert facts[rid] == Counter(Triple(r["head"], r["relation"], r["tail"])
                                     for r in record["relation"])
        assert facts[rid + NER_SUFFIX] == Counter(Entity(e["entity"], e["entity_type"])
                                                  for e in record["entity"])
    assert {lang for lang, _ in seen} == {"en", "zh"}


@pytest.mark.parametrize("builder", ["json", "parquet"])
def test_instructie_files_are_the_release_instruction_form(exported, fixture_run, builder):
    records = _records(exported)
    for split in ("train", "dev", "test"):
        rows = _table_rows(fixture_run, "instructie", split)
        loaded = datasets.load_dataset(builder, data_files={split: str(
            exported / "instructie" / f"{split}{'.jsonl' if builder == 'json' else '.parquet'}")}
        )[split]
        keys = ["id", "cate", "instruction", "label"] if split == "test" else ["instruction",
                                                                               "output"]
        assert loaded.column_names == keys
        assert len(loaded) == len(rows) > 0 and {r["task"] for r in rows} == {"RE"}
        for ours, row in zip(loaded, rows):   # the table's rows, in its order
            assert ours["instruction"] == row["instruction"]
            assert list(json.loads(ours["instruction"])) == ["instruction", "schema", "input"]
            record = records[row["record_id"]]
            if split == "test":
                assert ours["id"] == row["id"] and ours["cate"] == record["cate"]
                assert ours["label"] == record["relation"]
            else:
                got = parse_relations("json", ours["output"]).triples
                assert Counter(got) == Counter(Triple(r["head"], r["relation"], r["tail"])
                                               for r in record["relation"])


def test_zh_instructions_are_chinese(exported, fixture_run):
    varied = [r for r in fixture_run.table("make_instructions").to_pylist()
              if r["style"] == "varied" and r["lang"] == "zh"]
    assert varied and all(r["cate"] == "人物" for r in varied)
    assert all("文本：" in r["instruction"] for r in varied)
    instructie = [r for r in fixture_run.table("make_instructions").to_pylist()
                  if r["style"] == "instructie" and r["lang"] == "zh"]
    assert instructie and all("关系抽取" in json.loads(r["instruction"])["instruction"]
                              for r in instructie)


def test_alpaca_is_the_varied_style_split_apart(exported, fixture_run):
    alpaca = _load(exported, "alpaca", "json")
    formats = Counter()
    for split in alpaca:
        rows = _table_rows(fixture_run, "varied", split)
        assert alpaca[split].column_names == ["instruction", "input", "output"]
        assert list(alpaca[split]) == [to_alpaca(r) for r in rows]
        formats.update(r["format"] for r in rows if r["lang"] == "en")
    # all four formats in English (Chinese has only five records)
    assert set(formats) == {"json", "tuple", "natural", "colon"}


def test_no_page_is_in_two_splits(exported, fixture_run):
    page_split = {}
    for record in fixture_run.table("build_records").to_pylist():
        assert page_split.setdefault(record["page_key"], record["split"]) == record["split"]
    records = _records(exported)
    loaded = _load(exported, "iepile", "json")
    for split, rows in loaded.items():
        for rid in {record_id_of(i) for i in rows["id"]}:
            assert rid in records
    assert len(set(page_split.values())) == 3


def test_dataset_card_has_counts_sources_and_licences(exported, fixture_run):
    card = (exported / "README.md").read_text(encoding="utf-8")
    info = json.loads((exported / "kg2i_summary.json").read_text(encoding="utf-8"))
    records = fixture_run.table("build_records").to_pylist()
    assert info["records_per_theme"] == {"person": len(records)}
    zh_facts = Counter(r["relation"] for rec in records if rec["lang"] == "zh"
                       for r in rec["relation"])
    assert info["relations"]["zh"] == dict(zh_facts)
    for label, n in zh_facts.items():
        assert f"| zh | {label} | {n} |" in card
    assert "CC BY-SA" in card and "CC0" in card
    assert "enwiki-sample.xml.bz2" in card and "wikidata-mini.json.bz2" in card
    wikidata = next(s for s in info["sources"] if s["kind"] == "wikidata")
    assert len(wikidata["file"]["head_sha1"]) == 40
    assert (exported / "provenance.parquet").is_file()


def test_export_is_idempotent_and_atomic(exported, fixture_run, tmp_path):
    before = sorted(p.name for p in exported.parent.iterdir())
    assert kg2i(["export", "--pipeline", str(fixture_run.pipeline_file), "--theme",
                 "person"]) == 0
    assert sorted(p.name for p in exported.parent.iterdir()) == before   # nothing new, no temp
    assert latest_version(exported.parent) == exported
    # a failure half-way leaves no folder and LATEST unchanged
    records = fixture_run.table("build_records")
    broken = fixture_run.table("make_instructions").drop_columns(["prompt"])
    info = ExportInfo(pipeline="p", theme="person", version="person-broken", seed=1)
    with pytest.raises(KeyError):
        export_dataset(records, broken, exported.parent, info)
    assert sorted(p.name for p in exported.parent.iterdir()) == before


def test_export_without_a_run_is_a_clear_error(fixture_run, capsys):
    assert kg2i(["export", "--pipeline", str(fixture_run.pipeline_file), "--theme",
                 "works"]) == 2
    assert "no run manifest for theme 'works'" in capsys.readouterr().err


def test_empty_tables_export_an_empty_dataset(tmp_path, fixture_run):
    records = fixture_run.table("build_records").slice(0, 0)
    instructions = fixture_run.table("make_instructions").slice(0, 0)
    folder = export_dataset(records, instructions, tmp_path,
                            ExportInfo(pipeline="p", theme="person", version="v0", seed=1))
    assert json.loads((folder / "kg2i_summary.json").read_text())["splits"] == []
    written = sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file())
    assert written == ["README.md", "kg2i_summary.json", "provenance.parquet"]   # no empty splits
    assert pq.read_table(folder / "provenance.parquet").num_rows == 0


def test_export_of_a_run_without_the_instruction_stage_names_it(fixture_run, capsys):
    from kg2instruction.dataset.run_outputs import load_pipeline_run

    run = load_pipeline_run(fixture_run.pipeline_file, "person")
    stages = dict(run.manifest.stages)
    del stages["make_instructions"]
    partial = run.manifest.model_copy(update={"stages": stages, "theme": "partial"})
    partial.write(run.manifest_file.with_name("partial.json"))
    try:
        assert kg2i(["export", "--pipeline", str(fixture_run.pipeline_file), "--theme",
                     "partial"]) == 2
    finally:
        run.manifest_file.with_name("partial.json").unlink()
    err = capsys.readouterr().err
    assert "has no stage 'make_instructions'" in err and "partial.json" in err
