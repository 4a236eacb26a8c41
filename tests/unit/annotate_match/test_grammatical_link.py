"""The `syntax:` rule of `located in`, read by the real English parser (spaCy) on sentences of the
kind the sample's place pages are written in; and the rule's place in `apply_schema`."""
from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from kg2instruction.annotate.grammar_filter import (DependencyParsers, NationalityRule,
                                                    require_grammatical_links)
from kg2instruction.annotate.grammatical_link import LinkVerdict, dependency_link, same_clause_link
from kg2instruction.annotate.schema_constraint import ParagraphText, SchemaConfig, apply_schema
from kg2instruction.config.theme import Theme, load_theme
from kg2instruction.errors import ConfigError
from kg2instruction.ner.spacy_ner import DEFAULT_SPACY_MODEL

THEMES = Path(__file__).resolve().parents[3] / "themes"


@pytest.fixture(scope="module")
def geo() -> Theme:
    return load_theme("geographic_location", THEMES)


@pytest.fixture(scope="module")
def parsers() -> DependencyParsers:
    return DependencyParsers({"en": DEFAULT_SPACY_MODEL})


STATED = [
    ("Birmingham, Alabama, is the largest city in the state.", "Birmingham", "Alabama"),
    ("About 500 mi of British Columbia (Canada) separates Alaska from Washington.",
     "British Columbia", "Canada"),
    ("In 1870 it became Canada's Northwest Territories.", "Northwest Territories", "Canada"),
    ("Alberta is a western province of Canada.", "Alberta", "Canada"),
    ("For several decades Japan was the largest economy in Asia.", "Japan", "Asia"),
    ("Other recent very-high-growth nations in Asia include Israel, Malaysia, Indonesia and "
     "Bangladesh.", "Malaysia", "Asia"),
    ("The province borders on the 49th parallel north, separating it from the US state of "
     "Montana.", "Montana", "US"),
]
UNSTATED = [   # (sentence, contained, container, why)
    # "is ... and is bordered by": one subject's two predicates, but "by" is no locative link
    ("It is the seventh-largest country in Africa, and is bordered by Namibia to the south.",
     "Namibia", "Africa", "preposition"),
    ("Following a 1927–28 tour of Europe and Turkey, he introduced several reforms.",
     "Turkey", "Europe", "coordination"),
    ("The University of Alberta, located in Edmonton, is Alberta's oldest and largest "
     "university.", "Edmonton", "Alberta", "other_name"),
    ("A small number of personnel are stationed in the Democratic Republic of the Congo "
     "(Kinshasa).", "Kinshasa", "Democratic Republic of the Congo", "apposition"),
    ("The railway connects the railways of China and Kazakhstan in the east with Europe and "
     "Asia.", "China", "Asia", "verb"),
    ("The Mongol Empire conquered a large part of Asia, an area extending from China to "
     "Europe.", "China", "Asia", "preposition"),
]


def _span(text: str, name: str) -> tuple[int, int]:
    start = text.index(name)
    return start, start + len(name)


@pytest.mark.parametrize(("text", "contained", "container"), STATED)
def test_containment_written_by_grammar_is_linked(text: str, contained: str, container: str,
                                                  geo: Theme, parsers: DependencyParsers) -> None:
    (doc,) = parsers.parse("en", [text])
    verdict = dependency_link(doc, _span(text, contained), _span(text, container),
                              geo.relation("located in").syntax["en"].dependency_path)
    assert verdict.linked, verdict


@pytest.mark.parametrize(("text", "contained", "container", "why"), UNSTATED)
def test_two_places_of_a_list_route_or_event_are_not_linked(
        text: str, contained: str, container: str, why: str, geo: Theme,
        parsers: DependencyParsers) -> None:
    (doc,) = parsers.parse("en", [text])
    verdict = dependency_link(doc, _span(text, contained), _span(text, container),
                              geo.relation("located in").syntax["en"].dependency_path)
    assert (verdict.linked, verdict.reason) == (False, why)


def _candidate(paragraph_id: str, text: str, head: str, tail: str, evidence: tuple[int, int],
               **extra: object) -> dict[str, object]:
    (head_start, head_end), (tail_start, tail_end) = _span(text, head), _span(text, tail)
    row: dict[str, object] = {
        "triple_id": paragraph_id, "paragraph_id": paragraph_id, "head": head,
        "head_start": head_start, "head_end": head_end, "head_qid": "Q1951",
        "head_type": None, "tail": tail, "tail_start": tail_start, "tail_end": tail_end,
        "tail_qid": "Q16", "tail_value": None, "tail_type": None, "pid": "P17",
        "direction": "forward", "relation": None, "rule": "kg_pair", "theme": None,
        "head_mention_id": None, "tail_mention_id": None, "head_score": None,
        "tail_score": None, "evidence_start": evidence[0], "evidence_end": evidence[1],
        "evidence_rule": "sentence", "subject_ref_start": None, "subject_ref_end": None}
    row.update(extra)
    return row


