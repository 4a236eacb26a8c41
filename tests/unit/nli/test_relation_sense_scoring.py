"""Each triple is judged on one hypothesis, its P-id's relation sense oriented by the triple's
direction: a burial-place claim is no longer confirmed by "died in", a reversed claim reads the
right way round, alias triples keep their label's template, the verifier trains on the same
sentences, and editing a sense re-scores."""
from __future__ import annotations

import shutil
from pathlib import Path

import pyarrow as pa
import pytest

from kg2instruction.config.senses import SENSES_FILE, Senses, load_senses, load_senses_file
from kg2instruction.config.theme import Theme, available_themes, load_theme
from kg2instruction.core.context import StageContext
from kg2instruction.nli.hypotheses import fill_template
from kg2instruction.nli.triple_scoring import Paragraph, hypothesis_for, scoring_request
from kg2instruction.nli.verifier.template_bank import bank_from_senses
from kg2instruction.schemas import PARAGRAPHS, TRIPLES
from kg2instruction.stages.nli_filter import NliFilter
from kg2instruction.stages.score_nli import ScoreNli
from tests.unit.nli.conftest import CALZA

REPO = Path(__file__).resolve().parents[3]
THEMES = REPO / "themes"
OBAMA = ("Barack Obama married Michelle Robinson in 1992; their daughters Malia and Sasha were "
         "born in Chicago.")


@pytest.fixture(scope="module")
def senses() -> Senses:
    return load_senses(THEMES)


@pytest.fixture(scope="module")
def themes() -> dict[str, Theme]:
    return {name: load_theme(name, THEMES) for name in available_themes(THEMES)}


def triple(head: str, relation: str, tail: str, pid: str | None, direction: str = "forward",
           text: str = CALZA, paragraph_id: str = "en:1:0", index: int = 0) -> dict:
    head_start = text.find(head)
    tail_start = text.find(tail, head_start + len(head)) if head_start >= 0 else text.find(tail)
    if tail_start < 0:
        tail_start = text.find(tail)
    return {"triple_id": f"{paragraph_id}:t{index}", "paragraph_id": paragraph_id,
            "head": head, "head_start": head_start, "head_end": head_start + len(head),
            "tail": tail, "tail_start": tail_start, "tail_end": tail_start + len(tail),
            "relation": relation, "pid": pid, "direction": direction, "theme": "person",
            "rule": "kg_pair" if pid else "alias"}


def test_place_of_death_and_burial_get_different_hypotheses(senses: Senses,
                                                             themes: dict[str, Theme]) -> None:
    person = themes["person"]
    death = hypothesis_for(triple("Guido Calza", "place of death", "Rome", "P20"), "en", person,
                           senses)
    burial = hypothesis_for(triple("Guido Calza", "place of death", "Rome", "P119"), "en", person,
                            senses)
    assert death == "Guido Calza died in Rome."
    assert burial == "Guido Calza is buried in Rome."
    assert hypothesis_for(triple("Guido Calza", "place of death", "Rome", "P119"), "zh", person,
                          senses) == "Guido Calza葬于Rome。"


def test_a_reversed_triple_fills_the_claim_subject_with_its_tail(senses: Senses,
                                                                  themes: dict[str, Theme]) -> None:
    """person `parent` reads P22 forward and P40 (child) reversed: the KG claim
    (Barack Obama, P40, Sasha) becomes the triple Sasha --parent--> Barack Obama."""
    person = themes["person"]
    child_claim = triple("Sasha", "parent", "Barack Obama", "P40", "reverse", text=OBAMA)
    father_claim = triple("Sasha", "parent", "Barack Obama", "P22", "forward", text=OBAMA)
    assert hypothesis_for(child_claim, "en", person, senses) == "Sasha is a child of Barack Obama."
    assert hypothesis_for(father_claim, "en", person, senses) == \
        "Barack Obama is the father of Sasha."
    # person `work` reads P50 (author) reversed: author --work--> book
    book = triple("Abraham Lincoln", "work", "Lincoln's Selected Writings", "P50", "reverse")
    assert hypothesis_for(book, "en", person, senses) == \
        "Lincoln's Selected Writings was written by Abraham Lincoln."


def test_triples_without_a_sense_read_their_labels_first_template(
        tmp_path: Path, senses: Senses, themes: dict[str, Theme]) -> None:
    person = themes["person"]
    alias = triple("Abraham Lincoln", "alternative name", "Honest Abe", None)
    first_en = person.relation("alternative name").templates.en[0]
    assert hypothesis_for(alias, "en", person, senses) == \
        fill_template(first_en, "Abraham Lincoln", "Honest Abe")
    assert hypothesis_for(alias, "zh", person, senses) == "Abraham Lincoln又名Honest Abe。"
    # a P-id the senses file lacks falls back the same way
    shipped = (THEMES / SENSES_FILE).read_text(encoding="utf-8")
    (tmp_path / SENSES_FILE).write_text("\n".join(
        line for line in shipped.splitlines() if not line.lstrip().startswith("P119:")),
        encoding="utf-8")
    partial = load_senses(tmp_path)
    burial = triple("Guido Calza", "place of death", "Rome", "P119")
    assert hypothesis_for(burial, "en", person, partial) == "Guido Calza died in Rome."
    assert hypothesis_for(burial, "en", person, None) == "Guido Calza died in Rome."


