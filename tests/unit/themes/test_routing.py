"""themes/theme_routing.yaml: category and class -> theme, and bad routing files."""
from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from kg2instruction.config.entity_types import load_entity_types
from kg2instruction.config.routing import Routing, load_routing
from kg2instruction.errors import ConfigError

from .conftest import PAPER_THEMES


@pytest.fixture(scope="module")
def routing(themes_dir: Path) -> Routing:
    return load_routing(themes_dir / "theme_routing.yaml", themes_dir)


def test_every_routed_category_and_theme(routing: Routing) -> None:
    assert sorted(routing.themes()) == sorted(PAPER_THEMES)
    assert routing.theme_for("human") == "person"
    assert routing.theme_for("geographic_region", ["Q515"]) == "geographic_location"
    assert routing.theme_for("other") is None and routing.theme_for("time") is None


def test_specific_classes_override_the_category(routing: Routing, themes_dir: Path) -> None:
    types = load_entity_types(themes_dir / "entity_types.yaml")
    boeing_747 = ["Q15056993"]                 # aircraft family: transport by category
    assert types.categorize(boeing_747) == "transport"
    assert routing.theme_for(types.categorize(boeing_747), boeing_747) == "artificial_object"
    film = ["Q11424"]
    assert routing.theme_for(types.categorize(film), film) == "works"
    station = ["Q55488"]
    assert routing.theme_for(types.categorize(station), station) == "transport"


def test_routing_to_a_missing_theme_names_line_and_key(
        write_yaml: Callable[[str, str], Path], themes_dir: Path) -> None:
    path = write_yaml("routing.yaml", "by_category:\n  human: person\n  event: happenings\n")
    with pytest.raises(ConfigError) as info:
        load_routing(path, themes_dir)
    assert (info.value.line, info.value.key) == (3, "by_category.event")
    assert "happenings" in str(info.value)


def test_unknown_key_in_routing(write_yaml: Callable[[str, str], Path]) -> None:
    path = write_yaml("routing.yaml", "by_category:\n  human: person\nclassifier: null\n"
                                      "by_klass: {}\n")
    with pytest.raises(ConfigError) as info:
        load_routing(path)
    assert (info.value.line, info.value.key) == (4, "by_klass")


def test_unknown_category_in_routing(write_yaml: Callable[[str, str], Path]) -> None:
    path = write_yaml("routing.yaml", "by_category:\n  human: person\n  robot: person\n")
    with pytest.raises(ConfigError) as info:
        load_routing(path)
    assert info.value.line == 3 and "robot" in (info.value.key or "")


def test_the_configured_fallback_classifier_is_registered(routing: Routing,
                                                          all_themes: dict) -> None:
    from kg2instruction.annotate.theme_router import make_classifier

    assert routing.classifier is not None
    classifier = make_classifier(routing.classifier, all_themes)
    # It must read the themes' own labels: a text full of one theme's relation names goes there,
    # a text with none of them stays unrouted rather than landing in an arbitrary theme.
    assert classifier.classify([
        "The galaxy has an apparent magnitude of 9.2; its discoverer, an astronomer, found it "
        "in the constellation Reticulum.",
        "She was born in Paris; her spouse and her father were politicians, and she was "
        "educated at the university.",
        "xyzzy"], "en") == ["astronomy", "person", None]
    assert classifier.classify(["该星系位于网罟座，视星等为9.2，发现者是一位天文学家。"], "zh") == ["astronomy"]


def test_routes_to_reads_the_routing_table_both_ways(routing: Routing) -> None:
    """An entity is of a theme's kind when one of its categories, or one of its direct classes,
    routes there: the rules that route a page about it."""
    assert routing.routes_to("creature", ["organism"])
    assert routing.routes_to("person", ["geographic_region", "human"])
    assert not routing.routes_to("creature", ["other"])
    assert not routing.routes_to("creature", [])
    car_class = next(q for q, theme in routing.by_class.items() if theme == "artificial_object")
    assert routing.routes_to("artificial_object", ["product"], [car_class])
    assert not routing.routes_to("works", [], [car_class])
