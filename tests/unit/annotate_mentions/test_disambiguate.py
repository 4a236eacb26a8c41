"""Candidates and disambiguation on real ambiguous names of the sample KG."""
from __future__ import annotations

import pyarrow as pa
import pyarrow.compute as pc
import pytest

from kg2instruction.annotate.disambiguate import LinkConfig, link_entities
from kg2instruction.annotate.mention import Mention, mentions_table
from kg2instruction.annotate.mentions import MentionConfig, identify_mentions
from kg2instruction.kg.duckdb_kg import DuckDBKG
from kg2instruction.ner import NerModel
from kg2instruction.schemas import LINKED_MENTIONS, PARAGRAPHS

from .conftest import paragraph_with

PID = "en:test:0"


def paragraphs_for(text: str, page_qid: str | None = None) -> pa.Table:
    return pa.Table.from_pylist([{
        "paragraph_id": PID, "page_id": "test", "rev_id": None, "lang": "en", "title": "Test",
        "page_qid": page_qid, "section": "", "index": 0, "text": text, "links": [],
        "subject_spans": [], "source": "test"}], schema=PARAGRAPHS)


def mentions_for(text: str, *specs: tuple) -> pa.Table:
    """specs: (surface, source[, link_target[, qid]]) in text order."""
    mentions, cursor = [], 0
    for surface, source, *rest in specs:
        start = text.index(surface, cursor)
        cursor = start + len(surface)
        target, qid = (rest + [None, None])[:2]
        mentions.append(Mention(start, cursor, surface, source, link_target=target, qid=qid,
                                ner_label="GPE" if source == "ner" else None))
    return mentions_table([(PID, mentions)])


def linked(kg: DuckDBKG, text: str, *specs: tuple, page_qid: str | None = None,
           config: LinkConfig | None = None) -> dict[str, dict]:
    table, _ = link_entities(mentions_for(text, *specs), paragraphs_for(text, page_qid), kg,
                             config or LinkConfig())
    assert table.schema == LINKED_MENTIONS
    return {row["surface"]: row for row in table.to_pylist()}


def test_the_sample_kg_has_real_ambiguous_names(kg: DuckDBKG, en_paragraphs: pa.Table) -> None:
    anchors = sorted({link["anchor"] for links in en_paragraphs["links"].to_pylist() for link in links})
    found = kg.candidates(anchors, "en")
    ambiguous = {name: c for name, c in found.items() if len({x.qid for x in c}) >= 2}
    assert len(ambiguous) >= 100
    assert {"Georgia", "Paris", "Troy"} <= set(ambiguous)


def test_tail_label_overlap_picks_a_less_popular_candidate(kg: DuckDBKG) -> None:
    """Georgia the country has 111 claims, the US state 7; the state borders Alabama and Florida
    and has Atlanta as capital in the KG, so a paragraph naming those is about the state."""
    candidates = kg.candidates(["Georgia"], "en")["Georgia"]
    assert candidates[0].qid == "Q230" and "Q1428" in {c.qid for c in candidates[1:]}
    text = "Georgia borders Alabama and Florida; its capital is Atlanta."
    rows = linked(kg, text, ("Georgia", "ner"), ("Alabama", "ner"), ("Florida", "ner"), ("Atlanta", "ner"))
    georgia = rows["Georgia"]
    assert (georgia["qid"], georgia["linked_by"], georgia["score"]) == ("Q1428", "overlap", 3.0)
    assert georgia["runner_up_score"] < georgia["score"]
    assert georgia["n_candidates"] == len(candidates)


def test_the_same_name_near_the_countrys_neighbours_is_the_country(kg: DuckDBKG) -> None:
    text = "Georgia borders Armenia, Azerbaijan and Turkey."
    rows = linked(kg, text, ("Georgia", "ner"), ("Armenia", "ner"), ("Azerbaijan", "ner"), ("Turkey", "ner"))
    assert rows["Georgia"]["qid"] == "Q230" and rows["Georgia"]["linked_by"] == "overlap"


