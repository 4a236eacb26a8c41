"""Per-relation thresholds: calibrated on hand-made dev scores, saved beside a model, and
applied by the NLI split unless the theme sets a relation's own threshold."""
from __future__ import annotations

import json
import shutil
from pathlib import Path

import pyarrow as pa
import pytest

from kg2instruction.config.theme import load_theme
from kg2instruction.core.context import StageContext
from kg2instruction.core.fingerprint import stage_fingerprint, theme_subset
from kg2instruction.errors import InputError
from kg2instruction.nli.triple_scoring import keep_mask
from kg2instruction.nli.verifier.thresholds import (THRESHOLDS_FILE, CalibratedThresholds,
                                                    calibrate, read_thresholds,
                                                    write_thresholds)
from kg2instruction.schemas import NLI_TRIPLES
from kg2instruction.stages.nli_filter import NliFilter
from kg2instruction.stages.nli_rejected import NliRejected

REPO = Path(__file__).resolve().parents[3]

# P19: positives score high, negatives low but one negative at 0.8 -> the cut must sit above it.
P19 = [(1, 0.95), (1, 0.9), (1, 0.85), (1, 0.7), (1, 0.6), (0, 0.8), (0, 0.3), (0, 0.2),
       (0, 0.1), (0, 0.05)]
# P108: scores barely separate the classes; no cut reaches 0.9 precision.
P108 = [(1, 0.6), (1, 0.5), (1, 0.4), (0, 0.65), (0, 0.55), (0, 0.45), (1, 0.3), (0, 0.2),
        (1, 0.1), (0, 0.35)]
# P26: only three pairs, too few for a threshold of its own.
P26 = [(1, 0.99), (0, 0.98), (1, 0.97)]


def rows(**by_pid):
    pids, labels, scores = [], [], []
    for pid, pairs in by_pid.items():
        for label, score in pairs:
            pids.append(pid)
            labels.append(label)
            scores.append(score)
    return pids, labels, scores


@pytest.fixture(scope="module")
def calibrated() -> CalibratedThresholds:
    pids, labels, scores = rows(P19=P19, P108=P108, P26=P26)
    return calibrate(pids, labels, scores, lang="en", target_precision=0.9, min_pairs=8,
                     min_each_class=3)


def test_each_relation_gets_the_lowest_cut_reaching_the_precision_target(calibrated) -> None:
    # P19 at 1:1 prior: >= 0.85 keeps 3 of 5 positives and no negative; >= 0.7 lets in the 0.8
    # negative (precision 0.8); so 0.85 is the lowest threshold with precision >= 0.9.
    assert calibrated.by_pid["P19"] == 0.85
    assert calibrated.report["P19"]["recall"] == 0.6
    # P108 cannot reach 0.9 and P26 has too few pairs: both use the pooled threshold.
    assert "P108" not in calibrated.by_pid and "P26" not in calibrated.by_pid
    assert calibrated.report["P108"]["threshold"] == "pooled (target unreachable)"
    assert calibrated.report["P26"]["threshold"] == "pooled (too few pairs)"
    assert calibrated.for_pid("P108") == calibrated.for_pid("P26") == calibrated.default
    assert calibrated.for_pid(None) == calibrated.default


def test_precision_is_computed_at_the_stated_prior() -> None:
    """Nine positives and one negative scoring above them all: at the dev set's own ratio no
    cut is needed, at 1:1 the negative weighs as much as the nine positives together."""
    labels = [1] * 9 + [0] * 1
    scores = [0.5] * 9 + [0.9]
    natural = calibrate(["P1"] * 10, labels, scores, lang="en", positive_prior=0.9,
                        min_pairs=5, min_each_class=1)
    balanced = calibrate(["P1"] * 10, labels, scores, lang="en", positive_prior=0.5,
                         min_pairs=5, min_each_class=1)
    assert natural.by_pid["P1"] == 0.5
    assert "P1" not in balanced.by_pid