def test_every_triple_gets_exactly_one_hypothesis(senses: Senses,
                                                  themes: dict[str, Theme]) -> None:
    """One request per triple of every relation and P-id of every theme, in both languages."""
    paragraph = {"en": Paragraph(CALZA, "en"), "zh": Paragraph(CALZA, "zh")}
    seen = 0
    for theme in themes.values():
        for relation in theme.relations:
            for pid, direction in relation.pid_directions():
                row = triple("Guido Calza", relation.label.en, "Rome", pid, direction)
                for lang in ("en", "zh"):
                    request = scoring_request(row, paragraph[lang], theme, "sentence_span",
                                              senses)
                    assert len(request.hypotheses) == 1
                    assert "[X]" not in request.hypotheses[0]
                    assert "[Y]" not in request.hypotheses[0]
                    seen += 1
    assert seen > 400


def test_training_bank_renders_the_hypotheses_the_stage_scores(senses: Senses,
                                                               themes: dict[str, Theme]) -> None:
    """Relation examples are (subject, pid, object) in claim orientation; the stage fills the same
    template for a forward triple and swaps the ends of a reversed one."""
    bank = bank_from_senses(senses)
    assert set(bank) == set(senses.by_pid)
    assert all(len(bank[pid][lang]) == 1 for pid in bank for lang in ("en", "zh"))
    for theme in themes.values():
        for relation in theme.relations:
            for pid, direction in relation.pid_directions():
                subject, obj = "Guido Calza", "Rome"
                head, tail = (subject, obj) if direction == "forward" else (obj, subject)
                row = triple(head, relation.label.en, tail, pid, direction)
                for lang in ("en", "zh"):
                    assert hypothesis_for(row, lang, theme, senses) == \
                        fill_template(bank[pid][lang][0], subject, obj)


def _paragraphs() -> pa.Table:
    return pa.Table.from_pylist([{"paragraph_id": "en:1:0", "page_id": "1", "lang": "en",
                                  "title": "", "index": 0, "text": CALZA, "links": [],
                                  "subject_spans": []}], schema=PARAGRAPHS)


def test_stage_records_the_one_hypothesis_and_rejects_a_burial_read_as_a_death(
        tiny_nli, themes: dict[str, Theme]) -> None:
    """The tiny model learned that CALZA states "died in Rome" but not "is buried in Rome".
    Scored against every template of `place of death`, the P119 claim passed on "died in"."""
    person = themes["person"]
    rows = [triple("Guido Calza", "place of death", "Rome", "P20", index=0),
            triple("Guido Calza", "place of death", "Rome", "P119", index=1),
            triple("Guido Calza", "place of birth", "Milan", "P19", index=2)]
    ctx = StageContext(stage="score_nli", shard_id="en-00000", lang="en", languages=("en",),
                       seed=0, theme=person, artifacts={}, base_dir=REPO)
    stage = ScoreNli(ScoreNli.Config(model=str(tiny_nli[2]), device="cpu"))
    stage.setup(ctx)
    scored = stage.process({"apply_schema": pa.Table.from_pylist(rows, schema=TRIPLES),
                            "read_wikipedia": _paragraphs()}, ctx)
    hypotheses = dict(zip(scored["triple_id"].to_pylist(), scored["nli_hypothesis"].to_pylist()))
    assert hypotheses == {"en:1:0:t0": "Guido Calza died in Rome.",
                          "en:1:0:t1": "Guido Calza is buried in Rome.",
                          "en:1:0:t2": "Guido Calza was born in Milan."}
    assert ctx.take_counters()["hypothesis.relation_sense"] == 3
    kept = NliFilter(NliFilter.Config()).process({"score_nli": scored}, ctx)
    assert set(kept["triple_id"].to_pylist()) == {"en:1:0:t0", "en:1:0:t2"}


def _project(root: Path) -> Path:
    """A project folder with the sample pipeline, its inputs (linked) and a copy of the themes."""
    shutil.copytree(THEMES, root / "themes")
    (root / "pipelines").mkdir()
    (root / "pipelines" / "sample").symlink_to(REPO / "pipelines" / "sample")
    shutil.copy(REPO / "pipelines" / "sample.yaml", root / "pipelines" / "sample.yaml")
    return root / "pipelines" / "sample.yaml"


def test_editing_a_sense_changes_the_scoring_fingerprint_only(tmp_path: Path) -> None:
    from kg2instruction.core.runner import plan_run

    pipeline = _project(tmp_path)
    before = plan_run(pipeline, "person")
    senses_path = tmp_path / "themes" / SENSES_FILE
    text = senses_path.read_text(encoding="utf-8")
    senses_path.write_text(text.replace('"[X] is buried in [Y]."', '"[X] was buried in [Y]."'),
                           encoding="utf-8")
    assert load_senses_file(senses_path).template("P119", "en") == "[X] was buried in [Y]."
    after = plan_run(pipeline, "person")
    changed = {name for name in before.stages
               if before.stages[name].fingerprint != after.stages[name].fingerprint}
    assert "score_nli" in changed and "nli_filter" in changed
    assert not changed & {"read_wikipedia", "build_kg", "match_relations", "apply_schema"}
