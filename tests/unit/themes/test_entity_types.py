"""themes/entity_types.yaml: the 14 categories, their root classes, priority; bad files."""
from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from kg2instruction.config.entity_types import CATEGORIES, EntityTypes, load_entity_types
from kg2instruction.errors import ConfigError

Writer = Callable[[str, str], Path]


@pytest.fixture(scope="module")
def entity_types(themes_dir: Path) -> EntityTypes:
    return load_entity_types(themes_dir / "entity_types.yaml")


def test_the_fourteen_categories_are_defined(entity_types: EntityTypes) -> None:
    assert len(CATEGORIES) == 14
    assert set(entity_types.categories) == set(CATEGORIES)
    assert entity_types.label("geographic_region", "zh") == "地理地区"
    for name, spec in entity_types.categories.items():
        if name not in ("time", "measure", "other"):
            assert spec.root_classes, name


def test_common_direct_classes_of_real_entities_are_covered(entity_types: EntityTypes) -> None:
    expected = {"Q5": "human", "Q515": "geographic_region", "Q6256": "geographic_region",
                "Q486972": "geographic_region", "Q484170": "geographic_region",
                "Q532": "geographic_region", "Q4830453": "organization",
                "Q3918": "organization", "Q7278": "organization", "Q12973014": "organization",
                "Q482994": "product", "Q11424": "product", "Q134556": "product",
                "Q16521": "organism", "Q12136": "medicine", "Q55488": "transport",
                "Q41176": "architectural_structure", "Q6999": "astronomical_object",
                "Q11173": "natural_science", "Q178561": "event"}
    assert {q: entity_types.category_of_class(q) for q in expected} == expected


def test_real_head50_dump_entities_get_categories(fixtures_dir: Path,
                                                  entity_types: EntityTypes) -> None:
    got = {}
    with open(fixtures_dir / "wikidata" / "latest-all.head50.json", encoding="utf-8") as fh:
        for line in fh:
            line = line.strip().rstrip(",")
            if line in ("[", "]", ""):
                continue
            entity = json.loads(line)
            classes = [c["mainsnak"]["datavalue"]["value"]["id"]
                       for c in entity.get("claims", {}).get("P31", [])
                       if "datavalue" in c["mainsnak"]]
            got[entity["id"]] = entity_types.categorize(classes)
    assert got["Q23"] == "human"                       # George Washington
    assert got["Q22"] == "geographic_region"           # Scotland
    assert got["Q64"] == "geographic_region"           # Berlin
    assert got["Q160"] == "organism"                   # Cetacea (taxon)
    assert got["Q313"] == "astronomical_object"        # Venus
    assert got["Q116"] == "other"                      # monarch (a position)
    assert sum(c != "other" for c in got.values()) >= 25


def test_priority_breaks_ties(entity_types: EntityTypes) -> None:
    # A museum that is also recorded as an organization: the building wins.
    assert entity_types.categorize(["Q43229", "Q33506"]) == "architectural_structure"
    assert entity_types.categorize(["Q33506", "Q43229"]) == "architectural_structure"
    # Ethanol: chemical compound and medication.
    assert entity_types.categorize(["Q11173", "Q12140"]) == "medicine"
    assert entity_types.categorize([]) == "other"
    assert entity_types.categorize(["Q4164871"]) == "other"   # position


def test_claim_signals_vote_and_priority_breaks_ties(entity_types: EntityTypes) -> None:
    # Someone with an occupation, a citizenship and a birthplace: a human.
    assert entity_types.categorize_by_claims(
        [("P106", "forward"), ("P27", "forward"), ("P19", "forward")]) == "human"
    # The value of a place of birth, of a headquarters location: a place.
    assert entity_types.categorize_by_claims(
        [("P19", "reverse"), ("P159", "reverse")]) == "geographic_region"
    # Location of formation and headquarters (organization, two votes) beat an original
    # broadcaster (product, one vote).
    assert entity_types.categorize_by_claims(
        [("P740", "forward"), ("P159", "forward"), ("P449", "forward")]) == "organization"
    # One vote each: the configured priority decides (organization before product).
    assert entity_types.categorize_by_claims(
        [("P740", "forward"), ("P449", "forward")]) == "organization"
    # Class statements and unsignalled properties say nothing.
    assert entity_types.categorize_by_claims([("P31", "forward"), ("P279", "forward"),
                                              ("P361", "forward")]) is None
    assert entity_types.categorize_by_claims([]) is None


def test_claim_signals_load_and_reject_value_categories(write_yaml: Writer) -> None:
    signals = "claim_signals:\n  as_subject: {P106: human}\n  as_value: {P19: geographic_region}\n"
    types = load_entity_types(write_yaml("et.yaml", mini_file(signals)))
    assert types.categorize_by_claims([("P106", "forward")]) == "human"
    assert types.categorize_by_claims([("P106", "reverse")]) is None
    for bad in ("other", "time"):
        with pytest.raises(ConfigError) as info:
            load_entity_types(write_yaml("bad.yaml", mini_file(
                f"claim_signals:\n  as_subject: {{P569: {bad}}}\n")))
        assert info.value.key == "claim_signals.as_subject" and "P569" in str(info.value)


MINI = """\
categories:
{cats}
priority: [{prio}]
"""


def mini_file(extra_line: str = "", drop: str | None = None, prio_drop: str | None = None) -> str:
    cats = []
    for name in CATEGORIES:
        if name == drop:
            continue
        roots = "[]" if name in ("time", "measure", "other") else f"[Q{100 + len(cats)}]"
        cats.append(f"  {name}:\n    label: {{en: {name}, zh: 中}}\n    root_classes: {roots}")
    prio = [c for c in CATEGORIES if c not in ("time", "measure", "other", prio_drop)]
    return MINI.format(cats="\n".join(cats), prio=", ".join(prio)) + extra_line


def test_mini_file_loads(write_yaml: Writer) -> None:
    types = load_entity_types(write_yaml("et.yaml", mini_file()))
    assert types.categorize(["Q100"]) == "human"


@pytest.mark.parametrize(("text", "line", "key", "words"), [
    (mini_file(drop="medicine"), 1, "categories", ("missing categories", "medicine")),
    (mini_file().replace("[Q101]", "[Q100]"), 1, "categories",
     ("Q100 is listed under both 'human' and 'geographic_region'",)),
    (mini_file().replace("[Q101]", "[X101]"), 7, "categories.geographic_region.root_classes.0",
     ("pattern",)),
    (mini_file().replace("  event:", "  happening:"), 11, "categories.happening.[key]",
     ("human", "other")),
    (mini_file(prio_drop="event"), 44, "priority", ("missing", "event")),
    (mini_file("max_depth: 0\n"), 45, "max_depth", ("greater than or equal to 1",)),
    (mini_file().replace("    root_classes: [Q100]\n",
                         "    root_classes: [Q100]\n    roots: []\n"),
     5, "categories.human.roots", ("unknown key",)),
])
def test_bad_entity_type_files(write_yaml: Writer, text: str, line: int, key: str | None,
                               words: tuple[str, ...]) -> None:
    with pytest.raises(ConfigError) as info:
        load_entity_types(write_yaml("et.yaml", text))
    err = info.value
    assert err.path is not None and err.path.endswith("et.yaml")
    assert err.line == line, str(err)
    if key is not None:
        assert err.key == key, str(err)
    for word in words:
        assert word in str(err), str(err)
