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
from kg2instruction.instructions.formats import Entity, Triple, parse_entities, parse_relations
from kg2instruction.instructions.ids import record_id_of
from kg2instruction.instructions.instruction_table import NER_SUFFIX

STYLES = ("instructie", "iepile")
FIELDS = {"id", "instruction", "output", "cate", "lang", "task", "label"}


def _load(folder: Path, kind: str, builder: str) -> datasets.DatasetDict:
    suffix = ".jsonl" if builder == "json" else ".parquet"
    files = {p.stem: str(p) for p in sorted((folder / kind).glob(f"*{suffix}"))}
    return datasets.load_dataset(builder, data_files=files)


def _records(folder: Path) -> dict[str, dict]:
    loaded = _load(folder, "records", "json")
    return {r["id"]: r for split in loaded.values() for r in split}


@pytest.mark.parametrize("builder", ["json", "parquet"])
@pytest.mark.parametrize("style", STYLES)
def test_every_output_parses_back_to_exactly_its_record(exported, fixture_run, builder, style):
    loaded = _load(exported, style, builder)
    assert set(loaded) == {"train", "dev", "test"}
    records = _records(exported)
    formats = {row["id"]: row["format"]
               for row in fixture_run.table("make_instructions").to_pylist()
               if row["style"] == style}
    facts: dict[str, Counter] = defaultdict(Counter)
    seen = Counter()
    for split, rows in loaded.items():
        assert set(rows.column_names) == FIELDS
        for row in rows:
            fmt = formats[row["id"]]
            seen[(row["lang"], row["task"], fmt)] += 1
            if row["task"] == "NER":
                parsed = parse_entities(fmt, row["output"])
                got = list(parsed.entities)
                label = [Entity(e["entity"], e["entity_type"]) for e in json.loads(row["label"])]
            else:
                parsed = parse_relations(fmt, row["output"])
                got = list(parsed.triples)
                label = [Triple(t["head"], t["relation"], t["tail"])
                         for t in json.loads(row["label"])]
            assert parsed.ok, (row["id"], parsed.error)
            assert Counter(got) == Counter(label)
            facts[record_id_of(row["id"])].update(got)
    for rid, record in records.items():
        assert facts[rid] == Counter(Triple(r["head"], r["relation"], r["tail"])
                                     for r in record["relation"])
        assert facts[rid + NER_SUFFIX] == Counter(Entity(e["entity"], e["entity_type"])
                                                  for e in record["entity"])
    langs = {lang for lang, _, _ in seen}
    assert langs == {"en", "zh"}
    if style == "instructie":   # all four formats in English (Chinese has only five records)
        assert {fmt for lang, _, fmt in seen if lang == "en"} == {"json", "tuple", "natural",
                                                                   "colon"}


def test_zh_instructions_are_chinese(exported):
    loaded = _load(exported, "instructie", "json")
    zh = [r for split in loaded.values() for r in split if r["lang"] == "zh"]
    assert zh and all(r["cate"] == "人物" for r in zh)
    assert all("文本：" in r["instruction"] for r in zh)


def test_alpaca_is_the_instructie_style_split_apart(exported):
    alpaca = _load(exported, "alpaca", "json")
    instructie = _load(exported, "instructie", "json")
    for split in alpaca:
        assert alpaca[split].column_names == ["instruction", "input", "output"]
        assert alpaca[split]["output"] == instructie[split]["output"]
        for a, i in zip(alpaca[split], instructie[split]):
            assert i["instruction"].startswith(a["instruction"]) and \
                i["instruction"].endswith(a["input"])


def test_no_page_is_in_two_splits(exported, fixture_run):
    page_split = {}
    for record in fixture_run.table("build_records").to_pylist():
        assert page_split.setdefault(record["page_key"], record["split"]) == record["split"]
    records = _records(exported)
    loaded = _load(exported, "iepile", "json")
    for split, rows in loaded.items():
        for rid in {record_id_of(i).removesuffix(NER_SUFFIX) for i in rows["id"]}:
            assert rid in records
    assert len(set(page_split.values())) == 3


def test_dataset_card_has_counts_sources_and_licences(exported, fixture_run):
    card = (exported / "README.md").read_text(encoding="utf-8")
    info = json.loads((exported / "dataset_info.json").read_text(encoding="utf-8"))
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
    assert json.loads((folder / "dataset_info.json").read_text())["splits"] == []
    written = sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file())
    assert written == ["README.md", "dataset_info.json", "provenance.parquet"]   # no empty splits
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
