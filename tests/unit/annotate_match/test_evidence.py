"""Evidence sentences, page-subject references and naming statements, on real Wikipedia prose
(leads of the bundled sample's pages)."""
from __future__ import annotations

from kg2instruction.annotate.evidence import (ReferenceFinder, SubjectReferenceConfig,
                                              subject_nouns)
from kg2instruction.annotate.name_statements import NameMention, states_other_name
from kg2instruction.nli.premise import evidence_premise
from kg2instruction.text.sentences import Sentences

ALABAMA = ("Alabama is a state in the southeastern region of the United States. It is bordered "
           "by Tennessee to the north. The state is the 30th largest by area.")
LINCOLN = ("Abraham Lincoln was the 16th President of the United States. Born in Kentucky, he "
           "grew up on the frontier. His nickname \"Honest Abe\" stuck. Mary Todd married a "
           "lawyer in Springfield.")


def span(text: str, surface: str, occurrence: int = 0) -> tuple[int, int]:
    start = -1
    for _ in range(occurrence + 1):
        start = text.index(surface, start + 1)
    return start, start + len(surface)


def test_lead_nouns_describe_the_subject() -> None:
    assert subject_nouns("Alabama is a state in the southeastern region.", "en", 4) == ("state",)
    assert subject_nouns("Aristotle was a Greek philosopher and scientist born in Stagira.",
                         "en", 4) == ("philosopher", "scientist")
    assert subject_nouns("Anarchism is a political philosophy that advocates stateless "
                         "societies.", "en", 4) == ("philosophy",)
    assert subject_nouns("Asia is the largest and most populous continent.", "en", 4) == \
        ("continent",)
    assert subject_nouns("No copula here.", "en", 4) == ()
    assert subject_nouns("Alabama is a state.", "en", 0) == ()


def test_references_follow_the_kind_of_subject() -> None:
    config = SubjectReferenceConfig()
    sentences = Sentences(ALABAMA, "en")
    thing = ReferenceFinder("en", config, False, ("state",))
    second, third = sentences.spans[1], sentences.spans[2]
    # "it" is no reference to a place by default (it names rivers, cities, lines nearby)...
    assert thing.find(ALABAMA, *second) is None
    assert thing.find(ALABAMA, *third) == span(ALABAMA, "The state")
    # ...but an analyst may allow it
    with_it = SubjectReferenceConfig(thing_pronouns={"en": ("it", "its")})
    assert ReferenceFinder("en", with_it, False, ()).find(ALABAMA, *second) == span(ALABAMA, "It")
    person = ReferenceFinder("en", config, True, ())
    assert person.find(ALABAMA, *second) is None   # "it" is not a person
    lincoln = Sentences(LINCOLN, "en")
    he = ReferenceFinder("en", config, True, ())
    # "Born in Kentucky, he grew up": the reference may follow the other end
    start = LINCOLN.index(", he ") + 2
    assert he.find(LINCOLN, *lincoln.spans[1]) == (start, start + 2)
    # a sentence about someone else ("Mary Todd married a lawyer") has no reference to him
    assert he.find(LINCOLN, *lincoln.spans[3]) is None
    unknown = ReferenceFinder("en", with_it, None, ())   # kind unknown: both pronoun sets
    assert unknown.find(ALABAMA, *second) == span(ALABAMA, "It")
    assert unknown.find(LINCOLN, *lincoln.spans[1]) == (start, start + 2)


def test_premise_reads_the_evidence_with_the_subject_named() -> None:
    text = LINCOLN
    ev_start, ev_end = Sentences(text, "en").spans[2]
    ref = span(text, "His")
    triple = {"head": "Abraham Lincoln", "head_start": 0, "head_end": 15,
              "tail": "Honest Abe", "tail_start": span(text, "Honest Abe")[0],
              "tail_end": span(text, "Honest Abe")[1], "evidence_start": ev_start,
              "evidence_end": ev_end, "subject_ref_start": ref[0], "subject_ref_end": ref[1]}
    assert evidence_premise(text, triple) == 'Abraham Lincoln\'s nickname "Honest Abe" stuck.'
    assert evidence_premise(text, {**triple, "subject_ref_start": None,
                                   "subject_ref_end": None}) == 'His nickname "Honest Abe" stuck.'
    assert evidence_premise(text, {"head": "x", "tail": "y"}) is None


