"""Relation matching on real KG entities: entity pairs in both directions, value claims, implicit
subject."""
from __future__ import annotations

from kg2instruction.annotate.match import MatchConfig, match_relations, paragraphs_with_anchors

from .rows import mention, paragraph

NITRA, SLOVAKIA = "Q184548", "Q214"
MAURITANIA, MOROCCO = "Q1025", "Q1028"


def run(kg, paragraphs, mentions, **config):
    return match_relations(paragraphs_with_anchors(paragraphs, mentions), kg, MatchConfig(**config))


def keyed(triples):
    return {(t["head"], t["pid"], t["tail"]) for t in triples}


def test_claim_found_whatever_the_order_of_mentions(sample_duckdb_kg) -> None:
    # real T-REx sentence: Nitra Region P131 Slovakia
    text = ("Leľa (Hungarian: Leléd) is a village and municipality in the Nové Zámky District in "
            "the Nitra Region of south-west Slovakia.")
    flipped = "Slovakia has eight regions; the Nitra Region lies in the south-west."
    paragraphs = [paragraph("en:1:0", text), paragraph("en:2:0", flipped)]
    mentions = [mention("en:1:0", text, "Nitra Region", NITRA),
                mention("en:1:0", text, "Slovakia", SLOVAKIA),
                mention("en:2:0", flipped, "Slovakia", SLOVAKIA),
                mention("en:2:0", flipped, "Nitra Region", NITRA)]
    triples, counts = run(sample_duckdb_kg, paragraphs, mentions)
    by_paragraph = {t["paragraph_id"]: t for t in triples if t["pid"] == "P131"}
    for pid, t in by_paragraph.items():
        assert (t["head_qid"], t["tail_qid"], t["direction"]) == (NITRA, SLOVAKIA, "forward")
        source = text if pid == "en:1:0" else flipped
        assert source[t["head_start"]:t["head_end"]] == "Nitra Region"
        assert source[t["tail_start"]:t["tail_end"]] == "Slovakia"
    assert set(by_paragraph) == {"en:1:0", "en:2:0"}
    assert counts.entity_pairs == 2 and counts.claims_matched >= 2


def test_claims_in_both_kg_directions_between_one_pair(sample_duckdb_kg) -> None:
    text = "Mauritania borders Morocco, with which it maintains diplomatic relations."
    mentions = [mention("p", text, "Mauritania", MAURITANIA), mention("p", text, "Morocco", MOROCCO)]
    triples, _ = run(sample_duckdb_kg, [paragraph("p", text)], mentions)
    found = {(t["head_qid"], t["pid"], t["tail_qid"]) for t in triples}
    assert (MAURITANIA, "P530", MOROCCO) in found      # Mauritania -> Morocco
    assert (MOROCCO, "P47", MAURITANIA) in found       # Morocco -> Mauritania
    assert all(t["rule"] == "kg_pair" and t["direction"] == "forward" for t in triples)


def test_no_claim_between_unrelated_entities_and_unlinked_mentions_ignored(sample_duckdb_kg) -> None:
    text = "Mauritania and the Nitra Region were discussed, as was Sofia."
    mentions = [mention("p", text, "Mauritania", MAURITANIA), mention("p", text, "Nitra Region", NITRA),
                mention("p", text, "Sofia", None, source="ner")]
    triples, counts = run(sample_duckdb_kg, [paragraph("p", text)], mentions)
    assert triples == [] and counts.entity_pairs == 1 and counts.linked_mentions == 2


def test_closest_pair_of_mentions_carries_the_triple(sample_duckdb_kg) -> None:
    text = ("Slovakia joined the EU in 2004. Far away, long after, the Nitra Region of Slovakia "
            "held elections.")
    mentions = [mention("p", text, "Slovakia", SLOVAKIA), mention("p", text, "Nitra Region", NITRA),
                mention("p", text, "Slovakia", SLOVAKIA, occurrence=1, source="repeat")]
    triples, _ = run(sample_duckdb_kg, [paragraph("p", text)], mentions, value_kinds=())
    (t,) = [t for t in triples if t["pid"] == "P131"]
    assert t["tail_start"] == text.index("Slovakia", 10)
    assert t["tail_mention_id"] == f"p:{t['tail_start']}-{t['tail_end']}"


def test_implicit_subject_only_when_enabled(sample_duckdb_kg) -> None:
    # real T-REx sentence; the subject (Tommaso Pio Boggiani, Q1235003) is not written
    text = ("(19 January 1863 – 26 February 1942) was a Cardinal of the Roman Catholic Church who "
            "served as Archbishop of Genoa.")
    p = paragraph("p", text, title="Tommaso Pio Boggiani", page_qid="Q1235003")
    mentions = [mention("p", text, "Archbishop", "Q49476")]
    assert run(sample_duckdb_kg, [p], mentions)[0] == []            # default: grounded only
    (t,) = run(sample_duckdb_kg, [p], mentions, page_subject="implicit")[0]
    assert (t["head_qid"], t["pid"], t["tail_qid"], t["rule"]) == ("Q1235003", "P39", "Q49476",
                                                                  "implicit_subject")
    assert t["head_start"] is None and t["head"] == "Tommaso Pio Boggiani"


