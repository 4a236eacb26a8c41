"""Sampling the tuned model on its own training instructions and scoring each answer, resumably.

This is the slow half of `kg2i preference-pairs` (hours on a CPU for a full train split): per
instruction, one batched `generate` call draws `samples` answers at `temperature`, each is scored
against the gold (`evaluate.instance`), and the instance is appended as one line to the samples
file ``<pairs>.samples.jsonl`` and flushed. A kill loses at most the instance in flight; a rerun
skips the instances already there (by id and chunk, the n-th line of an id; a torn last line is
cut off first). Instances are taken in a seeded order, so `limit` draws from every theme and task
and a rerun with the same limit covers the same instances; each is sampled with its own seed,
derived from `seed` and its id, so a resumed run draws exactly what an uninterrupted one would.

A side file ``<pairs>.samples.meta.json`` records what produced the samples (adapter weights,
template, decoding); a rerun with other settings is refused rather than mixing two models'
samples. The pairs file itself is then rebuilt from all samples at once (`preference`), written
atomically: a finished pairs file is never half-written.
"""
from __future__ import annotations

import hashlib
import json
import os
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from kg2instruction.atomic import atomic_write_text
from kg2instruction.errors import InputError
from kg2instruction.evaluate.instance import instance_gold, instance_score
from kg2instruction.evaluate.records import GoldInstruction
from kg2instruction.evaluate.predict import read_done_counts
from kg2instruction.evaluate.prompts import build_prompt
from kg2instruction.train.checkpoints import stored_differences
from kg2instruction.train.data import DataPaths, InstructionExample, load_examples
from kg2instruction.train.preference import MixResult, ScoredInstance, build_pairs
from kg2instruction.train.template import PromptTemplate


class Sampler(Protocol):
    def sample(self, prompt: str, n: int, seed: int) -> list[str]: ...


class GeneratorSampler:
    """`n` answers to one prompt from a `TransformersGenerator` set to sample, seeded."""

    def __init__(self, generator) -> None:
        self.generator = generator

    def sample(self, prompt: str, n: int, seed: int) -> list[str]:
        import torch

        torch.manual_seed(seed)
        return self.generator.generate([prompt], n=n)


@dataclass(frozen=True)
class FeedbackJob:
    data: DataPaths
    out: Path                     # the pairs file; samples and meta files sit beside it
    template: PromptTemplate
    samples: int = 4
    seed: int = 13
    limit: int | None = None      # only the first N instances of the seeded order
    producer: dict[str, Any] = field(default_factory=dict)  # adapter, model, decoding

    def settings(self) -> dict[str, Any]:
        """What shapes a sample; a rerun must match it to append to the same samples file."""
        return {**self.producer, "template": self.template.name, "samples": self.samples,
                "seed": self.seed}


def samples_path(out: Path) -> Path:
    return out.with_name(f"{_stem(out)}.samples.jsonl")


def meta_path(out: Path) -> Path:
    return out.with_name(f"{_stem(out)}.samples.meta.json")


def _stem(out: Path) -> str:
    return out.name[:-len(".jsonl")] if out.name.endswith(".jsonl") else out.name


@dataclass(frozen=True)
class FeedbackSummary:
    total: int
    already_done: int
    sampled: int


def sample_instances(job: FeedbackJob, sampler: Sampler,
                     log: Callable[[str], None] = print) -> FeedbackSummary:
    """Sample and score every training instance the samples file does not hold yet."""
    instances = _ordered(list(_instances(job.data)), job.seed)
    if job.limit is not None:
        instances = instances[:job.limit]
    _check_meta(job)
    path = samples_path(job.out)
    read_done_counts(path)  # cuts off a line torn by a kill, and checks the others
    done = {inst.key for inst in read_instances(path)} if path.is_file() else set()
    todo = [(example, chunk) for example, chunk in instances
            if _key(example.id, chunk) not in done]
    golds = [_gold(example) for example, _ in todo]  # a bad gold fails now, not hours in
    already = len(instances) - len(todo)
    log(f"{len(instances)} training instructions, {already} already sampled, "
        f"{len(todo)} to sample now ({job.samples} samples each)")
    with open(path, "a", encoding="utf-8") as fh:
        for number, ((example, chunk), gold) in enumerate(zip(todo, golds), start=1):
            prompt = build_prompt(job.template, example)
            answers = sampler.sample(prompt, job.samples, _instance_seed(job.seed, example.id,
                                                                         chunk))
            if len(answers) != job.samples:
                raise RuntimeError(f"sampler returned {len(answers)} answers, not {job.samples}")
            scores = [instance_score(gold, answer) for answer in answers]
            fh.write(json.dumps({"id": example.id, "chunk": chunk, "task": _task(example),
                                 "theme": example.theme, "prompt": prompt,
                                 "reference": example.output, "samples": answers,
                                 "scores": scores}, ensure_ascii=False) + "\n")
            fh.flush()
            os.fsync(fh.fileno())
            log(f"sampled {number}/{len(todo)}: scores {', '.join(f'{s:g}' for s in scores)}")
    return FeedbackSummary(len(instances), already, len(todo))