def test_naming_statements() -> None:
    def stated(text: str, first: str, second: str, bold: bool = False, lang: str = "en") -> bool:
        a, b = span(text, first), span(text, second)
        return states_other_name(text, lang, NameMention(*a, bold), NameMention(*b, bold))

    iso = "The International Organization for Standardization (ISO) sets standards."
    assert stated(iso, "International Organization for Standardization", "ISO")
    assert stated("Louis IX (German: Ludwig IX) ruled Hesse.", "Louis IX", "Ludwig IX")
    assert stated("Eric Arthur Blair, better known as George Orwell, wrote.", "Eric Arthur Blair",
                  "George Orwell")
    assert stated(LINCOLN, "Abraham Lincoln", "Honest Abe")
    assert not stated("Albert Einstein was a physicist. Einstein moved to Bern.",
                      "Albert Einstein", "Einstein")
    assert not stated("Huxley and Noel Trevelyan Huxley met.", "Huxley", "Noel Trevelyan Huxley")
    assert stated("Samuel Clemens Mark Twain", "Samuel Clemens", "Mark Twain", bold=True)
    assert stated("国际标准化组织（ISO）是标准机构。", "国际标准化组织", "ISO", lang="zh")
    assert stated("鲁迅，原名周樟寿，是作家。", "鲁迅", "周樟寿", lang="zh")
    assert not stated("鲁迅是作家。周樟寿是谁？", "鲁迅", "周樟寿", lang="zh")
    assert not stated("邻里、街坊都来了。", "邻里", "街坊", lang="zh")      # a list, not a name
    assert not stated("北京，上海是城市。", "北京", "上海", lang="zh")
    assert stated("中华人民共和国，简称中国，位于东亚。", "中华人民共和国", "中国", lang="zh")


def test_a_nearer_person_takes_the_pronoun(sample_duckdb_kg) -> None:
    """On Aristotle's page, "he" after another person in the sentence is that person."""
    from kg2instruction.annotate.match import Anchor, EvidencePlacer, MatchConfig, Paragraph
    text = ("Aristotle was a Greek philosopher and scientist. When Lucius Cornelius Sulla "
            "occupied Athens in 86 BC, he carried off the library to Rome. Later he went to "
            "Athens.")
    subject = Anchor("p:0-9", 0, 9, "Aristotle", "Q868", "human")
    sulla_at = text.index("Lucius")
    sulla = Anchor("p:s", sulla_at, sulla_at + 23, "Lucius Cornelius Sulla", "Q1", "human")
    first, second = (text.index("Athens"), text.rindex("Athens"))
    athens = [Anchor("p:a1", first, first + 6, "Athens", "Q1524", "geographic_region"),
              Anchor("p:a2", second, second + 6, "Athens", "Q1524", "geographic_region")]
    paragraph = Paragraph("p", "en", "Aristotle", "Q868", text, (subject, sulla, *athens),
                          lead=text[:text.index(".") + 1])
    placer = EvidencePlacer(paragraph, {"Q868": [subject], "Q1": [sulla], "Q1524": athens},
                            MatchConfig())
    [(head, tail, evidence)] = placer.place([subject], athens, "Q868", "Q1524")
    assert tail.start == second and evidence.rule == "subject_reference"
    assert text[evidence.start:evidence.end].strip() == "Later he went to Athens."
    # Sulla is named in his own sentence: the pair Sulla-Athens needs no reference
    assert [e.rule for _, _, e in placer.place([sulla], athens, "Q1", "Q1524")] == ["sentence"]


def test_every_sentence_that_can_state_a_fact_carries_a_candidate() -> None:
    """"He was born in Stagira" states the birthplace, "returned to Stagira" does not: both are
    candidates (the one naming both first), for the verifier to tell apart."""
    from kg2instruction.annotate.match import Anchor, EvidencePlacer, MatchConfig, Paragraph
    text = ("Aristotle was a Greek philosopher. He was born in Stagira. In 335 BC Aristotle "
            "left Stagira, and Stagira was sacked later.")
    subject = Anchor("p:0-9", 0, 9, "Aristotle", "Q868", "human")
    again = text.index("Aristotle", 10)
    named = Anchor("p:n", again, again + 9, "Aristotle", "Q868", "human")
    starts = [i for i in range(len(text)) if text.startswith("Stagira", i)]
    stagira = [Anchor(f"p:s{i}", i, i + 7, "Stagira", "Q1", "geographic_region") for i in starts]
    paragraph = Paragraph("p", "en", "Aristotle", "Q868", text, (subject, named, *stagira),
                          lead=text[:text.index(".") + 1])
    by_qid = {"Q868": [subject, named], "Q1": stagira}
    placed = EvidencePlacer(paragraph, by_qid, MatchConfig()).place(
        [subject, named], stagira, "Q868", "Q1")
    assert [(e.rule, text[e.start:e.end].strip()[:14]) for _, _, e in placed] == [
        ("sentence", "In 335 BC Aris"), ("subject_reference", "He was born in")]
    assert placed[0][1].start == starts[1]          # the closest pair of its sentence
    only = EvidencePlacer(paragraph, by_qid, MatchConfig(max_evidence_sentences=1)).place(
        [subject, named], stagira, "Q868", "Q1")
    assert [p[2] for p in only] == [placed[0][2]]
