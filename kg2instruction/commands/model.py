"""`kg2i` commands for models: train (LoRA/QLoRA, SFT or DPO), predict (local or endpoint), eval,
preference-pairs (DPO data from ground truth), eval-compare (models side by side).

Each command lives in its own `_register_<name>` function so the commands stay independent.
Only the light option types are imported here (the enums have modules of their own); torch,
transformers, ROUGE and the HTTP client load inside the command that runs, so `kg2i --help`
stays quick.
"""
from __future__ import annotations

from pathlib import Path

import typer

from kg2instruction.evaluate.endpoint_api import EndpointApi
from kg2instruction.evaluate.metrics import MatchMode
from kg2instruction.train.method import TrainMethod

SFT_CONFIG = Path("pipelines/train/lora_cpu.yaml")
DPO_CONFIG = Path("pipelines/train/dpo_cpu.yaml")


def register(app: typer.Typer) -> None:
    """Add this group's commands to the root app."""
    _register_eval(app)
    _register_train(app)
    _register_predict(app)
    _register_preference_pairs(app)
    _register_eval_compare(app)


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


def _adapter_template(adapter: Path | None) -> str:
    """The template an adapter was tuned with (its card), so its prompts match its training."""
    from kg2instruction.train.card import read_card

    card = read_card(adapter) if adapter is not None else None
    return str(card.config.get("template", "alpaca")) if card is not None else "alpaca"


def _register_train(app: typer.Typer) -> None:
    @app.command("train")
    def train_command(
        data: list[Path] = typer.Option(..., "--data", help="sft: dataset folder (its train "
                                        "split is used) or JSONL/Parquet file of instruction "
                                        "records; dpo: a preference-pairs JSONL (`kg2i "
                                        "preference-pairs`). Repeat to train on several (e.g. "
                                        "instructie/ and iepile/ of an exported dataset)."),
        method: TrainMethod = typer.Option(TrainMethod.SFT, "--method", help="sft: a new LoRA "
                                           "adapter from instructions; dpo: continue the SFT "
                                           "--adapter on preference pairs."),
        adapter: Path | None = typer.Option(None, "--adapter", help="dpo: the SFT adapter "
                                            "folder to continue (also the frozen reference)."),
        model: str | None = typer.Option(None, "--model", help="Packaged model name, local "
                                         "path (folder or .gguf file) or hub id (sft default: "
                                         "smollm2-135m; dpo default: the SFT adapter's base)."),
        gguf_file: str | None = typer.Option(None, "--gguf-file",
                                             help="GGUF file inside the model folder."),
        config: Path | None = typer.Option(None, "--config", help="Training hyper-parameters "
                                           "(YAML; default pipelines/train/lora_cpu.yaml, "
                                           "with --method dpo pipelines/train/dpo_cpu.yaml)."),
        out: Path = typer.Option(..., "--out", help="Adapter output folder."),
        resume: bool = typer.Option(False, "--resume",
                                    help="Continue from the last checkpoint in --out."),
        exclude_themes: str = typer.Option("", "--exclude-themes", help="sft: comma-separated "
                                           "themes to leave out (unseen-theme experiments)."),
        themes_dir: Path = typer.Option(Path("themes"), "--themes-dir", help="Theme files, to "
                                        "match theme ids to their names in every language."),
    ) -> None:
        """Fine-tune a LoRA adapter (QLoRA on CUDA, LoRA on the CPU) and write it with its card.

        --method dpo continues an SFT adapter on preference pairs (TRL's DPOTrainer), with the
        SFT model as the frozen reference; the result is used like any adapter."""
        from kg2instruction.errors import InputError

        if method is TrainMethod.DPO:
            if adapter is None:
                raise InputError("--adapter", "required with --method dpo: DPO continues an SFT "
                                              "adapter (pass the folder `kg2i train` wrote)")
            if exclude_themes.strip():
                raise InputError("--exclude-themes", "applies to --method sft only (the pairs "
                                                     "file already holds the instances to use)")
            from kg2instruction.train.dpo import train_dpo
            from kg2instruction.train.dpo_config import load_dpo_config

            result = train_dpo(data, adapter, load_dpo_config(config or DPO_CONFIG), out,
                               model=model, gguf_file=gguf_file, resume=resume, log=typer.echo)
            metrics = result.card.metrics
            typer.echo(f"DPO adapter written to {result.out}: {metrics['steps']} steps on "
                       f"{metrics['pairs']} pairs, loss {metrics['loss_first']} -> "
                       f"{metrics['loss_last']}, reward accuracy "
                       f"{metrics['reward_accuracy_last']}, {metrics['seconds_per_step']} s/step")
            return
        if adapter is not None:
            raise InputError("--adapter", "applies to --method dpo only (sft trains a new "
                                          "adapter)")
        from kg2instruction.train.config import load_train_config
        from kg2instruction.train.theme_names import expand_themes
        from kg2instruction.train.trainer import train_adapter

        excluded = expand_themes(_split_themes(exclude_themes), themes_dir)
        result = train_adapter(data, model or "smollm2-135m",
                               load_train_config(config or SFT_CONFIG), out, gguf_file=gguf_file,
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
                                  "from the dev split (the paper used 5), for the base model "
                                  "and an --adapter alike."),
        dev: Path | None = typer.Option(None, "--dev", help="Where the dev split is (default: "
                                        "--data)."),
        template: str | None = typer.Option(None, "--template", help="Prompt template: alpaca "
                                            "or plain (default: the one the --adapter was "
                                            "trained with, else alpaca)."),
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

        if template is None:
            template = _adapter_template(adapter)
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


