"""The 12 committed theme files: they load, carry usable templates and the upstream type fixes."""
from __future__ import annotations

import re

from kg2instruction.config.theme import Theme, available_themes

from .conftest import PAPER_THEMES, THEMES_DIR

PLACEHOLDER = re.compile(r"\[[^\[\]]*\]")


def test_the_twelve_paper_themes_are_available_and_load(all_themes: dict[str, Theme]) -> None:
    assert sorted(available_themes(THEMES_DIR)) == sorted(PAPER_THEMES)
    assert {t.name.en for t in all_themes.values()} == {
        "Person", "Geographic_Location", "Building", "Works", "Creature", "Artificial_Object",
        "Natural_Science", "Organization", "Transport", "Event", "Astronomy", "Medicine"}
    for theme in all_themes.values():
        assert theme.relations and theme.name.zh and theme.entity_types


def test_every_relation_has_two_en_and_two_zh_templates_with_only_x_and_y(
        all_themes: dict[str, Theme]) -> None:
    for theme in all_themes.values():
        for rel in theme.relations:
            for lang in ("en", "zh"):
                templates = rel.templates.in_lang(lang)
                assert len(templates) >= 2, (theme.theme, rel.label.en, lang)
                for template in templates:
                    assert set(PLACEHOLDER.findall(template)) == {"[X]", "[Y]"}, template
                    assert template.endswith("." if lang == "en" else "。"), template


def test_relation_prompt_csv_templates_are_used_and_swapped_for_reversed_pids(
        all_themes: dict[str, Theme]) -> None:
    person = all_themes["person"]
    # P19 has a CSV zh template "[X]的出生地是[Y]。"; P108 (employer) is forward in Person...
    assert "[X]的出生地是[Y]。" in person.relation("place of birth").templates.zh
    assert "[X] works for [Y]." in person.relation("member of").templates.en
    # ...and reversed in Organization "member", where the head is the employer.
    organization = all_themes["organization"]
    assert "P108" in organization.relation("member").reversed_pids
    assert "[Y] works for [X]." in organization.relation("member").templates.en


def test_time_and_quantity_valued_relations_have_time_and_measure_tails(
        all_themes: dict[str, Theme], property_datatypes: dict[str, str]) -> None:
    checked = 0
    for theme in all_themes.values():
        for rel in theme.relations:
            kinds = {property_datatypes[p] for p in rel.all_pids()}
            if kinds == {"time"}:
                assert rel.tail_types == ["time"], (theme.theme, rel.label.en)
                checked += 1
            elif kinds == {"quantity"}:
                assert rel.tail_types == ["measure"], (theme.theme, rel.label.en)
                checked += 1
            else:
                assert "time" not in rel.tail_types and "measure" not in rel.tail_types
            assert "time" not in rel.head_types and "measure" not in rel.head_types
    assert checked > 30


def test_upstream_type_errors_are_fixed_and_documented(all_themes: dict[str, Theme]) -> None:
    organization = all_themes["organization"]
    # Upstream final schema: 组织 成立时间 -> tail 组织 (an organization's founding time typed as
    # an organization).
    founded = organization.relation("成立时间")
    assert founded.tail_types == ["time"]
    assert Theme.fits(founded, "organization", "time")
    assert not Theme.fits(founded, "organization", "organization")
    # Upstream: a parent taxon typed as geographic region; here taxa only (a subclass of a
    # habitat or a quantity is no parent taxon).
    parent_taxon = all_themes["creature"].relation("parent taxon")
    assert parent_taxon.head_types == parent_taxon.tail_types == ["organism"]
    header = (THEMES_DIR / "organization.yaml").read_text(encoding="utf-8").split("\ntheme:")[0]
    assert "'date of incorporation': tail types ['time']" in header
    assert "said ['组织']" in header


def test_theme_pids_exist_in_the_property_tables(all_themes: dict[str, Theme],
                                                 property_datatypes: dict[str, str]) -> None:
    unknown = {(t.theme, p) for t in all_themes.values()
               for p in [*(p for r in t.relations for p in r.all_pids()), *t.dropped_pids]
               if p not in property_datatypes}
    assert not unknown, f"P-ids in themes but in no property table: {sorted(unknown)}"


def test_pid_lookups_follow_direction_and_may_give_several_labels(
        all_themes: dict[str, Theme]) -> None:
    person = all_themes["person"]
    assert [r.label.en for r in person.relations_for("P22", "forward")] == ["parent"]
    assert [r.label.en for r in person.relations_for("P40", "reverse")] == ["parent"]
    assert person.relations_for("P40", "forward") == []
    assert person.relation("父母") is person.relation("parent")
    event = all_themes["event"]
    assert {r.label.en for r in event.relations_for("P1027", "forward")} == {"prize-winner",
                                                                            "winner"}


def test_dropped_pids_are_the_mapping_other_pids_not_used_elsewhere(
        all_themes: dict[str, Theme], mapping: dict) -> None:
    for name, theme in all_themes.items():
        upstream = mapping["en"][theme.name.en]["schema"]
        other = {row[0] for en, _zh, rows in upstream if en == "other" for row in rows}
        used = {p for r in theme.relations for p in r.all_pids()}
        assert set(theme.dropped_pids) == other - used, name
        assert all(theme.is_dropped(p) for p in theme.dropped_pids)
    assert all_themes["person"].is_dropped("P509")      # cause of death: "other" in Person


def test_fits_and_thresholds(person: Theme) -> None:
    born = person.relation("place of birth")
    assert Theme.fits(born, "human", "geographic_region")
    assert not Theme.fits(born, "human", "human")
    parent = person.relation("parent")
    assert parent.head_types == [] and Theme.fits(parent, "event", "human")   # [] = any head
    assert person.threshold_for(born) == person.nli_threshold
    strict = born.model_copy(update={"nli_threshold": 0.9})
    assert person.threshold_for(strict) == 0.9
