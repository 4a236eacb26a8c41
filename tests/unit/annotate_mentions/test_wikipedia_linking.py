"""Linking with what Wikipedia gives (issue 19), rule by rule, on the real enwiki sample, the real
sample KG and real spaCy NER: title qualifiers and redirect-free title resolution, anchors and
bold names, commonness from the shard's own links, type fit with NER labels, the longest mention,
demonyms, class nouns and ambiguous neighbour names, full-name repeats and the subject's short
name, and the page subject's grounding."""
from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pytest

from kg2instruction.annotate.disambiguate import LinkConfig, decide, link_entities
from kg2instruction.annotate.link_targets import target_candidates, title_form, title_variants
from kg2instruction.annotate.mention import Mention, mentions_table
from kg2instruction.annotate.mentions import (MentionConfig, annotate_mentions, is_full_name,
                                              run_ner, short_names)
from kg2instruction.annotate.name_index import NameIndex
from kg2instruction.annotate.page_subject import ground_subject, head_word
from kg2instruction.annotate.target_context import neighbour_names
from kg2instruction.config.entity_types import EntityTypes, load_entity_types
from kg2instruction.kg.duckdb_kg import DuckDBKG
from kg2instruction.ner import NerModel
from kg2instruction.schemas import PARAGRAPHS

from .conftest import paragraph_with

REPO_THEMES = Path(__file__).resolve().parents[3] / "themes"


@pytest.fixture(scope="module")
def entity_types() -> EntityTypes:
    return load_entity_types(REPO_THEMES / "entity_types.yaml")


def linked_page(paragraphs: pa.Table, kg: DuckDBKG, ner: NerModel, entity_types: EntityTypes,
                config: LinkConfig | None = None) -> tuple[list[dict], list[dict]]:
    """(mentions, linked mentions) of a table of paragraphs, as the two stages make them."""
    mentions, _ = annotate_mentions(paragraphs, run_ner(paragraphs, {"en": ner}), kg, MentionConfig())
    linked, _ = link_entities(mentions, paragraphs, kg, config or LinkConfig(), entity_types)
    return mentions.to_pylist(), linked.to_pylist()


def page(en_paragraphs: pa.Table, title: str, *phrases: str) -> pa.Table:
    """The paragraphs of a page that contain any of the phrases (keeps NER cheap)."""
    rows = en_paragraphs.filter(pc.equal(en_paragraphs["title"], title))
    mask = None
    for phrase in phrases:
        hit = pc.match_substring(rows["text"], phrase)
        mask = hit if mask is None else pc.or_(mask, hit)
    chosen = rows.filter(mask)
    assert chosen.num_rows, f"{title!r} has no paragraph with {phrases}"
    return chosen


# -- titles resolved by name (no sitelinks in the bundled KG) ----------------------------------

def test_title_forms_follow_wikipedias_naming_rules() -> None:
    form = title_form("Montgomery, Alabama")
    assert (form.bare, form.qualifier) == ("Montgomery", "Alabama")
    form = title_form("Paris (mythology)")
    assert (form.bare, form.qualifier) == ("Paris", "mythology")
    assert title_form("J.B. Priestley").exact == ("J.B. Priestley", "J. B. Priestley")
    assert "Zaire" in title_form("Zaïre").exact
    assert title_variants("Treaty of Paris (1783)") == ["Treaty of Paris (1783)", "Treaty of Paris"]


def test_a_qualifier_the_kg_bears_out_picks_the_namesake(kg: DuckDBKG) -> None:
    """Sample links: "Montgomery, Alabama" is the Montgomery whose KG neighbours include Alabama,
    not the most described Montgomery."""
    found = target_candidates(["Montgomery, Alabama", "Springfield, Illinois"], kg, "en")
    assert [c.qid for c in found["Montgomery, Alabama"]][:1] == ["Q29364"]
    assert [c.qid for c in found["Springfield, Illinois"]][:1] == ["Q28515"]
    by_claims = kg.candidates(["Montgomery"], "en")["Montgomery"]
    assert len({c.qid for c in by_claims}) > 1


