"""Deterministic overlap resolution between mentions from different finders.

Finders run independently and disagree at the edges (a link "Lincoln" inside an NER span
"Abraham Lincoln's"; a neighbour label inside a longer NER span). The more reliable source wins;
within one source the longer span wins, then the earlier one, so the result never depends on the
order finders ran in.
"""
from __future__ import annotations

import bisect
from collections.abc import Mapping, Sequence

from kg2instruction.annotate.mention import Mention


def resolve_overlaps(mentions: Sequence[Mention], rank_of_source: Mapping[str, int]
                     ) -> tuple[list[Mention], list[Mention]]:
    """Keep a non-overlapping subset, greedily by (source rank, longer, earlier).

    Returns (kept sorted by offset, dropped). Identical spans from the same source collapse to one.
    """
    ordered = sorted(mentions, key=lambda m: (rank_of_source[m.source], -m.length, m.start, m.end))
    starts: list[int] = []   # kept spans, sorted by start (kept spans never overlap)
    ends: list[int] = []
    kept: list[Mention] = []
    dropped: list[Mention] = []
    for m in ordered:
        i = bisect.bisect_left(starts, m.start)
        overlaps_left = i > 0 and ends[i - 1] > m.start
        overlaps_right = i < len(starts) and starts[i] < m.end
        if overlaps_left or overlaps_right or m.length <= 0:
            dropped.append(m)
            continue
        starts.insert(i, m.start)
        ends.insert(i, m.end)
        kept.append(m)
    kept.sort(key=lambda m: (m.start, m.end))
    return kept, dropped
