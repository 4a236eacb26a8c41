"""How many neighbours a KG lookup may return per entity (the hub cap), for every backend.

A hub such as Q5 "human" is the value of millions of statements on full Wikidata (about 44k on the
bundled sample), and `neighbours` would hand all of them to the annotation steps, which only need
names that can occur near the entity in text. So reverse edges (statements *about other entities*
pointing at the one asked for) are capped; forward edges (the entity's own statements) are always
returned: they are bounded by the size of one Wikidata item and are the entity's own facts.

When capped, the reverse edges kept are those whose other entity has the most statements
(`n_claims`, the popularity proxy disambiguation already uses: a well-described entity is the one
text is likely to mention), then the lower QID number, then the lower property number. That order
is a property of the data alone, so both backends choose the same rows, the choice is the same in
every run, and the DuckDB store can lay it out at build time (`neighbour_rows.pos`).
"""
from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

# Above the largest reverse degree of any entity the sample run looks up (Q5 "human", 43,848
# reverse edges on the bundled sample), so the sample's answers are exactly the uncapped ones.
DEFAULT_MAX_REVERSE_NEIGHBOURS = 50_000


class KGLookupConfig(BaseModel):
    """Read-side limits of KG lookups (they change answers, so they are part of fingerprints)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    max_reverse_neighbours: int = Field(
        DEFAULT_MAX_REVERSE_NEIGHBOURS, ge=1,
        description="reverse edges returned per entity by `neighbours` (forward edges are never "
                    "capped); the kept ones are those whose other entity has the most statements, "
                    "then the lowest QID and property number")