def _register_preference_pairs(app: typer.Typer) -> None:
    @app.command("preference-pairs")
    def preference_pairs_command(
        adapter: Path = typer.Option(..., "--adapter", help="The trained SFT adapter folder "
                                     "(`kg2i train --out`); its card names the base model and "
                                     "the prompt template."),
        data: list[Path] = typer.Option(..., "--data", help="Dataset folder (its train split is "
                                        "used, e.g. <version>/iepile) or JSONL/Parquet file; "
                                        "repeat for several."),
        out: Path = typer.Option(..., "--out", help="Pairs JSONL {prompt, chosen, rejected, id, "
                                 "kind, chosen_score, rejected_score, task}; the samples grow "
                                 "beside it (pairs.samples.jsonl for pairs.jsonl; a rerun "
                                 "continues them)."),
        model: str | None = typer.Option(None, "--model", help="Base model (default: the one "
                                         "the adapter card names)."),
        gguf_file: str | None = typer.Option(None, "--gguf-file"),
        samples: int = typer.Option(4, "--samples", min=2, help="Answers sampled per "
                                    "instruction."),
        temperature: float = typer.Option(1.0, "--temperature", min=0.01),
        margin: float = typer.Option(10.0, "--margin", min=0.0, help="Online pair when the best "
                                     "and worst samples' scores (F1 x 100) differ by more."),
        offline_share: float = typer.Option(0.7, "--offline-share", min=0.0, max=1.0,
                                            help="Share of offline (gold vs worst sample) "
                                                 "pairs in the output; ADELIE's best was 0.7."),
        limit: int | None = typer.Option(None, "--limit", min=1, help="Sample only this many "
                                         "instructions (the first of a seeded order, so every "
                                         "theme and task is drawn from)."),
        max_new_tokens: int = typer.Option(256, "--max-new-tokens", min=1),
        seed: int = typer.Option(13, "--seed"),
        threads: int | None = typer.Option(None, "--threads", min=1, help="torch CPU threads."),
    ) -> None:
        """Preference pairs from ground truth (ADELIE's IEFeedback) for `kg2i train --method dpo`.

        Samples the tuned model several times per training instruction, scores each answer
        strictly against the gold, and pairs best vs worst sample (online) and gold vs worst
        sample (offline). Sampling runs in its own process, apart from training."""
        from kg2instruction.evaluate.generation import GenerationSettings, TransformersGenerator
        from kg2instruction.train.card import require_card
        from kg2instruction.train.feedback import (
            FeedbackJob,
            GeneratorSampler,
            sample_instances,
            samples_path,
            write_pairs,
        )
        from kg2instruction.train.template import get_template

        card = require_card(adapter)
        template = get_template(card.config.get("template", "alpaca"))
        base = model or card.base_model
        gguf = gguf_file if model else (gguf_file or card.gguf_file)
        if threads:
            import torch

            torch.set_num_threads(threads)
        settings = GenerationSettings(max_new_tokens=max_new_tokens, temperature=temperature,
                                      stop=template.stop)
        producer = {"model": base, "gguf_file": gguf, "adapter": _adapter_identity(adapter),
                    "temperature": temperature, "max_new_tokens": max_new_tokens}
        job = FeedbackJob(data, out, template, samples=samples, seed=seed, limit=limit,
                          producer=producer)
        generator = TransformersGenerator.load(base, settings, gguf_file=gguf, adapter=adapter)
        summary = sample_instances(job, GeneratorSampler(generator), log=typer.echo)
        result = write_pairs(out, margin=margin, offline_share=offline_share, seed=seed)
        typer.echo(f"{summary.sampled} instructions sampled now ({summary.already_done} were "
                   f"already in {samples_path(out)}); pairs offered: {result.candidates['online']} "
                   f"online, {result.candidates['offline']} offline; kept "
                   f"{result.kept['online']} online + {result.kept['offline']} offline -> {out}")
        if not result.share_met:
            typer.echo(f"note: no pairs of one kind, so the offline share {offline_share} "
                       f"cannot be met; every pair of the other kind was kept")


def _register_eval_compare(app: typer.Typer) -> None:
    @app.command("eval-compare")
    def eval_compare_command(
        eval_dir: Path = typer.Argument(..., help="Folder of `kg2i eval --out` reports named "
                                        "<model>.k<shots>[.<TASK>].metrics.json (what `make "
                                        "eval` writes)."),
        out: Path | None = typer.Option(None, "--out", help="Table path without suffix: writes "
                                        "<out>.md and <out>.json (default <eval_dir>/compare)."),
    ) -> None:
        """Models and shot counts side by side: strict P/R/F1 per task and over all facts."""
        import json

        from kg2instruction.atomic import atomic_write_text
        from kg2instruction.evaluate.compare import compare_dir, to_markdown

        doc = compare_dir(eval_dir)
        table = to_markdown(doc)
        stem = out if out is not None else eval_dir / "compare"
        atomic_write_text(stem.with_name(stem.name + ".md"), table)
        atomic_write_text(stem.with_name(stem.name + ".json"),
                          json.dumps(doc, indent=2, ensure_ascii=False) + "\n")
        typer.echo(table.rstrip())
        typer.echo(f"written to {stem}.md and {stem}.json")
