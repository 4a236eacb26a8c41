"""The `kg2i` command line: one Typer app; each command group lives in `kg2instruction.commands`."""
from __future__ import annotations

import importlib
import sys

import typer

from kg2instruction.commands.options import CacheDirOpt
from kg2instruction.errors import KG2IError

# Each module exposes `register(app: typer.Typer) -> None`.
COMMAND_MODULES = (
    "kg2instruction.commands.kg",        # kg build, kg info, kg export-rdf
    "kg2instruction.commands.pipeline",  # run, status, cache gc
    "kg2instruction.commands.nli",       # nli train / nli eval
    "kg2instruction.commands.data",      # report
    "kg2instruction.commands.model",     # train, predict, eval
    "kg2instruction.commands.refresh",   # refresh
    "kg2instruction.commands.audit",     # audit (sample a run for hand judging; --score)
)


def build_app() -> typer.Typer:
    # Typer's pretty tracebacks would print before `main` turns a user's disk error into a line
    app = typer.Typer(no_args_is_help=True, add_completion=False, pretty_exceptions_enable=False,
                      help="KG2Instruction: Wikipedia + Wikidata -> IE instruction data.")
    @app.callback()
    def _root(cache_dir: CacheDirOpt = None) -> None:
        """KG2Instruction: Wikipedia + Wikidata -> theme-centric IE instruction data."""

    @app.command()
    def version() -> None:
        """Print the package version."""
        from kg2instruction import __version__

        typer.echo(__version__)

    for name in COMMAND_MODULES:
        importlib.import_module(name).register(app)
    return app


def main(argv: list[str] | None = None) -> int:
    """Entry point: user-facing errors become one line on stderr and exit code 2."""
    _forget_cache_dir()
    try:
        return _run(argv)
    finally:
        _forget_cache_dir()


def _run(argv: list[str] | None) -> int:
    app = build_app()
    try:
        app(args=argv, standalone_mode=False)
    except KG2IError as exc:
        print(f"kg2i: error: {exc}", file=sys.stderr)
        return exc.exit_code
    except typer.Exit as exc:
        return exc.exit_code
    except (typer.Abort, KeyboardInterrupt):
        print("kg2i: aborted", file=sys.stderr)
        return 130
    except typer.TyperException as exc:  # usage errors surface here in non-standalone mode
        if hasattr(exc, "show"):
            exc.show()
        else:
            print(f"kg2i: error: {exc}", file=sys.stderr)
        return 2
    except OSError as exc:                # a full or failing disk: the path and the cause
        where = f"{exc.filename}: " if exc.filename else ""
        print(f"kg2i: error: {where}{_one_line(exc.strerror or str(exc))}", file=sys.stderr)
        return 2
    except Exception as exc:
        if not _is_storage_error(exc):
            raise
        print(f"kg2i: error: {_one_line(str(exc))}", file=sys.stderr)
        return 2
    return 0


def _forget_cache_dir() -> None:
    """A `--cache-dir` of one in-process call (tests, notebooks) must not leak into another:
    cleared when `main` starts and when it returns. Checked in `sys.modules` so a plain `--help` does not import the pipeline config."""
    pipeline_config = sys.modules.get("kg2instruction.config.pipeline")
    if pipeline_config is not None:
        pipeline_config.set_cache_dir_override(None)


def _is_storage_error(exc: Exception) -> bool:
    """DuckDB reports a failed write (full disk, file size limit) as its own IOException, whose
    message names the file; it is a user's disk problem, not a bug to show a traceback for.
    DuckDB 2 raises it from its `_duckdb` extension module (as a FatalException at checkpoint)."""
    if not type(exc).__module__.lstrip("_").startswith("duckdb"):
        return False
    message = str(exc)
    return type(exc).__name__ == "IOException" or any(
        cause in message for cause in ("Could not write", "No space left", "File too large"))


def _one_line(message: str) -> str:
    return " ".join(message.split())


if __name__ == "__main__":
    sys.exit(main())
