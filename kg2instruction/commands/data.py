"""`kg2i export`, `kg2i report`, `kg2i hard-negatives`: publishing and inspecting a run's data.

Stages write no files of their own, so publishing the dataset folder and the HTML report are
steps after `kg2i run` (`make pipeline` runs all three). Both read the run through its manifest.
"""
from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any, Optional

import typer

from kg2instruction.commands.options import CacheDirOpt, PipelineOpt, ThemeOpt

SOURCE_KINDS = ("wikipedia", "wikidata")


def register(app: typer.Typer) -> None:
    """Add this group's commands to the root app."""
    app.command("export")(export)
    app.command("report")(report)
    app.command("hard-negatives")(hard_negatives)


def export(
    theme: ThemeOpt,
    pipeline: PipelineOpt = Path("pipelines/sample.yaml"),
    out: Annotated[Optional[str], typer.Option(
        help="dataset root: a folder or a URL such as s3://bucket/prefix (default: the "
             "pipeline's datasets_url/<theme>, else <cache>/<run>/datasets/<theme>)")] = None,
    cache_dir: CacheDirOpt = None,
) -> None:
    """Publish the run's records and instructions as a versioned dataset folder."""
    from kg2instruction.config.pipeline import load_pipeline
    from kg2instruction.dataset.export import ExportInfo, export_to
    from kg2instruction.dataset.run_outputs import load_run
    from kg2instruction.storage.location import is_url

    loaded = load_pipeline(pipeline)
    run_dir = loaded.cache_root / loaded.name
    run = load_run(run_dir, theme, loaded.base_dir)
    fingerprint = run.fingerprint("make_instructions")
    info = ExportInfo(pipeline=loaded.name, theme=theme, version=f"{theme}-{fingerprint[:12]}",
                      seed=loaded.config.seed, sources=_sources(loaded),
                      fingerprints={k: v.fingerprint for k, v in run.manifest.stages.items()})
    target: str | Path = loaded.datasets_root(theme) if out is None else \
        (out if is_url(out) else Path(out))
    folder = export_to(run.table("build_records"), run.table("make_instructions"), target, info,
                       staging=run_dir / "datasets" / ".staging" / theme,
                       options=loaded.storage_options(target) if is_url(target) else None)
    typer.echo(f"dataset: {folder}")


def report(
    theme: ThemeOpt,
    pipeline: PipelineOpt = Path("pipelines/sample.yaml"),
    out: Annotated[Optional[Path], typer.Option(
        help="HTML file (default: <cache>/<run>/reports/<theme>.html)")] = None,
    cache_dir: CacheDirOpt = None,
) -> None:
    """Write the HTML data report of a run (funnel, labels, combinations, NLI, types, themes)."""
    from kg2instruction.config.pipeline import load_pipeline
    from kg2instruction.dataset.report import collect, write_report
    from kg2instruction.dataset.run_outputs import load_run

    loaded = load_pipeline(pipeline)
    run_dir = loaded.cache_root / loaded.name
    stats = collect(load_run(run_dir, theme, loaded.base_dir))
    path = write_report(stats, out or run_dir / "reports" / f"{theme}.html")
    typer.echo(f"report: {path}")


def hard_negatives(
    theme: ThemeOpt,
    themes_dir: Annotated[Path, typer.Option(help="directory of theme files")] = Path("themes"),
    out: Annotated[Optional[Path], typer.Option(
        help="YAML to write (default: <themes-dir>/hard_negatives/<theme>.yaml)")] = None,
    pipeline: Annotated[Optional[Path], typer.Option(
        help="also use label co-occurrence in this pipeline's run of the theme")] = None,
    top_k: Annotated[int, typer.Option(min=1, help="negatives per label")] = 3,
    embeddings: Annotated[str, typer.Option(
        help="label similarity: ngram (no model) | minilm (bundled all-MiniLM-L6-v2)")] = "minilm",
    cache_dir: CacheDirOpt = None,
) -> None:
    """Build the editable hard-negative dictionary of a theme."""
    from kg2instruction.config.theme import load_theme
    from kg2instruction.dataset.run_outputs import load_pipeline_run
    from kg2instruction.errors import ConfigError
    from kg2instruction.instructions.hard_negatives import (MiniLMSimilarity,
                                                            build_hard_negatives,
                                                            ngram_similarity,
                                                            write_hard_negatives)

    if embeddings not in ("ngram", "minilm"):
        raise ConfigError(f"--embeddings {embeddings!r}: expected ngram or minilm",
                          key="embeddings")

    loaded_theme = load_theme(theme, themes_dir)
    label_sets: list[list[str]] = []
    if pipeline is not None:
        run = load_pipeline_run(pipeline, theme)
        if run.has("sample_paragraphs"):
            label_sets = run.table("sample_paragraphs", ["labels"])["labels"].to_pylist()
    try:
        similarity = MiniLMSimilarity() if embeddings == "minilm" else ngram_similarity
    except ImportError as exc:
        raise ConfigError(f"--embeddings minilm needs the [train] extra ({exc}); install "
                          "kg2instruction[train] or use --embeddings ngram",
                          key="embeddings") from None
    dictionary = build_hard_negatives(loaded_theme, label_sets, top_k=top_k,
                                      similarity=similarity)
    path = out or themes_dir / "hard_negatives" / f"{theme}.yaml"
    path.parent.mkdir(parents=True, exist_ok=True)
    write_hard_negatives(dictionary, path,
                         built_with=f"--embeddings {embeddings}" + (" --pipeline " + str(pipeline)
                                                                    if pipeline else ""))
    typer.echo(f"hard negatives: {path}")


def _sources(loaded: Any) -> list[dict[str, Any]]:
    """Each input dump with its identity (name, size, head/tail SHA-1) for the dataset card."""
    from kg2instruction.kg.dump_identity import dump_identity

    out = []
    for kind in SOURCE_KINDS:
        for index, source in enumerate(loaded.source_files(kind)):
            out.append({"kind": kind, "lang": source.lang, "name": source.shard_prefix,
                        "file": dump_identity(loaded.source_path(kind, index))})
    return out
