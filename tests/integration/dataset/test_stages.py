"""The dataset stages under the framework's shard runner: sampling flattens and is reproducible,
splits follow pages, records and instructions honour the theme and the configured files."""
from __future__ import annotations

from collections import Counter

import pytest

from kg2instruction.config.theme import load_theme
from kg2instruction.dataset.sampling import combination_entropy
from kg2instruction.errors import ConfigError
from kg2instruction.instructions.hard_negatives import HardNegatives, write_hard_negatives
from kg2instruction.stages.make_instructions import MakeInstructions
from kg2instruction.stages.sample_paragraphs import SampleParagraphs
from tests.integration.dataset.harness import (FixtureRun, make_project, run_dataset_stages,
                                               run_stage, write_upstream)
from tests.unit.instructions.real_tables import english_rows, tables


@pytest.fixture(scope="module")
def english(tmp_path_factory):
    root = tmp_path_factory.mktemp("stages")
    make_project(root)
    theme = load_theme("person", root / "themes")
    paragraphs, triples = english_rows(theme, limit=3000)
    return root, theme, paragraphs, triples


def _fresh_run(english, name: str) -> FixtureRun:
    root, theme, paragraphs, triples = english
    run = FixtureRun(project=root / name, theme=theme, pipeline_file=root / "pipelines")
    (root / name).mkdir()
    (root / name / "themes").symlink_to(root / "themes")
    for stage, table in tables(paragraphs, triples).items():
        write_upstream(run, stage, table)
    return run


def _sample(run: FixtureRun, **sampling) -> list[dict]:
    run_stage(run, SampleParagraphs, {"sampling": {"negative_rate": 0.0, **sampling}})
    return run.table("sample_paragraphs").to_pylist()


def test_sampling_flattens_real_label_combinations_and_is_reproducible(english):
    run = _fresh_run(english, "flat")
    _, _, _, triples = english
    labels: dict[str, set[str]] = {}
    for t in triples:
        labels.setdefault(t["paragraph_id"], set()).add(t["relation"])
    before = combination_entropy(tuple(sorted(s)) for s in labels.values())
    kept = _sample(run, target_size=40, seed=1)
    after = combination_entropy(tuple(r["labels"]) for r in kept)
    uniform = combination_entropy(tuple(r["labels"]) for r in
                                  _sample(_fresh_run(english, "uniform"), target_size=40, seed=1,
                                          decay=0.0))
    assert len(kept) == 40
    assert after > before and after > uniform, (before, uniform, after)
    again = _fresh_run(english, "again")
    assert _sample(again, target_size=40, seed=1) == kept
    assert _sample(_fresh_run(english, "seed2"), target_size=40, seed=2) != kept


def test_negatives_are_taken_at_the_configured_rate(english):
    run = _fresh_run(english, "negatives")
    kept = _sample(run, target_size=100, negative_rate=0.2)
    assert Counter(bool(r["labels"]) for r in kept) == {True: 80, False: 20}
    counters = run.reports["sample_paragraphs"].counters
    assert counters["paragraphs.negative"] == 20
    assert run.reports["sample_paragraphs"].funnel.dropped["not_sampled"] > 0


def test_paragraphs_of_one_page_share_a_split(english):
    root, theme, paragraphs, triples = english
    # two paragraphs per page: the second a copy of the first under the same page
    doubled = paragraphs[:200] + [dict(p, paragraph_id=p["paragraph_id"][:-1] + "1", index=1)
                                  for p in paragraphs[:200]]
    run = FixtureRun(project=root / "pages", theme=theme, pipeline_file=root / "pipelines")
    (root / "pages").mkdir()
    for stage, table in tables(doubled, triples).items():
        write_upstream(run, stage, table)
    run_stage(run, SampleParagraphs, {"sampling": {"target_size": 400, "negative_rate": 1.0},
                                      "splits": {"ratios": {"train": 0.5, "test": 0.5}}})
    split_of_page: dict[str, set[str]] = {}
    for row in run.table("sample_paragraphs").to_pylist():
        split_of_page.setdefault(row["page_key"], set()).add(row["split"])
    # several T-REx sentences come from one page (same subject QID): they share a key too
    assert len(split_of_page) == len({p["page_qid"] for p in paragraphs[:200]})
    assert all(len(s) == 1 for s in split_of_page.values())
    assert {s for splits in split_of_page.values() for s in splits} == {"train", "test"}
    assert all(key.startswith("qid:Q") for key in split_of_page)


def test_configured_hard_negative_file_is_used(english, tmp_path):
    root, theme, paragraphs, triples = english
    run = _fresh_run(english, "hard")
    dictionary = HardNegatives(theme="person", negatives={
        label: ["alternative name"] for label in theme.labels("en") if label != "alternative name"})
    write_hard_negatives(dictionary, run.project / "negatives.yaml")
    run_dataset_stages(run, {}, {"sample_paragraphs": {"sampling": {"target_size": 30}},
                                 "make_instructions": {"hard_negatives_file": "negatives.yaml",
                                                       "random_negatives": 0}})
    # hard negatives are for training; dev/test records list the whole schema instead
    rows = [r for r in run.table("make_instructions").to_pylist()
            if r["style"] == "iepile" and r["task"] == "RE" and r["split"] == "train"]
    by_record: dict[str, set[str]] = {}
    for row in rows:
        by_record.setdefault(row["record_id"], set()).update(row["labels"])
    records = {r["record_id"]: r for r in run.table("build_records").to_pylist()}
    for rid, listed in by_record.items():
        present = {r["relation"] for r in records[rid]["relation"]}
        if present:
            assert listed == present | {"alternative name"}
    assert any(records[rid]["relation"] for rid in by_record)


def test_a_hard_negative_file_of_another_theme_is_refused(english):
    run = _fresh_run(english, "wrong_theme")
    write_hard_negatives(HardNegatives(theme="works"), run.project / "works.yaml")
    from kg2instruction.stages.build_records import BuildRecords

    run_stage(run, SampleParagraphs, {"sampling": {"target_size": 10}})
    run_stage(run, BuildRecords, {})
    with pytest.raises(ConfigError, match="theme 'works'"):
        run_stage(run, MakeInstructions, {"hard_negatives_file": "works.yaml"})


def test_triples_with_labels_outside_the_theme_are_skipped_and_counted(english):
    run = _fresh_run(english, "outside")
    _, _, paragraphs, triples = english
    foreign = [dict(t, relation="founded by", triple_id=t["triple_id"] + "x") for t in triples]
    for stage, table in tables(paragraphs, triples + foreign).items():
        write_upstream(run, stage, table)
    from kg2instruction.stages.build_records import BuildRecords

    run_stage(run, SampleParagraphs, {"sampling": {"target_size": 50}})
    run_stage(run, BuildRecords, {})
    records = run.table("build_records").to_pylist()
    assert all(r["relation"] and all(x["relation"] != "founded by" for x in r["relation"])
               for r in records if r["provenance"])
    assert run.reports["build_records"].counters["triples_skipped.label_not_in_theme"] > 0


def test_the_dataset_stages_give_the_same_bytes_on_a_rerun(english):
    runs = []
    for name in ("bytes_a", "bytes_b"):
        run = _fresh_run(english, name)
        run_dataset_stages(run, {}, {"sample_paragraphs": {"sampling": {"target_size": 60}}})
        runs.append(run)
    for stage in ("sample_paragraphs", "build_records", "make_instructions"):
        first, second = (sorted(r.outputs[stage].dir.glob("shard-*.parquet")) for r in runs)
        assert [p.read_bytes() for p in first] == [p.read_bytes() for p in second], stage
