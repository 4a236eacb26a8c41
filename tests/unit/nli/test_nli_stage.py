"""The NLI stages on real sentences with a tiny trained model: the right triples are kept and
dropped, label order comes from id2label, and a threshold change reuses stored scores."""
from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pytest

from kg2instruction.config.theme import load_theme
from kg2instruction.core.context import StageContext
from kg2instruction.core.fingerprint import stage_fingerprint, theme_subset
from kg2instruction.errors import ConfigError
from kg2instruction.nli.hf_scorer import HfNliScorer
from kg2instruction.schemas import NLI_TRIPLES, PARAGRAPHS, TRIPLES
from kg2instruction.stages.nli_filter import NliFilter
from kg2instruction.stages.nli_rejected import NliRejected
from kg2instruction.stages.score_nli import ScoreNli
from tests.unit.nli.conftest import CALZA, LABELLED_PAIRS, SALAM

REPO = Path(__file__).resolve().parents[3]

# (paragraph, head, relation, tail, stated?)
CANDIDATES = [
    ("en:1:0", "Guido Calza", "place of birth", "Milan", True),
    ("en:1:0", "Guido Calza", "place of death", "Rome", True),
    ("en:1:0", "Guido Calza", "place of birth", "Rome", False),
    ("en:1:0", "Guido Calza", "place of death", "Ostia", False),
    ("en:2:0", "Tammam Saeb Salam", "country of citizenship", "Lebanese", True),
    ("en:2:0", "Tammam Saeb Salam", "place of birth", "Lebanon", False),
]
TEXTS = {"en:1:0": CALZA, "en:2:0": SALAM}


@pytest.fixture(scope="module")
def person():
    return load_theme("person", REPO / "themes")


def paragraphs_table() -> pa.Table:
    rows = [{"paragraph_id": pid, "page_id": pid.split(":")[1], "lang": "en", "title": "",
             "index": 0, "text": text, "links": [], "subject_spans": []}
            for pid, text in TEXTS.items()]
    return pa.Table.from_pylist(rows, schema=PARAGRAPHS)


def triples_table() -> pa.Table:
    rows = []
    for i, (pid, head, relation, tail, _) in enumerate(CANDIDATES):
        text = TEXTS[pid]
        head_start, tail_start = text.index(head), text.index(tail, len(head))
        rows.append({"triple_id": f"{pid}:t{i}", "paragraph_id": pid, "head": head,
                     "head_start": head_start, "head_end": head_start + len(head),
                     "tail": tail, "tail_start": tail_start, "tail_end": tail_start + len(tail),
                     "relation": relation, "pid": "P0", "direction": "forward",
                     "theme": "person"})
    return pa.Table.from_pylist(rows, schema=TRIPLES)


def context(theme, stage: str = "score_nli") -> StageContext:
    return StageContext(stage=stage, shard_id="en-00000", lang="en", languages=("en",), seed=0,
                        theme=theme, artifacts={}, base_dir=REPO)


def split(cls, tiny_nli):
    """A split stage told which model scored (the tiny one has no calibrated thresholds, so the
    theme's apply)."""
    return cls(cls.Config(model=str(tiny_nli[2])))


def scored_by(model_dir: Path, theme) -> tuple[ScoreNli, pa.Table]:
    stage = ScoreNli(ScoreNli.Config(model=str(model_dir), device="cpu"))
    ctx = context(theme)
    stage.setup(ctx)
    inputs = {"apply_schema": triples_table(), "read_wikipedia": paragraphs_table()}
    return stage, stage.process(inputs, ctx)


def test_tiny_model_learned_the_pairs(tiny_nli) -> None:
    tokenizer, model, _ = tiny_nli
    scorer = HfNliScorer("tiny", tokenizer=tokenizer, model=model)
    probs = scorer.entailment_probs([(p, h) for p, h, _ in LABELLED_PAIRS])
    assert [p >= 0.5 for p in probs] == [bool(y) for _, _, y in LABELLED_PAIRS]


def test_stage_keeps_stated_and_drops_unstated_triples(tiny_nli, person) -> None:
    _, scored = scored_by(tiny_nli[2], person)
    assert scored.schema == NLI_TRIPLES and scored.num_rows == len(CANDIDATES)
    kept = split(NliFilter, tiny_nli).process({"score_nli": scored}, context(person))
    dropped = split(NliRejected, tiny_nli).process({"score_nli": scored}, context(person))
    expected = {f"{pid}:t{i}" for i, (pid, *_, stated) in enumerate(CANDIDATES) if stated}
    assert set(kept["triple_id"].to_pylist()) == expected
    assert set(dropped["triple_id"].to_pylist()) == \
        {f"{c[0]}:t{i}" for i, c in enumerate(CANDIDATES)} - expected
    assert all(score < 0.5 for score in dropped["nli_score"].to_pylist())   # scores kept
    best = dict(zip(scored["triple_id"].to_pylist(), scored["nli_hypothesis"].to_pylist()))
    assert best["en:1:0:t1"] == "Guido Calza died in Rome."   # max over the two templates