def test_the_recall_floor_caps_every_threshold() -> None:
    """P19's precision cut (0.85) keeps 3 of its 5 positives; a floor of 0.8 lowers it to the
    score keeping 4 of 5 (0.7), precision falling to 4 / (4 + 1) = 0.8 at 1:1. P108 has no
    precision cut: it gets its own floor (the score keeping 4 of 5 positives, 0.3), not the
    pooled threshold. P26 (too few pairs) shares the pooled one, itself floored."""
    pids, labels, scores = rows(P19=P19, P108=P108, P26=P26)
    floored = calibrate(pids, labels, scores, lang="en", target_precision=0.9, min_pairs=8,
                        min_each_class=3, min_keep_correct=0.8)
    assert floored.by_pid["P19"] == 0.7
    assert floored.report["P19"]["recall"] == 0.8
    assert floored.report["P19"]["precision"] == pytest.approx(0.8)
    assert floored.by_pid["P108"] == 0.3
    positives = sorted((s for s, y in zip(scores, labels) if y), reverse=True)
    assert sum(s >= floored.default for s in positives) >= 0.8 * len(positives)
    assert floored.for_pid("P26") == floored.default
    # Without a floor nothing changes; a floor below every cut changes nothing either.
    assert calibrate(pids, labels, scores, lang="en", target_precision=0.9, min_pairs=8,
                     min_each_class=3, min_keep_correct=0.5).by_pid["P19"] == 0.85


def test_thresholds_round_trip_beside_the_model(calibrated, tmp_path) -> None:
    write_thresholds(tmp_path, calibrated)
    loaded = read_thresholds(tmp_path)
    assert loaded is not None and loaded.by_pid == dict(calibrated.by_pid)
    assert loaded.default == calibrated.default and loaded.lang == "en"
    assert loaded.min_keep_correct == calibrated.min_keep_correct
    assert read_thresholds(tmp_path / "elsewhere") is None
    (tmp_path / THRESHOLDS_FILE).write_text('{"lang": "en"}')
    with pytest.raises(InputError, match=THRESHOLDS_FILE):
        read_thresholds(tmp_path)


@pytest.fixture(scope="module")
def person():
    return load_theme("person", REPO / "themes")


def with_override(theme, label: str, threshold: float):
    relations = [r.model_copy(update={"nli_threshold": threshold}) if r.label.en == label else r
                 for r in theme.relations]
    changed = theme.model_copy(update={"relations": relations})
    changed.model_post_init(None)
    return changed


def test_keep_mask_uses_model_thresholds_unless_the_theme_overrides(person) -> None:
    thresholds = CalibratedThresholds("en", 0.6, {"P19": 0.9}, 0.9, 0.5)
    relations = ["place of birth", "place of birth", "place of death", "place of death"]
    pids = ["P19", "P19", "P20", "P20"]
    scores = [0.85, 0.95, 0.55, 0.65]
    # Theme only (0.5 for every relation).
    assert keep_mask(relations, scores, person) == [True, True, True, True]
    # Calibrated: P19 needs 0.9, P20 (not calibrated) the pooled 0.6.
    assert keep_mask(relations, scores, person, pids, thresholds) == [False, True, False, True]
    # A relation's own threshold in the theme wins over the calibration.
    lenient = with_override(person, "place of birth", 0.8)
    assert keep_mask(relations, scores, lenient, pids, thresholds) == [True, True, False, True]
    with pytest.raises(ValueError, match="pids"):
        keep_mask(relations, scores, person, calibrated=thresholds)


def scored_table() -> pa.Table:
    rows_ = [{"triple_id": f"t{i}", "paragraph_id": "en:1:0", "head": "Guido Calza",
              "tail": tail, "relation": relation, "pid": pid, "direction": "forward",
              "theme": "person", "nli_score": score, "nli_hypothesis": ""}
             for i, (relation, pid, tail, score) in enumerate([
                 ("place of birth", "P19", "Milan", 0.85),
                 ("place of birth", "P19", "Rome", 0.3),
                 ("place of death", "P20", "Rome", 0.7)])]
    return pa.Table.from_pylist(rows_, schema=NLI_TRIPLES)


