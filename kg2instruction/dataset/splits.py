"""Train/dev/test assignment by page.

Paragraphs of one page share entities and phrasing; splitting by paragraph would leak test facts
into training. The split of a page is a pure function of (seed, page key): a keyed hash mapped onto
the cumulative ratios. That makes the assignment independent of input order and of which other
pages exist, so a refresh that adds pages never moves an old page to another split.
"""
from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Iterable

from pydantic import BaseModel, ConfigDict, Field, model_validator


class SplitConfig(BaseModel):
    """Named split ratios (must sum to one) and the seed of the page hash."""

    model_config = ConfigDict(extra="forbid")

    ratios: dict[str, float] = Field(default_factory=lambda: {"train": 0.8, "dev": 0.1, "test": 0.1})
    seed: int = 13

    @model_validator(mode="after")
    def _ratios_sum_to_one(self) -> SplitConfig:
        if not self.ratios:
            raise ValueError("at least one split is needed")
        bad = {k: v for k, v in self.ratios.items() if not 0.0 <= v <= 1.0}
        if bad:
            raise ValueError(f"split ratios must lie in [0, 1], got {bad}")
        total = sum(self.ratios.values())
        if abs(total - 1.0) > 1e-6:
            raise ValueError(f"split ratios must sum to 1, got {total:g} ({self.ratios})")
        return self


def _point(page_key: str, config: SplitConfig) -> float:
    digest = hashlib.sha256(f"{config.seed}\x00{page_key}".encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2**64


def _intervals(config: SplitConfig) -> dict[str, tuple[float, float]]:
    """Each split's share of [0, 1), splits in sorted-name order (for stability)."""
    out, start = {}, 0.0
    for name in sorted(config.ratios):
        out[name] = (start, start + config.ratios[name])
        start += config.ratios[name]
    return out


def split_of(page_key: str, config: SplitConfig) -> str:
    """The split a page belongs to (splits are tried in sorted-name order for stability)."""
    point = _point(page_key, config)
    intervals = _intervals(config)
    for name, (_, end) in intervals.items():
        if point < end:
            return name
    return sorted(config.ratios)[-1]


def assign_splits(page_keys: Iterable[str], config: SplitConfig) -> dict[str, str]:
    """`split_of` for every page, except that no split with a positive ratio is left empty.

    A run over a handful of pages (the bundled sample) would otherwise often have no test page,
    and nothing to evaluate on. When a split is empty and there are at least as many pages as
    splits, the page whose hash lies nearest that split's interval moves there, taken from a split
    that keeps at least one page. Large runs never trigger this, so their assignment stays the
    pure, refresh-stable `split_of`."""
    keys = sorted(set(page_keys))
    assigned = {k: split_of(k, config) for k in keys}
    wanted = [name for name in sorted(config.ratios) if config.ratios[name] > 0]
    if len(keys) < len(wanted):
        return assigned
    intervals = _intervals(config)
    for name in wanted:
        counts = Counter(assigned.values())
        if counts[name]:
            continue
        start, end = intervals[name]
        donors = [k for k in keys if counts[assigned[k]] > 1 and assigned[k] in wanted]
        pick = min(donors, key=lambda k: (_distance(_point(k, config), start, end), k))
        assigned[pick] = name
    return assigned


def _distance(point: float, start: float, end: float) -> float:
    return 0.0 if start <= point < end else min(abs(point - start), abs(point - end))
