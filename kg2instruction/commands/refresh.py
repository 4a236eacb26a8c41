"""`kg2i refresh run|history`: scheduled refreshes from new dumps (kg2instruction/refresh/)."""
from __future__ import annotations

import errno
from pathlib import Path
from typing import Annotated, Optional

import typer

from kg2instruction.commands.options import CacheDirOpt, PipelineOpt
from kg2instruction.errors import ConfigError, InputError

_DISK_FULL = (errno.ENOSPC, errno.EFBIG, errno.EDQUOT)


def register(app: typer.Typer) -> None:
    """Add this group's commands to the root app."""
    group = typer.Typer(no_args_is_help=True,
                        help="Refresh from new dumps: incremental re-run, new dataset version.")
    group.command("run")(run)
    group.command("history")(history)
    app.add_typer(group, name="refresh")


def run(
    theme: Annotated[list[str], typer.Option("--theme", "-t", help="theme (repeatable)")],
    pipeline: PipelineOpt = Path("pipelines/sample.yaml"),
    wikidata: Annotated[Optional[str], typer.Option(
        help="Wikidata dump date to download: YYYYMMDD or 'latest'")] = None,
    wikidata_file: Annotated[Optional[Path], typer.Option(
        help="use this local Wikidata dump (inside the project) instead of downloading")] = None,
    wikipedia: Annotated[Optional[list[str]], typer.Option(
        help="LANG=WIKI[@DATE] to download, e.g. en=enwiki@latest (repeatable)")] = None,
    wikipedia_file: Annotated[Optional[list[str]], typer.Option(
        help="LANG=PATH local Wikipedia dump inside the project (repeatable; a source "
             "with a `name:` is keyed by its name)")] = None,
    mirror: Annotated[str, typer.Option(help="dumps mirror (https)")] =
        "https://dumps.wikimedia.org",
    allowed_host: Annotated[Optional[list[str]], typer.Option(
        help="hosts downloads may use (repeatable; default dumps.wikimedia.org)")] = None,
    user_agent: Annotated[Optional[str], typer.Option(
        help="User-Agent with a contact address")] = None,
    dumps_dir: Annotated[str, typer.Option(help="download folder, inside the project")] = "dumps",
    keep: Annotated[Optional[int], typer.Option(
        min=1, help="delete all but the newest N dataset versions (default: delete none)")] = None,
    executor: Annotated[str, typer.Option(help="local | ray")] = "local",
    workers: Annotated[int, typer.Option(min=1, help="local process-pool size")] = 1,
    cache_dir: CacheDirOpt = None,
) -> None:
    """Fetch new dumps (or take local ones), rebuild the KG beside the old one, re-run only the
    paragraphs the KG difference touches and those of pages a new Wikipedia dump changed, and
    publish a new dataset version with a changelog.
    Holds a lock; an interrupted refresh resumes when run again with the same options."""
    from kg2instruction.refresh.orchestrator import RefreshRequest, run_refresh
    from kg2instruction.refresh.sources import DumpRequest
    from kg2instruction.refresh.transport import DEFAULT_HOSTS, DEFAULT_USER_AGENT, TransportPolicy

    if wikidata and wikidata_file:
        raise ConfigError("give --wikidata or --wikidata-file, not both", key="wikidata")
    dumps = DumpRequest(wikidata_date=wikidata, wikidata_file=wikidata_file,
                        wikipedia_dates=dict(_wiki_date(v) for v in wikipedia or ()),
                        wikipedia_files={lang: Path(path) for lang, path in
                                         (_pair(v, "--wikipedia-file")
                                          for v in wikipedia_file or ())},
                        mirror=mirror, dumps_dir=dumps_dir)
    policy = TransportPolicy(allowed_hosts=tuple(allowed_host or DEFAULT_HOSTS),
                             user_agent=user_agent or DEFAULT_USER_AGENT)
    policy.check(mirror.rstrip("/") + "/")
    try:
        results = run_refresh(RefreshRequest(pipeline, tuple(theme), dumps, keep, executor,
                                             workers), policy)
    except OSError as exc:
        if exc.errno not in _DISK_FULL:
            raise
        raise InputError(exc.filename or "refresh", f"disk full ({exc.strerror}); nothing "
                         "partial was published; free space and rerun to resume") from None
    for result in results:
        typer.echo(f"{result.theme}: {'incremental' if result.incremental else 'full'} "
                   f"({result.reason}); paragraphs re-run {result.paragraphs_affected:,} of "
                   f"{result.paragraphs_total:,}; version {result.version} "
                   f"(previous {result.previous_version or 'none'})")
        if result.diff:
            typer.echo("  KG diff: " + ", ".join(f"{k}={v}" for k, v in result.diff.items()))
        if result.pages:
            typer.echo("  pages: " + ", ".join(f"{k}={v}" for k, v in result.pages.items()))
        for stage, n in result.stages.items():
            typer.echo(f"  {stage}: {n['reused_shards']} shards reused, {n['spliced_shards']} "
                       f"spliced, {n['recomputed_shards']} recomputed in full; paragraphs "
                       f"{n['recomputed_paragraphs']} recomputed, {n['reused_paragraphs']} reused")
        for name, change in result.changelog.items():
            typer.echo(f"  {name}: +{change['added']} / -{change['removed']} triples")


def history(pipeline: PipelineOpt = Path("pipelines/sample.yaml"),
            cache_dir: CacheDirOpt = None) -> None:
    """Print the published refreshes (dumps, versions, paragraphs re-run)."""
    from kg2instruction.config.pipeline import load_pipeline
    from kg2instruction.refresh.orchestrator import refresh_dir

    path = refresh_dir(load_pipeline(pipeline)) / "history.json"
    typer.echo(path.read_text(encoding="utf-8") if path.is_file() else "[]")


def _pair(value: str, option: str) -> tuple[str, str]:
    key, sep, rest = value.partition("=")
    if not sep or not key or not rest:
        raise ConfigError(f"{option} {value!r}: expected LANG=VALUE", key=option.lstrip("-"))
    return key, rest


def _wiki_date(value: str) -> tuple[str, tuple[str, str]]:
    lang, spec = _pair(value, "--wikipedia")
    wiki, _, date = spec.partition("@")
    return lang, (wiki, date or "latest")