def test_a_qualifier_nothing_bears_out_leaves_the_title_unresolved(kg: DuckDBKG) -> None:
    """The sample KG has no Troy in Alabama, no mythological Paris and no Baldwin County of
    Alabama: the namesakes it has (ancient Troy, the French capital, a county of Georgia) are not
    what these sample links name."""
    found = target_candidates(["Troy, Alabama", "Paris (mythology)", "Baldwin County, Alabama"],
                              kg, "en")
    assert found == {"Troy, Alabama": [], "Paris (mythology)": [], "Baldwin County, Alabama": []}
    assert kg.candidates(["Troy"], "en")["Troy"] and kg.candidates(["Paris"], "en")["Paris"]


def test_a_candidate_labelled_with_another_qualifier_is_not_the_titled_entity(kg: DuckDBKG) -> None:
    """"Treaty of Paris (1783)" (a sample link) is not the entity labelled "Treaty of Paris
    (1623)", which an alias makes a candidate of the bare name."""
    bare = {c.qid for c in kg.candidates(["Treaty of Paris"], "en")["Treaty of Paris"]}
    assert "Q7837177" in bare and kg.labels(["Q7837177"], "en")["Q7837177"] == "Treaty of Paris (1623)"
    found = target_candidates(["Treaty of Paris (1783)"], kg, "en")["Treaty of Paris (1783)"]
    assert "Q7837177" not in {c.qid for c in found}


def test_anchors_only_stand_in_for_a_missing_title_when_they_are_other_full_names(kg: DuckDBKG) -> None:
    """Sample links whose titles the KG lacks: "Mongols" for "Mongol invasion of Khwarezmia and
    Eastern Iran" is one word of another thing; "Muslim Arabs" for "Islamic conquest of
    Afghanistan" shares no word with the title."""
    titles = ["Mongol invasion of Khwarezmia and Eastern Iran", "Islamic conquest of Afghanistan"]
    anchors = {titles[0]: ["Mongols"], titles[1]: ["Muslim Arabs"]}
    assert kg.candidates(["Mongols"], "en")["Mongols"]
    assert target_candidates(titles, kg, "en", anchors) == {t: [] for t in titles}


def test_a_links_untyped_namesake_does_not_take_its_title(
        kg: DuckDBKG, en_paragraphs: pa.Table, spacy_ner: NerModel, entity_types: EntityTypes) -> None:
    """The sample KG labels a one-claim item without any class "United States"; the country has
    "United States" as an alias. The Alabama page's link to "United States" is the country."""
    assert kg.labels(["Q3965121"], "en")["Q3965121"] == "United States"
    assert not [nb for nb in kg.neighbours(["Q3965121"], "en")["Q3965121"] if nb.pid == "P31"]
    paragraph = paragraph_with(en_paragraphs, "Alabama", "southeastern region of the United States")
    _, linked = linked_page(paragraph, kg, spacy_ner, entity_types)
    us = [m for m in linked if m["source"] == "link" and m["link_target"] == "United States"]
    assert us and all(m["qid"] == "Q30" for m in us)


# -- free mentions: evidence, commonness, type fit -------------------------------------------

