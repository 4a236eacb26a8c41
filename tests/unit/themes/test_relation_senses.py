"""The relation-senses file: the shipped one covers every theme and says one property per P-id;
broken files stop with the file, line and key to fix."""
from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from kg2instruction.config.senses import (SENSES_FILE, check_coverage, load_senses,
                                          load_senses_file)
from kg2instruction.config.theme import Theme
from kg2instruction.errors import ConfigError

GOOD = '''senses:
  P19: {en: "[X] was born in [Y].", zh: "[X]出生于[Y]。"}
  P40: {en: "[Y] is a child of [X].", zh: "[Y]是[X]的子女。"}
'''


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / SENSES_FILE
    path.write_text(text, encoding="utf-8")
    return path


def test_every_pid_of_the_twelve_themes_has_one_sense(themes_dir: Path,
                                                      all_themes: dict[str, Theme]) -> None:
    senses = load_senses(themes_dir)
    check_coverage(senses, all_themes.values())          # relation P-ids: required
    dropped = {pid for theme in all_themes.values() for pid in theme.dropped_pids}
    assert dropped <= set(senses.by_pid)                 # dropped P-ids too, for overlays


def test_properties_sharing_a_label_get_their_own_statement(themes_dir: Path,
                                                            person: Theme) -> None:
    senses = load_senses(themes_dir)
    place_of_death = person.relation("place of death")
    assert place_of_death.pids == ["P20", "P119"]
    assert senses.template("P20", "en") == "[X] died in [Y]."
    assert senses.template("P119", "en") == "[X] is buried in [Y]."
    assert senses.template("P119", "zh") == "[X]葬于[Y]。"
    position = person.relation("position held")
    by_pid = {pid: senses.template(pid, "en") for pid in position.pids}
    assert len(set(by_pid.values())) == len(by_pid)      # P39, P97, P410, P413: all different
    assert by_pid["P39"] == "[X] held the position of [Y]."
    assert by_pid["P413"] == "[X] plays as [Y]."
    assert senses.template("P50", "en") == "[X] was written by [Y]."   # claim orientation
    assert senses.template("P569", "zh") == "[X]出生于[Y]。"            # value-typed too


def test_every_shipped_template_is_a_sentence_with_each_placeholder_once(themes_dir: Path
                                                                        ) -> None:
    for pid, sense in load_senses(themes_dir).by_pid.items():
        for template in (sense.en, sense.zh):
            assert template.count("[X]") == template.count("[Y]") == 1, pid
            assert not set(re.findall(r"\[[^\]]*\]", template)) - {"[X]", "[Y]"}, pid
        assert sense.en.endswith((".", "?")), pid
        assert sense.zh.endswith("。"), pid


def test_other_languages_read_english_and_regional_chinese_reads_chinese(tmp_path: Path) -> None:
    senses = load_senses(write(tmp_path, GOOD).parent)
    assert senses.template("P19", "fr") == "[X] was born in [Y]."
    assert senses.template("P19", "zh-hans") == "[X]出生于[Y]。"
    assert senses.template("P1", "en") is None           # no sense: the caller falls back
    assert senses.template(None, "en") is None            # alias triples have no P-id


@pytest.mark.parametrize("text, key, message", [
    (GOOD.replace('"[X] was born in [Y]."', '"[X] was born."'), "senses.P19.en",
     r"\[Y\] exactly once"),
    (GOOD.replace('"[Y]是[X]的子女。"', '"[Y]是[X]和[X]的子女。"'), "senses.P40.zh",
     r"\[X\] exactly once"),
    (GOOD.replace('"[X] was born in [Y]."', '"[X] was born in [Z]."'), "senses.P19.en",
     r"unknown placeholder \[Z\]"),
    (GOOD.replace('zh: "[X]出生于[Y]。"}', 'zh: "[X]出生于[Y]。", fr: "[X] est né à [Y]."}'),
     "senses.P19.fr", "unknown key"),
    (GOOD + "templates: {}\n", "templates", "unknown key"),
    (GOOD.replace("P40:", "Q40:"), "senses.Q40", "'Q40' is not a Wikidata property id"),
    (GOOD.replace('zh: "[X]出生于[Y]。"', 'zh: ""'), "senses.P19.zh", "at least 1 character"),
    (GOOD + '  P19: {en: "[X] was born at [Y].", zh: "[X]生于[Y]。"}\n', "senses.P19",
     "listed twice"),
])
def test_a_broken_file_names_file_line_and_key(tmp_path: Path, text: str, key: str,
                                                message: str) -> None:
    path = write(tmp_path, text)
    with pytest.raises(ConfigError, match=message) as caught:
        load_senses_file(path)
    assert caught.value.path == str(path.resolve())
    assert caught.value.key == key
    assert caught.value.line is not None and caught.value.line >= 1


def test_a_missing_or_empty_file_is_a_config_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="relation senses file not found"):
        load_senses(tmp_path)
    with pytest.raises(ConfigError, match="empty senses file"):
        load_senses_file(write(tmp_path, "# nothing yet\n"))


def test_a_theme_pid_without_a_sense_is_named_with_its_theme_and_relation(
        tmp_path: Path, themes_dir: Path, person: Theme) -> None:
    shipped = (themes_dir / SENSES_FILE).read_text(encoding="utf-8")
    without_burial = "\n".join(line for line in shipped.splitlines()
                               if not line.lstrip().startswith("P119:"))
    senses = load_senses_file(write(tmp_path, without_burial))
    assert list(senses.uncovered(person)) == [("P119", "place of death")]
    with pytest.raises(ConfigError, match=r"P119 \(theme 'person', relation 'place of death'\)"
                       ) as caught:
        check_coverage(senses, [person])
    assert caught.value.key == "senses.P119"


def test_loads_are_cached_per_path_until_the_file_changes(tmp_path: Path) -> None:
    path = write(tmp_path, GOOD)
    first = load_senses(tmp_path)
    assert load_senses_file(path) is first
    write(tmp_path, GOOD.replace("was born in", "was born near"))
    assert load_senses(tmp_path).template("P19", "en") == "[X] was born near [Y]."
    other = tmp_path / "copy"
    other.mkdir()
    shutil.copy(path, other / SENSES_FILE)
    assert load_senses(other) is not load_senses(tmp_path)
