"""`kg2i audit` on a finished run: both strata drawn with the run's sizes, evidence marked, the
draw reproducible, judged files protected, and a judged sample scored end to end."""
from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest

from kg2instruction.audit.tsv import COLUMNS, read_audit
from kg2instruction.cli import main as kg2i

N = 20
MARKS = ("[[", "]]", "{{", "}}")
pytestmark = pytest.mark.slow       # builds the sample KG store (~10 s alone, more when shared)


def unmarked(text: str) -> str:
    for token in MARKS:
        text = text.replace(token, "")
    return text


def between(text: str, opening: str, closing: str) -> str:
    return text[text.index(opening) + len(opening):text.index(closing)]


def sample(run, out: Path | None = None, *extra: str) -> int:
    args = ["audit", "person", "--pipeline", str(run.pipeline_file), "--n", str(N)]
    return kg2i(args + (["--out", str(out)] if out else []) + list(extra))


@pytest.fixture(scope="module")
def default_sample(audit_run) -> Path:
    assert sample(audit_run) == 0
    return audit_run.project / "benchmarks" / "audits" / "person.tsv"


def strata(run) -> dict[str, list[dict]]:
    return {"kept": run.table("nli_filter").to_pylist(),
            "rejected": run.table("nli_rejected").to_pylist()}


def test_both_strata_are_drawn_with_their_run_sizes(audit_run, default_sample) -> None:
    rows = [r.fields for r in read_audit(default_sample)]
    triples = strata(audit_run)
    assert all(len(t) > N for t in triples.values())      # the fixture has enough of each
    for status, stage_rows in triples.items():
        mine = [r for r in rows if r["status"] == status]
        by_id = {t["triple_id"]: t for t in stage_rows}
        assert len(mine) == N
        assert {int(r["stratum_size"]) for r in mine} == {len(stage_rows)}
        assert all(r["triple_id"] in by_id for r in mine)
        assert all(r["relation"] == by_id[r["triple_id"]]["relation"] for r in mine)
        # proportional allocation: every relation within one of its expected count
        expected = Counter(t["relation"] for t in stage_rows)
        drawn = Counter(r["relation"] for r in mine)
        assert all(abs(drawn[rel] - N * n / len(stage_rows)) < 1 for rel, n in expected.items())
    assert all(r["verdict"] == "" and r["note"] == "" for r in rows)
    assert list(rows[0]) == list(COLUMNS)
    assert default_sample.read_text().startswith("# kg2i audit of theme 'person'")


def test_a_language_sample_draws_only_that_language_with_its_own_strata(audit_run,
                                                                       tmp_path) -> None:
    out = tmp_path / "zh-person.tsv"
    assert sample(audit_run, out, "--lang", "zh") == 0
    rows = [r.fields for r in read_audit(out)]
    paragraphs = {p["paragraph_id"]: p["lang"]
                  for p in audit_run.table("read_wikipedia").to_pylist()}
    for status, stage_rows in strata(audit_run).items():
        zh = [t for t in stage_rows if paragraphs[t["paragraph_id"]] == "zh"]
        mine = [r for r in rows if r["status"] == status]
        assert len(mine) == min(N, len(zh))
        assert {int(r["stratum_size"]) for r in mine} <= {len(zh)}
    assert rows and {r["lang"] for r in rows} == {"zh"}
    assert "language zh only" in out.read_text(encoding="utf-8").splitlines()[0]
    assert sample(audit_run, tmp_path / "x.tsv", "--lang", "../x") == 2     # not a language
    assert not (tmp_path / "x.tsv").exists()


def test_evidence_marks_both_ends_and_the_paragraph_is_the_run_text(audit_run,
                                                                    default_sample) -> None:
    texts = {p["paragraph_id"]: p["text"] for p in audit_run.table("read_wikipedia").to_pylist()}
    triples = {t["triple_id"]: t for rows in strata(audit_run).values() for t in rows}
    for row in (r.fields for r in read_audit(default_sample)):
        triple = triples[row["triple_id"]]
        evidence = row["evidence"]
        assert all(evidence.count(token) == 1 for token in MARKS)
        assert unmarked(between(evidence, "[[", "]]")) == row["head"]
        assert unmarked(between(evidence, "{{", "}}")) == row["tail"]
        assert unmarked(evidence) in texts[triple["paragraph_id"]]
        assert unmarked(row["paragraph"]) == texts[triple["paragraph_id"]]
        assert row["evidence_source"] == "mention_sentences"   # fixture rows have no offsets
        if triple["head_qid"]:                                   # English: linked, KG-named
            assert row["head_entity"].startswith(triple["head_qid"] + " ")
            assert len(row["head_entity"]) > len(triple["head_qid"]) + 1
    einstein = [r for r in (x.fields for x in read_audit(default_sample))
                if r["head_entity"].startswith("Q937 ")]
    assert all("Albert Einstein" in r["head_entity"] for r in einstein)


