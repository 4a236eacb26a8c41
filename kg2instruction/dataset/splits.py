"""Train/dev/test assignment by page.

Paragraphs of one page share entities and phrasing; splitting by paragraph would leak test facts
into training. The split of a page is a pure function of (seed, page key): a keyed hash mapped onto
the cumulative ratios. That makes the assignment independent of input order and of which other
pages exist, so a refresh that adds pages never moves an old page to another split.
"""
from __future__ import annotations

import hashlib

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


def split_of(page_key: str, config: SplitConfig) -> str:
    """The split a page belongs to (splits are tried in sorted-name order for stability)."""
    digest = hashlib.sha256(f"{config.seed}\x00{page_key}".encode()).digest()
    point = int.from_bytes(digest[:8], "big") / 2**64
    cumulative = 0.0
    names = sorted(config.ratios)
    for name in names:
        cumulative += config.ratios[name]
        if point < cumulative:
            return name
    return names[-1]
