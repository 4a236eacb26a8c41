"""Theme of a paragraph: page subject's class/category via the real routing table, else a text
classifier."""
from __future__ import annotations

from pathlib import Path

import pytest

from kg2instruction.annotate.theme_router import (KeywordThemeClassifier, make_classifier,
                                                  register_classifier, route_pages)
from kg2instruction.annotate.types import TypeResolver
from kg2instruction.config.entity_types import load_entity_types
from kg2instruction.config.routing import load_routing
from kg2instruction.config.theme import available_themes, load_theme

from .rows import paragraph

THEMES = Path(__file__).resolve().parents[3] / "themes"


@pytest.fixture(scope="module")
def themes():
    return {name: load_theme(name, THEMES) for name in available_themes(THEMES)}


@pytest.fixture
def routing_kit(build_tiny_kg, head_entities):
    e = head_entities
    # real lines: George Washington (P31 human), Boeing 747 (P31 aircraft family), Berlin (city),
    # triskaidekaphobia (P31 phobia: no category reaches it in this tiny KG)
    kg = build_tiny_kg([e["Q23"], e["Q179"], e["Q64"], e["Q13"]])
    resolver = TypeResolver(kg, load_entity_types(THEMES / "entity_types.yaml"))
    return kg, resolver, load_routing(THEMES / "theme_routing.yaml", THEMES)


def test_route_by_category_and_by_class(routing_kit, themes) -> None:
    kg, resolver, routing = routing_kit
    rows = [paragraph("en:1:0", "George Washington was the first president.", page_qid="Q23"),
            paragraph("en:1:1", "He was born in Virginia.", page_qid="Q23"),
            paragraph("en:2:0", "The Boeing 747 is a wide-body airliner.", page_qid="Q179"),
            paragraph("en:3:0", "Berlin is the capital of Germany.", page_qid="Q64")]
    routed = route_pages(rows, kg, resolver, routing, KeywordThemeClassifier(themes))
    assert {k: (r.theme, r.routed_by) for k, r in routed.items()} == {
        "en:1": ("person", "category"),
        "en:2": ("artificial_object", "class"),     # by_class beats its transport/product category
        "en:3": ("geographic_location", "category")}


def test_subject_without_classes_is_routed_by_its_statements(build_tiny_kg, head_entities,
                                                             themes) -> None:
    # Ludwig van Beethoven as a KG subset keeps him: his statements (P106, P19, P20...) but no P31.
    beethoven = {**head_entities["Q255"], "claims": {
        p: c for p, c in head_entities["Q255"]["claims"].items() if p != "P31"}}
    kg = build_tiny_kg([beethoven])
    resolver = TypeResolver(kg, load_entity_types(THEMES / "entity_types.yaml"))
    routing = load_routing(THEMES / "theme_routing.yaml", THEMES)
    rows = [paragraph("en:9:0", "Beethoven was a German composer and pianist.", page_qid="Q255")]
    routed = route_pages(rows, kg, resolver, routing, KeywordThemeClassifier(themes))
    assert (routed["en:9"].theme, routed["en:9"].routed_by) == ("person", "claims")


def test_unrouted_subject_goes_to_the_classifier(routing_kit, themes) -> None:
    kg, resolver, routing = routing_kit
    rows = [paragraph("en:4:0", "Triskaidekaphobia is a disease-like fear; its symptoms include "
                                "anxiety and its cause is superstition.", page_qid="Q13"),
            paragraph("en:5:0", "Influenza is a disease whose symptoms include fever; its cause "
                                "is a virus and its consequences include pneumonia."),
            paragraph("en:6:0", "The quick brown fox jumps over the lazy dog.")]
    routed = route_pages(rows, kg, resolver, routing, KeywordThemeClassifier(themes))
    assert routed["en:4"].theme == "medicine" and routed["en:4"].routed_by == "classifier"
    assert routed["en:5"].theme == "medicine"
    assert (routed["en:6"].theme, routed["en:6"].routed_by) == (None, "unrouted")
    no_classifier = route_pages(rows, kg, resolver, routing, None)
    assert {r.routed_by for r in no_classifier.values()} == {"unrouted"}


def test_keyword_classifier_chinese(themes) -> None:
    classifier = KeywordThemeClassifier(themes)
    assert classifier.classify(["流感是一种疾病，症状包括发烧和咳嗽，病因是病毒。",
                                "他出生于巴黎，父亲是画家，妻子是作家。"], "zh") == [
        "medicine", "person"]


def test_user_classifier_plugs_in_by_name(themes) -> None:
    @register_classifier("always_event_for_test")
    class AlwaysEvent:
        def __init__(self, loaded_themes) -> None:
            assert "event" in loaded_themes

        def classify(self, texts, lang):
            return ["event"] * len(texts)

    assert make_classifier("always_event_for_test", themes).classify(["x", "y"], "en") == [
        "event", "event"]
    with pytest.raises(KeyError, match="keywords"):
        make_classifier("no_such_classifier", themes)


def test_page_without_qid_is_routed_by_its_title(routing_kit, themes) -> None:
    kg, resolver, routing = routing_kit
    rows = [paragraph("en:7:0", "He led the army.", title="George Washington"),
            paragraph("en:8:0", "A city on the Spree.", title="Berlin (city)")]
    routed = route_pages(rows, kg, resolver, routing, None)
    assert (routed["en:7"].theme, routed["en:7"].subject) == ("person", "Q23")
    assert (routed["en:8"].theme, routed["en:8"].subject) == ("geographic_location", "Q64")
