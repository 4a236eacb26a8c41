"""`kg2i` commands for models: train (LoRA/QLoRA), predict (local or endpoint), eval.

Each command lives in its own `_register_<name>` function so the commands stay independent.
Only the light option types are imported here (the two enums have modules of their own); torch,
transformers, ROUGE and the HTTP client load inside the command that runs, so `kg2i --help`
stays quick.
"""
from __future__ import annotations

from pathlib import Path

import typer

from kg2instruction.evaluate.endpoint_api import EndpointApi
from kg2instruction.evaluate.metrics import MatchMode


def register(app: typer.Typer) -> None:
    """Add this group's commands to the root app."""
    _register_eval(app)
    _register_train(app)
    _register_predict(app)


def _register_eval(app: typer.Typer) -> None:
    @app.command("eval")
    def eval_command(
        gold: Path = typer.Option(..., "--gold", help="Gold JSONL: instruction records "
                                  "{id, instruction, output, cate, lang} or InstructIE records "
                                  "{id, cate, text, relation}."),
        pred: Path = typer.Option(..., "--pred", help="Predictions JSONL: {id, output} with the "
                                  "model's raw text, one line per gold line; the chunks of a "
                                  "record share its id and are answered in gold order."),
        mode: MatchMode = typer.Option(MatchMode.NORMAL, "--mode",
                                       help="normal: multiset matching; set: duplicates removed."),
        out: Path | None = typer.Option(None, "--out", help="Write the JSON report here."),
        missing_as_empty: bool = typer.Option(False, "--missing-as-empty",
                                              help="Score gold ids without a prediction as empty "
                                                   "outputs instead of failing."),
        lenient: bool = typer.Option(False, "--lenient", help="Also score with outputs repaired "
                                     "tolerantly (fences, prose, trailing commas), reported "
                                     "beside the strict figures of the field's rule."),
    ) -> None:
        """Score predictions: P/R/F1, ROUGE-2, Score and error types, per theme and overall.

        Outputs are read by IEPile's rule (the whole output as JSON); a parse failure predicts
        nothing and is counted."""
        from kg2instruction.evaluate import evaluate_files
        from kg2instruction.evaluate.report import format_table, write_report

        report = evaluate_files(gold, pred, mode=mode, missing_as_empty=missing_as_empty,
                                lenient=lenient)
        typer.echo(format_table(report))
        if out is not None:
            write_report(report, out)
            typer.echo(f"report written to {out}")


def _split_themes(value: str) -> list[str]:
    return [t.strip() for t in value.split(",") if t.strip()]


def _adapter_identity(adapter: Path | None) -> dict | None:
    """An adapter is identified by its weights: retraining into the same folder changes it."""
    if adapter is None:
        return None
    from kg2instruction.train.data import fingerprint_files

    weights = sorted(adapter.glob("adapter_model.*"))
    return {"path": str(adapter), "weights_sha256": fingerprint_files(weights) if weights else None}


def _register_train(app: typer.Typer) -> None:
    @app.command("train")
    def train_command(
        data: list[Path] = typer.Option(..., "--data", help="Dataset folder (its train split is "
                                        "used) or JSONL/Parquet file of instruction records; "
                                        "repeat to train on several (e.g. instructie/ and "
                                        "iepile/ of an exported dataset)."),
        model: str = typer.Option("smollm2-135m", "--model", help="Packaged model name, local "
                                  "path (folder or .gguf file) or hub id."),
        gguf_file: str | None = typer.Option(None, "--gguf-file",
                                             help="GGUF file inside the model folder."),
        config: Path = typer.Option(Path("pipelines/train/lora_cpu.yaml"), "--config",
                                    help="Training hyper-parameters (YAML)."),
        out: Path = typer.Option(..., "--out", help="Adapter output folder."),
        resume: bool = typer.Option(False, "--resume",
                                    help="Continue from the last checkpoint in --out."),
        exclude_themes: str = typer.Option("", "--exclude-themes", help="Comma-separated themes "
                                           "to leave out (unseen-theme experiments)."),
        themes_dir: Path = typer.Option(Path("themes"), "--themes-dir", help="Theme files, to "
                                        "match theme ids to their names in every language."),
    ) -> None:
        """Fine-tune a LoRA adapter (QLoRA on CUDA, LoRA on the CPU) and write it with its card."""
        from kg2instruction.train.config import load_train_config
        from kg2instruction.train.trainer import train_adapter

        from kg2instruction.train.theme_names import expand_themes

        excluded = expand_themes(_split_themes(exclude_themes), themes_dir)
        result = train_adapter(data, model, load_train_config(config), out, gguf_file=gguf_file,
                               resume=resume, exclude_themes=excluded, log=typer.echo)
        metrics = result.card.metrics
        typer.echo(f"adapter written to {result.out}: {metrics['steps']} steps, loss "
                   f"{metrics['loss_first']} -> {metrics['loss_last']}, "
                   f"{metrics['seconds_per_step']} s/step")