def test_the_shards_own_links_are_the_commonness_prior(
        kg: DuckDBKG, en_paragraphs: pa.Table, spacy_ner: NerModel, entity_types: EntityTypes) -> None:
    """"the Republican National Convention in Chicago" (Abraham Lincoln) names Chicago with no
    KG neighbour of the paragraph around it; in a shard that also holds the Ayn Rand paragraph
    whose writer linked "Chicago" to the city, the name is linked to it by that link; alone, it
    stays unlinked."""
    lincoln = paragraph_with(en_paragraphs, "Abraham Lincoln", "Republican National Convention in Chicago")
    rand = en_paragraphs.filter(pc.equal(en_paragraphs["title"], "Ayn Rand"))
    rand = rand.filter(pc.match_substring(rand["text"], "Chicago"))
    assert any(link["anchor"] == "Chicago" for links in rand["links"].to_pylist() for link in links)
    _, linked = linked_page(pa.concat_tables([rand, lincoln]), kg, spacy_ner, entity_types)
    pid = lincoln["paragraph_id"][0].as_py()
    chicago = [m for m in linked if m["paragraph_id"] == pid and m["surface"] == "Chicago"]
    assert [(m["qid"], m["linked_by"]) for m in chicago] == [("Q1297", "commonness")]
    _, alone = linked_page(lincoln, kg, spacy_ner, entity_types, LinkConfig(dominance=None))
    assert [m["qid"] for m in alone if m["surface"] == "Chicago"] == [None]
    # nor by prominence: the city (42 statements, 360 pointing at it) does not dwarf tenfold
    # the namesake that 77 statements point at
    _, prominent = linked_page(lincoln, kg, spacy_ner, entity_types)
    assert [(m["qid"], m["linked_by"]) for m in prominent if m["surface"] == "Chicago"] == \
        [(None, "unlinked")]


def mentions_for(text: str, *specs: tuple[str, str, str | None]) -> pa.Table:
    """(surface, source, ner_label) in text order, paragraph "en:t:0"."""
    rows, cursor = [], 0
    for surface, source, label in specs:
        start = text.index(surface, cursor)
        cursor = start + len(surface)
        rows.append(Mention(start, cursor, surface, source, ner_label=label))
    return mentions_table([("en:t:0", rows)])


def one_paragraph(text: str) -> pa.Table:
    return pa.Table.from_pylist([{"paragraph_id": "en:t:0", "page_id": "t", "rev_id": None,
                                  "lang": "en", "title": "T", "page_qid": None, "section": "",
                                  "index": 0, "text": text, "links": [], "subject_spans": [],
                                  "source": "test"}], schema=PARAGRAPHS)


def test_a_name_is_not_linked_to_an_entity_whose_type_the_ner_label_rules_out(
        kg: DuckDBKG, entity_types: EntityTypes) -> None:
    """The sample KG knows "Freeman" only as a work (category product). Another paragraph of the
    shard links "Freeman" to it, so the name has commonness; still, a span NER reads as a person
    is not that work, while the same name NER did not label takes the writer's link."""
    [freeman] = kg.candidates(["Freeman"], "en")["Freeman"]
    assert kg.types([freeman.qid], {"product": list(entity_types.categories["product"].root_classes)})
    text = "In 1982 Freeman was elected the third county executive of Harford County."
    rows = []
    for index, label in enumerate(("PERSON", None)):
        pid = f"en:t:{index}"
        rows.append((pid, [Mention(0, 7, "Freeman", "link", link_target="Freeman"),
                           Mention(text.index("Freeman"), text.index("Freeman") + 7, "Freeman",
                                   "ner", ner_label=label)]))
    paragraphs = pa.Table.from_pylist([{**one_paragraph(text).to_pylist()[0], "paragraph_id": pid,
                                        "text": "Freeman. " + text} for pid, _ in rows],
                                      schema=PARAGRAPHS)
    shifted = [(pid, [ms[0], Mention(ms[1].start + 9, ms[1].end + 9, "Freeman", "ner",
                                     ner_label=ms[1].ner_label)]) for pid, ms in rows]
    table, _ = link_entities(mentions_table(shifted), paragraphs, kg, LinkConfig(), entity_types)
    by_row = {(r["paragraph_id"], r["source"]): r for r in table.to_pylist()}
    assert by_row[("en:t:0", "link")]["qid"] == freeman.qid
    assert by_row[("en:t:0", "ner")]["qid"] is None                   # PERSON: not a work
    assert (by_row[("en:t:1", "ner")]["qid"], by_row[("en:t:1", "ner")]["linked_by"]) == \
        (freeman.qid, "unique")                                      # commonness is evidence


