"""`kg2i run`, `kg2i status`, `kg2i cache gc|rm`: running a pipeline, managing its cache."""
from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Optional

import typer

from kg2instruction.commands.options import CacheDirOpt, PipelineOpt, ThemeOpt

if TYPE_CHECKING:
    from rich.console import Console

    from kg2instruction.core.manifest import RunManifest

OverlayOpt = Annotated[Optional[Path], typer.Option(
    "--overlay", help="granularity overlay YAML (merge/split/rename/reverse/drop labels); "
                      "replaces the pipeline's `overlay:`")]


def register(app: typer.Typer) -> None:
    """Add this group's commands to the root app."""
    app.command("run")(run)
    app.command("status")(status)
    cache = typer.Typer(no_args_is_help=True,
                        help="Manage the run cache: stage outputs (gc), published products (rm).")
    cache.command("gc")(cache_gc)
    cache.command("rm")(cache_rm)
    app.add_typer(cache, name="cache")


def run(
    theme: ThemeOpt,
    pipeline: PipelineOpt = Path("pipelines/sample.yaml"),
    until: Annotated[Optional[str], typer.Option(help="run only up to this stage")] = None,
    force: Annotated[Optional[list[str]],
                     typer.Option(help="recompute STAGE even if cached (repeatable)")] = None,
    executor: Annotated[Optional[str], typer.Option(help="local | ray")] = None,
    ray_address: Annotated[Optional[str], typer.Option(help="join this Ray cluster")] = None,
    workers: Annotated[Optional[int], typer.Option(min=1, help="local process-pool size")] = None,
    streaming: Annotated[Optional[bool], typer.Option(
        "--streaming/--barrier", help="ray: start a shard's next stage as soon as the shard is "
                                      "done (default), or finish each stage first")] = None,
    overlay: OverlayOpt = None,
    cache_dir: CacheDirOpt = None,
) -> None:
    """Run the pipeline's stages (validated first; finished shards are reused)."""
    from kg2instruction.core.executors import make_executor
    from kg2instruction.core.progress import RunProgress
    from kg2instruction.core.runner import Runner, plan_run
    from kg2instruction.errors import ConfigError

    plan = plan_run(pipeline, theme, until=until, force=force or (), overlay=overlay)
    defaults = plan.pipeline.config.executor
    kind = executor or defaults.kind
    if kind not in ("local", "ray"):
        raise ConfigError(f"--executor {kind!r}: expected local or ray", key="executor")
    runner_executor = make_executor(kind, workers=workers or defaults.workers,
                                    ray_address=ray_address or defaults.ray_address,
                                    actors=defaults.actors,
                                    import_paths=[plan.pipeline.base_dir]
                                    if plan.pipeline.config.plugins else [],
                                    streaming=defaults.streaming if streaming is None
                                    else streaming,
                                    max_in_flight=defaults.max_in_flight)
    try:
        manifest = Runner(plan, runner_executor, RunProgress(), force=force or ()).run()
    finally:
        runner_executor.close()
    _print_summary(manifest, plan.run_dir)


def status(theme: ThemeOpt, pipeline: PipelineOpt = Path("pipelines/sample.yaml"),
           overlay: OverlayOpt = None, cache_dir: CacheDirOpt = None) -> None:
    """Show each stage's fingerprint and how many of its shards are done."""
    from rich.table import Table

    from kg2instruction.core.runner import plan_run
    from kg2instruction.core.status import plan_status

    plan = plan_run(pipeline, theme, overlay=overlay)
    table = Table(title=f"{plan.pipeline.name} / {theme}",
                  caption=f"run cache: {plan.run_dir} (from {plan.pipeline.cache_origin})")
    for column in ("stage", "kind", "fingerprint", "shards done", "state"):
        table.add_column(column)
    for row in plan_status(plan):
        total = "?" if row.total is None else str(row.total)
        table.add_row(row.stage, row.kind, row.fingerprint[:16], f"{row.done}/{total}", row.state)
    _console().print(table)


