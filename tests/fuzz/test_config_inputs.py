"""Hostile and mistaken configuration: anchor bombs, unknown keys, unknown P-ids / types in themes
and overlays, theme names that try to leave the themes directory (also through the CLI). Each is
one ConfigError naming file, line and key, and the CLI exits 2 having written nothing."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kg2instruction.cli import main
from kg2instruction.config.overlay import apply_overlay, load_overlay
from kg2instruction.config.pipeline import load_pipeline
from kg2instruction.config.theme import load_theme
from kg2instruction.config.yaml_loader import load_yaml
from kg2instruction.errors import ConfigError

from .tally import tally

REPO = Path(__file__).parents[2]
BOMB = "a: &a [x, x, x, x, x, x, x, x, x, x]\n" + "".join(
    f"{chr(98 + i)}: &{chr(98 + i)} [*{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, "
    f"*{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, "
    f"*{chr(97 + i)}, *{chr(97 + i)}]\n" for i in range(8))


@pytest.fixture
def themes(tmp_path: Path) -> Path:
    folder = tmp_path / "themes"
    folder.mkdir()
    for name in ("person.yaml", "entity_types.yaml"):
        shutil.copy(REPO / "themes" / name, folder / name)
    return folder


def test_billion_laughs_is_refused_fast(tmp_path):
    tally("yaml (anchor bomb)")
    path = tmp_path / "bomb.yaml"
    path.write_text(BOMB)
    with pytest.raises(ConfigError, match=r"bomb.yaml, line \d+.*aliases"):
        load_yaml(path)


def test_python_object_tags_are_refused(tmp_path):
    tally("yaml (python object tag)")
    path = tmp_path / "evil.yaml"
    path.write_text("x: !!python/object/apply:os.system ['echo pwned']\n")
    with pytest.raises(ConfigError, match="evil.yaml"):
        load_yaml(path)


def _edit(themes: Path, old: str, new: str) -> None:
    path = themes / "person.yaml"
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new, 1))


@pytest.mark.parametrize("old,new,key", [
    ("nli_threshold: 0.5", "nli_treshold: 0.5", "nli_treshold"),          # unknown key
    ("pids: [P66]", "pids: [Q66]", "relations.1.pids.0"),                 # not a P-id
    ("tail_types: [geographic_region, other]", "tail_types: [spaceship]",
     "relations.1.tail_types.0"),                                         # unknown type
])
def test_theme_mistakes_name_file_line_and_key(themes, old, new, key):
    tally(f"theme (bad {key.split('.')[-2] if '.' in key else 'key'})")
    _edit(themes, old, new)
    with pytest.raises(ConfigError) as caught:
        load_theme("person", themes)
    message = str(caught.value)
    assert "person.yaml" in message and "line " in message and key in message


def test_overlay_with_unknown_label_names_its_line(themes, tmp_path):
    tally("overlay (unknown label)")
    overlay = tmp_path / "o.yaml"
    overlay.write_text("theme: person\noperations:\n  - drop:\n      labels: [no such label]\n")
    with pytest.raises(ConfigError, match=r"o.yaml, line 4.*unknown label 'no such label'"):
        apply_overlay(load_theme("person", themes), load_overlay(overlay))


@given(st.text(min_size=1, max_size=40))
def test_theme_names_never_escape_the_themes_dir(name):
    tally("theme name (random)")
    themes = REPO / "themes"
    try:
        theme = load_theme(name, themes)
    except ConfigError:
        return
    assert theme.theme == name                     # only real theme files load


def test_pipeline_path_leaving_the_project_is_refused(tmp_path):
    tally("pipeline path leaving the project")
    (tmp_path / "pipelines").mkdir()
    path = tmp_path / "pipelines" / "p.yaml"
    path.write_text("base_dir: ..\ncache: ../../outside\n")
    with pytest.raises(ConfigError, match=r"p.yaml, line 2, key 'cache'.*leaves the project"):
        load_pipeline(path)


@pytest.mark.parametrize("theme", ["../../etc/passwd", "../pipelines/sample", "/etc/hosts"])
def test_cli_rejects_theme_paths(tmp_path, theme, capsys):
    tally("CLI theme path traversal")
    project = tmp_path / "project"
    (project / "pipelines").mkdir(parents=True)
    shutil.copytree(REPO / "themes", project / "themes")
    (project / "pipelines" / "p.yaml").write_text(
        "base_dir: ..\nstages:\n  read_wikipedia: {}\nsources:\n  wikipedia:\n"
        "    - {path: missing.xml, lang: en}\n")
    before = sorted(p.relative_to(project) for p in project.rglob("*"))
    code = main(["run", "--pipeline", str(project / "pipelines" / "p.yaml"), "--theme", theme])
    assert code == 2
    assert "error" in capsys.readouterr().err
    assert sorted(p.relative_to(project) for p in project.rglob("*")) == before


def test_language_code_cannot_reach_code_outside_spacy(tmp_path):
    """`languages:` feeds a path under spaCy's package (its stop-word list, which is executed):
    a code like '../../../../tmp/x' must not make any other file run."""
    import importlib.util
    import os

    from kg2instruction.annotate.stop_names import spacy_stop_words

    tally("language code path traversal")
    spec = importlib.util.find_spec("spacy")
    if spec is None or not spec.submodule_search_locations:
        pytest.skip("spaCy is not installed")
    lang_dir = Path(next(iter(spec.submodule_search_locations))) / "lang"
    planted = tmp_path / "planted"
    planted.mkdir()
    marker = tmp_path / "executed"
    (planted / "stop_words.py").write_text(
        f"open({str(marker)!r}, 'w').write('ran')\nSTOP_WORDS = {{'pwned'}}\n")
    code = os.path.relpath(planted, lang_dir)
    assert (lang_dir / code / "stop_words.py").is_file()      # the traversal would reach it
    assert spacy_stop_words(code) == frozenset()
    assert not marker.exists()