def test_a_name_must_keep_the_capitals_of_the_name_it_matches(
        kg: DuckDBKG, en_paragraphs: pa.Table, spacy_ner: NerModel, entity_types: EntityTypes) -> None:
    """"Swift's solution" (A Modest Proposal) is Jonathan Swift, not the SWIFT network, the only
    entity the sample KG names so (case-insensitively)."""
    assert [c.matched for c in kg.candidates(["Swift"], "en")["Swift"]] == ["SWIFT"]
    paragraph = paragraph_with(en_paragraphs, "A Modest Proposal", "Swift's solution")
    _, linked = linked_page(paragraph, kg, spacy_ner, entity_types)
    assert all(m["qid"] != "Q750262" for m in linked if m["surface"].startswith("Swift"))


def test_a_single_word_with_a_single_candidate_needs_evidence(kg: DuckDBKG) -> None:
    """A lone surname or given name is as often another bearer of it; several words rarely are.
    Evidence (overlap, commonness) links either."""
    [nixon] = kg.candidates(["Nixon"], "en")["Nixon"]
    [lincoln] = kg.candidates(["Abraham Lincoln"], "en")["Abraham Lincoln"]
    assert decide([nixon], {}, target=None, lang="en", is_link=False).qid is None
    assert decide([nixon], {}, target=None, lang="en", is_link=False,
                  prior_of={nixon.qid: 1.0}).qid == nixon.qid
    assert decide([nixon], {nixon.qid: 1}, target=None, lang="en", is_link=False).linked_by == "unique"
    assert decide([lincoln], {}, target=None, lang="en", is_link=False).qid == "Q91"
    assert decide([nixon], {}, target="Nixon", lang="en", is_link=True).qid == nixon.qid


# -- what is a mention -----------------------------------------------------------------------

def test_no_mention_inside_a_longer_name(kg: DuckDBKG, en_paragraphs: pa.Table, spacy_ner: NerModel,
                                         entity_types: EntityTypes) -> None:
    """"Aldous had another brother, Noel Trevelyan Huxley": the surname is part of the brother's
    name, not a repeat of the page subject (nor of the linked grandfather)."""
    paragraph = paragraph_with(en_paragraphs, "Aldous Huxley", "Noel Trevelyan Huxley")
    text = paragraph["text"][0].as_py()
    start = text.index("Noel Trevelyan Huxley")
    end = start + len("Noel Trevelyan Huxley")
    mentions, _ = linked_page(paragraph, kg, spacy_ner, entity_types)
    inside = [m for m in mentions if m["start"] < end and start < m["end"]]
    assert [(m["surface"], m["source"]) for m in inside] == [("Noel Trevelyan Huxley", "ner")]


def test_the_subjects_short_name_repeats_it_and_linked_targets_repeat_only_by_full_names(
        kg: DuckDBKG, en_paragraphs: pa.Table, spacy_ner: NerModel, entity_types: EntityTypes) -> None:
    """On "Aldous Huxley", "Huxley's mother died" is the subject; "Huxley" never repeats the
    linked grandfather Thomas Henry Huxley."""
    paragraphs = page(en_paragraphs, "Aldous Huxley", "Thomas Henry Huxley", "Huxley's mother died")
    mentions, _ = linked_page(paragraphs, kg, spacy_ner, entity_types)
    huxley = [m for m in mentions if m["surface"] == "Huxley" and m["source"] == "repeat"]
    assert huxley and {m["link_target"] for m in huxley} == {"Aldous Huxley"}
    assert short_names("Aldous Huxley", "en") == ("Aldous", "Huxley")
    assert short_names("Paris (mythology)", "en") == () and short_names("数学", "zh") == ()
    assert not is_full_name("Huxley", "Thomas Henry Huxley", "en")
    assert is_full_name("Paris", "Paris", "en") and is_full_name("Julian Huxley", "Julian Huxley", "en")
    assert is_full_name("Elizabethtown", "Elizabethtown, Kentucky", "en")


