"""The README is true: its figures come from the results files, and every command it shows parses.

Commands are read from the README itself (code spans and code blocks), so a command added to the
README is checked without touching this file. A `kg2i` command must name existing commands and
options with every required option given; placeholders (`FILE`, `THEME`, `N`) may fail value
conversion, nothing else may. A `make` command must be a target `make -n` accepts.
"""
from __future__ import annotations

import importlib.util
import itertools
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import typer
from typer.main import get_command

from kg2instruction.cli import build_app

REPO = Path(__file__).resolve().parents[2]
README = REPO / "README.md"


def _load_results_tool():
    spec = importlib.util.spec_from_file_location(
        "readme_results", REPO / "benchmarks/tools/readme_results.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def test_readme_figures_are_rendered_from_the_results_files():
    tool = _load_results_tool()
    text = README.read_text(encoding="utf-8")
    assert tool.rewrite(text, REPO / "benchmarks/results") == text, (
        "README results blocks are stale: run `python benchmarks/tools/readme_results.py --write`")


def test_every_readme_figure_has_its_results_file():
    tool = _load_results_tool()
    for name, rows in tool.TABLES.items():
        table = tool.render_table(rows, REPO / "benchmarks/results")
        assert tool.NOT_MEASURED not in table, f"block {name}: a row has no results behind it"


def test_a_stale_readme_block_is_detected(tmp_path):
    tool = _load_results_tool()
    stale = README.read_text(encoding="utf-8").replace("| ≤ 3x |", "| ≤ 4x |", 1)
    readme = tmp_path / "README.md"
    readme.write_text(stale, encoding="utf-8")
    assert tool.main(["--readme", str(readme), "--results", str(REPO / "benchmarks/results"),
                      "--check"]) == 1
    assert tool.main(["--readme", str(readme), "--results", str(REPO / "benchmarks/results"),
                      "--write"]) == 0
    assert readme.read_text(encoding="utf-8") == README.read_text(encoding="utf-8")


# ------------------------------------------------------------------ commands

def _snippets(text: str) -> list[str]:
    """Every code span and code-block line of the README that runs kg2i or make."""
    found = []
    blocks = re.findall(r"```[a-z]*\n(.*?)```", text, flags=re.S)
    for block in blocks:
        found.extend(block.splitlines())
    outside = re.sub(r"```[a-z]*\n.*?```", "", text, flags=re.S)
    found.extend(re.findall(r"`([^`\n]+)`", outside))
    commands = []
    for snippet in found:
        snippet = snippet.replace("\\|", "|").split("#")[0].strip()
        snippet = re.sub(r"\s+", " ", snippet)
        match = re.search(r"(?:^|&& |/)(kg2i|make) (.*?)(?: >>.*)?$", snippet)
        if match and not snippet.startswith(("ExecStart", "0 3")):
            commands.append(f"{match.group(1)} {match.group(2)}".strip())
        elif match:  # cron / systemd lines: the kg2i part
            commands.append(f"{match.group(1)} {match.group(2)}".strip())
    return sorted(set(commands))


def _variants(command: str) -> list[list[str]]:
    """Token lists for the command without its optional `[...]` parts, and with each of them
    (each alternative of `a|b` once)."""
    optional = re.findall(r"\[([^\[\]]+)\]", command)
    base = re.sub(r"\s*\[[^\[\]]+\]", "", command)
    variants = [base]
    for part in optional:
        for alternative in _alternatives(part):
            variants.append(f"{base} {alternative}")
    return [[_placeholder(t) for t in v.split()] for v in variants]


def _alternatives(part: str) -> list[str]:
    head, _, tail = part.partition("=")
    if "|" not in part:
        return [part]
    if tail:  # VAR=a | VAR=b  or  WIKIDATA=YYYYMMDD | WIKIDATA_FILE=path
        return [p.strip() for p in part.split("|")]
    words = part.split()
    option, values = words[0], " ".join(words[1:])
    return [f"{option} {value.strip()}" for value in values.split("|")]


def _placeholder(token: str) -> str:
    return token.replace("...", "") or "x"


COMMANDS = _snippets(README.read_text(encoding="utf-8"))
KG2I = [c for c in COMMANDS if c.startswith("kg2i ")]
MAKE = [c for c in COMMANDS if c.startswith("make ")]


def test_the_readme_shows_commands():
    assert len(KG2I) >= 8 and len(MAKE) >= 6, (KG2I, MAKE)
    assert "make pipeline THEME=person" in MAKE and "make test" in MAKE


def _parse(args: list[str]) -> None:
    """Resolve the command path and parse its options as the CLI would before running it.

    typer ships its own click (`typer._click`); its exception classes are matched by name so the
    test does not import a private module."""
    command = get_command(build_app())
    rest = list(args)
    while hasattr(command, "list_commands") and rest and not rest[0].startswith("-"):
        ctx = typer.Context(command)
        sub = command.get_command(ctx, rest[0])
        assert sub is not None, f"`kg2i {' '.join(args)}`: no command {rest[0]!r}"
        command, rest = sub, rest[1:]
    try:
        command.make_context(command.name or "kg2i", rest)
    except Exception as exc:  # noqa: BLE001 - classified by name below
        kind = type(exc).__name__
        if kind == "BadParameter":
            return  # a placeholder value (FILE, THEME) that is not a real path or number
        if kind in ("Exit", "NoArgsIsHelpError") and not rest:
            return  # a bare group (`kg2i --help`-like): prints help
        message = exc.format_message() if hasattr(exc, "format_message") else str(exc)
        raise AssertionError(f"`kg2i {' '.join(args)}`: {kind}: {message}") from None


@pytest.mark.parametrize("command", KG2I)
def test_readme_kg2i_command_parses(command):
    for tokens in _variants(command):
        _parse(tokens[1:])


def test_the_parse_check_can_fail():
    with pytest.raises(AssertionError):
        _parse(["kg", "info", "--no-such-option", "x"])
    with pytest.raises(AssertionError):
        _parse(["eval", "--pred", "p.jsonl"])


@pytest.mark.skipif(shutil.which("make") is None, reason="needs make")
@pytest.mark.parametrize("command", MAKE)
def test_readme_make_command_is_a_target(command):
    for tokens in _variants(command):
        done = subprocess.run(["make", "-n", "-o", "venv", "-o", ".venv/.installed", *tokens[1:]],
                              cwd=REPO, capture_output=True, text=True)
        assert done.returncode == 0, f"`{' '.join(tokens)}`: {done.stderr.strip()}"


def test_audit_score_runs_as_written(tmp_path):
    """A README command that is cheap enough to run for real on committed files."""
    judged = sorted((REPO / "benchmarks/audits").glob("*.tsv"))
    assert judged
    out = tmp_path / "audit.md"
    done = subprocess.run([sys.executable, "-m", "kg2instruction.cli", "audit", "--score",
                           *map(str, judged), "--out", str(out)], cwd=REPO, capture_output=True,
                          text=True)
    assert done.returncode == 0, done.stderr
    assert "precision" in out.read_text(encoding="utf-8").lower()


assert list(itertools.chain(KG2I, MAKE)), "README commands not found"
