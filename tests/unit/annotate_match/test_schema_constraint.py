"""Theme labelling, head/tail type constraint with counted drops, and the refinement rules."""
from __future__ import annotations

from collections import Counter

import pytest

from kg2instruction.annotate.schema_constraint import (EntityNames, ParagraphText, SchemaConfig,
                                                       alias_qids, apply_schema, entity_names,
                                                       reduce_containment_chains)
from kg2instruction.config.theme import Theme

from .rows import mention

TEMPLATES = {"en": ["[X] relates to [Y]."], "zh": ["[X]与[Y]有关。"]}


def relation(en: str, zh: str, pids=(), reversed_pids=(), head=(), tail=()) -> dict:
    return {"label": {"en": en, "zh": zh}, "pids": list(pids), "reversed_pids": list(reversed_pids),
            "head_types": list(head), "tail_types": list(tail), "templates": TEMPLATES}


@pytest.fixture(scope="module")
def theme() -> Theme:
    return Theme.model_validate({
        "theme": "person", "name": {"en": "Person", "zh": "人物"},
        "relations": [
            relation("alternative name", "别名", pids=["P1449"], head=["human"], tail=["human"]),
            relation("place of birth", "出生地点", pids=["P19"], head=["human"],
                     tail=["geographic_region"]),
            relation("date of birth", "出生日期", pids=["P569"], head=["human"], tail=["time"]),
            relation("parent", "父母", pids=["P22", "P25"], reversed_pids=["P40"], head=["human"],
                     tail=["human"]),
            relation("member of", "所属组织", pids=["P463", "P108"], head=["human"],
                     tail=["organization"]),
            relation("employer", "雇主", pids=["P108"], head=["human"], tail=["organization"]),
            relation("located in", "位于", pids=["P131"], head=["geographic_region"],
                     tail=["geographic_region"]),
        ],
        "dropped_pids": ["P551"],
    })


def candidate(text: str, head: str, head_qid: str, pid: str, tail: str | None,
              tail_qid: str | None, value: str | None = None, value_surface: str | None = None,
              rule: str = "kg_pair", paragraph_id: str = "p") -> dict:
    h = mention(paragraph_id, text, head, head_qid)
    surface = tail if tail is not None else value_surface
    t = mention(paragraph_id, text, surface, tail_qid)
    return {"triple_id": "x", "paragraph_id": paragraph_id,
            "head": head, "head_start": h["start"], "head_end": h["end"], "head_qid": head_qid,
            "head_type": None, "tail": surface, "tail_start": t["start"], "tail_end": t["end"],
            "tail_qid": tail_qid, "tail_value": value,
            "tail_type": "time" if value else None, "pid": pid, "direction": "forward",
            "relation": None, "rule": rule, "theme": None,
            "head_mention_id": h["mention_id"], "tail_mention_id": None if value else t["mention_id"],
            "head_score": 2.0, "tail_score": None if value else 1.0}


TYPES = {"Q42": ["human"], "Q350": ["geographic_region"], "Q145": ["geographic_region"],
         "Q84": ["geographic_region"], "Q21": ["geographic_region"], "Q23": ["human"],
         "Q191": ["human"], "Q1065": ["organization"],
         "Q7186": ["human", "organization"]}


def test_keep_and_drop_with_counted_reasons(theme: Theme) -> None:
    text = "Douglas Adams was born in Cambridge on 11 March 1952 and lived in London; UN member."
    cands = [
        candidate(text, "Douglas Adams", "Q42", "P19", "Cambridge", "Q350"),               # kept
        candidate(text, "Douglas Adams", "Q42", "P569", None, None, "1952-03-11",
                  "11 March 1952", rule="time_value"),                                    # kept
        candidate(text, "Douglas Adams", "Q42", "P551", "London", "Q84"),                 # other
        candidate(text, "Douglas Adams", "Q42", "P9999", "London", "Q84"),                # unknown
        candidate(text, "Douglas Adams", "Q42", "P19", "UN", "Q1065"),                    # types
    ]
    triples, funnel = apply_schema(cands, [], theme, TYPES, {}, SchemaConfig())
    kept = {(t["relation"], t["tail"], t["head_type"], t["tail_type"]) for t in triples}
    assert kept == {("place of birth", "Cambridge", "human", "geographic_region"),
                    ("date of birth", "11 March 1952", "human", "time")}
    assert funnel["dropped.other_pid"] == 1
    assert funnel["dropped.pid_not_in_theme"] == 1
    assert funnel["dropped.type_mismatch"] == 1
    assert funnel["candidates"] == 5 and funnel["kept"] == 2
    dob = next(t for t in triples if t["relation"] == "date of birth")
    assert (dob["tail_value"], dob["theme"], dob["head_score"]) == ("1952-03-11", "person", 2.0)