def context(theme, lang: str) -> StageContext:
    return StageContext(stage="nli_filter", shard_id=f"{lang}-00000", lang=lang,
                        languages=("en", "zh"), seed=0, theme=theme, artifacts={}, base_dir=REPO)


def model_with_thresholds(tmp_path: Path, lang: str) -> Path:
    model = tmp_path / f"model-{lang}"
    model.mkdir()
    (model / "config.json").write_text("{}")
    write_thresholds(model, CalibratedThresholds(lang, 0.75, {"P19": 0.9}, 0.9, 0.5))
    return model


def test_split_stages_apply_the_scoring_models_thresholds(person, tmp_path) -> None:
    model = model_with_thresholds(tmp_path, "en")
    config = NliFilter.Config(model=str(model))
    kept = NliFilter(config).process({"score_nli": scored_table()}, context(person, "en"))
    dropped = NliRejected(config).process({"score_nli": scored_table()}, context(person, "en"))
    assert kept["triple_id"].to_pylist() == []                # 0.85 < 0.9 (P19), 0.7 < 0.75
    assert dropped.num_rows == 3
    # Without calibration (another model, or a language the thresholds are not for): theme 0.5.
    plain = NliFilter(NliFilter.Config(model=str(tmp_path)))
    assert plain.process({"score_nli": scored_table()},
                         context(person, "en"))["triple_id"].to_pylist() == ["t0", "t2"]
    assert NliFilter(config).process({"score_nli": scored_table()},
                                     context(person, "zh"))["triple_id"].to_pylist() == \
        ["t0", "t2"]


def _fingerprint(config, theme) -> str:
    return stage_fingerprint(name=NliFilter.name, version=NliFilter.version, config=config,
                             theme=theme_subset(theme, NliFilter.theme_fields), upstream={},
                             inputs=NliFilter.external_inputs(config), seed=None, layout={})


def test_recalibrating_changes_the_split_fingerprint(person, tmp_path) -> None:
    model = model_with_thresholds(tmp_path, "en")
    config = NliFilter.Config(model=str(model))
    before = _fingerprint(config, person)
    path = model / THRESHOLDS_FILE
    raw = json.loads(path.read_text())
    raw["by_pid"]["P19"] = 0.8
    path.write_text(json.dumps(raw))
    assert _fingerprint(config, person) != before
    shutil.rmtree(model)
    model.mkdir()
    assert _fingerprint(config, person) != before


def test_a_cut_kept_by_a_handful_of_positives_is_not_a_calibration() -> None:
    """One positive above every negative gives precision 1.0 on one pair: not evidence enough
    for a threshold of its own."""
    labels = [1] + [0] * 20 + [1] * 20
    scores = [0.99] + [0.5 + i / 100 for i in range(20)] + [0.3] * 20
    thresholds = calibrate(["P749"] * 41, labels, scores, lang="en", min_pairs=10,
                           min_each_class=5)
    assert "P749" not in thresholds.by_pid
    assert thresholds.report["P749"]["threshold"] == "pooled (target unreachable)"


def test_shipped_pipelines_split_with_the_models_that_scored() -> None:
    """Calibrated thresholds belong to one model: a split stage naming another model than
    score_nli would cut its scores at the wrong places."""
    import yaml

    from kg2instruction.stages.score_nli import ScoreNliConfig

    checked = 0
    for path in sorted((REPO / "pipelines").glob("*.yaml")):
        stages = (yaml.safe_load(path.read_text()) or {}).get("stages") or {}
        if "score_nli" not in stages:
            continue
        scoring = ScoreNliConfig(**(stages["score_nli"] or {}))
        splits = [NliFilter.Config(**(stages.get(name) or {}))
                  for name in ("nli_filter", "nli_rejected") if name in stages]
        assert len({s.model_dump_json() for s in splits}) <= 1, path.name
        for split in splits:
            for lang in ("en", "zh"):
                assert split.model_for(lang) in (None, scoring.model_for(lang)), (path.name, lang)
        checked += 1
    assert checked >= 2
