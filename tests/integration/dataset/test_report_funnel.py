"""The report's funnel counts each stage transition in one unit (kept never exceeds its input),
and the NLI histogram shows the threshold that split kept from rejected triples."""
from __future__ import annotations

import html
import re
from collections.abc import Iterator
from contextlib import contextmanager

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from kg2instruction.cli import main as kg2i
from kg2instruction.dataset.funnel import funnel_rows
from kg2instruction.dataset.report import NliThreshold, collect, figures, plot_nli
from kg2instruction.dataset.run_outputs import load_pipeline_run
from kg2instruction.stages.sample_paragraphs import TRIPLES_STAGE

ROW = re.compile(r"<tr><td>(?P<stage>\w+)</td><td>(?P<unit>\w+)</td><td>(?P<rows_in>[\d,]+)</td>"
                 r"<td>(?P<kept>[\d,]+)</td><td>(?P<lost>[\d,]+)</td>")


def test_every_funnel_row_keeps_at_most_its_input(fixture_run):
    run = load_pipeline_run(fixture_run.pipeline_file, "person")
    rows = {row.stage: row for row in funnel_rows(run)}
    assert list(rows) == list(run.manifest.stages)
    assert all(0 <= row.kept <= row.rows_in for row in rows.values())

    # the manifest's own numbers mix units: more instructions out than records in ...
    instructions = run.manifest.stages["make_instructions"].funnel
    assert instructions.kept > instructions.records_in
    # ... the funnel row counts records on both sides, and says what was written beside
    records = fixture_run.table("build_records")
    written = fixture_run.table("make_instructions")
    row = rows["make_instructions"]
    assert (row.unit, row.rows_in, row.produced_unit) == ("records", records.num_rows,
                                                         "instructions")
    assert row.kept == len(set(written["record_id"].to_pylist()))
    assert row.produced == written.num_rows

    # sampling reads triples and writes paragraphs: counted in paragraphs; the negatives it
    # draws from another input are "added", not "kept"
    triples = fixture_run.table(TRIPLES_STAGE)
    sampled = set(fixture_run.table("sample_paragraphs")["paragraph_id"].to_pylist())
    with_triples = set(triples["paragraph_id"].to_pylist())
    row = rows["sample_paragraphs"]
    assert (row.unit, row.rows_in) == ("paragraphs", len(with_triples))
    assert (row.kept, row.added) == (len(sampled & with_triples), len(sampled - with_triples))


def test_the_page_shows_the_same_funnel(fixture_run, tmp_path):
    out = tmp_path / "report.html"
    assert kg2i(["report", "--pipeline", str(fixture_run.pipeline_file), "--theme", "person",
                 "--out", str(out)]) == 0
    page = out.read_text(encoding="utf-8")
    shown = [m.groupdict() for m in ROW.finditer(page)]
    expected = funnel_rows(load_pipeline_run(fixture_run.pipeline_file, "person"))
    assert [(r["stage"], r["unit"]) for r in shown] == [(r.stage, r.unit) for r in expected]
    for row in shown:
        rows_in, kept, lost = (int(row[k].replace(",", "")) for k in ("rows_in", "kept", "lost"))
        assert kept <= rows_in and lost == rows_in - kept


@contextmanager
def _scored(fixture_run, scores) -> Iterator[None]:
    """The fixture's triples with NLI scores, for the length of the block (then restored)."""
    folder = load_pipeline_run(fixture_run.pipeline_file, "person").output_dir(TRIPLES_STAGE)
    triples = fixture_run.table(TRIPLES_STAGE)
    column = triples.schema.get_field_index("nli_score")
    original = (folder / "shard-00000.parquet").read_bytes()
    try:
        pq.write_table(triples.set_column(column, "nli_score", pa.array(
            [scores(i) for i in range(triples.num_rows)], pa.float64())),
            folder / "shard-00000.parquet")
        yield
    finally:
        (folder / "shard-00000.parquet").write_bytes(original)


def _vertical_lines(ax) -> list[float]:
    return [line.get_xdata()[0] for line in ax.get_lines()
            if len(set(line.get_xdata())) == 1 and len(line.get_xdata()) == 2]


def test_nli_histogram_marks_the_theme_threshold(fixture_run, tmp_path):
    out = tmp_path / "report.html"
    with _scored(fixture_run, lambda i: 0.05 + 0.9 * (i % 10) / 9):
        stats = collect(load_pipeline_run(fixture_run.pipeline_file, "person"))
        assert kg2i(["report", "--pipeline", str(fixture_run.pipeline_file), "--theme",
                     "person", "--out", str(out)]) == 0
    threshold = fixture_run.theme.nli_threshold            # themes/person.yaml: 0.5
    assert stats.nli_threshold == NliThreshold(threshold, {}, "theme nli_threshold")
    ax = dict(figures(stats))["nli"].axes[0]
    assert _vertical_lines(ax) == [pytest.approx(threshold)]
    labels = [t.get_text() for t in ax.get_legend().get_texts()] + [t.get_text()
                                                                      for t in ax.texts]
    assert f"threshold {threshold:.2f}" in labels and f" {threshold:.2f}" in labels
    kept = sum(1 for s in stats.nli_scores if s >= threshold)
    assert f"{kept:,} of {len(stats.nli_scores):,} >= {threshold:.2f}" in ax.get_title()
    assert f"threshold {threshold:.2f} (theme nli_threshold)" in html.unescape(
        out.read_text(encoding="utf-8"))


def test_per_relation_thresholds_are_shaded_beside_the_default(fixture_run):
    from matplotlib.figure import Figure

    with _scored(fixture_run, lambda i: (i % 7) / 6):
        stats = collect(load_pipeline_run(fixture_run.pipeline_file, "person"),
                        nli_threshold=NliThreshold(0.7, {"place of birth": 0.4,
                                                         "employer": 0.85}))
    ax = Figure().add_subplot()
    plot_nli(ax, stats)
    assert _vertical_lines(ax) == [pytest.approx(0.7)]
    assert [p.get_label() for p in ax.patches if p.get_label() == "per-relation thresholds"]
    assert "2 relations use their own, 0.40-0.85" in stats.nli_threshold.label()