def test_reversed_pid_turns_the_triple_round(theme: Theme) -> None:
    text = "George Washington had no children; Ann was his child in this made-up sentence."
    # KG: (Washington, P40 child, Ann) -> theme: Ann --parent--> Washington
    cand = candidate(text, "George Washington", "Q23", "P40", "Ann", "Q191")
    (t,) = apply_schema([cand], [], theme, TYPES, {}, SchemaConfig())[0]
    assert (t["head"], t["relation"], t["tail"], t["direction"]) == (
        "Ann", "parent", "George Washington", "reverse")
    assert text[t["head_start"]:t["head_end"]] == "Ann"
    assert t["triple_id"].endswith("|parent") and "|P40|reverse|" in t["triple_id"]


def test_one_pid_feeds_several_labels(theme: Theme) -> None:
    text = "Douglas Adams worked for the UN."
    cand = candidate(text, "Douglas Adams", "Q42", "P108", "UN", "Q1065")
    triples, _ = apply_schema([cand], [], theme, TYPES, {}, SchemaConfig())
    assert {t["relation"] for t in triples} == {"member of", "employer"}
    assert len({t["triple_id"] for t in triples}) == 2


def test_any_category_of_a_multi_typed_entity_may_fit(theme: Theme) -> None:
    text = "Douglas Adams was a member of Hamas."   # Q7186 typed human AND organization here
    cand = candidate(text, "Douglas Adams", "Q42", "P463", "Hamas", "Q7186")
    (t,) = apply_schema([cand], [], theme, TYPES, {}, SchemaConfig())[0]
    assert t["tail_type"] == "organization"


def test_same_labelled_triple_from_two_pids_keeps_both_readings(theme: Theme) -> None:
    """Each reading is verified on its own P-id's sense; the NLI split picks one (see
    tests/unit/nli/test_label_choice.py)."""
    text = "Ann is the daughter of George Washington."
    father = candidate(text, "Ann", "Q191", "P22", "George Washington", "Q23")
    child = candidate(text, "George Washington", "Q23", "P40", "Ann", "Q191")
    triples, _ = apply_schema([child, father], [], theme, TYPES, {}, SchemaConfig())
    assert sorted((t["pid"], t["relation"]) for t in triples) == [("P22", "parent"),
                                                                  ("P40", "parent")]
    assert len({(t["head"], t["tail"]) for t in triples}) == 1


def test_reversed_value_claims_are_dropped() -> None:
    odd = Theme.model_validate({
        "theme": "odd", "name": {"en": "Odd", "zh": "奇"},
        "relations": [relation("born on", "生于", reversed_pids=["P569"])]})
    text = "Douglas Adams, 11 March 1952."
    cand = candidate(text, "Douglas Adams", "Q42", "P569", None, None, "1952-03-11",
                     "11 March 1952", rule="time_value")
    triples, funnel = apply_schema([cand], [], odd, TYPES, {}, SchemaConfig())
    assert triples == [] and funnel["dropped.reversed_value"] == 1


def test_implicit_subject_dropped_unless_configured(theme: Theme) -> None:
    text = "was born in Cambridge."
    cand = candidate(text, "Cambridge", "Q350", "P19", "Cambridge", "Q350")
    cand.update(head="Douglas Adams", head_qid="Q42", head_start=None, head_end=None,
                head_mention_id=None, rule="implicit_subject")
    assert apply_schema([cand], [], theme, TYPES, {}, SchemaConfig())[1]["dropped.implicit_subject"] == 1
    (t,) = apply_schema([cand], [], theme, TYPES, {}, SchemaConfig(keep_implicit_subject=True))[0]
    assert t["head_start"] is None and "implicit|P19" in t["triple_id"]


