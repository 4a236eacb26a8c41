"""Entity typing: P31 then P279 upwards, cycle-safe and depth-bounded, onto prioritised categories."""
from __future__ import annotations

from pathlib import Path

from kg2instruction.annotate.types import TypeResolver, mention_category
from kg2instruction.config.entity_types import load_entity_types

from .conftest import make_entity_types, set_item_claims

THEMES = Path(__file__).resolve().parents[3] / "themes"

BEER, WINE, ETHANOL = "Q44", "Q282", "Q153"
MONDAY, TUESDAY, WEDNESDAY, FEBRUARY = "Q105", "Q127", "Q128", "Q109"
WASHINGTON, HUMAN, ORGANIZATION = "Q23", "Q5", "Q43229"


def cyclic_kg(build_tiny_kg, head_entities):
    """Real lines, edited: beer and wine subclass each other (a P279 cycle); ethanol is an
    instance of beer; Monday -> Tuesday -> Wednesday -> February is a P279 chain."""
    e = head_entities
    return build_tiny_kg([
        set_item_claims(e[BEER], "P279", [WINE]),
        set_item_claims(e[WINE], "P279", [BEER]),
        set_item_claims(e[ETHANOL], "P31", [BEER]),
        set_item_claims(e[MONDAY], "P279", [TUESDAY]),
        set_item_claims(e[TUESDAY], "P279", [WEDNESDAY]),
        set_item_claims(e[WEDNESDAY], "P279", [FEBRUARY]),
        set_item_claims(e["Q1"], "P31", [MONDAY]),
        set_item_claims(e[WASHINGTON], "P31", [HUMAN, ORGANIZATION]),
    ])


def test_p279_cycle_terminates_and_reaches_root_through_it(build_tiny_kg, head_entities) -> None:
    kg = cyclic_kg(build_tiny_kg, head_entities)
    resolver = TypeResolver(kg, make_entity_types({"product": [WINE]}))
    assert resolver.categories([ETHANOL]) == {ETHANOL: "product"}


def test_cycle_without_root_gives_other(build_tiny_kg, head_entities) -> None:
    kg = cyclic_kg(build_tiny_kg, head_entities)
    resolver = TypeResolver(kg, make_entity_types({"product": ["Q2095"]}))  # food: not reached
    assert resolver.categories([ETHANOL]) == {ETHANOL: "other"}


def test_depth_bound(build_tiny_kg, head_entities) -> None:
    kg = cyclic_kg(build_tiny_kg, head_entities)
    # universe (Q1) P31 Monday, then three P279 hops to February
    deep = make_entity_types({"event": [FEBRUARY]})
    assert TypeResolver(kg, deep).categories(["Q1"]) == {"Q1": "event"}
    shallow = deep.model_copy(update={"max_depth": 2})
    assert TypeResolver(kg, shallow).categories(["Q1"]) == {"Q1": "other"}
    assert TypeResolver(kg, shallow.model_copy(update={"max_depth": 3})).categories(["Q1"]) == {
        "Q1": "event"}


def test_priority_decides_between_categories(build_tiny_kg, head_entities) -> None:
    kg = cyclic_kg(build_tiny_kg, head_entities)
    roots = {"human": [HUMAN], "organization": [ORGANIZATION]}
    default = TypeResolver(kg, make_entity_types(roots))
    assert default.categories([WASHINGTON]) == {WASHINGTON: "human"}
    assert default.reached([WASHINGTON]) == {WASHINGTON: ["human", "organization"]}
    org_first = ["organization"] + [c for c in make_entity_types(roots).priority
                                    if c != "organization"]
    assert TypeResolver(kg, make_entity_types(roots, org_first)).categories([WASHINGTON]) == {
        WASHINGTON: "organization"}


def test_cache_sends_each_qid_once(build_tiny_kg, head_entities) -> None:
    kg = cyclic_kg(build_tiny_kg, head_entities)
    resolver = TypeResolver(kg, make_entity_types({"product": [WINE]}))
    resolver.categories([ETHANOL, BEER])
    resolver.categories([ETHANOL, BEER, WINE])
    assert resolver.lookups == 3


def without_classes(entity: dict) -> dict:
    """A real dump line without its P31 claims, as KG subsets often keep an entity."""
    return {**entity, "claims": {p: c for p, c in entity["claims"].items() if p != "P31"}}


def test_entity_without_classes_is_typed_by_its_statements(build_tiny_kg,
                                                           head_entities) -> None:
    e = head_entities
    # Larry Sanger without P31 (he keeps P106, P27, P19, P21); triskaidekaphobia keeps its P31
    # (phobia), a class no category lists.
    kg = build_tiny_kg([without_classes(e["Q185"]), e["Q13"]])
    resolver = TypeResolver(kg, load_entity_types(THEMES / "entity_types.yaml"))
    birthplace = "Q214164"   # Bellevue, Washington: only the value of Sanger's P19 here
    assert resolver.reached(["Q185", birthplace, "Q13"]) == {
        "Q185": ["human"], birthplace: ["geographic_region"], "Q13": []}
    assert resolver.typed_by_claims == {"Q185", birthplace}
    # Without signals configured, class-less entities stay `other`.
    plain = TypeResolver(kg, make_entity_types({"human": [HUMAN]}))
    assert plain.categories(["Q185"]) == {"Q185": "other"}


def test_value_mentions_are_typed_by_datatype() -> None:
    resolved = {"Q42": "human"}
    assert mention_category("time", None, resolved) == "time"
    assert mention_category("quantity", None, resolved) == "measure"
    assert mention_category("link", "Q42", resolved) == "human"
    assert mention_category("ner", None, resolved) == "other"


def test_unclassed_are_the_entities_without_any_p31(build_tiny_kg, head_entities) -> None:
    """Ethanol (P31 beer), Q1 (P31 Monday) and Monday (its real P31 lines) are classed,
    whatever category that gives; beer has only its P279 statement here, and an unknown QID
    none at all."""
    kg = cyclic_kg(build_tiny_kg, head_entities)
    resolver = TypeResolver(kg, make_entity_types({"product": [WINE]}))
    assert resolver.unclassed([ETHANOL, "Q1", BEER, MONDAY, "Q999999999"]) == {
        BEER, "Q999999999"}
    assert resolver.unclassed([]) == set()