def _register_predict(app: typer.Typer) -> None:
    @app.command("predict")
    def predict_command(
        data: Path = typer.Option(..., "--data", help="Dataset folder or test JSONL/Parquet."),
        out: Path = typer.Option(..., "--out", help="Predictions JSONL (appended; a rerun "
                                 "continues where it stopped)."),
        model: str = typer.Option("smollm2-135m", "--model", help="Packaged model name, local "
                                  "path or hub id (with --endpoint: the served model's name)."),
        gguf_file: str | None = typer.Option(None, "--gguf-file"),
        adapter: Path | None = typer.Option(None, "--adapter", help="LoRA adapter folder."),
        endpoint: str | None = typer.Option(None, "--endpoint", help="OpenAI-compatible server "
                                            "URL (e.g. a vLLM server) instead of a local model."),
        api: EndpointApi = typer.Option(EndpointApi.COMPLETIONS, "--api",
                                        help="Endpoint API: completions or chat."),
        split: str = typer.Option("test", "--split", help="Split to predict in a dataset folder."),
        shots: int = typer.Option(0, "--shots", min=0, help="k in-context examples per theme "
                                  "from the dev split (the paper used 5)."),
        dev: Path | None = typer.Option(None, "--dev", help="Where the dev split is (default: "
                                        "--data)."),
        template: str = typer.Option("alpaca", "--template", help="Prompt template: alpaca or "
                                     "plain."),
        max_new_tokens: int = typer.Option(512, "--max-new-tokens", min=1),
        batch_size: int = typer.Option(8, "--batch-size", min=1),
        seed: int = typer.Option(13, "--seed"),
        limit: int | None = typer.Option(None, "--limit", min=1, help="Stop after this many new "
                                         "predictions."),
        themes: str = typer.Option("", "--themes", help="Only these comma-separated themes "
                                   "(e.g. the themes a tuned model never saw)."),
        themes_dir: Path = typer.Option(Path("themes"), "--themes-dir", help="Theme files, to "
                                        "match theme ids to their names in every language."),
        threads: int | None = typer.Option(None, "--threads", min=1,
                                           help="torch CPU threads."),
    ) -> None:
        """Generate predictions ({id, output} JSONL) for `kg2i eval`."""
        from kg2instruction.evaluate.generation import GenerationSettings, TransformersGenerator
        from kg2instruction.evaluate.openai_client import OpenAICompatibleGenerator
        from kg2instruction.evaluate.predict import PredictionJob, predict_file
        from kg2instruction.train.template import get_template
        from kg2instruction.train.theme_names import expand_themes

        try:
            prompt_template = get_template(template)
        except ValueError as exc:
            raise typer.BadParameter(str(exc), param_hint="--template") from None
        settings = GenerationSettings(max_new_tokens=max_new_tokens, stop=prompt_template.stop)
        if endpoint:
            generator = OpenAICompatibleGenerator(endpoint, model, settings, api=api)
        else:
            if threads:
                import torch

                torch.set_num_threads(threads)
            generator = TransformersGenerator.load(model, settings, gguf_file=gguf_file,
                                                   adapter=adapter)
        producer = {"model": model, "gguf_file": gguf_file, "endpoint": endpoint,
                    "api": api.value if endpoint else None, "max_new_tokens": max_new_tokens,
                    "adapter": _adapter_identity(adapter)}
        job = PredictionJob(data, out, prompt_template, split=split, shots=shots, dev=dev,
                            seed=seed, batch_size=batch_size, limit=limit,
                            only_themes=tuple(expand_themes(_split_themes(themes), themes_dir)),
                            producer=producer)
        summary = predict_file(job, generator, log=typer.echo)
        typer.echo(f"{summary.written} predictions written to {out} "
                   f"({summary.already_done} were already there)")