def test_alias_mentions_become_alternative_name(theme: Theme, build_tiny_kg, q42_entity,
                                               head_entities) -> None:
    kg = build_tiny_kg([q42_entity, head_entities["Q185"]])   # real lines: names as in the dump
    text = ("Lawrence Mark Sanger, better known as Larry Sanger, met Douglas Noel Adams (Douglas "
            "Adams, or DNA); Sanger admired douglas adams.")
    mentions = [mention("p", text, "Lawrence Mark Sanger", "Q185", source="subject"),
                mention("p", text, "Larry Sanger", "Q185", source="repeat"),
                mention("p", text, "Douglas Noel Adams", "Q42", source="link"),
                mention("p", text, "Douglas Adams", "Q42", source="repeat"),
                mention("p", text, "DNA", "Q42", source="repeat"),           # not a KG name
                mention("p", text, "Sanger", "Q185", source="repeat"),       # surname only
                mention("p", text, "douglas adams", "Q42", source="repeat"),  # same name again
                mention("p", text, "admired", None, source="ner")]
    assert alias_qids(mentions) == ["Q185", "Q42"]
    names = entity_names(kg, alias_qids(mentions), ["en", "zh"])
    triples, funnel = apply_schema([], mentions, theme, TYPES | {"Q185": ["human"]}, names,
                                   SchemaConfig(), {"p": ParagraphText(text, "en")})
    # the text introduces the second name ("better known as", a bracket): earlier name is head
    assert [(t["head"], t["relation"], t["tail"], t["rule"]) for t in triples] == [
        ("Lawrence Mark Sanger", "alternative name", "Larry Sanger", "alias"),
        ("Douglas Noel Adams", "alternative name", "Douglas Adams", "alias")]
    assert funnel["added.alias"] == 2
    assert [t["head_qid"] for t in triples] == [t["tail_qid"] for t in triples] == ["Q185", "Q42"]
    assert all(t["evidence_rule"] == "sentence" and t["evidence_start"] == 0 for t in triples)


def test_alias_needs_the_text_to_state_the_name(theme: Theme) -> None:
    """Two KG names of one entity in a paragraph are not a naming statement by themselves."""
    names = {"Q42": EntityNames(frozenset({"douglas adams"}),
                                frozenset({"douglas adams", "douglas noel adams"}))}
    unstated = "Douglas Noel Adams wrote radio plays. Later Douglas Adams moved to California."
    mentions = [mention("p", unstated, "Douglas Noel Adams", "Q42"),
                mention("p", unstated, "Douglas Adams", "Q42", source="repeat")]
    triples, funnel = apply_schema([], mentions, theme, TYPES, names, SchemaConfig(),
                                   {"p": ParagraphText(unstated, "en")})
    assert triples == [] and funnel["dropped.alias_not_stated"] == 1
    same_sentence = "Douglas Noel Adams met Douglas Adams fans in London."
    mentions = [mention("p", same_sentence, "Douglas Noel Adams", "Q42"),
                mention("p", same_sentence, "Douglas Adams", "Q42", source="repeat")]
    assert apply_schema([], mentions, theme, TYPES, names, SchemaConfig(),
                        {"p": ParagraphText(same_sentence, "en")})[0] == []
    bold = "Douglas Noel Adams or simply Douglas Adams was an English author."
    mentions = [mention("p", bold, "Douglas Noel Adams", "Q42", source="subject"),
                mention("p", bold, "Douglas Adams", "Q42", source="subject")]
    (t,) = apply_schema([], mentions, theme, TYPES, names, SchemaConfig(),
                        {"p": ParagraphText(bold, "en")})[0]
    assert (t["head"], t["tail"]) == ("Douglas Noel Adams", "Douglas Adams")


def test_alias_rule_needs_kg_names_and_the_relation_in_the_theme(theme: Theme) -> None:
    bare = Theme.model_validate({
        "theme": "bare", "name": {"en": "Bare", "zh": "空"},
        "relations": [relation("place of birth", "出生地点", pids=["P19"])]})
    text = "Douglas Noel Adams, or Douglas Adams."
    mentions = [mention("p", text, "Douglas Noel Adams", "Q42"),
                mention("p", text, "Douglas Adams", "Q42")]
    names = {"Q42": EntityNames(frozenset({"douglas adams"}),
                                frozenset({"douglas adams", "douglas noel adams"}))}
    texts = {"p": ParagraphText(text, "en")}
    assert len(apply_schema([], mentions, theme, TYPES, names, SchemaConfig(), texts)[0]) == 1
    assert apply_schema([], mentions, bare, TYPES, names, SchemaConfig(), texts)[0] == []
    assert apply_schema([], mentions, theme, TYPES, names,
                        SchemaConfig(alias_relation=None), texts)[0] == []
    unknown, funnel = apply_schema([], mentions, theme, TYPES, {}, SchemaConfig(), texts)
    assert unknown == [] and funnel["dropped.alias_not_a_kg_name"] == 1
    # without the paragraph text nothing can be shown stated
    assert apply_schema([], mentions, theme, TYPES, names, SchemaConfig())[0] == []


