"""`predict_file`: run a model over a test split and write ``{id, output}`` lines, resumably.

Predictions are appended and flushed batch by batch, in the order of the test file, so a crash or a
kill loses at most the batch in flight; a rerun counts the lines of each id already in the output
and only predicts the rest (a torn last line left by a kill is cut off first). The schema chunks of
a record share its id, so "already predicted" is counted per id: with n lines of an id written,
the id's first n examples are done, and the k-th prediction of an id stays the answer to its k-th
test line, which is how `kg2i eval` pairs them. A side file ``<out>.meta.json`` records what
produced the predictions (model, adapter, prompting, decoding); a rerun with different settings is
refused rather than mixing two models' answers in one file. The output is what `kg2i eval --pred`
reads.
"""
from __future__ import annotations

import json
import os
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from kg2instruction.atomic import atomic_write_text
from kg2instruction.errors import InputError
from kg2instruction.evaluate.generation import Generator
from kg2instruction.evaluate.prompts import ShotPool, build_prompt
from kg2instruction.train.data import InstructionExample, load_examples
from kg2instruction.train.template import PromptTemplate


@dataclass(frozen=True)
class PredictionJob:
    """What to predict and how to prompt; `limit` stops after that many new predictions."""

    data: Path
    out: Path
    template: PromptTemplate
    split: str = "test"
    shots: int = 0
    dev: Path | None = None
    seed: int = 13
    batch_size: int = 8
    limit: int | None = None
    only_themes: tuple[str, ...] = ()
    producer: dict[str, Any] = field(default_factory=dict)  # model, adapter, decoding settings

    def settings(self) -> dict[str, Any]:
        """Everything that shapes an answer; equal settings make two runs' lines interchangeable."""
        return {**self.producer, "data": str(self.data), "split": self.split,
                "template": self.template.name, "shots": self.shots,
                "dev": None if self.dev is None else str(self.dev), "seed": self.seed}


@dataclass(frozen=True)
class PredictionSummary:
    total: int
    already_done: int
    written: int


def predict_file(job: PredictionJob, generator: Generator,
                 log: Callable[[str], None] = print) -> PredictionSummary:
    """Predict every example of the job's split that the output file does not hold yet."""
    examples = load_examples(job.data, job.split, require_output=False, require_id=True,
                             only_themes=job.only_themes)
    pool = _shot_pool(job)
    _check_meta(job)
    done = read_done_counts(job.out)
    seen: Counter[str] = Counter()
    todo = []
    for example in examples:
        seen[example.id] += 1
        if seen[example.id] > done[example.id]:
            todo.append(example)
    if job.limit is not None:
        todo = todo[:job.limit]
    already = sum(min(done[i], n) for i, n in seen.items())
    log(f"{len(examples)} examples, {already} already predicted, {len(todo)} to do now")
    job.out.parent.mkdir(parents=True, exist_ok=True)
    written = 0
    with open(job.out, "a", encoding="utf-8") as fh:
        for start in range(0, len(todo), job.batch_size):
            batch = todo[start:start + job.batch_size]
            prompts = [build_prompt(job.template, e, pool.shots_for(e) if pool else ())
                       for e in batch]
            outputs = generator.generate(prompts)
            if len(outputs) != len(batch):
                raise RuntimeError(f"generator returned {len(outputs)} outputs for "
                                   f"{len(batch)} prompts")
            _append(fh, batch, outputs)
            written += len(batch)
            log(f"predicted {written}/{len(todo)}")
    return PredictionSummary(len(examples), already, written)


def meta_path(out: Path) -> Path:
    return out.with_name(out.name + ".meta.json")


def _check_meta(job: PredictionJob) -> None:
    path = meta_path(job.out)
    settings = job.settings()
    if path.is_file():
        earlier = json.loads(path.read_text(encoding="utf-8"))
        differs = sorted(k for k in settings.keys() | earlier.keys()
                         if settings.get(k) != earlier.get(k))
        if differs:
            raise InputError(job.out, f"holds predictions made with other settings (differs in "
                                      f"{', '.join(differs)}); remove it or choose another --out")
    elif job.out.exists() and job.out.stat().st_size:
        raise InputError(job.out, f"holds predictions of unknown origin (no {path.name}); "
                                  f"remove it or choose another --out")
    else:
        job.out.parent.mkdir(parents=True, exist_ok=True)
        atomic_write_text(path, json.dumps(settings, indent=2, ensure_ascii=False))


def _shot_pool(job: PredictionJob) -> ShotPool | None:
    if job.shots == 0:
        return None
    source = job.dev if job.dev is not None else job.data
    dev = load_examples(source, "dev", require_output=True)
    if not dev:
        raise InputError(source, f"{job.shots}-shot prompts need dev examples with outputs")
    return ShotPool(dev, job.shots, job.seed)


def _append(fh, batch: Iterable[InstructionExample], outputs: Iterable[str]) -> None:
    for example, output in zip(batch, outputs, strict=True):
        fh.write(json.dumps({"id": example.id, "output": output, "cate": example.theme,
                             "lang": example.lang}, ensure_ascii=False) + "\n")
    fh.flush()
    os.fsync(fh.fileno())


def read_done_counts(path: Path) -> Counter[str]:
    """Lines already predicted in `path`, per id; a torn last line (from a kill) is removed from
    the file."""
    done: Counter[str] = Counter()
    if not path.exists():
        return done
    _drop_torn_tail(path)
    with open(path, encoding="utf-8") as fh:
        for number, line in enumerate(fh, start=1):
            if not line.strip():
                continue
            try:
                done[str(json.loads(line)["id"])] += 1
            except (ValueError, KeyError, TypeError):
                raise InputError(path, "existing prediction line is not {id, output} JSON; "
                                       "remove the file or pick another --out",
                                 line=number) from None
    return done


def _drop_torn_tail(path: Path) -> None:
    data = path.read_bytes()
    if data and not data.endswith(b"\n"):
        cut = data.rfind(b"\n") + 1
        with open(path, "r+b") as fh:
            fh.truncate(cut)
