"""`kg2i audit`: sample a run's triples for a hand audit, or score the judged files.

    kg2i audit THEME [--n 50] [--pipeline P] [--out FILE] [--seed S] [--force]
    kg2i audit --score FILE [FILE ...] [--out report.json|report.md]

One command with two modes, as the audit is one workflow: draw a sample, judge it by hand, score
it. The logic lives in `kg2instruction.audit`; judging rules in benchmarks/audits/README.md.
"""
from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from kg2instruction.commands.options import CacheDirOpt

DEFAULT_PIPELINE = Path("pipelines/sample.yaml")
DEFAULT_N = 50
AUDIT_DIR = Path("benchmarks") / "audits"


def register(app: typer.Typer) -> None:
    """Add this group's commands to the root app."""
    app.command("audit")(audit)


def audit(
    targets: Annotated[list[str], typer.Argument(
        metavar="THEME | FILE...", help="the theme to sample; with --score, judged TSV files")],
    score: Annotated[bool, typer.Option(
        "--score", help="score judged audit files instead of sampling")] = False,
    n: Annotated[Optional[int], typer.Option(
        "--n", min=1, help=f"triples per stratum (kept, rejected); default {DEFAULT_N}")] = None,
    pipeline: Annotated[Optional[Path], typer.Option(
        "--pipeline", "-p", help=f"pipelines/<name>.yaml (default {DEFAULT_PIPELINE})")] = None,
    out: Annotated[Optional[Path], typer.Option(
        help="sample: the TSV (default benchmarks/audits/<theme>.tsv); "
             "score: a .json or .md report")] = None,
    seed: Annotated[Optional[int], typer.Option(
        help="sampling seed (default: the pipeline's seed)")] = None,
    force: Annotated[bool, typer.Option(
        "--force", help="replace a sample that already holds verdicts (the old file is kept "
                        "beside it as <name>.bak)")] = False,
    lang: Annotated[Optional[str], typer.Option(
        "--lang", help="sample only triples of paragraphs in this language (e.g. zh)")] = None,
    cache_dir: CacheDirOpt = None,
) -> None:
    """Hand audit: sample kept and rejected triples with their evidence, or score judged files."""
    from kg2instruction.errors import ConfigError

    if score:
        given = [name for name, value in (("--n", n), ("--pipeline", pipeline), ("--seed", seed),
                                          ("--force", force or None), ("--lang", lang))
                 if value is not None]
        if given:
            raise ConfigError(f"{', '.join(given)}: only for sampling, not with --score",
                              key="score")
        _score([Path(t) for t in targets], out)
        return
    if len(targets) != 1:
        raise ConfigError(f"sampling takes one THEME, got {len(targets)} arguments; to score "
                          "judged files add --score", key="targets")
    theme = targets[0]
    if theme.endswith(".tsv"):
        raise ConfigError(f"{theme!r} is a file, not a theme; to score it add --score",
                          key="targets")
    _sample(theme, n or DEFAULT_N, pipeline or DEFAULT_PIPELINE, out, seed, force, lang)


def _sample(theme: str, n: int, pipeline: Path, out: Optional[Path], seed: Optional[int],
            force: bool, lang: Optional[str]) -> None:
    from kg2instruction.audit.sampling import draw
    from kg2instruction.audit.tsv import has_verdicts, write_audit
    from kg2instruction.config.pipeline import load_pipeline
    from kg2instruction.dataset.run_outputs import load_run
    from kg2instruction.errors import InputError

    loaded = load_pipeline(pipeline)
    if lang is not None and lang not in loaded.config.languages:
        from kg2instruction.errors import ConfigError

        raise ConfigError(f"--lang {lang!r}: the pipeline's languages are "
                          f"{', '.join(loaded.config.languages)}", key="lang")
    run = load_run(loaded.cache_root / loaded.name, theme, loaded.base_dir)
    path = out or loaded.base_dir / AUDIT_DIR / (f"{lang}-{theme}.tsv" if lang else f"{theme}.tsv")
    if path.exists() and has_verdicts(path):
        if not force:
            raise InputError(path, "already holds verdicts; judge or score it, write the new "
                                   "sample elsewhere with --out, or replace it with --force")
        kept_as = _free_backup_name(path)
        path.rename(kept_as)
        typer.echo(f"judged file kept as {kept_as}")
    sample = draw(run, n, loaded.config.seed if seed is None else seed, lang)
    write_audit(path, sample.rows, sample.comments)
    counts = ", ".join(f"{sum(1 for r in sample.rows if r['status'] == status)} of {size} "
                       f"{status}" for status, size in sample.stratum_sizes.items())
    typer.echo(f"audit sample: {path} ({counts})")


def _free_backup_name(path: Path) -> Path:
    candidate, number = path.with_name(path.name + ".bak"), 1
    while candidate.exists():
        number += 1
        candidate = path.with_name(f"{path.name}.bak{number}")
    return candidate


def _score(files: list[Path], out: Optional[Path]) -> None:
    from kg2instruction.audit.report import check_report_path, to_markdown, write_report
    from kg2instruction.audit.scoring import read_judged, score

    if out is not None:
        check_report_path(out)
    report = score(read_judged(files), files)
    typer.echo(to_markdown(report), nl=False)
    if out is not None:
        write_report(report, out)
        typer.echo(f"audit score: {out}")
