"""DPO benchmark: what preference pairs from ground truth (ADELIE's IEFeedback) and in-context
demonstrations add to the SFT adapter, under strict scoring, within a CPU budget.

What `make dpo` then `make eval` do, over every exported theme at once (the themes of
benchmarks/train.py):

1. `kg2i preference-pairs` from the SFT adapter (`<cache>/<run>/adapters/all`, made by
   benchmarks/train.py or `make train`; benchmarks/train.py is run first when it is missing) on
   the train split of every theme's newest export: `--limit` instructions of a seeded order,
   4 samples each at temperature 1.0, strict instance F1 per sample, online and offline pairs
   mixed 70/30;
2. `kg2i train --method dpo` (recipe `pipelines/train/dpo_cpu.yaml`) continuing that adapter;
3. predict the test split of every theme (RE and NER in one file) with the base model, the SFT
   adapter and the DPO adapter, each with k = 0 and k = 3 demonstrations from the dev split, and
   score every run with `kg2i eval` (strict parsing); `kg2i eval-compare` puts them side by side.

The base and SFT predictions do not depend on the DPO steps and run beside them (one torch thread
each: the machine is shared). Reported: pair counts and sample scores, wall and CPU seconds
(user+sys of each child) of sampling, DPO training and every prediction run, the DPO card's
metrics, and the comparison table. A rerun continues: sampling, training (`--resume`) and
predictions all pick up their files; nothing is deleted.

Usage: python benchmarks/dpo.py [--pipeline pipelines/sample.yaml] [--limit 64]
                                [--max-new-tokens 128] [--results benchmarks/results]
Results: <results>/dpo.json, <results>/dpo.md; work files in <cache>/<run>/eval/dpo/.
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import queue
import sys
import threading
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "benchmarks"))

from kg2instruction.atomic import atomic_write_text  # noqa: E402
from train import exported_splits, kg2i, portable, timed, training_config  # noqa: E402

SHOTS = (0, 3)
failures: list[str] = []  # failed commands of the background workers
# one torch thread per process and two processes at a time: the machine's two cores, shared
SLOTS = threading.BoundedSemaphore(2)


def concatenated(files: list[Path], target: Path, limit: int | None = None) -> int:
    """Write the lines of `files` to `target` once; a rerun must find the same lines (the
    predictions in the work folder answer them), else it stops rather than mixing two splits."""
    rows = [line for f in files for line in f.read_text(encoding="utf-8").splitlines() if line]
    rows = rows[:limit] if limit else rows
    text = "\n".join(rows) + "\n"
    if target.is_file() and target.read_text(encoding="utf-8") != text:
        sys.exit(f"{target} holds other lines than the exports now give; move the work folder "
                 f"{target.parent} away to start over")
    if not target.is_file():
        atomic_write_text(target, text)
    return len(rows)


def predict_and_score(model: str, shots: int, adapter: Path | None, work: Path, test: Path,
                      dev: Path, args: argparse.Namespace) -> dict[str, Any]:
    name = f"{model}.k{shots}"
    command = [*kg2i(), "predict", "--data", str(test), "--dev", str(dev), "--model",
               "smollm2-135m", "--shots", str(shots), "--max-new-tokens",
               str(args.max_new_tokens), "--threads", "1",
               "--out", str(work / f"{name}.preds.jsonl")]
    if adapter is not None:
        command += ["--adapter", str(adapter)]
    with SLOTS:
        timing = timed(command, work / f"{name}.predict.log")
    timed([*kg2i(), "eval", "--gold", str(test), "--pred", str(work / f"{name}.preds.jsonl"),
           "--out", str(work / f"{name}.metrics.json")], work / f"{name}.eval.log")
    return timing


def worker(jobs: queue.Queue, results: dict[str, Any]) -> None:
    """Take prediction jobs until none is left; every heavy command holds one of the CPU slots."""
    while True:
        try:
            job = jobs.get_nowait()
        except queue.Empty:
            return
        try:
            results[f"{job[0]}.k{job[1]}"] = predict_and_score(*job)
        except SystemExit as exc:  # `finish` exits on a failed command; the main line reports it
            failures.append(str(exc))


def in_background(jobs: queue.Queue, results: dict[str, Any]) -> threading.Thread:
    thread = threading.Thread(target=worker, args=(jobs, results), daemon=False)
    thread.start()
    return thread


def repository_relative(value: Any) -> Any:
    """`portable`, for dictionary keys too (the card counts pairs per file, keyed by path)."""
    if isinstance(value, dict):
        return {portable(k): repository_relative(v) for k, v in value.items()}
    if isinstance(value, list):
        return [repository_relative(v) for v in value]
    return portable(value)


def sample_stats(samples_file: Path) -> dict[str, Any]:
    rows = [json.loads(line) for line in samples_file.read_text(encoding="utf-8").splitlines()
            if line]
    scores = [s for row in rows for s in row["scores"]]
    by_task: dict[str, int] = {}
    for row in rows:
        by_task[row["task"]] = by_task.get(row["task"], 0) + 1
    return {"instances": len(rows), "instances_per_task": by_task, "samples": len(scores),
            "mean_sample_score": round(sum(scores) / len(scores), 2) if scores else None,
            "perfect_samples": sum(1 for s in scores if s == 100.0),
            "zero_samples": sum(1 for s in scores if s == 0.0),
            "instances_with_a_perfect_sample": sum(1 for row in rows
                                                   if max(row["scores"]) == 100.0)}


def markdown(report: dict[str, Any], table: str) -> str:
    pairs, dpo = report["pairs"], report["dpo_adapter"]
    sampling, training = report["timing"]["sampling"], report["timing"]["dpo_training"]
    stats = report["samples"]
    metrics = dpo["metrics"]
    lines = [
        "# DPO benchmark: base, SFT and DPO side by side, with k = 0 and k = 3 demonstrations", "",
        f"SFT adapter `{report['sft_adapter']}` (benchmarks/train.py); preference pairs from "
        f"{stats['instances']} of its training instructions ({report['themes_count']} themes: "
        f"{', '.join(report['themes'])}; {stats['instances_per_task']}), "
        f"{report['samples_per_instance']} samples each at temperature 1.0, at most "
        f"{report['pair_max_new_tokens']} new tokens, scored by strict instance F1.", "",
        f"Samples: mean score {stats['mean_sample_score']}, {stats['perfect_samples']} perfect "
        f"and {stats['zero_samples']} scoring 0 of {stats['samples']}; "
        f"{stats['instances_with_a_perfect_sample']} instructions had a perfect sample. Pairs "
        f"offered: {pairs['candidates']}; kept (offline share {report['offline_share']}): "
        f"{pairs['kept']}.", "",
        f"Sampling: wall {sampling['wall_seconds']} s, CPU {sampling['cpu_seconds']} s. DPO "
        f"(`{report['dpo_config_file']}`, torch threads 1): {metrics['steps']} steps on "
        f"{metrics['pairs']} pairs, wall {training['wall_seconds']} s, CPU "
        f"{training['cpu_seconds']} s; loss {metrics['loss_first']} -> {metrics['loss_last']}, "
        f"last reward accuracy {metrics['reward_accuracy_last']}, margin "
        f"{metrics['reward_margin_last']}. Wall times are inflated by the other jobs on the "
        "shared machine and by the base and SFT predictions running beside.", "",
        f"Test split: {report['test_instructions']} instructions of every theme (RE and NER), "
        f"demonstrations from the dev split ({report['dev_instructions']} instructions), "
        f"at most {report['max_new_tokens']} new tokens, greedy; strict parsing (an answer "
        "that is not the asked JSON predicts nothing).", "",
        table.rstrip(), "",
        "## Prediction time", "", "| run | wall s | CPU s |", "|---|---:|---:|"]
    for name, timing in report["timing"]["predictions"].items():
        lines.append(f"| {name} | {timing['wall_seconds']} | {timing['cpu_seconds']} |")
    lines += ["", "## DPO recipe", "", "```json", json.dumps(dpo["config"], indent=2), "```", ""]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pipeline", default="pipelines/sample.yaml")
    parser.add_argument("--config", default="pipelines/train/dpo_cpu.yaml")
    parser.add_argument("--adapter", help="SFT adapter (default <cache>/<run>/adapters/all)")
    parser.add_argument("--dpo-adapter", help="DPO adapter (default <cache>/<run>/adapters/"
                                              "all-dpo)")
    parser.add_argument("--limit", type=int, default=64, help="training instructions sampled")
    parser.add_argument("--samples", type=int, default=4)
    parser.add_argument("--offline-share", type=float, default=0.7)
    parser.add_argument("--pair-max-new-tokens", type=int, default=128)
    parser.add_argument("--max-new-tokens", type=int, default=256, help="for the test split")
    parser.add_argument("--test-limit", type=int, help="only the first N test instructions "
                                                      "(a quick trial of the script)")
    parser.add_argument("--work", type=Path, help="work folder (default <cache>/<run>/eval/dpo)")
    parser.add_argument("--results", type=Path, default=REPO / "benchmarks/results")
    args = parser.parse_args()

    run = REPO / os.environ.get("KG2I_CACHE_DIR", "cache") / Path(args.pipeline).stem
    train_dirs, tests, devs = exported_splits(run)
    sft = Path(args.adapter) if args.adapter else run / "adapters" / "all"
    dpo = Path(args.dpo_adapter) if args.dpo_adapter else run / "adapters" / "all-dpo"
    if not train_dirs or not tests:
        sys.exit(f"no exported datasets under {run}/datasets: run `make pipeline THEME=<theme>` "
                 "for the themes first")
    if not (sft / "adapter_card.json").is_file() and not args.adapter:
        # `make bench` runs the scripts in name order, dpo.py before train.py, which makes it
        print(f"no SFT adapter at {sft}: running benchmarks/train.py first", flush=True)
        subprocess.run([sys.executable, str(REPO / "benchmarks/train.py"), "--pipeline",
                        args.pipeline], cwd=REPO, check=True)
    if not (sft / "adapter_card.json").is_file():
        sys.exit(f"no SFT adapter at {sft} (run benchmarks/train.py or `make train`)")
    work = args.work or run / "eval" / "dpo"
    work.mkdir(parents=True, exist_ok=True)
    test, dev = work / "test.jsonl", work / "dev.jsonl"
    test_count, dev_count = concatenated(tests, test, args.test_limit), concatenated(devs, dev)

    predictions: dict[str, Any] = {}
    jobs: queue.Queue = queue.Queue()
    for model, adapter in (("base", None), ("sft", sft)):
        for k in SHOTS:
            jobs.put((model, k, adapter, work, test, dev, args))
    # the base and SFT predictions do not depend on the DPO steps: they run beside them
    workers = [in_background(jobs, predictions)]
    pairs_file = work / "pairs.jsonl"
    data = [a for d in train_dirs for a in ("--data", str(d))]
    with SLOTS:
        sampling = timed([*kg2i(), "preference-pairs", "--adapter", str(sft), *data, "--out",
                          str(pairs_file), "--limit", str(args.limit), "--samples",
                          str(args.samples), "--offline-share", str(args.offline_share),
                          "--max-new-tokens", str(args.pair_max_new_tokens), "--threads", "1"],
                         work / "pairs.log")
    config = training_config(Path(args.config), 1, work)
    with SLOTS:
        training = timed([*kg2i(), "train", "--method", "dpo", "--data", str(pairs_file),
                          "--adapter", str(sft), "--config", str(config), "--out", str(dpo),
                          "--resume"], work / "dpo_train.log")
    for k in SHOTS:
        jobs.put(("dpo", k, dpo, work, test, dev, args))
    workers.append(in_background(jobs, predictions))  # two takers; the slots cap them at two
    worker(jobs, predictions)
    for thread in workers:
        thread.join()
    if failures:
        sys.exit("; ".join(failures))
    timed([*kg2i(), "eval-compare", str(work)], work / "compare.log")

    card = json.loads((dpo / "adapter_card.json").read_text(encoding="utf-8"))
    compare = json.loads((work / "compare.json").read_text(encoding="utf-8"))
    pair_rows = [json.loads(line) for line in pairs_file.read_text(encoding="utf-8").splitlines()
                 if line]
    kinds: dict[str, int] = {}
    for row in pair_rows:
        kinds[row["kind"]] = kinds.get(row["kind"], 0) + 1
    log_tail = (work / "pairs.log").read_text(encoding="utf-8").splitlines()
    offered = next((line for line in reversed(log_tail) if "pairs offered" in line), "")
    themes = sorted({d.parent.parent.name for d in train_dirs})
    report = {
        "sft_adapter": str(sft), "dpo_adapter_dir": str(dpo), "dpo_config_file": args.config,
        "themes": themes, "themes_count": len(themes),
        "train_data": [str(d) for d in train_dirs], "test_files": [str(t) for t in tests],
        "test_instructions": test_count, "dev_instructions": dev_count,
        "samples_per_instance": args.samples, "offline_share": args.offline_share,
        "pair_max_new_tokens": args.pair_max_new_tokens, "max_new_tokens": args.max_new_tokens,
        "samples": sample_stats(work / "pairs.samples.jsonl"),
        "pairs": {"kept": kinds, "candidates": offered.split("pairs offered: ")[-1].split(";")[0]
                  if offered else None, "total": len(pair_rows)},
        "timing": {"sampling": sampling, "dpo_training": training,
                   "predictions": dict(sorted(predictions.items()))},
        "dpo_adapter": card, "comparison": compare,
    }
    report = repository_relative(report)
    table = (work / "compare.md").read_text(encoding="utf-8")
    args.results.mkdir(parents=True, exist_ok=True)
    atomic_write_text(args.results / "dpo.json", json.dumps(report, indent=2) + "\n")
    atomic_write_text(args.results / "dpo.md", markdown(report, table))
    print(table)
    print(f"-> {args.results / 'dpo.md'}")


if __name__ == "__main__":
    main()