def test_apply_schema_drops_the_unlinked_pair_and_counts_why(geo: Theme,
                                                            parsers: DependencyParsers) -> None:
    """Alberta (Q1951) is in Canada (Q16) in the KG; one paragraph says so, one only names both.
    The evidence is the second sentence of each paragraph, so offsets into the paragraph count."""
    stated = "Alberta has a dry climate. Alberta is a western province of Canada."
    unstated = ("Alberta has a dry climate. Alberta tourism relies on tourists from Ontario, "
                "other parts of Canada and the United States.")
    types = {"Q1951": ["geographic_region"], "Q16": ["geographic_region"]}
    rows = []
    for name, text in (("stated", stated), ("unstated", unstated)):
        second = text.index(". ") + 2
        row = _candidate(name, text, "Alberta", "Canada", (second, len(text)))
        row["head_start"] = text.index("Alberta", second)
        row["head_end"] = row["head_start"] + len("Alberta")
        rows.append(row)
    paragraphs = {"stated": ParagraphText(stated, "en"), "unstated": ParagraphText(unstated, "en")}
    kept, funnel = apply_schema(rows, [], geo, types, {}, SchemaConfig(), paragraphs, parsers)
    assert [(t["paragraph_id"], t["relation"]) for t in kept] == [("stated", "located in")]
    assert sum(n for k, n in funnel.items() if k.startswith("dropped.no_grammatical_link.")) == 1


def test_the_subject_reference_stands_for_the_subject_in_the_sentence(
        geo: Theme, parsers: DependencyParsers) -> None:
    """'the province' is Alberta in its sentence: the path is read from the reference."""
    text = "Alberta is in the west. The province is the fourth-largest in Canada."
    second = text.index("The province")
    row = _candidate("p", text, "Alberta", "Canada", (second, len(text)),
                     evidence_rule="subject_reference", subject_ref_start=second,
                     subject_ref_end=second + len("The province"))
    row.update(relation="located in")
    funnel: Counter[str] = Counter()
    kept = require_grammatical_links([row], geo, {"p": ParagraphText(text, "en")}, parsers,
                                     funnel)
    assert kept == [row] and not funnel


ZH_STATED = [   # container first, inside one clause
    ("世界规模最大的巨型都市是日本的首都东京。", "东京", "日本"),
    ("西班牙全国共有8,112个市镇。", "市镇", "西班牙"),
    ("吉隆坡作为马来西亚首都，布城是联邦政府的行政中心。", "吉隆坡", "马来西亚"),
]
ZH_UNSTATED = [
    ("亚洲将至少会有10个巨型城市，包括印度的孟买、中国的上海和印度尼西亚的雅加达。", "印度尼西亚", "亚洲"),
    ("由于法国和比利时建立的殖民帝国，将法语引入美洲、非洲及亚洲等地区。", "法国", "美洲"),
]


@pytest.mark.parametrize(("text", "contained", "container", "linked"),
                         [(*case, True) for case in ZH_STATED]
                         + [(*case, False) for case in ZH_UNSTATED])
def test_chinese_containment_is_read_within_one_clause(text: str, contained: str,
                                                       container: str, linked: bool,
                                                       geo: Theme) -> None:
    rule = geo.relation("located in").syntax["zh"].same_clause
    assert rule is not None
    verdict = same_clause_link(text, _span(text, contained), _span(text, container), rule)
    assert verdict.linked is linked, verdict


def test_the_clause_rule_needs_no_parser(geo: Theme) -> None:
    stated, unstated = ZH_STATED[0], ZH_UNSTATED[0]
    rows = [_candidate(name, text, head, tail, (0, len(text)), relation="located in")
            for name, (text, head, tail) in (("a", stated), ("b", unstated))]
    funnel: Counter[str] = Counter()
    kept = require_grammatical_links(rows, geo, {"a": ParagraphText(stated[0], "zh"),
                                                 "b": ParagraphText(unstated[0], "zh")},
                                     DependencyParsers({}), funnel)
    assert [t["paragraph_id"] for t in kept] == ["a"]
    assert funnel == Counter({"dropped.no_grammatical_link.clause_break": 1})


