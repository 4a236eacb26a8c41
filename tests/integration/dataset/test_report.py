"""`kg2i report` writes a self-contained HTML page; the exploration notebook runs on a real run."""
from __future__ import annotations

import base64
import re
import shutil

import nbformat
import pytest
from nbclient import NotebookClient

from kg2instruction.cli import main as kg2i
from kg2instruction.dataset.report import PLOTS, collect
from kg2instruction.dataset.run_outputs import load_pipeline_run
from kg2instruction.stages.sample_paragraphs import TRIPLES_STAGE
from tests.integration.dataset.harness import REPO

PNG = re.compile(r'src="data:image/png;base64,([A-Za-z0-9+/=]+)"')


def test_report_embeds_every_plot_and_the_funnel(fixture_run, tmp_path):
    out = tmp_path / "report.html"
    assert kg2i(["report", "--pipeline", str(fixture_run.pipeline_file), "--theme", "person",
                 "--out", str(out)]) == 0
    page = out.read_text(encoding="utf-8")
    images = PNG.findall(page)
    assert len(images) == len(PLOTS) == 6
    assert all(base64.b64decode(i).startswith(b"\x89PNG") for i in images)
    for stage in (TRIPLES_STAGE, "sample_paragraphs", "build_records", "make_instructions"):
        assert f"<td>{stage}</td>" in page
    assert "not_sampled=" in page      # dropped-by-reason from the sampling stage's funnel


def test_collected_numbers_match_the_stage_outputs(fixture_run):
    stats = collect(load_pipeline_run(fixture_run.pipeline_file, "person"))
    triples = fixture_run.table(TRIPLES_STAGE).to_pylist()
    sample = fixture_run.table("sample_paragraphs").to_pylist()
    records = fixture_run.table("build_records").to_pylist()
    assert sum(stats.relations_before.values()) == len(triples)
    assert sum(stats.combinations_after.values()) == sum(1 for s in sample if s["labels"])
    assert sum(stats.entity_types.values()) == sum(len(r["entity"]) for r in records)
    assert stats.records_per_theme == {"person": len(records)}
    assert stats.entropy("after") >= stats.entropy("before") - 1e-9
    assert not stats.nli_scores        # the fixture triples carry no NLI score


def test_report_shows_nli_scores_when_the_triples_have_them(fixture_run):
    import pyarrow as pa

    run = load_pipeline_run(fixture_run.pipeline_file, "person")
    triples = fixture_run.table(TRIPLES_STAGE)
    scored = triples.set_column(triples.schema.get_field_index("nli_score"), "nli_score", pa.array(
        [0.1 + 0.8 * (i % 5) / 4 for i in range(triples.num_rows)], pa.float64()))
    folder = run.output_dir(TRIPLES_STAGE)
    original = (folder / "shard-00000.parquet").read_bytes()
    try:
        import pyarrow.parquet as pq

        pq.write_table(scored, folder / "shard-00000.parquet")
        stats = collect(run)
    finally:
        (folder / "shard-00000.parquet").write_bytes(original)
    assert len(stats.nli_scores) == triples.num_rows and max(stats.nli_scores) == pytest.approx(0.9)


def test_report_without_a_run_is_a_clear_error(fixture_run, capsys):
    assert kg2i(["report", "--pipeline", str(fixture_run.pipeline_file), "--theme",
                 "medicine"]) == 2
    assert "no run manifest" in capsys.readouterr().err


def test_notebook_runs_from_its_own_folder(fixture_run, tmp_path, monkeypatch):
    """Jupyter starts a notebook in its folder: the notebook finds its project by walking up to
    setup.cfg and reads the default pipeline there, whatever the working directory. Run on a copy
    of the project layout (setup.cfg, pipelines/sample.yaml naming the fixture run, notebooks/)
    with no KG2I_* variable but the theme, so nothing relies on the repository's own cache."""
    project = tmp_path / "project"            # a copy: the session's fixture stays as it was
    shutil.copytree(fixture_run.project, project, symlinks=True)
    (project / "setup.cfg").write_text("[metadata]\nname = fixture\n", encoding="utf-8")
    (project / "pipelines" / "sample.yaml").write_bytes(
        (project / "pipelines" / fixture_run.pipeline_file.name).read_bytes())
    (project / "notebooks").mkdir(exist_ok=True)
    notebook_file = project / "notebooks" / "explore_run.ipynb"
    notebook_file.write_bytes((REPO / "notebooks" / "explore_run.ipynb").read_bytes())
    for name in ("KG2I_PIPELINE", "KG2I_RUN_DIR", "KG2I_BASE_DIR", "KG2I_CACHE_DIR"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("KG2I_THEME", "person")
    monkeypatch.setenv("MPLBACKEND", "Agg")
    monkeypatch.chdir(fixture_run.project)  # the kernel's folder is set below, not this one
    notebook = nbformat.read(notebook_file, as_version=4)
    NotebookClient(notebook, timeout=300, kernel_name="python3",
                   resources={"metadata": {"path": str(notebook_file.parent)}}).execute()
    outputs = [o for cell in notebook.cells if cell.cell_type == "code" for o in cell.outputs]
    assert not [o for o in outputs if o.output_type == "error"]
    images = [o for o in outputs if "image/png" in o.get("data", {})]
    assert len(images) == len(PLOTS)
    text = "".join(o.get("text", "") for o in outputs)
    assert "run fixture_run / person: complete" in text and "make_instructions" in text
    assert re.search(r"make_instructions\s+records\s+in=", text)
    shown = {tuple(m) for m in re.findall(r"^--- (\S+) (\S+) (\S+) ", text, re.MULTILINE)}
    instructions = fixture_run.table("make_instructions")
    assert shown == set(zip(*(instructions[c].to_pylist() for c in ("style", "task", "lang"))))
