"""A judged audit file scored to precision, verifier shares and AUC worked out by hand; bad
verdicts stop the CLI with one line naming the file and line."""
from __future__ import annotations

from pathlib import Path

import pytest

from kg2instruction.audit.report import to_markdown
from kg2instruction.audit.scoring import read_judged, score
from kg2instruction.audit.tsv import COLUMNS, read_audit, write_audit
from kg2instruction.cli import main as kg2i

# (theme, status, stratum size, [(verdict, nli score), ...])
PERSON = [
    ("person", "kept", 200, [("correct", 0.9)] * 7 + [("not_stated", 0.8)] * 2
     + [("unclear", 0.99)]),
    ("person", "rejected", 50, [("correct", 0.3)] * 2 + [("not_stated", 0.1)] * 6
     + [("wrong_entity", 0.1)] * 2),
]
WORKS = [
    ("works", "kept", 100, [("correct", 0.7)] * 5),
    ("works", "rejected", 10, [("wrong_relation", 0.2)] * 5),
]


def judged_rows(strata) -> list[dict]:
    rows = []
    for theme, status, size, verdicts in strata:
        for i, (verdict, nli) in enumerate(verdicts):
            rows.append({"theme": theme, "status": status, "triple_id": f"{status}-{i}",
                         "relation": "place of birth", "nli_score": f"{nli:.4f}",
                         "evidence": "[[Ada]] was born in {{London}}.",
                         "paragraph": "Ada\twas born\nin London.", "stratum_size": size,
                         "verdict": verdict, "note": ""})
    return rows


@pytest.fixture
def person_file(tmp_path: Path) -> Path:
    path = tmp_path / "person.tsv"
    write_audit(path, judged_rows(PERSON), ["a judged sample"])
    return path


@pytest.fixture
def works_file(tmp_path: Path) -> Path:
    path = tmp_path / "works.tsv"
    write_audit(path, judged_rows(WORKS))
    return path


def test_one_theme_scores_to_hand_computed_figures(person_file: Path) -> None:
    f = score(read_judged([person_file]))["themes"]["person"]
    # kept: 7 correct of 9 clear (1 unclear left out); rejected: 2 of 10
    assert f["kept"]["judged"] == 10 and f["kept"]["unclear"] == 1
    assert f["precision_kept"]["value"] == pytest.approx(7 / 9, abs=1e-4)
    assert f["rejected"]["precision"]["value"] == pytest.approx(0.2)
    # before the verifier: (200·7/9 + 50·0.2) / 250
    assert f["precision_before_verifier"]["value"] == pytest.approx(0.66222, abs=1e-4)
    # correct triples: 155.56 kept, 10 rejected; wrong: 44.44 kept, 40 rejected
    assert f["verifier_keeps_correct"] == pytest.approx(155.556 / 165.556, abs=1e-4)
    assert f["verifier_removes_wrong"] == pytest.approx(40 / 84.444, abs=1e-4)
    assert f["kept_shares"] == pytest.approx({"correct": 0.7778, "not_stated": 0.2222,
                                              "wrong_entity": 0.0, "wrong_relation": 0.0})
    # AUC, sample: positives 7×0.9, 2×0.3 vs negatives 2×0.8, 8×0.1 -> (7·10 + 2·8) / 90
    assert f["auc_unweighted"] == pytest.approx(86 / 90, abs=1e-4)
    # weighted: kept rows count 200/9, rejected 5; the 0.9s beat every negative, the 0.3s
    # beat the rejected 0.1s -> (155.56·84.44 + 10·40) / (165.56·84.44)
    assert f["auc"] == pytest.approx((1400 / 9 * 760 / 9 + 400) / (1490 / 9 * 760 / 9),
                                     abs=1e-4)
    assert f["auc_pairs"] == {"correct": 9, "not_correct": 10}


def test_overall_figures_weight_themes_by_their_stratum_sizes(person_file, works_file) -> None:
    report = score(read_judged([person_file, works_file]), [person_file, works_file])
    overall = report["overall"]
    assert set(report["themes"]) == {"person", "works"}
    assert report["themes"]["works"]["precision_kept"]["value"] == 1.0
    # kept: (200·7/9 + 100·1) / 300
    assert overall["precision_kept"]["value"] == pytest.approx(0.85185, abs=1e-4)
    assert overall["kept"]["stratum_size"] == 300
    # before: (155.56 + 10 + 100 + 0) / 360
    assert overall["precision_before_verifier"]["value"] == pytest.approx(265.556 / 360,
                                                                          abs=1e-4)
    assert overall["verifier_removes_wrong"] == pytest.approx(50 / 94.444, abs=1e-4)
    low, high = overall["precision_kept"]["low"], overall["precision_kept"]["high"]
    assert low < 0.85185 < high
    table = to_markdown(report)
    assert table.count("\n| ") == 3 and "**all (weighted)**" in table


