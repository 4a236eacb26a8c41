"""Training benchmark: does LoRA tuning on the sample beat the untuned base model, under strict
scoring, within a CPU budget?

What `make train` then `make eval` do, over every exported theme at once:

1. train one adapter (`kg2i train --resume`, config `pipelines/train/lora_cpu.yaml`) on the train
   split of every theme's newest export, IEPile-style instructions of both tasks;
2. predict the test split of every theme (RE and NER, concatenated into one file) with the base
   model (zero-shot, as `make eval` prompts it) and with the adapter;
3. score both with `kg2i eval` (strict parsing: an answer that is not the JSON object the
   instruction asks for predicts nothing).

Reported: the recipe, training wall time and CPU time (the child's user+sys; on a shared machine the
wall time is inflated by other processes, CPU time much less), seconds per step, the loss curve
(also drawn to a PNG), and per task P/R/F1 and parse-failure rate of base and tuned model, plus F1
over the facts of both tasks. A rerun reuses the adapter when nothing changed (`--resume` finds
its final checkpoint) and the predictions (`kg2i predict` continues its output file).

Usage: python benchmarks/train.py [--pipeline pipelines/sample.yaml] [--config ...]
                                  [--limit N] [--results benchmarks/results]
Results: <results>/train.json, <results>/train.md, <results>/train_loss.png.
"""
from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from kg2instruction.atomic import atomic_write_text  # noqa: E402

TASKS = (("relation", "RE"), ("entity", "NER"))


def kg2i() -> list[str]:
    script = shutil.which("kg2i", path=str(Path(sys.executable).parent))
    return [script] if script else [sys.executable, "-m", "kg2instruction.cli"]


def newest_versions(run: Path) -> list[Path]:
    """<run>/datasets/<theme>/<LATEST> of every exported theme, as `make train` finds them."""
    found = []
    for latest in sorted(run.glob("datasets/*/LATEST")):
        version = latest.parent / latest.read_text(encoding="utf-8").strip()
        if version.is_dir():
            found.append(version)
    return found


def exported_splits(run: Path) -> tuple[list[Path], list[Path], list[Path]]:
    """(iepile folders holding a train split, test files, dev files) of every theme's newest
    exported version."""
    versions = newest_versions(run)
    train_dirs = [v / "iepile" for v in versions if any((v / "iepile").rglob("train.jsonl"))]
    tests = sorted(t for v in versions for t in (v / "iepile").rglob("test.jsonl"))
    devs = sorted(t for v in versions for t in (v / "iepile").rglob("dev.jsonl"))
    return train_dirs, tests, devs


def start(command: list[str], log: Path) -> tuple[subprocess.Popen, float]:
    with open(log, "w", encoding="utf-8") as out:
        return subprocess.Popen(command, cwd=REPO, stdout=out, stderr=subprocess.STDOUT), \
            time.perf_counter()


def finish(job: tuple[subprocess.Popen, float], log: Path) -> dict[str, float]:
    """Wait for a started command; its own wall and CPU seconds (user+sys, from wait4, so two
    commands running side by side are measured apart)."""
    process, started = job
    _, status, usage = os.wait4(process.pid, 0)
    wall = time.perf_counter() - started
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode != 0:
        sys.exit(f"failed ({process.returncode}): {' '.join(map(str, process.args))}; see {log}")
    cpu = usage.ru_utime + usage.ru_stime
    return {"wall_seconds": round(wall, 1), "cpu_seconds": round(cpu, 1)}


def timed(command: list[str], log: Path) -> dict[str, float]:
    return finish(start(command, log), log)


def training_config(path: Path, threads: int | None, work: Path) -> Path:
    """The recipe as is, or a copy with another `threads` (a shared machine: fewer threads than
    cores avoids OpenMP stalls; what is learned does not change)."""
    if threads is None:
        return path
    import yaml

    config = yaml.safe_load(path.read_text(encoding="utf-8"))
    config["threads"] = threads
    copy = work / f"{path.stem}.threads-{threads}.yaml"
    atomic_write_text(copy, yaml.safe_dump(config, sort_keys=False))
    return copy


def task_scores(metrics: dict) -> dict[str, dict]:
    scores = {}
    for name, _ in TASKS:
        overall = metrics["tasks"].get(name, {}).get("overall")
        if overall:
            scores[name] = {k: overall[k] for k in ("records", "instructions", "gold", "predicted",
                                                    "correct", "precision", "recall", "f1",
                                                    "parse_failure_rate")}
    gold = sum(s["gold"] for s in scores.values())
    pred = sum(s["predicted"] for s in scores.values())
    correct = sum(s["correct"] for s in scores.values())
    p = 100 * correct / pred if pred else 0.0
    r = 100 * correct / gold if gold else 0.0
    scores["all facts"] = {"gold": gold, "predicted": pred, "correct": correct,
                           "precision": round(p, 2), "recall": round(r, 2),
                           "f1": round(2 * p * r / (p + r), 2) if p + r else 0.0}
    return scores