def test_unlinked_mention_like_the_title_grounds_the_page_subject(sample_duckdb_kg) -> None:
    # real T-REx sentence on the page "Davey Graham" (Q1173430): the text writes "Davy Graham",
    # which no label of the sample KG lists, so NER finds it and disambiguation cannot link it
    text = ('In his Allmusic review, critic Thom Jurek stated that few are aware of the genius '
            'of guitarist Davy Graham.')
    p = paragraph("p", text, title="Davey Graham", page_qid="Q1173430")
    mentions = [mention("p", text, "Thom Jurek", None, source="ner"),
                mention("p", text, "guitar", "Q6607", source="neighbour"),
                mention("p", text, "Davy Graham", None, source="ner")]
    (t,) = run(sample_duckdb_kg, [p], mentions)[0]
    assert (t["head"], t["pid"], t["tail"], t["rule"]) == ("Davy Graham", "P1303", "guitar",
                                                            "subject_grounded")
    assert text[t["head_start"]:t["head_end"]] == "Davy Graham" and t["head_qid"] == "Q1173430"
    assert run(sample_duckdb_kg, [p], mentions, page_subject="linked")[0] == []
    unrelated = [m for m in mentions if m["surface"] != "Davy Graham"]
    assert run(sample_duckdb_kg, [p], unrelated)[0] == []           # "Thom Jurek" is not him


def test_value_claims_of_q42_found_at_their_precision(build_tiny_kg, q42_entity) -> None:
    kg = build_tiny_kg([q42_entity])
    text = ("Douglas Adams (11 March 1952 – 11 May 2001) was an English author. He began "
            "writing in 1974 and stood 1.96 m tall. His 12009 fans met in 2001.")
    mentions = [mention("p", text, "Douglas Adams", "Q42")]
    triples, counts = run(kg, [paragraph("p", text, page_qid="Q42")], mentions)
    found = {(t["pid"], t["tail"], t["tail_value"], t["tail_type"]) for t in triples}
    assert ("P569", "11 March 1952", "1952-03-11", "time") in found
    assert ("P570", "11 May 2001", "2001-05-11", "time") in found
    assert ("P2031", "1974", "1974", "time") in found            # year-only date matches
    assert ("P2048", "1.96 m", "1.96 Q11573", "measure") in found
    # the date of death also matches the bare year "2001" (coarser form, year precision)
    assert ("P570", "2001", "2001", "time") in found
    # nothing inside "12009", and no year piece of the full dates
    assert not any(t["tail"] in ("1952",) for t in triples)
    assert all(text[t["tail_start"]:t["tail_end"]] == t["tail"] for t in triples)
    assert counts.value_claims_matched == len(triples)
    # the later sentences name him only as "He"/"His": their evidence is that reference
    (began,) = [t for t in triples if t["pid"] == "P2031"]
    assert began["evidence_rule"] == "subject_reference"
    assert text[began["subject_ref_start"]:began["subject_ref_end"]] == "He"
    assert text[began["evidence_start"]:began["evidence_end"]].startswith("He began writing")
    # without knowing the page's subject, "He" stands for nobody: only the first sentence counts
    alone, _ = run(kg, [paragraph("p", text)], mentions)
    assert {t["pid"] for t in alone} == {"P569", "P570"}


def test_value_claims_in_chinese(build_tiny_kg, q42_entity) -> None:
    kg = build_tiny_kg([q42_entity])
    text = "道格拉斯·亚当斯（１９５２年3月11日－2001年5月11日）是英国作家，身高1.96米。"
    mentions = [mention("p", text, "道格拉斯·亚当斯", "Q42")]
    triples, _ = run(kg, [paragraph("p", text, lang="zh")], mentions)
    found = {(t["pid"], t["tail"], t["tail_value"]) for t in triples}
    assert {("P569", "１９５２年3月11日", "1952-03-11"), ("P570", "2001年5月11日", "2001-05-11"),
            ("P2048", "1.96米", "1.96 Q11573")} <= found


def test_coarsest_precision_is_configurable(build_tiny_kg, q42_entity) -> None:
    kg = build_tiny_kg([q42_entity])
    text = "Douglas Adams was born in 1952."
    mentions = [mention("p", text, "Douglas Adams", "Q42")]
    assert {t["tail"] for t in run(kg, [paragraph("p", text)], mentions)[0]} == {"1952"}
    assert run(kg, [paragraph("p", text)], mentions, coarsest_time_precision=11)[0] == []