def test_a_relation_without_a_rule_for_the_language_is_not_checked() -> None:
    person = load_theme("person", THEMES)
    assert person.has_relation("place of birth") and not person.relation("place of birth").syntax
    text = "Lincoln was born in Kentucky."
    row = _candidate("p", text, "Lincoln", "Kentucky", (0, len(text)),
                     relation="place of birth", pid="P19")
    funnel: Counter[str] = Counter()
    kept = require_grammatical_links([row], person, {"p": ParagraphText(text, "en")},
                                     DependencyParsers({}), funnel)
    assert kept == [row] and funnel == Counter()


def test_a_dependency_rule_without_a_parser_is_counted_unchecked(geo: Theme) -> None:
    text = "Alberta and Canada."
    row = _candidate("p", text, "Alberta", "Canada", (0, len(text)))
    row.update(relation="located in")
    funnel: Counter[str] = Counter()
    kept = require_grammatical_links([row], geo, {"p": ParagraphText(text, "en")},
                                     DependencyParsers({}), funnel)
    assert kept == [row] and funnel == Counter({"syntax_unchecked": 1})


def test_a_model_without_a_parser_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match="cannot be loaded"):
        DependencyParsers({"en": "no_such_spacy_model"}).parse("en", ["Alberta."])


def test_syntax_rule_takes_exactly_one_known_form() -> None:
    from kg2instruction.config.theme import SyntaxRule
    path = {"verbs": ["be"], "prepositions": ["in"]}
    assert SyntaxRule.model_validate({"dependency_path": path}).dependency_path is not None
    with pytest.raises(ValueError, match="extra"):
        SyntaxRule.model_validate({"dependency_path": {**path, "max_words": 3}})
    with pytest.raises(ValueError, match="at least 1"):
        SyntaxRule.model_validate({"dependency_path": {"verbs": [], "prepositions": ["in"]}})
    with pytest.raises(ValueError, match="exactly one"):
        SyntaxRule.model_validate({"dependency_path": path, "same_clause": {"breaks": ["，"]}})
    with pytest.raises(ValueError, match="exactly one"):
        SyntaxRule.model_validate({})


def test_a_reversed_rule_reads_the_juxtaposition_the_other_way(
        geo: Theme, parsers: DependencyParsers) -> None:
    """'Birmingham, Alabama' states Alabama --contains--> Birmingham under the reversed rule,
    and is no 'Alabama located in Birmingham' under the rule as written."""
    text = "Birmingham, Alabama, is the largest city in the state."
    rule = geo.relation("located in").syntax["en"].dependency_path
    assert rule is not None
    (doc,) = parsers.parse("en", [text])
    container, contained = _span(text, "Alabama"), _span(text, "Birmingham")
    assert dependency_link(doc, container, contained, rule.reversed()).linked
    assert not dependency_link(doc, container, contained, rule).linked


@pytest.mark.parametrize(("text", "person", "office", "linked"), [
    ("In 1860 Hannibal Hamlin was elected Vice President.", "Hannibal Hamlin", "Vice President",
     True),
    ("Chief Justice Roger B. Taney opined that blacks were not citizens.", "Roger B. Taney",
     "Chief Justice", True),
    ("A former Democrat, Hannibal Hamlin of Maine, was nominated for Vice President to balance "
     "the ticket.", "Hannibal Hamlin", "Vice President", False),
    ("Republicans formed the parade to help nominate Abraham Lincoln as the President of the "
     "United States.", "Abraham Lincoln", "President of the United States", False),
])
def test_an_office_is_held_only_through_the_words_that_give_it(
        text: str, person: str, office: str, linked: bool, parsers: DependencyParsers) -> None:
    rule = load_theme("person", THEMES).relation("position held").syntax["en"].dependency_path
    assert rule is not None
    (doc,) = parsers.parse("en", [text])
    assert dependency_link(doc, _span(text, person), _span(text, office), rule).linked is linked


@pytest.mark.parametrize(("text", "organization", "place", "linked"), [
    # the places before the container in its address describe the container
    ("Syntec Biofuel is a renewable energy company based in Vancouver, British Columbia, "
     "Canada.", "Syntec Biofuel", "Canada", True),
    # two predicates of one subject keep the subject's link ...
    ("Versare Car Company was a bus maker founded in 1925 and originally based in Watervliet.",
     "Versare Car Company", "Watervliet", True),
    # ... two things joined by "and" do not share it
    ("Srini Koppolu is the CEO of Veooz and an angel investor based in Hyderabad.",
     "Veooz", "Hyderabad", False),
])
def test_addresses_and_coordinated_predicates(text: str, organization: str, place: str,
                                              linked: bool, parsers: DependencyParsers) -> None:
    rule = load_theme("organization", THEMES).relation("located in").syntax["en"].dependency_path
    assert rule is not None
    (doc,) = parsers.parse("en", [text])
    verdict = dependency_link(doc, _span(text, organization), _span(text, place), rule)
    assert verdict.linked is linked, verdict