def test_demonyms_are_not_mentions(kg: DuckDBKG, en_paragraphs: pa.Table, spacy_ner: NerModel,
                                  entity_types: EntityTypes) -> None:
    """"Russian revolutionary Mikhail Bakunin", "the German Max Stirner" (Anarchism): the
    adjectives are not the Russian or German language, nor anything else."""
    paragraphs = page(en_paragraphs, "Anarchism", "Russian revolutionary Mikhail Bakunin",
                      "the German Max Stirner")
    assert kg.candidates(["Russian"], "en")["Russian"]
    mentions, linked = linked_page(paragraphs, kg, spacy_ner, entity_types)
    assert not [m for m in mentions if m["surface"] in ("Russian", "German")]
    assert {"Mikhail Bakunin", "Max Stirner"} <= {m["surface"] for m in mentions if m["source"] == "link"}


def test_class_nouns_are_not_neighbour_names(kg: DuckDBKG) -> None:
    """The United States' classes (country, sovereign state) are not searched in text; its other
    neighbours (its capital) are."""
    classes = {nb.qid for nb in kg.neighbours(["Q30"], "en")["Q30"] if nb.pid == "P31"}
    index: NameIndex = NameIndex("en", min_chars=3)
    names = neighbour_names(["Q30"], kg, "en", index, class_pids=("P31",))
    assert classes and not classes & set(names.sources)
    assert "Q61" in names.sources
    everything = neighbour_names(["Q30"], kg, "en", NameIndex("en", min_chars=3))
    assert classes <= set(everything.sources)


def test_a_common_noun_never_names_a_proper_named_neighbour(
        kg: DuckDBKG, en_paragraphs: pa.Table, spacy_ner: NerModel, entity_types: EntityTypes) -> None:
    """Einstein's award, the Nobel Prize in Physics, is labelled "Physics" in the sample KG: the
    lowercase "physics" of the text is the science, never that proper-named prize; and in
    "Professor of Experimental Physics" (Albert Einstein) the capitalised word is part of a
    longer name."""
    [prize] = [nb for nb in kg.neighbours(["Q937"], "en")["Q937"] if nb.qid == "Q38104"]
    assert prize.label == "Physics"
    names = neighbour_names(["Q937"], kg, "en", NameIndex("en", min_chars=3), class_pids=("P31",))
    assert not [m for m in names.index.find("physics") if ("Q38104", True) in m.payloads]
    [upper] = names.index.find("Physics")
    assert names.qids_near(upper.payloads, {"Q937"}) == ["Q38104"]
    # were a lowercase word to match one of its names, it would still not stand for it
    assert names.qids_near(upper.payloads, {"Q937"}, common_noun=True) == []
    paragraph = paragraph_with(en_paragraphs, "Albert Einstein", "Experimental Physics")
    _, linked = linked_page(paragraph, kg, spacy_ner, entity_types)
    assert not [m for m in linked if m["qid"] == "Q38104"]


# -- the page subject in matching -------------------------------------------------------------

class _Span:
    def __init__(self, text: str, surface: str) -> None:
        self.start = text.index(surface)
        self.surface = surface


def test_a_possessive_or_compound_is_not_the_page_subject(en_paragraphs: pa.Table) -> None:
    """"Alberta's Rockies include well-known tourist destinations..." (Alberta; a link the KG
    cannot resolve) shares the title's word but names the mountains."""
    text = paragraph_with(en_paragraphs, "Alberta", "Alberta's Rockies include")["text"][0].as_py()
    assert head_word("Alberta's Rockies") == "rockie" and head_word("University of Alberta") == "university"
    assert ground_subject("Alberta", [_Span(text, "Alberta's Rockies")], "en") is None
    alone = "Calgary and Edmonton are the largest cities of Alberta."   # head word: the title's
    assert ground_subject("Alberta", [_Span(alone, "Alberta")], "en").surface == "Alberta"


