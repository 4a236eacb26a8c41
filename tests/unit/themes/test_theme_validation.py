"""Bad theme files are rejected before any work, naming the file, line and key."""
from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from kg2instruction.config.theme import load_theme
from kg2instruction.errors import ConfigError

VALID = """\
theme: mini
name: {en: Mini, zh: 迷你}
nli_threshold: 0.5
entity_types: [human]
relations:
  - label: {en: place of birth, zh: 出生地点}
    pids: [P19]
    head_types: [human]
    tail_types: [geographic_region]
    templates:
      en: ["[X] was born in [Y].", "[X]'s birthplace is [Y]."]
      zh: ["[X]出生于[Y]。", "[X]的出生地是[Y]。"]
  - label: {en: parent, zh: 父母}
    pids: [P22, P25]
    reversed_pids: [P40]
    templates:
      en: ["[Y] is a parent of [X]."]
      zh: ["[Y]是[X]的父母。"]
dropped_pids: [P509]
"""


def load_variant(write_yaml: Callable[[str, str], Path], text: str) -> None:
    path = write_yaml("mini.yaml", text)
    load_theme("mini", path.parent)


def expect_error(write_yaml: Callable[[str, str], Path], text: str, *, line: int, key: str,
                 words: tuple[str, ...]) -> ConfigError:
    with pytest.raises(ConfigError) as info:
        load_variant(write_yaml, text)
    err = info.value
    assert err.path is not None and err.path.endswith("mini.yaml")
    assert (err.line, err.key) == (line, key), str(err)
    for word in words:
        assert word in str(err), str(err)
    return err


def test_the_valid_base_loads(write_yaml: Callable[[str, str], Path]) -> None:
    path = write_yaml("mini.yaml", VALID)
    theme = load_theme(str(path), path.parent)
    assert theme.labels("zh") == ["出生地点", "父母"]
    assert [r.label.en for r in theme.relations_for("P40", "reverse")] == ["parent"]


def test_unknown_placeholder_names_relation_template_line_and_key(
        write_yaml: Callable[[str, str], Path]) -> None:
    bad = VALID.replace('"[X]出生于[Y]。"', '"[X]出生于[Z]。"')
    expect_error(write_yaml, bad, line=12, key="relations.0.templates.zh.0",
                 words=("place of birth", "[X]出生于[Z]。", "[Z]"))


def test_template_without_the_tail_placeholder(write_yaml: Callable[[str, str], Path]) -> None:
    bad = VALID.replace('"[Y] is a parent of [X]."', '"[X] has parents."')
    expect_error(write_yaml, bad, line=17, key="relations.1.templates.en.0",
                 words=("parent", "must contain both"))


def test_relation_without_templates(write_yaml: Callable[[str, str], Path]) -> None:
    bad = VALID.replace('      zh: ["[Y]是[X]的父母。"]\n', "      zh: []\n")
    expect_error(write_yaml, bad, line=18, key="relations.1.templates.zh",
                 words=("parent", "no zh NLI templates"))


def test_relation_with_missing_templates_key(write_yaml: Callable[[str, str], Path]) -> None:
    bad = VALID.replace("""    templates:
      en: ["[Y] is a parent of [X]."]
      zh: ["[Y]是[X]的父母。"]
""", "")
    expect_error(write_yaml, bad, line=13, key="relations.1.templates", words=("Field required",))


def test_theme_without_relations(write_yaml: Callable[[str, str], Path]) -> None:
    bad = VALID.split("relations:")[0] + "relations: []\n"
    expect_error(write_yaml, bad, line=5, key="relations", words=("at least one relation",))


def test_unknown_type_category(write_yaml: Callable[[str, str], Path]) -> None:
    bad = VALID.replace("tail_types: [geographic_region]", "tail_types: [place]")
    expect_error(write_yaml, bad, line=9, key="relations.0.tail_types.0", words=("human",))


def test_malformed_pid(write_yaml: Callable[[str, str], Path]) -> None:
    bad = VALID.replace("reversed_pids: [P40]", "reversed_pids: [Q40]")
    expect_error(write_yaml, bad, line=15, key="relations.1.reversed_pids.0",
                 words=("pattern",))


def test_duplicate_labels(write_yaml: Callable[[str, str], Path]) -> None:
    bad = VALID.replace("{en: parent, zh: 父母}", "{en: Place of Birth, zh: 父母}")
    expect_error(write_yaml, bad, line=13, key="relations.1.label.en",
                 words=("duplicate en label",))


def test_dropped_pid_that_also_feeds_a_relation(write_yaml: Callable[[str, str], Path]) -> None:
    bad = VALID.replace("dropped_pids: [P509]", "dropped_pids: [P509, P19]")
    expect_error(write_yaml, bad, line=19, key="dropped_pids.1", words=("P19", "place of birth"))


def test_unknown_key(write_yaml: Callable[[str, str], Path]) -> None:
    bad = VALID.replace("    pids: [P19]\n", "    pids: [P19]\n    pid: [P20]\n")
    expect_error(write_yaml, bad, line=8, key="relations.0.pid", words=("unknown key",))


def test_theme_id_must_match_file_name(write_yaml: Callable[[str, str], Path]) -> None:
    expect_error(write_yaml, VALID.replace("theme: mini", "theme: other_name"), line=1,
                 key="theme", words=("does not match",))


@pytest.mark.parametrize("name", ["../../etc", "../../etc/passwd", "/etc/passwd", "person/../x",
                                  "entity_types", "no_such_theme"])
def test_theme_names_are_confined_to_the_themes_dir(themes_dir: Path, name: str) -> None:
    with pytest.raises(ConfigError) as info:
        load_theme(name, themes_dir)
    assert info.value.key == "theme"


def test_a_path_inside_the_themes_dir_is_accepted(themes_dir: Path) -> None:
    assert load_theme(themes_dir / "person.yaml", themes_dir).theme == "person"