def test_a_real_paragraph_picks_the_us_state_by_its_neighbours(
        kg: DuckDBKG, en_paragraphs: pa.Table, spacy_ner: NerModel) -> None:
    """The secession paragraph of "Abraham Lincoln" lists Florida, Alabama, Georgia, Tennessee...:
    the neighbours of the state of Georgia, not of the (more popular) country."""
    paragraph = paragraph_with(en_paragraphs, "Abraham Lincoln", "ordinance of secession")
    mentions, _ = identify_mentions(paragraph, kg, {"en": spacy_ner}, MentionConfig())
    result, _ = link_entities(mentions, paragraph, kg, LinkConfig())
    georgia = [r for r in result.to_pylist() if r["surface"] == "Georgia"]
    assert kg.candidates(["Georgia"], "en")["Georgia"][0].qid == "Q230"
    assert [(r["qid"], r["linked_by"], r["runner_up_qid"]) for r in georgia] == [("Q1428", "overlap", "Q230")]
    assert georgia[0]["score"] >= 3 > georgia[0]["runner_up_score"]


def test_ties_at_zero_are_left_unlinked_unless_the_writer_linked(kg: DuckDBKG) -> None:
    text = "Georgia was mentioned. Georgia again."
    rows = linked(kg, text, ("Georgia", "ner"), config=LinkConfig(dominance=None))
    ner = rows["Georgia"]
    assert (ner["qid"], ner["linked_by"], ner["score"], ner["runner_up_score"]) == (None, "unlinked", 0.0, 0.0)
    assert ner["n_candidates"] >= 2 and ner["runner_up_qid"] is not None
    # with prominence too: the country (111 statements, 165 pointing at it) does not dwarf the
    # US state (7 and 29) tenfold, and a bare "Georgia" is truly either (Germany, below, is not)
    cautious = linked(kg, text, ("Georgia", "ner"))["Georgia"]
    assert (cautious["qid"], cautious["linked_by"]) == (None, "unlinked")
    link = linked(kg, text, ("Georgia", "link", "Georgia"))["Georgia"]
    assert (link["qid"], link["linked_by"]) == ("Q230", "claims")   # all "Georgia" labels: claims decide


def test_prominence_counts_what_points_at_a_candidate(kg: DuckDBKG) -> None:
    """"Germany" is the label of the country (278 statements of its own in the sample KG) and an
    alias of Nazi Germany (28): under 10x on statements alone, so a bare "Germany" used to stay
    unlinked; counting the statements whose value each is (the country: hundreds), the country
    dwarfs every namesake. "Ohio" (the state: 9 statements of its own) only by what points at it."""
    for name, qid in (("Germany", "Q183"), ("Ohio", "Q1397")):
        candidates = kg.candidates([name], "en")[name]
        pointed_at = kg.reverse_degrees([c.qid for c in candidates])
        best = next(c for c in candidates if c.qid == qid)
        others = [c for c in candidates if c.qid != qid]
        assert best.n_claims < 10 * (1 + max(c.n_claims for c in others))
        assert best.n_claims + pointed_at[qid] >= 10 * (
            1 + max(c.n_claims + pointed_at[c.qid] for c in others))
        text = f"He moved to {name} in 1850."
        row = linked(kg, text, (name, "ner"))[name]
        assert (row["qid"], row["linked_by"]) == (qid, "prominence")
        assert linked(kg, text, (name, "ner"), config=LinkConfig(dominance=None))[name]["qid"] is None


def test_a_prominent_namesake_by_alias_is_linked_too(kg: DuckDBKG) -> None:
    """"China" is the label of the cultural region (Q29520) and an alias of the People's Republic
    (Q148), which dwarfs it and the Republic of China in prominence: a bare "China" is the state
    (the hand audit judged the region a wrong entity for "the largest economies ... China")."""
    candidates = {c.qid: c for c in kg.candidates(["China"], "en")["China"]}
    assert candidates["Q148"].via == "alias" and candidates["Q29520"].via == "label"
    row = linked(kg, "The largest economies are China and Japan.", ("China", "ner"))["China"]
    assert (row["qid"], row["linked_by"]) == ("Q148", "prominence")


def test_prominence_is_against_the_strongest_rival_not_the_next_in_rank(kg: DuckDBKG) -> None:
    """"Florida": the state (72 statements point at it) does not dwarf the namesake that 13 point
    at, so without evidence it stays unlinked."""
    row = linked(kg, "He moved to Florida.", ("Florida", "ner"))["Florida"]
    assert (row["qid"], row["linked_by"]) == (None, "unlinked")