def test_the_draw_is_reproducible_and_seeded(audit_run, default_sample, tmp_path) -> None:
    again, other = tmp_path / "again.tsv", tmp_path / "other.tsv"
    assert sample(audit_run, again) == 0
    assert again.read_bytes() == default_sample.read_bytes()   # the pipeline's seed by default
    assert sample(audit_run, other, "--seed", "99") == 0
    ids = {r.fields["triple_id"] for r in read_audit(default_sample)}
    assert ids != {r.fields["triple_id"] for r in read_audit(other)}


def test_a_judged_file_is_never_overwritten_without_force(audit_run, tmp_path, capsys) -> None:
    path = tmp_path / "judged.tsv"
    assert sample(audit_run, path) == 0
    assert sample(audit_run, path) == 0                # no verdicts yet: drawn again freely
    lines = path.read_text().splitlines()
    fields = lines[4].split("\t")                      # 3 comment lines, header, first row
    fields[COLUMNS.index("verdict")] = "correct"
    lines[4] = "\t".join(fields)
    judged = "\n".join(lines) + "\n"
    path.write_text(judged)
    capsys.readouterr()
    assert sample(audit_run, path, "--seed", "5") == 2
    assert "already holds verdicts" in capsys.readouterr().err
    assert path.read_text() == judged
    assert sample(audit_run, path, "--seed", "5", "--force") == 0
    assert (tmp_path / "judged.tsv.bak").read_text() == judged     # kept, not deleted
    assert not any(r.fields["verdict"] for r in read_audit(path))


def test_a_judged_sample_scores_end_to_end(audit_run, tmp_path, capsys) -> None:
    path, report = tmp_path / "scored.tsv", tmp_path / "score.json"
    assert sample(audit_run, path) == 0
    lines = path.read_text().splitlines()
    header = next(i for i, line in enumerate(lines) if not line.startswith("#"))
    status, verdict = COLUMNS.index("status"), COLUMNS.index("verdict")
    for i in range(header + 1, len(lines)):
        fields = lines[i].split("\t")
        # a judge who agrees with the verifier everywhere
        fields[verdict] = "correct" if fields[status] == "kept" else "not_stated"
        lines[i] = "\t".join(fields)
    path.write_text("\n".join(lines) + "\n")
    assert kg2i(["audit", "--score", str(path), "--out", str(report)]) == 0
    figures = json.loads(report.read_text())["themes"]["person"]
    assert figures["precision_kept"]["value"] == 1.0
    assert figures["kept"]["judged"] == N and figures["rejected"]["judged"] == N
    sizes = {s: len(rows) for s, rows in strata(audit_run).items()}
    assert figures["precision_before_verifier"]["value"] == \
        pytest.approx(sizes["kept"] / (sizes["kept"] + sizes["rejected"]), abs=1e-4)
    assert figures["verifier_keeps_correct"] == figures["verifier_removes_wrong"] == 1.0
    # correct = kept here, so the AUC is the share of (kept, rejected) pairs the kept one wins
    # (ties half); stratum weights are constant within each class and cancel
    rows = [r.fields for r in read_audit(path)]
    kept = [float(r["nli_score"]) for r in rows if r["status"] == "kept"]
    rejected = [float(r["nli_score"]) for r in rows if r["status"] == "rejected"]
    wins = sum(1.0 if k > r else 0.5 if k == r else 0.0 for k in kept for r in rejected)
    assert figures["auc"] == figures["auc_unweighted"] == \
        pytest.approx(wins / (len(kept) * len(rejected)), abs=1e-4)
    assert "| person | 20 (0) | 1.00 [" in capsys.readouterr().out
