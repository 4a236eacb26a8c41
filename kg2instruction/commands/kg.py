"""`kg2i kg ...`: build the knowledge-graph store from a Wikidata dump and inspect it.

`kg_app` is the group's Typer app; other KG commands (e.g. `export-rdf`) attach to it with
`@kg_app.command(...)`.
"""
from __future__ import annotations

import json
from pathlib import Path

import typer

from kg2instruction.commands.options import CacheDirOpt

kg_app = typer.Typer(no_args_is_help=True, add_completion=False,
                     help="Build and inspect the knowledge-graph store (DuckDB).")


def _split_csv(value: str) -> tuple[str, ...]:
    return tuple(part.strip() for part in value.split(",") if part.strip())


@kg_app.command("build")
def build(
    dump: Path = typer.Option(..., "--dump", help="Wikidata JSON dump (.json, .json.bz2, .json.gz)"),
    out: Path = typer.Option(..., "--out", help="DuckDB file to write (replaced atomically)"),
    langs: str = typer.Option("en,zh", "--langs", help="comma-separated configured languages"),
    wikis: str = typer.Option("enwiki,zhwiki", "--wikis", help="sitelink wikis to keep"),
    datatypes_csv: Path | None = typer.Option(
        None, "--datatypes-csv", help="extra property datatypes (CSV: property_id,datatype)"),
    max_bad_lines: int = typer.Option(100, "--max-bad-lines", min=0,
                                      help="corrupt lines tolerated before the build fails"),
    memory_limit: str = typer.Option("128MB", "--memory-limit",
                                     help="DuckDB memory limit (raise it for speed on a full dump)"),
    threads: int | None = typer.Option(None, "--threads", min=1, help="bzip2 decoder threads"),
    workers: int | None = typer.Option(None, "--workers", min=1,
                                       help="JSON parse processes (default: one per CPU for "
                                            "large dumps)"),
) -> None:
    """Ingest a Wikidata dump into a DuckDB KG store and print what was ingested."""
    from pydantic import ValidationError

    from kg2instruction.errors import ConfigError
    from kg2instruction.kg.build import build_kg
    from kg2instruction.kg.build_config import BuildResources, KGBuildConfig

    try:
        config = KGBuildConfig(languages=_split_csv(langs), sitelink_wikis=_split_csv(wikis),
                               max_bad_lines=max_bad_lines)
        resources = BuildResources(memory_limit=memory_limit, decompress_threads=threads,
                                   parse_workers=workers)
    except ValidationError as exc:
        first = exc.errors()[0]
        raise ConfigError(f"{first['msg']}", key=".".join(map(str, first["loc"]))) from None
    summary = build_kg(dump, out, config, resources, datatypes_csv=datatypes_csv)
    for line in summary.lines():
        typer.echo(line)


@kg_app.command("info")
def info(
    kg: Path | None = typer.Option(None, "--kg", help="DuckDB KG store (default: the KG the "
                                   "pipeline's latest run built)"),
    pipeline: Path = typer.Option(Path("pipelines/sample.yaml"), "--pipeline", "-p",
                                  help="pipeline whose run's KG to show when --kg is not given"),
    cache_dir: CacheDirOpt = None,
) -> None:
    """Print where a KG store came from (dump id, config, build time) and its row counts."""
    from kg2instruction.kg.store_access import read_meta

    if kg is None:
        kg = run_kg_store(pipeline)
    meta = read_meta(kg)
    typer.echo(f"KG store {kg}")
    for key in ("schema_version", "built_at", "content_digest"):
        typer.echo(f"  {key}: {meta.get(key)}")
    typer.echo(f"  dump: {json.dumps(meta.get('dump_id'), sort_keys=True)}")
    typer.echo(f"  config: {json.dumps(meta.get('config'), sort_keys=True)}")
    for name, count in sorted(dict(meta.get("counts") or {}).items()):
        typer.echo(f"  {name}: {count:,}")


@kg_app.command("export-rdf")
def export_rdf_command(
    kg: Path = typer.Option(..., "--kg", help="DuckDB KG store"),
    out: Path = typer.Option(..., "--out", help="RDF file to write (.nt or .ttl; replaced atomically)"),
    rdf_format: str | None = typer.Option(None, "--format",
                                          help="nt or ttl (default: from the --out suffix)"),
    entities_file: Path | None = typer.Option(
        None, "--entities", help="export only these entities (a file with one Q/P-id per line)"),
) -> None:
    """Write the KG as RDF in Wikidata's model (wd:/wdt:/p:/ps:/psv:, labels, sitelinks)."""
    from kg2instruction.kg.rdf_export import export_rdf, read_entity_list

    entities = read_entity_list(entities_file) if entities_file is not None else None
    summary = export_rdf(kg, out, rdf_format=rdf_format, entities=entities)
    typer.echo(f"RDF ({summary.rdf_format}) written to {summary.out} in {summary.seconds:.1f} s: "
               f"{summary.triples:,} triples")
    for source, rows in summary.rows.items():
        typer.echo(f"  {source}: {rows:,} rows")
    if summary.skipped_rows:
        typer.echo(f"  skipped rows: {summary.skipped_rows:,}")
        for example in summary.skipped_examples:
            typer.echo(f"    {example}")


def register(app: typer.Typer) -> None:
    """Add the `kg` group to the root app."""
    app.add_typer(kg_app, name="kg")


def run_kg_store(pipeline_file: Path) -> Path:
    """The KG store the newest run of a pipeline built: a user who ran `make pipeline` should
    not have to dig a fingerprinted cache path out of a manifest."""
    from kg2instruction.config.pipeline import load_pipeline
    from kg2instruction.core.manifest import read_manifests
    from kg2instruction.errors import InputError
    from kg2instruction.stages.build_kg import STORE_FILE

    pipeline = load_pipeline(pipeline_file)
    run_dir = pipeline.cache_root / pipeline.name
    stores = sorted(((m.finished_at or "", pipeline.base_dir / m.stages["build_kg"].output)
                     for m in read_manifests(run_dir) if "build_kg" in m.stages),
                    reverse=True)
    for _, output in stores:
        for candidate in (output / "artifact" / STORE_FILE, output / STORE_FILE):
            if candidate.is_file():
                return candidate
    raise InputError(run_dir, f"no KG store built by a run of {pipeline_file}; run "
                              f"`kg2i run --pipeline {pipeline_file} --theme THEME` first, or pass "
                              "--kg FILE")