def test_page_without_qid_takes_the_entity_its_title_mentions_were_linked_to(sample_duckdb_kg
                                                                             ) -> None:
    # a dump page has no page_qid: the subject is what linking chose for the title's mentions
    text = "Davy Graham played the guitar; Davey Graham was admired."
    p = paragraph("en:9:0", text, title="Davey Graham")
    subject = mention("en:9:0", text, "Davey Graham", "Q1173430", source="subject")
    subject["link_target"] = "Davey Graham"
    mentions = [mention("en:9:0", text, "Davy Graham", None, source="ner"),
                mention("en:9:0", text, "guitar", "Q6607", source="neighbour"), subject]
    (t,) = run(sample_duckdb_kg, [p], mentions)[0]
    assert (t["head"], t["head_qid"], t["rule"]) == ("Davey Graham", "Q1173430", "kg_pair")
    (anchored,) = paragraphs_with_anchors([p], mentions)
    assert anchored.page_qid == "Q1173430"


ALBERTA, CANADIAN_PROVINCE, CANADA = "Q1951", "Q2879", "Q16"
ALBERTA_LEAD = "Alberta is a western province of Canada."
# real sentence of Alberta's page; "province" is linked to the article on Canada's provinces
BEEKEEPING = ("Alberta is the leading beekeeping province of Canada, with some beekeepers "
              "wintering hives indoors in specially designed barns in southern Alberta.")


def keyed_qids(triples):
    return {(t["head_qid"], t["pid"], t["tail_qid"]) for t in triples}


def alberta_page(lead: str) -> tuple[list[dict], list[dict]]:
    paragraphs = [paragraph("en:717:0", lead, title="Alberta", page_qid=ALBERTA),
                  paragraph("en:717:1", BEEKEEPING, title="Alberta", page_qid=ALBERTA)]
    mentions = [mention("en:717:1", BEEKEEPING, "Alberta", ALBERTA),
                mention("en:717:1", BEEKEEPING, "province", CANADIAN_PROVINCE),
                mention("en:717:1", BEEKEEPING, "Canada", CANADA)]
    return paragraphs, mentions


def test_a_word_describing_the_page_subject_takes_no_facts_of_its_own(sample_duckdb_kg) -> None:
    """'province' on Alberta's page stands for Alberta: the class's own KG fact (Canadian
    province -> country -> Canada) is not read off it; Alberta's own facts still are."""
    paragraphs, mentions = alberta_page(ALBERTA_LEAD)
    triples, counts = run(sample_duckdb_kg, paragraphs, mentions)
    found = keyed_qids(triples)
    assert (ALBERTA, "P17", CANADA) in found
    assert not any(CANADIAN_PROVINCE in (h, t) and ALBERTA not in (h, t) for h, _, t in found)
    assert counts.subject_description >= 1


def test_the_same_word_pairs_when_the_lead_describes_the_subject_otherwise(
        sample_duckdb_kg) -> None:
    # a lead that calls Alberta something else: "province" is then just a linked word
    paragraphs, mentions = alberta_page("Alberta is a region of Canada.")
    triples, counts = run(sample_duckdb_kg, paragraphs, mentions)
    assert (CANADIAN_PROVINCE, "P17", CANADA) in keyed_qids(triples)
    assert counts.subject_description == 0


def test_the_subjects_surname_carries_its_facts_beside_its_linked_full_name(sample_duckdb_kg
                                                                            ) -> None:
    """The page names "Davey Graham" in full (linked) and then by surname in the sentence that
    states the fact: the surname stands for the subject there, so the fact has a sentence."""
    text = ("Davey Graham was a British musician. In a review, Thom Jurek praised the guitar "
            "playing of Graham.")
    p = paragraph("p", text, title="Davey Graham", page_qid="Q1173430")
    mentions = [mention("p", text, "Davey Graham", "Q1173430", source="subject"),
                mention("p", text, "Thom Jurek", None, source="ner"),
                mention("p", text, "guitar", "Q6607", source="neighbour"),
                mention("p", text, "Graham", None, source="ner", occurrence=1)]
    (t,) = [t for t in run(sample_duckdb_kg, [p], mentions)[0] if t["pid"] == "P1303"]
    assert text[t["head_start"]:t["head_end"]] == "Graham" and t["head_start"] > 40
    assert (t["head_qid"], t["rule"], t["evidence_rule"]) == ("Q1173430", "subject_grounded",
                                                              "sentence")
    # without the surname the two are sentences apart and nothing refers back to him
    assert [t for t in run(sample_duckdb_kg, [p], mentions[:3])[0] if t["pid"] == "P1303"] == []