def unfinished(preds: Path) -> int:
    """Answers that do not end by closing a JSON object or list (each a strict parse failure):
    prose, or a list cut off at --max-new-tokens while repeating one item."""
    rows = [json.loads(line) for line in preds.read_text(encoding="utf-8").splitlines() if line]
    return sum(1 for row in rows if not row["output"].rstrip().endswith(("}", "]")))


def plot_loss(curve: list[dict], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6, 3.2), dpi=110)
    ax.plot([e["step"] for e in curve], [e["loss"] for e in curve], linewidth=1.2)
    ax.set_xlabel("optimizer step")
    ax.set_ylabel("training loss (answer tokens)")
    ax.set_title("LoRA on SmolLM2-135M, all themes of the sample")
    ax.grid(alpha=0.3)
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)


def markdown(report: dict) -> str:
    card, timing = report["adapter"], report["training"]
    lines = [
        "# Training benchmark: tuned vs base model on the sample's test split", "",
        f"Base model `{card['base_model']}`, recipe `{report['config_file']}`; "
        f"{card['metrics']['examples']} training instructions (IEPile style, RE and NER, "
        f"{len(report['train_data'])} themes: {', '.join(report['themes'])}); languages "
        f"{', '.join(report['train_languages'])}.", "",
        f"Training: {card['metrics']['steps']} steps, wall {timing['wall_seconds']} s, CPU "
        f"{timing['cpu_seconds']} s (user+sys of the training process, torch threads: "
        f"{report['cpu_threads']}), {card['metrics']['seconds_per_step']} s/step wall; loss "
        f"{card['metrics']['loss_first']} -> {card['metrics']['loss_last']}."
        + (f" Trained with threads: {report['train_threads_override']} instead of the recipe's "
           "value, because other jobs shared the machine (more threads than free cores stall "
           "OpenMP)." if report.get("train_threads_override") else "")
        + " Wall times are inflated by the other jobs (the base model also predicted beside the "
        f"training); on a quiet 2-core machine the training needs at least CPU time / 2 = "
        f"{timing['cpu_seconds'] / 2:.0f} s.", "",
        f"Test split: {report['test_instructions']} instructions of every theme, scored by "
        "`kg2i eval` with strict parsing (an answer that is not the asked JSON predicts nothing).",
        "", "| model | task | gold | pred | correct | P | R | F1 | parse fail % |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|"]
    for model in ("base", "tuned"):
        for task, s in report["scores"][model].items():
            lines.append(f"| {model} | {task} | {s['gold']} | {s['predicted']} | {s['correct']} "
                         f"| {s['precision']:.2f} | {s['recall']:.2f} | {s['f1']:.2f} | "
                         f"{s.get('parse_failure_rate', '')} |")
    cut = report.get("unfinished_answers", {})
    if cut:
        lines += ["", f"Answers that never close their JSON (strict parse failures): base "
                      f"{cut.get('base')}, tuned {cut.get('tuned')} of "
                      f"{report['test_instructions']}. The base model writes prose; the tuned "
                      "model's are an entity list repeating one name under greedy decoding until "
                      f"the {report['max_new_tokens']}-token limit."]
    lines += ["", "## Loss curve", "", "![loss curve](train_loss.png)", "",
              "| step | loss |", "|---:|---:|"]
    curve = card["loss_curve"]
    every = max(1, len(curve) // 20)
    for entry in curve[::every] + ([curve[-1]] if (len(curve) - 1) % every else []):
        lines.append(f"| {entry['step']} | {entry['loss']:.4f} |")
    lines += ["", "## Recipe", "", "```json", json.dumps(card["config"], indent=2), "```", ""]
    return "\n".join(lines)


def portable(value: Any) -> Any:
    """`value` with this checkout's absolute paths made relative to the repository (the results
    file is committed; a reader's paths differ)."""
    if isinstance(value, str):
        return value.replace(f"{REPO}/", "")
    if isinstance(value, list):
        return [portable(v) for v in value]
    if isinstance(value, dict):
        return {k: portable(v) for k, v in value.items()}
    return value


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pipeline", default="pipelines/sample.yaml")
    parser.add_argument("--config", default="pipelines/train/lora_cpu.yaml")
    parser.add_argument("--adapter", help="adapter folder (default <cache>/<run>/adapters/all)")
    parser.add_argument("--limit", type=int, help="predict only the first N test instructions")
    parser.add_argument("--max-new-tokens", type=int, default=256)
    parser.add_argument("--threads", type=int, default=2, help="torch threads for predict")
    parser.add_argument("--train-threads", type=int,
                        help="train with this many threads instead of the config's")
    parser.add_argument("--results", type=Path, default=REPO / "benchmarks/results")
    args = parser.parse_args()

    run = REPO / os.environ.get("KG2I_CACHE_DIR", "cache") / Path(args.pipeline).stem
    train_dirs, tests, _ = exported_splits(run)
    if not train_dirs or not tests:
        sys.exit(f"no exported datasets under {run}/datasets: run `make pipeline THEME=<theme>` "
                 "for the themes first")
    work = run / "eval" / "all"
    work.mkdir(parents=True, exist_ok=True)
    rows = [line for t in tests for line in t.read_text(encoding="utf-8").splitlines() if line]
    rows = rows[:args.limit] if args.limit else rows
    test_file = work / "test.jsonl"
    if not test_file.is_file() or test_file.read_text(encoding="utf-8") != "\n".join(rows) + "\n":
        atomic_write_text(test_file, "\n".join(rows) + "\n")
        for stale in work.glob("*.preds.jsonl*"):
            stale.unlink()
    adapter = Path(args.adapter) if args.adapter else run / "adapters" / "all"

    config = training_config(Path(args.config), args.train_threads, work)
    data = [a for d in train_dirs for a in ("--data", str(d))]
    predict = [*kg2i(), "predict", "--data", str(test_file), "--model", "smollm2-135m",
               "--max-new-tokens", str(args.max_new_tokens), "--threads", str(args.threads)]
    # the base model's answers do not depend on the training: predicted while it runs
    base_job = start([*predict, "--shots", "0", "--out", str(work / "base.preds.jsonl")],
                     work / "base.predict.log")
    training = timed([*kg2i(), "train", *data, "--model", "smollm2-135m", "--config",
                      str(config), "--out", str(adapter), "--resume"], work / "train.log")
    prediction = {"base": finish(base_job, work / "base.predict.log")}
    prediction["tuned"] = timed([*predict, "--adapter", str(adapter), "--out",
                                 str(work / "tuned.preds.jsonl")], work / "tuned.predict.log")
    card = json.loads((adapter / "adapter_card.json").read_text(encoding="utf-8"))
    scores = {}
    for model in ("base", "tuned"):
        metrics = work / f"{model}.metrics.json"
        timed([*kg2i(), "eval", "--gold", str(test_file), "--pred",
               str(work / f"{model}.preds.jsonl"), "--out", str(metrics)],
              work / f"{model}.eval.log")
        scores[model] = task_scores(json.loads(metrics.read_text(encoding="utf-8")))

    train_rows = [json.loads(line) for d in train_dirs for f in d.rglob("train.jsonl")
                  for line in f.read_text(encoding="utf-8").splitlines() if line]
    report = {
        "config_file": args.config, "adapter": portable(card), "training": training,
        "cpu_threads": card["config"].get("threads"),
        "train_threads_override": args.train_threads,
        "train_data": [str(d.relative_to(REPO)) for d in train_dirs],
        "themes": sorted({d.parent.parent.name for d in train_dirs}),
        "train_languages": sorted({r.get("lang") or "?" for r in train_rows}),
        "test_files": [str(t.relative_to(REPO)) for t in tests],
        "test_instructions": len(rows), "max_new_tokens": args.max_new_tokens,
        "prediction": prediction, "scores": scores,
        "tuned_beats_base": scores["tuned"]["all facts"]["f1"] > scores["base"]["all facts"]["f1"],
        "unfinished_answers": {model: unfinished(work / f"{model}.preds.jsonl")
                               for model in ("base", "tuned")},
    }
    args.results.mkdir(parents=True, exist_ok=True)
    atomic_write_text(args.results / "train.json", json.dumps(report, indent=2) + "\n")
    plot_loss(card["loss_curve"], args.results / "train_loss.png")
    atomic_write_text(args.results / "train.md", markdown(report))
    print(f"F1 over all facts: base {scores['base']['all facts']['f1']:.2f}, tuned "
          f"{scores['tuned']['all facts']['f1']:.2f}; training {training['wall_seconds']} s wall, "
          f"{training['cpu_seconds']} s CPU -> {args.results / 'train.md'}")


if __name__ == "__main__":
    main()