def read_instances(path: Path) -> list[ScoredInstance]:
    """The scored instances of a samples file, in file order."""
    instances = []
    with open(path, encoding="utf-8") as fh:
        for number, line in enumerate(fh, start=1):
            if not line.strip():
                continue
            try:
                row = json.loads(line)
                instances.append(ScoredInstance(
                    str(row["id"]), int(row["chunk"]), str(row["task"]), row["prompt"],
                    row["reference"], tuple(row["samples"]), tuple(map(float, row["scores"]))))
            except (ValueError, KeyError, TypeError):
                raise InputError(path, "expected a samples line {id, chunk, task, prompt, "
                                       "reference, samples, scores}", line=number) from None
    return instances


def write_pairs(out: Path, *, margin: float, offline_share: float,
                seed: int = 13) -> MixResult:
    """Rebuild the pairs file from every instance sampled so far (atomically)."""
    path = samples_path(out)
    instances = read_instances(path) if path.is_file() else []
    result = build_pairs(instances, margin=margin, offline_share=offline_share, seed=seed)
    atomic_write_text(out, "".join(json.dumps(p.to_record(), ensure_ascii=False) + "\n"
                                   for p in result.pairs))
    return result


def _instances(data: DataPaths) -> Iterator[tuple[InstructionExample, int]]:
    """Training examples with their chunk number (the n-th line of their id)."""
    seen: Counter[str] = Counter()
    for example in load_examples(data, "train", require_output=True):
        yield example, seen[example.id]
        seen[example.id] += 1


def _ordered(instances: list[tuple[InstructionExample, int]], seed: int
             ) -> list[tuple[InstructionExample, int]]:
    """A seeded shuffle, so that `limit` takes instances of every theme and task rather than the
    first file's, and a rerun with the same limit takes the same ones."""
    return sorted(instances, key=lambda item: _instance_seed(seed, item[0].id, item[1]))


def _key(record_id: str, chunk: int) -> str:
    return ScoredInstance(record_id, chunk, "", "", "", (), ()).key


def _task(example: InstructionExample) -> str:
    """The example's task; files without a `task` key are named by their folder (iepile/NER/)."""
    if example.task:
        return example.task
    return "NER" if "NER" in Path(example.source.rsplit(":", 1)[0]).parts else "RE"


def _gold(example: InstructionExample) -> GoldInstruction:
    """The example's gold as `kg2i eval` reads it; errors name the file and line."""
    path, _, line = example.source.rpartition(":")
    record = {"id": example.id, "instruction": example.instruction, "output": example.output,
              "task": _task(example), "cate": example.theme, "lang": example.lang}
    return instance_gold(record, source=path, line=int(line) if line.isdigit() else None)


def _instance_seed(seed: int, record_id: str, chunk: int) -> int:
    digest = hashlib.sha256(f"{seed}\x1f{record_id}\x1f{chunk}".encode()).digest()
    return int.from_bytes(digest[:4], "big")


def _check_meta(job: FeedbackJob) -> None:
    path, samples = meta_path(job.out), samples_path(job.out)
    settings = json.loads(json.dumps(job.settings()))  # as it reads back from the file
    differs = stored_differences(path, settings)
    if differs is not None:
        if differs:
            raise InputError(samples, f"holds samples made with other settings (differs in "
                                      f"{', '.join(differs)}); remove it or choose another --out")
    elif samples.exists() and samples.stat().st_size:
        raise InputError(samples, f"holds samples of unknown origin (no {path.name}); remove it "
                                  f"or choose another --out")
    else:
        samples.parent.mkdir(parents=True, exist_ok=True)
        atomic_write_text(path, json.dumps(settings, indent=2, ensure_ascii=False))
