"""Granularity overlays on the real Person theme: each operation, and bad overlays."""
from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from kg2instruction.config.overlay import apply_overlay, load_overlay
from kg2instruction.config.theme import Theme
from kg2instruction.errors import ConfigError

Writer = Callable[[str, str], Path]


def apply(person: Theme, write_yaml: Writer, text: str) -> Theme:
    return apply_overlay(person, load_overlay(write_yaml("overlay.yaml", text)))


def labels_of(theme: Theme, pid: str, direction: str) -> list[str]:
    return [r.label.en for r in theme.relations_for(pid, direction)]  # type: ignore[arg-type]


def test_split_parent_into_father_mother_child_of(person: Theme, themes_dir: Path) -> None:
    fine = apply_overlay(person, load_overlay(themes_dir / "overlays" / "person_fine.yaml"))
    assert labels_of(fine, "P22", "forward") == ["father"]
    assert labels_of(fine, "P25", "forward") == ["mother"]
    assert labels_of(fine, "P40", "reverse") == ["child of"]
    assert not fine.has_relation("parent")                   # every P-id was claimed
    assert fine.relation("父亲").templates.en[0] == "[Y] is the father of [X]."
    assert fine.relation("father").tail_types == person.relation("parent").tail_types
    # "member of" keeps the P-ids no part claimed.
    assert labels_of(fine, "P69", "forward") == ["educated at"]
    assert labels_of(fine, "P463", "forward") == ["member of"]
    assert "P69" not in fine.relation("member of").pids
    assert labels_of(person, "P22", "forward") == ["parent"]   # the input theme is unchanged


def test_merge_unites_pids_types_and_templates(person: Theme, write_yaml: Writer) -> None:
    merged = apply(person, write_yaml, """\
operations:
  - merge:
      labels: [place of birth, 死亡地点]
      into: {en: place, zh: 地点}
""")
    place = merged.relation("place")
    assert place.pids == ["P19", "P20", "P119"]
    assert labels_of(merged, "P119", "forward") == ["place"]
    assert set(person.relation("place of birth").templates.en) <= set(place.templates.en)
    assert set(person.relation("place of death").templates.zh) <= set(place.templates.zh)
    assert len(merged.relations) == len(person.relations) - 1
    assert merged.labels("en").index("place") == person.labels("en").index("place of birth")


def test_rename_changes_only_labels(person: Theme, write_yaml: Writer) -> None:
    renamed = apply(person, write_yaml, """\
operations:
  - rename: {label: work, to: {en: notable work, zh: 代表作}}
""")
    assert labels_of(renamed, "P50", "reverse") == ["notable work"]
    assert renamed.relation("代表作").templates == person.relation("work").templates
    assert not renamed.has_relation("work")


def test_reverse_swaps_direction_types_and_placeholders(person: Theme, themes_dir: Path) -> None:
    child = apply_overlay(person, load_overlay(themes_dir / "overlays" / "person_child.yaml"))
    rel = child.relation("child")
    parent = person.relation("parent")
    assert rel.pids == parent.reversed_pids == ["P40"]
    assert rel.reversed_pids == parent.pids == ["P22", "P25"]
    assert (rel.head_types, rel.tail_types) == (parent.tail_types, parent.head_types)
    assert "[X] is a parent of [Y]." in rel.templates.en
    assert labels_of(child, "P40", "forward") == ["child"]


def test_drop_moves_pids_to_dropped(person: Theme, write_yaml: Writer) -> None:
    dropped = apply(person, write_yaml, """\
operations:
  - drop: {labels: [sibling, ancestral home]}
""")
    assert not dropped.has_relation("sibling") and not dropped.has_relation("籍贯")
    assert dropped.is_dropped("P3373") and dropped.is_dropped("P66")
    assert dropped.relations_for("P3373", "forward") == []


def test_example_coarse_overlay_applies(person: Theme, themes_dir: Path) -> None:
    coarse = apply_overlay(person, load_overlay(themes_dir / "overlays" / "person_coarse.yaml"))
    assert labels_of(coarse, "P26", "forward") == ["family member"]
    assert labels_of(coarse, "P570", "forward") == ["life date"]
    assert coarse.relation("life date").tail_types == ["time"]