def test_a_nationality_is_an_adjective_only_before_a_word() -> None:
    """T-REx sentences: "a French politician" (the adjective) against "The PK (Russian: Пулемёт
    Калашникова, ...)" (the language's name standing alone)."""
    from kg2instruction.annotate.mentions import attributive_spans
    from kg2instruction.ner.base import NerSpan

    def span(text: str, word: str) -> NerSpan:
        return NerSpan(text.index(word), text.index(word) + len(word), "NORP")
    politician = "Jean Cruppi (22 May 1855, Toulouse – 16 October 1933, Fontainebleau) was a French politician of the Third Republic."
    gun = "The PK (Russian: Пулемёт Калашникова, transliterated as Pulemyot Kalashnikova) is a machine gun."
    assert attributive_spans(politician, [span(politician, "French")], ("NORP",)) == [span(politician, "French")]
    assert attributive_spans(gun, [span(gun, "Russian")], ("NORP",)) == []
    assert attributive_spans(politician, [span(politician, "French")], ()) == []


def test_an_ner_span_listing_known_names_is_not_one_longer_name(
        kg: DuckDBKG, spacy_ner: NerModel) -> None:
    """T-REx sentence: spaCy reads "Victoria Land, Antarctica" as one span; the page subject
    (Monastery Nunatak) neighbours neither, but a paragraph of a page about Victoria Land repeats
    its subject there, and the list is split rather than hiding it."""
    text = ("Monastery Nunatak is a spectacular isolated nunatak at the head of Ferrar Glacier, "
            "between Mount Feather and Pivot Peak, in Victoria Land, Antarctica.")
    row = {**one_paragraph(text).to_pylist()[0], "title": "Victoria Land", "page_qid": "Q208965"}
    table = pa.Table.from_pylist([row], schema=PARAGRAPHS)
    spans = run_ner(table, {"en": spacy_ner})
    mentions, _ = annotate_mentions(table, spans, kg, MentionConfig())
    surfaces = {(m["surface"], m["source"]) for m in mentions.to_pylist()}
    assert ("Victoria Land", "repeat") in surfaces
    assert not any(s.startswith("Victoria Land,") for s, _ in surfaces)


def test_a_town_qualified_by_its_region_is_two_names(
        kg: DuckDBKG, spacy_ner: NerModel, entity_types: EntityTypes) -> None:
    """Text without links: the KG alias "Toronto, Ontario" of Lou Marsh's birthplace no longer
    hides the province; the town keeps the entity the whole alias named, and the province is
    linked on its own (Toronto's neighbour), so Toronto's tie to it can be read."""
    assert "Toronto, Ontario" in kg.aliases(["Q172"], "en")["Q172"]
    assert "Q172" in {nb.qid for nb in kg.neighbours(["Q14920273"], "en")["Q14920273"]}
    text = "Lou Marsh was a Canadian sportswriter and referee, born in Toronto, Ontario."
    paragraph = pa.Table.from_pylist([{
        "paragraph_id": "en:1:0", "page_id": "1", "lang": "en", "title": "Lou Marsh",
        "page_qid": "Q14920273", "section": "", "index": 0, "text": text, "links": [],
        "subject_spans": [], "source": "test"}], schema=PARAGRAPHS)
    mentions, linked = linked_page(paragraph, kg, spacy_ner, entity_types)
    by_surface = {m["surface"]: m for m in mentions}
    assert "Toronto, Ontario" not in by_surface
    assert (by_surface["Toronto"]["source"], by_surface["Toronto"]["qid"]) == ("neighbour", "Q172")
    assert {m["surface"]: m["qid"] for m in linked}["Ontario"] == "Q1904"
    # a name whose parts do not both name other entities stays whole
    text = "Brownlee received his PhD from the University of California, Berkeley, in 1971."
    paragraph = pa.Table.from_pylist([{
        "paragraph_id": "en:2:0", "page_id": "2", "lang": "en",
        "title": "Donald E. Brownlee", "page_qid": "Q1239832", "section": "", "index": 0,
        "text": text, "links": [], "subject_spans": [], "source": "test"}], schema=PARAGRAPHS)
    mentions, _ = linked_page(paragraph, kg, spacy_ner, entity_types)
    assert {m["surface"]: m["qid"] for m in mentions
            }["University of California, Berkeley"] == "Q168756"
