"""Deterministic overlap resolution between mentions from different finders.

Finders run independently and disagree at the edges (a link "Lincoln" inside an NER span
"Abraham Lincoln's"; a surname repeat "Huxley" inside the NER span "Noel Trevelyan Huxley"). Each
source has a rank `(group, order)`: a lower group wins whatever the lengths (the writer's own
links beat every guess); within a group the longer span wins, so no mention survives inside a
longer one ("Huxley" is part of another man's name, not a repeat of the page subject); equal
lengths fall back to the order, then the earlier span. The result never depends on the order the
finders ran in.
"""
from __future__ import annotations

import bisect
from collections.abc import Mapping, Sequence

from kg2instruction.annotate.mention import Mention


def resolve_overlaps(mentions: Sequence[Mention], rank_of_source: Mapping[str, tuple[int, int]]
                     ) -> tuple[list[Mention], list[Mention]]:
    """Keep a non-overlapping subset, greedily by (source group, longer, source order, earlier).

    Returns (kept sorted by offset, dropped). Identical spans from the same source collapse to one.
    """
    def key(m: Mention) -> tuple[int, int, int, int, int]:
        group, order = rank_of_source[m.source]
        return (group, -m.length, order, m.start, m.end)

    ordered = sorted(mentions, key=key)
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