@pytest.mark.parametrize(("text", "line", "key", "words"), [
    ("operations:\n  - rename: {label: parents, to: {en: x, zh: 叉}}\n",
     2, "operations.0.rename.label", ("unknown label 'parents'",)),
    ("operations:\n  - merge:\n      labels: [spouse, nobody]\n      into: {en: x, zh: 叉}\n",
     3, "operations.0.merge.labels.1", ("unknown label 'nobody'",)),
    ("operations:\n  - split:\n      label: parent\n      into:\n"
     "        - label: {en: father, zh: 父亲}\n          pids: [P22, P26]\n",
     6, "operations.0.split.into.0.pids.1", ("P26", "parent")),
    ("operations:\n  - split:\n      label: parent\n      into:\n"
     "        - label: {en: child, zh: 孩子}\n          pids: [P40]\n",
     6, "operations.0.split.into.0.pids.0", ("P40", "not among the pids")),
    ("operations:\n  - rename: {label: spouse, to: {en: sibling, zh: 兄弟}}\n",
     2, "operations.0.rename", ("duplicate en label 'sibling'",)),
    ("operations:\n  - drop: {labels: [spouse]}\n"
     "    rename: {label: sibling, to: {en: a, zh: b}}\n",
     2, "operations.0", ("exactly one",)),
    ("operations:\n  - explode: {labels: [spouse]}\n",
     2, "operations.0.explode", ("unknown key",)),
    ("operations:\n  - split:\n      label: parent\n      into:\n"
     "        - label: {en: father, zh: 父亲}\n          pids: [P2x]\n",
     6, "operations.0.split.into.0.pids.0", ("pattern",)),
    ("theme: works\noperations:\n  - drop: {labels: [spouse]}\n",
     1, "theme", ("written for theme 'works'",)),
])
def test_bad_overlays_name_file_line_and_key(person: Theme, write_yaml: Writer, text: str,
                                             line: int, key: str, words: tuple[str, ...]) -> None:
    with pytest.raises(ConfigError) as info:
        apply(person, write_yaml, text)
    err = info.value
    assert err.path is not None and err.path.endswith("overlay.yaml")
    assert (err.line, err.key) == (line, key), str(err)
    for word in words:
        assert word in str(err), str(err)


def test_empty_or_missing_overlay_file(write_yaml: Writer, tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="empty overlay"):
        load_overlay(write_yaml("overlay.yaml", "# nothing\n"))
    with pytest.raises(ConfigError, match="file not found"):
        load_overlay(tmp_path / "missing.yaml")


def test_statement_rules_follow_the_relation_through_an_overlay(write_yaml: Writer,
                                                                themes_dir: Path) -> None:
    """A split part asks what its source asked; a reversed relation writes its other end first
    in a juxtaposition; a merge keeps a rule only where every merged relation has the same."""
    from kg2instruction.config.theme import load_theme
    geo = load_theme("geographic_location", themes_dir)
    located = geo.relation("located in")
    (rule,) = [located.syntax["en"].dependency_path]
    assert rule is not None and rule.juxtaposed_first == "head"
    changed = apply_overlay(geo, load_overlay(write_yaml("overlay.yaml", """\
operations:
  - split:
      label: located in
      into:
        - {label: {en: continent, zh: 大洲}, pids: [P30]}
  - reverse: {label: continent, to: {en: continent of, zh: 包含国家}}
  - merge: {labels: [capital, located in], into: {en: place, zh: 地点}}
""")))
    reversed_rule = changed.relation("continent of").syntax["en"].dependency_path
    assert reversed_rule is not None and reversed_rule.juxtaposed_first == "tail"
    assert reversed_rule.verbs == rule.verbs
    assert changed.relation("continent of").syntax["zh"] == located.syntax["zh"]
    merged = changed.relation("place")
    assert merged.syntax == {} and merged.cues is None     # capital asks for a cue word, not this