def cache_gc(
    pipeline: PipelineOpt = Path("pipelines/sample.yaml"),
    dry_run: Annotated[bool, typer.Option("--dry-run", help="list, do not delete")] = False,
    cache_dir: CacheDirOpt = None,
) -> None:
    """Delete stage outputs no run manifest references; never datasets, adapters or evals.

    Temporary files of killed runs go too, so do not run it while the pipeline is running.
    Published datasets, adapters and eval results are removed only by `kg2i cache rm`."""
    from kg2instruction.config.pipeline import load_pipeline
    from kg2instruction.core.gc import collect_garbage

    loaded = load_pipeline(pipeline)
    removed = collect_garbage(loaded.cache_root / loaded.name, dry_run=dry_run,
                              configured=loaded.config.stages)
    verb = "would remove" if dry_run else "removed"
    for path in removed:
        typer.echo(f"{verb} {path}")
    typer.echo(f"{verb} {len(removed)} unreferenced output{'' if len(removed) == 1 else 's'}")


def cache_rm(
    pipeline: PipelineOpt = Path("pipelines/sample.yaml"),
    dataset: Annotated[Optional[list[str]], typer.Option(
        "--dataset", metavar="THEME/VERSION",
        help="a published dataset version (repeatable); LATEST goes too if it names it")] = None,
    adapter: Annotated[Optional[list[str]], typer.Option(
        "--adapter", metavar="THEME", help="the theme's trained adapter (repeatable)")] = None,
    eval_results: Annotated[Optional[list[str]], typer.Option(
        "--eval", metavar="THEME", help="the theme's eval results (repeatable)")] = None,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="list, do not delete")] = False,
    cache_dir: CacheDirOpt = None,
) -> None:
    """Remove a published dataset version, adapter or eval results, named exactly.

    Every target is checked first; a vague or missing one is refused and nothing is removed."""
    from kg2instruction.config.pipeline import load_pipeline
    from kg2instruction.core.published import plan_removals, remove

    loaded = load_pipeline(pipeline)
    url = loaded.config.datasets_url
    planned = plan_removals(loaded.cache_root / loaded.name, datasets=dataset or (),
                            adapters=adapter or (), evals=eval_results or (), datasets_url=url,
                            options=None if url is None else loaded.storage_options(url))
    if not dry_run:
        remove(planned)
    verb = "would remove" if dry_run else "removed"
    for removal in planned:
        typer.echo(f"{verb} {removal.what}: {removal.path}")


def _console() -> Console:
    """Stdout at the terminal's width; logs and pipes get a fixed width (not `COLUMNS`, not 80),
    so a table is never squeezed and reads the same everywhere."""
    from rich.console import Console

    console = Console()
    return console if console.is_terminal else Console(width=140)


def _print_summary(manifest: RunManifest, run_dir: Path) -> None:
    from rich.table import Table

    console = _console()
    table = Table(title=f"run {manifest.pipeline} / {manifest.theme}: {manifest.status}, "
                        f"{manifest.wall_seconds:.1f}s")
    for column in ("stage", "fingerprint", "computed", "reused", "in", "kept", "dropped", "s"):
        table.add_column(column, justify="left" if column in ("stage", "fingerprint") else "right")
    for name, report in manifest.stages.items():
        table.add_row(name, report.fingerprint[:12], str(report.shards_computed),
                      str(report.shards_reused), str(report.funnel.records_in),
                      str(report.funnel.kept), str(sum(report.funnel.dropped.values())),
                      f"{report.wall_seconds:.2f}")
    console.print(table)
    for name, report in manifest.stages.items():
        if report.counters:
            counts = "  ".join(f"{k}={v:,}" for k, v in report.counters.items())
            console.print(f"[bold]{name}[/bold] ingested/counted: {counts}", highlight=False)
        if report.funnel.dropped:
            reasons = "  ".join(f"{k}={v:,}" for k, v in report.funnel.dropped.items())
            console.print(f"[bold]{name}[/bold] dropped: {reasons}", highlight=False)
    console.print(f"manifest: {run_dir / 'manifests' / (manifest.theme + '.json')}",
                  highlight=False)
