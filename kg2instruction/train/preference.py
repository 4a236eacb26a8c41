"""Preference pairs from scored samples, without annotators (ADELIE's IEFeedback).

Each training instruction was answered several times by the tuned model (`feedback`), and every
answer scored against the gold (`evaluate.instance`). From one instance come at most two pairs:

- **online**: the best sample preferred to the worst, when their scores differ by more than
  `margin` points; both sides are the model's own answers, so the pair teaches which of its
  habits to keep;
- **offline**: the gold output preferred to the worst sample, when that sample is not perfect;
  the chosen side is off-policy but always right.

ADELIE found a mix of about 70% offline and 30% online pairs worked best. `mix_pairs` reaches the
share by keeping every pair of the scarcer kind and a deterministic selection (a seeded hash of
each pair's key, so the same inputs always give the same file, in any order) of the other. When
one kind is absent altogether no mix can reach the share; the pairs of the other kind are then all
kept rather than none, and the result says so.

Ties: the best sample is the first of the highest score and the worst the last of the lowest, in
sampling order, so equal-scoring samples never pair with themselves.
"""
from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import Enum
from typing import Any


class PairKind(str, Enum):
    ONLINE = "online"
    OFFLINE = "offline"


@dataclass(frozen=True)
class ScoredInstance:
    """One training instruction, its gold answer and the model's scored samples."""

    id: str
    chunk: int          # the n-th line of this id (schema chunks of one record share an id)
    task: str
    prompt: str         # the instruction rendered with the adapter's template
    reference: str      # the gold output
    samples: tuple[str, ...]
    scores: tuple[float, ...]

    @property
    def key(self) -> str:
        return f"{self.id}\x1f{self.chunk}"


@dataclass(frozen=True)
class PreferencePair:
    id: str
    chunk: int
    task: str
    kind: PairKind
    prompt: str
    chosen: str
    rejected: str
    chosen_score: float
    rejected_score: float

    def to_record(self) -> dict[str, Any]:
        """The JSONL line: TRL's standard (non-conversational) preference columns first."""
        return {"prompt": self.prompt, "chosen": self.chosen, "rejected": self.rejected,
                "id": self.id, "chunk": self.chunk, "kind": self.kind.value,
                "chosen_score": self.chosen_score, "rejected_score": self.rejected_score,
                "task": self.task}


def candidate_pairs(instance: ScoredInstance, margin: float) -> list[PreferencePair]:
    """The online and offline pairs one instance offers (possibly none)."""
    if not instance.samples:
        return []
    if len(instance.samples) != len(instance.scores):
        raise ValueError(f"{instance.id}: {len(instance.samples)} samples but "
                         f"{len(instance.scores)} scores")
    scores = instance.scores
    best = max(range(len(scores)), key=lambda i: (scores[i], -i))
    worst = min(range(len(scores)), key=lambda i: (scores[i], -i))
    pairs = []
    if scores[best] - scores[worst] > margin:
        pairs.append(_pair(instance, PairKind.ONLINE, instance.samples[best], scores[best], worst))
    if scores[worst] < 100.0:
        pairs.append(_pair(instance, PairKind.OFFLINE, instance.reference, 100.0, worst))
    return pairs


def _pair(instance: ScoredInstance, kind: PairKind, chosen: str, chosen_score: float,
          worst: int) -> PreferencePair:
    return PreferencePair(instance.id, instance.chunk, instance.task, kind, instance.prompt,
                          chosen, instance.samples[worst], chosen_score, instance.scores[worst])


@dataclass(frozen=True)
class MixResult:
    pairs: list[PreferencePair]
    candidates: dict[str, int]   # pairs offered, per kind
    kept: dict[str, int]         # pairs kept, per kind
    share_met: bool              # False when one kind was missing altogether


def mix_pairs(pairs: Sequence[PreferencePair], offline_share: float,
              seed: int = 0) -> MixResult:
    """The largest subset whose offline share is `offline_share` (see the module doc), in the
    order of `pairs`."""
    if not 0.0 <= offline_share <= 1.0:
        raise ValueError(f"offline share must be within [0, 1], got {offline_share}")
    online = [p for p in pairs if p.kind is PairKind.ONLINE]
    offline = [p for p in pairs if p.kind is PairKind.OFFLINE]
    want_online, want_offline = _target_counts(len(online), len(offline), offline_share)
    share_met = bool(want_online or want_offline) or not pairs
    if not share_met:  # one kind is missing: keep the other whole rather than nothing
        want_online = len(online) if offline_share < 1.0 else 0
        want_offline = len(offline) if offline_share > 0.0 else 0
    keep = {id(p) for p in _select(online, want_online, seed)} \
        | {id(p) for p in _select(offline, want_offline, seed)}
    kept = [p for p in pairs if id(p) in keep]
    return MixResult(kept, {"online": len(online), "offline": len(offline)},
                     {"online": sum(p.kind is PairKind.ONLINE for p in kept),
                      "offline": sum(p.kind is PairKind.OFFLINE for p in kept)}, share_met)


def _target_counts(online: int, offline: int, share: float) -> tuple[int, int]:
    """(online, offline) counts with offline / total == share, as many as the candidates allow."""
    if share >= 1.0:
        return 0, offline
    if share <= 0.0:
        return online, 0
    # all offline kept -> the online count that goes with it, and the other way round
    online_for_all_offline = round(offline * (1.0 - share) / share)
    if online_for_all_offline <= online:
        return online_for_all_offline, offline
    return online, min(offline, round(online * share / (1.0 - share)))


def _select(pairs: Iterable[PreferencePair], count: int, seed: int) -> list[PreferencePair]:
    ranked = sorted(pairs, key=lambda p: hashlib.sha256(
        f"{seed}\x1f{p.kind.value}\x1f{p.id}\x1f{p.chunk}".encode()).hexdigest())
    return ranked[:count]


def build_pairs(instances: Iterable[ScoredInstance], *, margin: float, offline_share: float,
                seed: int = 0) -> MixResult:
    """Candidate pairs of every instance, mixed to `offline_share`."""
    return mix_pairs([p for inst in instances for p in candidate_pairs(inst, margin)],
                     offline_share, seed)