def test_escaped_fields_round_trip(person_file: Path) -> None:
    rows = read_audit(person_file)
    assert rows[0].fields["paragraph"] == "Ada\twas born\nin London."
    assert rows[0].line == 3           # comment, header, first row
    assert list(rows[0].fields) == list(COLUMNS)


def test_trailing_fields_an_editor_dropped_count_as_empty(tmp_path: Path) -> None:
    path = tmp_path / "a.tsv"
    path.write_text("theme\tstatus\ttriple_id\tnli_score\tstratum_size\tverdict\tnote\n"
                    "person\tkept\tt1\t0.5\t3\tcorrect\n", encoding="utf-8")
    (row,) = read_audit(path)
    assert row.fields["note"] == "" and row.fields["verdict"] == "correct"


@pytest.mark.parametrize(("verdict", "message"), [
    ("corect", "verdict 'corect' is not one of correct, not_stated, wrong_entity, "
               "wrong_relation, unclear"),
    ("", "empty verdict for triple 'kept-3'"),
])
def test_a_bad_verdict_is_one_line_naming_file_and_line(person_file: Path, verdict: str,
                                                        message: str, capsys) -> None:
    lines = person_file.read_text(encoding="utf-8").splitlines()
    fields = lines[5].split("\t")                         # line 6: kept-3
    fields[COLUMNS.index("verdict")] = verdict
    lines[5] = "\t".join(fields)
    person_file.write_text("\n".join(lines) + "\n", encoding="utf-8")
    assert kg2i(["audit", "--score", str(person_file)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert err.startswith(f"kg2i: error: {person_file}, line 6: ")
    assert message in err


def test_a_triple_judged_twice_is_an_error(person_file: Path, tmp_path: Path) -> None:
    from kg2instruction.errors import InputError

    again = tmp_path / "again.tsv"
    write_audit(again, judged_rows(PERSON)[:1])
    with pytest.raises(InputError, match=r"again.tsv, line 2: triple 'kept-0' was already "
                                         r"judged at .*person.tsv, line 3"):
        read_judged([person_file, again])


def test_a_one_language_sample_is_its_own_population(person_file: Path, tmp_path: Path) -> None:
    """`kg2i audit --lang zh` samples the Chinese triples of a theme with the Chinese stratum
    sizes; scored beside the all-language file of the same theme, it is "person (zh)", not a
    clash of stratum sizes."""
    zh = tmp_path / "zh-person.tsv"
    zh_strata = [("person", "kept", 12, [("correct", 0.9)] * 3 + [("wrong_entity", 0.2)]),
                 ("person", "rejected", 4, [("correct", 0.1)])]
    rows = [dict(r, triple_id=f"zh-{r['triple_id']}") for r in judged_rows(zh_strata)]
    write_audit(zh, rows, ["kg2i audit of theme 'person', run 'sample', seed 13, language zh "
                           "only: 4 of 12 kept"])
    report = score(read_judged([person_file, zh]))
    assert set(report["themes"]) == {"person", "person (zh)"}
    assert report["themes"]["person (zh)"]["precision_kept"]["value"] == pytest.approx(0.75)
    assert report["themes"]["person (zh)"]["kept"]["stratum_size"] == 12


def test_score_cli_writes_json_and_markdown(person_file: Path, tmp_path: Path, capsys) -> None:
    import json

    out = tmp_path / "audit.json"
    assert kg2i(["audit", "--score", str(person_file), "--out", str(out)]) == 0
    assert json.loads(out.read_text())["themes"]["person"]["kept"]["judged"] == 10
    assert "| person | 9 (1) | 0.78 [" in capsys.readouterr().out
    md = tmp_path / "audit.md"
    assert kg2i(["audit", "--score", str(person_file), "--out", str(md)]) == 0
    assert md.read_text().startswith("| theme |")
    assert kg2i(["audit", "--score", str(person_file), "--out", str(tmp_path / "a.csv")]) == 2
    assert kg2i(["audit", "--score", str(person_file), "--n", "5"]) == 2