def test_reversed_label_order_gives_the_same_scores(tiny_nli, tiny_nli_reversed, person) -> None:
    assert tiny_nli_reversed[1].config.id2label[2] == "entailment"
    _, scored = scored_by(tiny_nli[2], person)
    _, flipped = scored_by(tiny_nli_reversed[2], person)
    assert flipped["nli_score"].to_pylist() == pytest.approx(scored["nli_score"].to_pylist(),
                                                             abs=1e-5)


def test_threshold_change_reuses_stored_scores(tiny_nli, person) -> None:
    stage, scored = scored_by(tiny_nli[2], person)
    calls = []
    for scorer in set(stage._loaded.values()):
        scorer.model.register_forward_hook(lambda *_: calls.append(1))
    strict = person.model_copy(update={"nli_threshold": 0.999})
    kept_default = split(NliFilter, tiny_nli).process({"score_nli": scored}, context(person))
    kept_strict = split(NliFilter, tiny_nli).process({"score_nli": scored}, context(strict))
    assert calls == []                                # no forward pass for a new threshold
    assert kept_strict.num_rows < kept_default.num_rows
    stage.process({"apply_schema": triples_table(), "read_wikipedia": paragraphs_table()},
                  context(person))
    assert calls                                      # the hook does count real scoring


def _fingerprint(cls, theme) -> str:
    return stage_fingerprint(name=cls.name, version=cls.version, config=cls.Config(),
                             theme=theme_subset(theme, cls.theme_fields), upstream={}, inputs=[],
                             seed=None, layout={})


def test_threshold_change_changes_only_the_split_fingerprints(person) -> None:
    strict = person.model_copy(update={"nli_threshold": 0.9})
    assert _fingerprint(ScoreNli, strict) == _fingerprint(ScoreNli, person)
    assert _fingerprint(NliFilter, strict) != _fingerprint(NliFilter, person)
    assert _fingerprint(NliRejected, strict) != _fingerprint(NliRejected, person)


def test_relation_threshold_override_applies(tiny_nli, person) -> None:
    _, scored = scored_by(tiny_nli[2], person)
    relations = [r.model_copy(update={"nli_threshold": 0.0})
                 if r.label.en == "place of birth" else r for r in person.relations]
    lenient = person.model_copy(update={"relations": relations})
    lenient.model_post_init(None)
    kept = split(NliFilter, tiny_nli).process({"score_nli": scored}, context(lenient))
    births = {f"{c[0]}:t{i}" for i, c in enumerate(CANDIDATES) if c[2] == "place of birth"}
    assert births <= set(kept["triple_id"].to_pylist())
    assert "en:1:0:t3" not in set(kept["triple_id"].to_pylist())   # place of death still cut


def test_triple_of_a_relation_outside_the_theme_is_a_config_error(person) -> None:
    from kg2instruction.errors import ConfigError
    from kg2instruction.nli.triple_scoring import templates_for

    assert templates_for(person, "place of birth", "fr") == \
        templates_for(person, "place of birth", "en")          # other languages fall back to en
    with pytest.raises(ConfigError, match="not a relation of theme 'person'"):
        templates_for(person, "diplomatic relation", "en")


def test_a_language_without_triples_never_loads_its_model(tiny_nli, person, tmp_path) -> None:
    """model_by_lang names a zh model that does not exist: an English-only shard still scores,
    because models load on first use; asking for zh then fails with the path in the message."""
    missing = tmp_path / "no-such-zh-model"
    stage = ScoreNli(ScoreNli.Config(model=str(tiny_nli[2]), model_by_lang={"zh": str(missing)},
                                     device="cpu"))
    ctx = StageContext(stage="score_nli", shard_id="en-00000", lang="en", languages=("en", "zh"),
                       seed=0, theme=person, artifacts={}, base_dir=REPO)
    stage.setup(ctx)
    scored = stage.process({"apply_schema": triples_table(),
                            "read_wikipedia": paragraphs_table()}, ctx)
    assert scored.num_rows == len(CANDIDATES)
    assert list(stage._loaded) == [str(tiny_nli[2])]
    with pytest.raises(ConfigError, match="no-such-zh-model"):
        stage.scorer_for("zh")
    with pytest.raises(KeyError, match="'de'"):
        stage.scorer_for("de")
