"""Length-bucketed batches: pairs of similar length share a batch, so dynamic padding pads little.

With Wikipedia premises ranging from 10 to 300 tokens, padding a random batch to its longest
member wastes most of the compute; sorting by length first makes each batch nearly rectangular.
"""
from __future__ import annotations

from collections.abc import Sequence


def length_buckets(lengths: Sequence[int], max_batch_size: int, max_batch_tokens: int
                   ) -> list[list[int]]:
    """Indices grouped into batches, longest first, each at most `max_batch_size` items and at
    most `max_batch_tokens` padded tokens (a single over-long item still gets its own batch)."""
    if max_batch_size < 1 or max_batch_tokens < 1:
        raise ValueError("batch limits must be positive")
    order = sorted(range(len(lengths)), key=lambda i: (-lengths[i], i))
    batches: list[list[int]] = []
    current: list[int] = []
    for index in order:
        width = lengths[current[0]] if current else lengths[index]   # longest comes first
        if current and (len(current) + 1 > max_batch_size
                        or width * (len(current) + 1) > max_batch_tokens):
            batches.append(current)
            current = []
        current.append(index)
    if current:
        batches.append(current)
    return batches
