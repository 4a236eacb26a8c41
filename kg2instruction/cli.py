"""The `kg2i` command line: one Typer app; each command group lives in `kg2instruction.commands`."""
from __future__ import annotations

import importlib
import sys

import typer

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
    app = typer.Typer(no_args_is_help=True, add_completion=False,
                      help="KG2Instruction: Wikipedia + Wikidata -> IE instruction data.")
    @app.callback()
    def _root() -> None:
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
    return 0


if __name__ == "__main__":
    sys.exit(main())