@pytest.mark.parametrize(("text", "contained", "container", "reason"), [
    ("The city of Birmingham, Jefferson County, Alabama, grew fast.", "Birmingham", "Alabama",
     "juxtaposed"),                                   # an address between the two
    ("In Vancouver, British Columbia, the company is based.", "Vancouver", "British Columbia",
     "juxtaposed"),
    ("Manitoba lies north of the United States.", "Manitoba", "United States", "adverb"),
])
def test_addresses_and_directions(text: str, contained: str, container: str, reason: str,
                                  geo: Theme, parsers: DependencyParsers) -> None:
    rule = geo.relation("located in").syntax["en"].dependency_path
    assert rule is not None
    (doc,) = parsers.parse("en", [text])
    verdict = dependency_link(doc, _span(text, contained), _span(text, container), rule)
    assert verdict.reason == reason and verdict.linked is (reason == "juxtaposed")


def test_a_title_that_opens_the_next_name_is_not_juxtaposed(parsers: DependencyParsers) -> None:
    text = "Talks with John Kerry, Secretary of State Hillary Clinton and others followed."
    rule = load_theme("person", THEMES).relation("position held").syntax["en"].dependency_path
    assert rule is not None
    (doc,) = parsers.parse("en", [text])
    verdict = dependency_link(doc, _span(text, "John Kerry"), _span(text, "Secretary of State"),
                              rule)
    assert verdict.reason != "juxtaposed"


def test_overlapping_ends_are_never_linked(geo: Theme, parsers: DependencyParsers) -> None:
    text = "The U.S.-based firm grew."
    rule = geo.relation("located in").syntax["en"].dependency_path
    assert rule is not None
    (doc,) = parsers.parse("en", [text])
    assert dependency_link(doc, (4, 14), (4, 8), rule) == LinkVerdict(False, "overlap")


@pytest.mark.parametrize(("text", "contained", "container"), [
    ("深圳是中华人民共和国广东省的副省级市。", "深圳", "中华人民共和国"),   # 和 inside 共和国
    ("卢克索位于埃及南部。", "卢克索", "埃及"),
    ("卢克索是埃及及苏丹之间最大的城市。", "卢克索", "苏丹"),             # 及 as a word breaks
])
def test_a_chinese_break_word_counts_only_as_a_whole_word(text: str, contained: str,
                                                          container: str, geo: Theme) -> None:
    rule = geo.relation("located in").syntax["zh"].same_clause
    assert rule is not None
    verdict = same_clause_link(text, _span(text, contained), _span(text, container), rule)
    assert verdict.linked is (container != "苏丹"), verdict


def test_regional_chinese_codes_read_the_zh_rule(geo: Theme) -> None:
    text = "包括印度的孟买、中国的上海和印度尼西亚的雅加达。"
    row = _candidate("p", text, "上海", "印度尼西亚", (0, len(text)), relation="located in")
    funnel: Counter[str] = Counter()
    kept = require_grammatical_links([row], geo, {"p": ParagraphText(text, "zh-hans")},
                                     DependencyParsers({}), funnel)
    assert kept == [] and funnel == Counter({"dropped.no_grammatical_link.clause_break": 1})


def test_rule_words_are_normalised_and_yaml_booleans_named() -> None:
    from kg2instruction.config.theme import DependencyPathRule, SameClauseRule
    rule = DependencyPathRule.model_validate({"verbs": ["Be"], "prepositions": [" In "]})
    assert rule.verbs == ("be",) and rule.prepositions == ("in",)
    with pytest.raises(ValueError, match="YAML boolean"):
        DependencyPathRule.model_validate({"verbs": ["be"], "prepositions": ["in", True]})
    with pytest.raises(ValueError, match="empty word"):
        SameClauseRule.model_validate({"breaks": ["，", ""]})


def test_a_missing_parser_model_fails_before_any_shard() -> None:
    with pytest.raises(ConfigError, match="not installed"):
        DependencyParsers({"en": "no_such_spacy_model"}).check_installed()
    DependencyParsers({"en": DEFAULT_SPACY_MODEL}).check_installed()


