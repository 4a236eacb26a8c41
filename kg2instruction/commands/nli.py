"""`kg2i nli ...`: train our offline relation verifier and evaluate NLI models on held-out
relation-verification pairs."""
from __future__ import annotations

import json
import shutil
from pathlib import Path

import typer

nli_app = typer.Typer(no_args_is_help=True, add_completion=False,
                      help="Train and evaluate the NLI relation verifier.")


def _load_config(path: Path | None):
    from kg2instruction.config.yaml_loader import load_yaml, validate
    from kg2instruction.nli.verifier.config import TrainConfig

    return TrainConfig() if path is None else validate(TrainConfig, load_yaml(path))


@nli_app.command("train")
def train(
    out: Path = typer.Option(Path("cache/nli-train/en"), "--out",
                             help="run directory (verifier/, general-nli-only/, report)"),
    config_file: Path | None = typer.Option(None, "--config",
                                            help="YAML TrainConfig (default: the shipped recipe)"),
    base_dir: Path = typer.Option(Path("."), "--base-dir",
                                  help="project root the data paths are relative to"),
    install: bool = typer.Option(False, "--install",
                                 help="copy the verifier into kg2instruction/nli/models/"),
) -> None:
    """Fine-tune the verifier (seeded; progress bar per phase)."""
    from tqdm import tqdm

    from kg2instruction.nli.verifier.card import write_card
    from kg2instruction.nli.verifier.train import VERIFIER_DIR, train_verifier

    config = _load_config(config_file)
    bars: dict[str, tqdm] = {}

    def progress(phase: str, step: int, steps: int, loss: float) -> None:
        bar = bars.get(phase)
        if bar is None:     # one bar per phase; a resumed run's starts at its checkpoint's step
            bar = bars[phase] = tqdm(total=steps, initial=step - 1, desc=f"nli train: {phase}",
                                     unit="step")
        bar.update(1)
        bar.set_postfix(loss=f"{loss:.3f}")

    train_verifier(config, out, base_dir, progress)
    for bar in bars.values():
        bar.close()
    report = json.loads((out / "training_report.json").read_text())
    write_card(out / VERIFIER_DIR, config, report, None)
    typer.echo(f"trained: {out / VERIFIER_DIR} ({report['seconds']} s)")
    if install:
        install_verifier(out, None)


def _with_shipped_calibration(config, model_dir: Path):
    """The training config with the calibration of the thresholds.json beside the weights: a
    model recalibrated after training (`kg2i nli calibrate`) ships a card that describes the
    thresholds it carries, not the ones training wrote."""
    from kg2instruction.nli.verifier.thresholds import read_thresholds

    shipped = read_thresholds(model_dir)
    if shipped is None:
        return config
    calibration = config.calibration.model_copy(update={
        "target_precision": shipped.target_precision, "positive_prior": shipped.positive_prior,
        "min_keep_correct": shipped.min_keep_correct})
    return config.model_copy(update={"calibration": calibration})


def install_verifier(run_dir: Path, metrics_file: Path | None) -> Path:
    """Write the card (with benchmark metrics when given) and copy the verifier to the package."""
    from kg2instruction.nli.verifier.bundled import MODELS_DIR, bundled_name
    from kg2instruction.nli.verifier.card import write_card
    from kg2instruction.nli.verifier.config import TrainConfig
    from kg2instruction.nli.verifier.train import VERIFIER_DIR

    report = json.loads((run_dir / "training_report.json").read_text())
    metrics = json.loads(metrics_file.read_text()) if metrics_file else None
    config = _with_shipped_calibration(TrainConfig.model_validate(report["config"]),
                                       run_dir / VERIFIER_DIR)
    write_card(run_dir / VERIFIER_DIR, config, report, metrics)
    target = MODELS_DIR / bundled_name(config.lang)
    staging = target.with_name(target.name + ".partial")
    if staging.exists():
        shutil.rmtree(staging)
    shutil.copytree(run_dir / VERIFIER_DIR, staging)
    if target.exists():
        shutil.rmtree(target)
    staging.rename(target)
    typer.echo(f"installed: {target}")
    return target


@nli_app.command("install")
def install(
    run_dir: Path = typer.Option(..., "--run-dir", help="output directory of `kg2i nli train`"),
    metrics: Path | None = typer.Option(None, "--metrics",
                                        help="benchmarks/results/nli.json, quoted in the card"),
) -> None:
    """Ship a trained verifier as `bundled:<name>` for its language (minilm-relation-verifier-en,
    gemma3-nli-verifier-zh), with its model card."""
    install_verifier(run_dir, metrics)


@nli_app.command("calibrate")
def calibrate_command(
    model: Path = typer.Option(..., "--model", help="a local verifier directory"),
    config_file: Path = typer.Option(..., "--config",
                                     help="YAML TrainConfig whose `gold.dev` pairs calibrate"),
    base_dir: Path = typer.Option(Path("."), "--base-dir"),
) -> None:
    """Write the model's per-relation thresholds (thresholds.json, read by nli_filter) from the
    recipe's gold dev pairs; training does this itself for the model it keeps."""
    from kg2instruction.errors import ConfigError
    from kg2instruction.nli.verifier.gold_data import gold_data
    from kg2instruction.nli.verifier.train import calibrate_model

    config = _load_config(config_file)
    if not (model / "config.json").is_file():
        raise ConfigError(f"{model} is not a model directory (no config.json)", key="model")
    gold = gold_data(config, base_dir, splits=("dev",))
    if not gold.dev:
        raise ConfigError(f"{config_file} names no gold.dev pairs to calibrate on",
                          key="gold.dev")
    report = calibrate_model(model, config, gold)
    typer.echo(json.dumps({"default": report["default"], "by_pid": report["by_pid"]}, indent=2))


@nli_app.command("eval")
def evaluate(
    model: str = typer.Option(..., "--model", help="hub name, local path or bundled:<name>"),
    pairs: int = typer.Option(2000, "--pairs", min=2, help="held-out pairs, half positive"),
    threshold: float = typer.Option(0.5, "--threshold", min=0.0, max=1.0),
    config_file: Path | None = typer.Option(None, "--config", help="YAML TrainConfig"),
    base_dir: Path = typer.Option(Path("."), "--base-dir"),
) -> None:
    """AUC and accuracy of an NLI model on the recipe's held-out set (JSON): held-out
    relation-verification pairs, or the held-out NLI corpora when the recipe names some."""
    from kg2instruction.nli.hf_scorer import HfNliScorer, HfScorerSettings
    from kg2instruction.nli.verifier.bundled import resolve_model
    from kg2instruction.nli.verifier.evaluate import evaluate_nli_pairs, evaluate_scorer
    from kg2instruction.nli.verifier.relation_pairs import balanced_sample
    from kg2instruction.nli.verifier.training_data import held_out_nli_sample, relation_data

    config = _load_config(config_file)
    scorer = HfNliScorer(resolve_model(model), HfScorerSettings(max_length=config.max_length,
                                                                cpu_threads=config.threads))
    if config.held_out_corpora:
        report = evaluate_nli_pairs(held_out_nli_sample(config, base_dir, pairs), scorer,
                                    threshold)
    else:
        data = relation_data(config, base_dir)
        examples = balanced_sample(data.held_out, pairs, config.seed)
        report = evaluate_scorer(examples, data.bank, scorer, threshold)
    typer.echo(json.dumps(report, indent=2))


def register(app: typer.Typer) -> None:
    """Add this group's commands to the root app."""
    app.add_typer(nli_app, name="nli")
