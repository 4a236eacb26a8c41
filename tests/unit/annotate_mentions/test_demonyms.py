"""Nationality words as mentions of the countries the paragraph's entities are tied to: real
people of the sample KG (their P27), spaCy's NORP spans, the KG's P1549 demonyms where it has
them."""
from __future__ import annotations

import pyarrow as pa

from kg2instruction.annotate.demonyms import CountryWords, DemonymConfig, country_words
from kg2instruction.annotate.mentions import MentionConfig, identify_mentions
from kg2instruction.kg.duckdb_kg import DuckDBKG
from kg2instruction.ner import NerModel
from kg2instruction.schemas import PARAGRAPHS

US, ITALY, FRANCE, NORWAY, AUSTRIA, AUSTRALIA = "Q30", "Q38", "Q142", "Q20", "Q40", "Q408"


def page(pid: str, title: str, qid: str, text: str) -> dict:
    return {"paragraph_id": f"en:{pid}:0", "page_id": pid, "rev_id": None, "lang": "en",
            "title": title, "page_qid": qid, "section": "", "index": 0, "text": text,
            "links": [], "subject_spans": [], "source": "test"}


def mentions_of(kg: DuckDBKG, ner: NerModel, rows: list[dict],
                config: MentionConfig | None = None) -> tuple[dict, dict]:
    table, counts = identify_mentions(pa.Table.from_pylist(rows, schema=PARAGRAPHS), kg,
                                      {"en": ner}, config or MentionConfig())
    found: dict[str, list[tuple[str, str | None]]] = {}
    for m in table.to_pylist():
        found.setdefault(m["paragraph_id"], []).append((m["surface"], m["qid"]))
    return found, counts


def test_a_nationality_word_names_the_subjects_country(kg: DuckDBKG, spacy_ner: NerModel) -> None:
    """Chuck Darling (P27 United States) and Gianni Ferrio (P27 Italy) in the sample KG; the
    KG has no P1549, so the words are recognised by the country's name they begin with."""
    assert kg.demonyms([US, ITALY], "en") == {}
    rows = [page("1", "Chuck Darling", "Q1463586",
                 "Chuck Darling was an American basketball player. He was American. He "
                 "played in an American-born coach's team."),
            page("2", "Gianni Ferrio", "Q1522599",
                 "Gianni Ferrio was an Italian composer. A French critic praised him.")]
    found, counts = mentions_of(kg, spacy_ner, rows)
    # "American-born": a birthplace, not the country of what it describes
    assert [(s, q) for s, q in found["en:1:0"] if s == "American"] == [("American", US)] * 2
    assert ("Italian", ITALY) in found["en:2:0"]
    # France is no country of Ferrio's: "French" stays what it was, no mention of France
    assert all(q != FRANCE for _, q in found["en:2:0"])
    assert counts["mentions.nationality"] == 3
    off, _ = mentions_of(kg, spacy_ner, rows, MentionConfig(demonyms=DemonymConfig(pids=())))
    assert all(q not in (US, ITALY) for ms in off.values() for _, q in ms)


def test_a_word_naming_the_countrys_language_names_the_country(
        kg: DuckDBKG, spacy_ner: NerModel) -> None:
    """Michel Houellebecq (P27 France): no P1549 and no stem ("French" is not "Fran-ce"), but
    France's official language (P37) is the sample KG's "French"; Ferrio's France stays absent."""
    assert "Q150" in {nb.qid for nb in kg.neighbours([FRANCE], "en")[FRANCE] if nb.pid == "P37"}
    rows = [page("3", "Michel Houellebecq", "Q103114",
                 "Michel Houellebecq is a French author, filmmaker, and poet."),
            page("2", "Gianni Ferrio", "Q1522599", "A French critic praised Gianni Ferrio.")]
    found, _ = mentions_of(kg, spacy_ner, rows)
    assert ("French", FRANCE) in found["en:3:0"]
    assert all(q != FRANCE for _, q in found["en:2:0"])
    off, _ = mentions_of(kg, spacy_ner, rows[:1],
                         MentionConfig(demonyms=DemonymConfig(language_pids=())))
    assert ("French", FRANCE) not in off["en:3:0"]


def test_a_language_spoken_in_two_tied_countries_names_neither() -> None:
    tied = {"Q183": frozenset({"Q1"}), AUSTRIA: frozenset({"Q1"})}
    words = CountryWords("en", {}, {"Q183": ("germany",), AUSTRIA: ("austria",)}, tied, 4,
                         {"german": frozenset({"Q183", AUSTRIA}),
                          "bavarian": frozenset({"Q183", AUSTRIA})})
    assert words.country_of("German", {"Q1"}) == "Q183"      # the stem decides first
    assert words.country_of("Bavarian", {"Q1"}) is None       # two speaking countries


def test_kg_demonyms_come_first_and_name_words_no_stem_reaches() -> None:
    words = CountryWords("en", {"french": frozenset({FRANCE})},
                         {FRANCE: ("france",), NORWAY: ("norway",)},
                         {FRANCE: frozenset({"Q1"}), NORWAY: frozenset({"Q1"})}, stem_chars=4)
    assert words.country_of("French", {"Q1"}) == FRANCE         # P1549 only
    assert words.country_of("Norwegian", {"Q1"}) == NORWAY      # begins with "norw(ay)"
    assert words.country_of("Norwegian", {"Q2"}) is None        # not tied to this paragraph
    assert words.country_of("Nordic", {"Q1"}) is None           # "nor": too little of the name
    exact_only = CountryWords("en", words.demonyms, words.names, words.tied_to, None)
    assert exact_only.country_of("Norwegian", {"Q1"}) is None


def test_the_best_stem_wins_and_a_tie_links_nothing() -> None:
    tied = {AUSTRIA: frozenset({"Q1"}), AUSTRALIA: frozenset({"Q1"})}
    words = CountryWords("en", {}, {AUSTRIA: ("austria",), AUSTRALIA: ("australia",)}, tied, 4)
    assert words.country_of("Austrian", {"Q1"}) == AUSTRIA
    assert words.country_of("Australian", {"Q1"}) == AUSTRALIA
    twins = CountryWords("en", {"congolese": frozenset({"Q974", "Q971"})},
                         {"Q974": ("congo",), "Q971": ("congo",)},
                         {"Q974": frozenset({"Q1"}), "Q971": frozenset({"Q1"})}, 4)
    assert twins.country_of("Congolese", {"Q1"}) is None


def test_country_words_of_the_sample_kg(kg: DuckDBKG) -> None:
    words = country_words(["Q1463586", "Q1522599"], kg, "en", DemonymConfig())
    assert words.tied_to[US] == {"Q1463586"} and words.tied_to[ITALY] == {"Q1522599"}
    assert "italy" in words.names[ITALY]
    assert country_words([], kg, "en", DemonymConfig()).tied_to == {}
