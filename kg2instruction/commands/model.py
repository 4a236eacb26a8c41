"""`kg2i` commands for models: eval (train and predict are added here by their owner).

Each command lives in its own `_register_<name>` function so the commands stay independent.
"""
from __future__ import annotations

from pathlib import Path

import typer

from kg2instruction.evaluate.metrics import MatchMode


def register(app: typer.Typer) -> None:
    """Add this group's commands to the root app."""
    _register_eval(app)


def _register_eval(app: typer.Typer) -> None:
    @app.command("eval")
    def eval_command(
        gold: Path = typer.Option(..., "--gold", help="Gold JSONL: instruction records "
                                  "{id, instruction, output, cate, lang} or InstructIE records "
                                  "{id, cate, text, relation}."),
        pred: Path = typer.Option(..., "--pred", help="Predictions JSONL: {id, output} with the "
                                  "model's raw text; ids '<record>#<k>' for split instructions."),
        mode: MatchMode = typer.Option(MatchMode.NORMAL, "--mode",
                                       help="normal: multiset matching; set: duplicates removed."),
        out: Path | None = typer.Option(None, "--out", help="Write the JSON report here."),
        missing_as_empty: bool = typer.Option(False, "--missing-as-empty",
                                              help="Score gold ids without a prediction as empty "
                                                   "outputs instead of failing."),
    ) -> None:
        """Score predictions: P/R/F1, ROUGE-2, Score and error types, per theme and overall."""
        from kg2instruction.evaluate import evaluate_files
        from kg2instruction.evaluate.report import format_table, write_report

        report = evaluate_files(gold, pred, mode=mode, missing_as_empty=missing_as_empty)
        typer.echo(format_table(report))
        if out is not None:
            write_report(report, out)
            typer.echo(f"report written to {out}")