def test_a_links_own_target_beats_a_more_popular_alias(kg: DuckDBKG) -> None:
    by_claims = kg.candidates(["ASD"], "en")["ASD"]
    assert by_claims[0].via == "alias"
    rows = linked(kg, "See ASD.", ("ASD", "link", "ASD"))
    assert (rows["ASD"]["qid"], rows["ASD"]["linked_by"]) == ("Q757749", "link_target")
    europe = linked(kg, "Europe.", ("Europe", "link", "Europe"))["Europe"]
    assert europe["qid"] == "Q46"        # label "Europe", not the EU (alias "Europe", 141 claims)


def test_unknown_names_values_and_certain_mentions(kg: DuckDBKG) -> None:
    text = "Zqxv met a lawyer in 1846 and Abraham Lincoln."
    rows = linked(kg, text, ("Zqxv", "ner"), ("lawyer", "neighbour", None, "Q40348"),
                  ("1846", "time"), ("Abraham Lincoln", "subject", "Abraham Lincoln", "Q91"),
                  page_qid="Q91")
    assert (rows["Zqxv"]["qid"], rows["Zqxv"]["linked_by"], rows["Zqxv"]["n_candidates"]) == (None, "unlinked", 0)
    assert (rows["lawyer"]["qid"], rows["lawyer"]["linked_by"]) == ("Q40348", "neighbour")
    assert rows["lawyer"]["score"] is None and rows["lawyer"]["n_candidates"] == 1   # nothing chosen
    assert (rows["1846"]["qid"], rows["1846"]["linked_by"]) == (None, "value")
    assert (rows["Abraham Lincoln"]["qid"], rows["Abraham Lincoln"]["linked_by"]) == ("Q91", "page")


def test_repeats_share_their_links_decision(kg: DuckDBKG) -> None:
    text = "Georgia borders Alabama. Atlanta is in Georgia, near Florida."
    table, _ = link_entities(mentions_for(text, ("Georgia", "link", "Georgia (U.S. state)"),
                                          ("Alabama", "ner"), ("Atlanta", "ner"),
                                          ("Georgia", "repeat", "Georgia (U.S. state)"), ("Florida", "ner")),
                             paragraphs_for(text), kg, LinkConfig())
    georgias = [r for r in table.to_pylist() if r["surface"] == "Georgia"]
    assert [r["qid"] for r in georgias] == ["Q1428", "Q1428"]


def test_determinism_same_output_twice_and_in_any_row_order(kg: DuckDBKG) -> None:
    text = "Georgia borders Alabama and Florida; Paris and Troy are far."
    specs = [("Georgia", "ner"), ("Alabama", "ner"), ("Florida", "ner"), ("Paris", "link", "Paris"),
             ("Troy", "ner")]
    mentions, paragraphs = mentions_for(text, *specs), paragraphs_for(text)
    first, counts = link_entities(mentions, paragraphs, kg, LinkConfig())
    second, _ = link_entities(mentions, paragraphs, kg, LinkConfig())
    assert first.equals(second)
    shuffled, _ = link_entities(mentions.take([4, 2, 0, 3, 1]), paragraphs, kg, LinkConfig())
    assert shuffled.sort_by("mention_id").equals(first.sort_by("mention_id"))
    assert counts["mentions"] == 5 and counts["linked"] == sum(r is not None for r in first["qid"].to_pylist())


def test_decisions_on_the_sample_obey_the_rules(kg: DuckDBKG, en_paragraphs: pa.Table, spacy_ner: NerModel) -> None:
    paragraphs = en_paragraphs.filter(pc.equal(en_paragraphs["title"], "Abraham Lincoln")).slice(40, 12)
    mentions, _ = identify_mentions(paragraphs, kg, {"en": spacy_ner}, MentionConfig())
    result, counts = link_entities(mentions, paragraphs, kg, LinkConfig())
    rows = result.to_pylist()
    assert counts["mentions"] == len(rows) == mentions.num_rows
    for r in rows:
        if r["linked_by"] == "overlap":
            assert r["score"] > r["runner_up_score"]
        if r["linked_by"] in ("claims", "qid", "link_target"):
            assert r["score"] == r["runner_up_score"]
            assert r["source"] in ("link", "repeat", "subject") or r["score"] > 0
        if r["linked_by"] == "unlinked":
            assert r["qid"] is None
    assert any(r["linked_by"] == "overlap" for r in rows)


@pytest.mark.parametrize("bad", [{"max_candidates": 0}, {"max_candidate": 3}])
def test_bad_link_config_is_rejected(bad: dict) -> None:
    with pytest.raises(ValueError):
        LinkConfig(**bad)