def test_parser_languages_are_validated_with_the_stage_config() -> None:
    from kg2instruction.stages.apply_schema import ApplySchemaConfig
    assert ApplySchemaConfig.model_validate({}).parsers == {"en": DEFAULT_SPACY_MODEL}
    with pytest.raises(ValueError, match="parsers.EN"):
        ApplySchemaConfig.model_validate({"parsers": {"EN": DEFAULT_SPACY_MODEL}})


def test_a_theme_serialises_the_same_in_every_process() -> None:
    """The theme is part of stage fingerprints: a set in it would serialise in each process's
    hash order, and no run would ever reuse a cached shard of another."""
    import os
    import subprocess
    import sys
    code = ("from pathlib import Path; from kg2instruction.config.theme import load_theme; "
            f"print(load_theme('geographic_location', Path({str(THEMES)!r})).model_dump_json())")
    dumps = {subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            check=True, env={**os.environ, "PYTHONHASHSEED": seed}).stdout
             for seed in ("1", "2", "3")}
    assert len(dumps) == 1 and '"verbs"' in dumps.pop()


NATIONALITY = [   # (sentence, person, nationality word, stated) from T-REx abstracts
    ("Denise Peterson-Rafuse is a Canadian politician.", "Denise Peterson-Rafuse", "Canadian",
     True),
    ("Harald Natvig was a Norwegian rifle shooter who competed in the early 20th century.",
     "Harald Natvig", "Norwegian", True),
    ("Michael Beck is a member of the German hip hop group Die Fantastischen Vier.",
     "Michael Beck", "German", False),
    ("Pasajes Inmortales is a Venezuelan album by the harpist Juan Vicente Torrealba.",
     "Juan Vicente Torrealba", "Venezuelan", False),
    ("Mojca Kopač is a Slovenian figure skater.", "Mojca Kopač", "Slovenian", True),
]


@pytest.mark.parametrize(("text", "person", "word", "stated"), NATIONALITY)
def test_a_nationality_word_states_a_citizenship_only_of_what_it_describes(
        text: str, person: str, word: str, stated: bool, parsers: DependencyParsers) -> None:
    """The person theme's nationality relation has no `syntax:` rule of its own; a nationality
    word at one end brings the schema config's rule, which asks that the word describe the
    person or a noun said of the person."""
    theme = load_theme("person", THEMES)
    relation = next(r.label.en for r in theme.relations if "P27" in r.pids)
    assert not theme.relation(relation).syntax
    row = _candidate("p", text, person, word, (0, len(text)), relation=relation, pid="P27",
                     tail_mention_id="p:word")
    rule = SchemaConfig().nationality_syntax
    funnel: Counter[str] = Counter()
    kept = require_grammatical_links([row], theme, {"p": ParagraphText(text, "en")}, parsers,
                                     funnel, NationalityRule(frozenset({"p:word"}), rule))
    assert (kept == [row]) is stated
    # the same triple with a country's name is judged by the relation's rule (none here)
    plain = require_grammatical_links([dict(row, tail_mention_id="p:other")], theme,
                                      {"p": ParagraphText(text, "en")}, parsers, Counter(),
                                      NationalityRule(frozenset({"p:word"}), rule))
    assert len(plain) == 1


def test_apply_schema_reads_nationality_words_from_their_mention_source(
        parsers: DependencyParsers) -> None:
    """Only a mention the mention stage made from a nationality word brings the rule: the same
    span as any other mention is judged by its relation (here: none)."""
    theme = load_theme("person", THEMES)
    text, person, word = NATIONALITY[2][:3]     # "a member of the German hip hop group"
    row = _candidate("p", text, person, word, (0, len(text)), pid="P27",
                     head_qid="Q2", tail_qid="Q183", tail_mention_id="p:word")
    types = {"Q2": ["human"], "Q183": ["geographic_region"]}
    start = text.index(word)

    def published(source: str) -> list[dict]:
        mention = {"mention_id": "p:word", "paragraph_id": "p", "start": start,
                   "end": start + len(word), "surface": word, "source": source,
                   "ner_label": "NORP", "qid": "Q183", "types": ["geographic_region"]}
        kept, _ = apply_schema([row], [mention], theme, types, {}, SchemaConfig(),
                               {"p": ParagraphText(text, "en")}, parsers)
        return kept

    assert published("nationality") == []
    assert [t["relation"] for t in published("neighbour")] == ["country of citizenship"]