def test_located_in_chain_keeps_most_specific_place(theme: Theme) -> None:
    text = "Cambridge, in Cambridgeshire, England, United Kingdom."
    places = [("Cambridge", "Q350"), ("Cambridgeshire", "Q21"), ("England", "Q84"),
              ("United Kingdom", "Q145")]
    cands = [candidate(text, a, qa, "P131", b, qb)
             for i, (a, qa) in enumerate(places) for b, qb in places[i + 1:]]
    triples, funnel = apply_schema(cands, [], theme, TYPES, {}, SchemaConfig())
    assert [(t["head"], t["tail"]) for t in triples if t["relation"] == "located in"] == [
        ("Cambridge", "Cambridgeshire"), ("Cambridgeshire", "England"),
        ("England", "United Kingdom")]
    assert funnel["dropped.containment_chain"] == 3


def test_chain_reduction_is_per_paragraph_and_keeps_unrelated_edges() -> None:
    def edge(paragraph_id: str, a: str, b: str) -> dict:
        return {"paragraph_id": paragraph_id, "relation": "located in", "head_qid": a,
                "tail_qid": b}
    triples = [edge("p1", "A", "B"), edge("p1", "A", "C"), edge("p2", "B", "C"),
               edge("p2", "A", "C"), {**edge("p1", "A", "C"), "relation": "place of birth"}]
    kept = reduce_containment_chains(triples, SchemaConfig(), Counter())
    assert kept == triples   # p1 lacks B->C, p2 lacks A->B: nothing is implied


def test_chain_cycle_does_not_drop_everything() -> None:
    triples = [{"paragraph_id": "p", "relation": "located in", "head_qid": a, "tail_qid": b}
               for a, b in (("A", "B"), ("B", "A"))]
    assert reduce_containment_chains(triples, SchemaConfig(), Counter()) == triples


def test_schema_config_rejects_unknown_keys() -> None:
    with pytest.raises(ValueError, match="extra"):
        SchemaConfig.model_validate({"alias_relation": "alternative name", "typo": 1})


def test_capital_needs_a_word_for_it_in_its_evidence() -> None:
    """Real sentences of the sample's Alabama page: co-occurrence does not state a capital."""
    from pathlib import Path

    from kg2instruction.config.theme import load_theme
    geo = load_theme("geographic_location", Path(__file__).resolve().parents[3] / "themes")
    stated = "The capital of Alabama is Montgomery."
    unstated = ("Critics suggest that Alabama's constitution highly centralizes power in "
                "Montgomery and leaves practically no power in local hands.")
    types = {"Q173": ["geographic_region"], "Q29364": ["geographic_region"]}
    results = {}
    for name, text in (("stated", stated), ("unstated", unstated)):
        cand = {"triple_id": "x", "paragraph_id": name, "head": "Montgomery",
                "head_start": text.index("Montgomery"), "head_end": text.index("Montgomery") + 10,
                "head_qid": "Q29364", "head_type": None, "tail": "Alabama",
                "tail_start": text.index("Alabama"), "tail_end": text.index("Alabama") + 7,
                "tail_qid": "Q173", "tail_value": None, "tail_type": None, "pid": "P1376",
                "direction": "forward", "relation": None, "rule": "kg_pair", "theme": None,
                "head_mention_id": None, "tail_mention_id": None, "head_score": None,
                "tail_score": None, "evidence_start": 0, "evidence_end": len(text),
                "evidence_rule": "sentence", "subject_ref_start": None, "subject_ref_end": None}
        results[name] = apply_schema([cand], [], geo, types, {}, SchemaConfig(),
                                     {name: ParagraphText(text, "en")})
    (kept,) = results["stated"][0]
    assert (kept["head"], kept["relation"], kept["tail"]) == ("Alabama", "capital", "Montgomery")
    assert results["unstated"][0] == [] and results["unstated"][1]["dropped.no_cue"] == 1
