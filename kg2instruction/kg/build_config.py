"""What a KG build keeps from a dump (content) and how hard it may work (resources).

The two are separate on purpose: `KGBuildConfig` decides the content of the store, so it is
recorded in the store's `meta` and is part of any cache fingerprint; `BuildResources` only changes
speed and memory, and two builds that differ only there must give identical stores.
"""
from __future__ import annotations

import os

from pydantic import BaseModel, ConfigDict, Field, field_validator

# Wikidata's Chinese variants, most generic first, simplified before traditional: a page in
# simplified script should show the simplified label when one exists.
ZH_FALLBACK: tuple[str, ...] = ("zh", "zh-hans", "zh-cn", "zh-sg", "zh-my",
                                "zh-hant", "zh-tw", "zh-hk", "zh-mo")
# Since 2024 Wikidata keeps names written the same in many languages under 'mul' and removes the
# identical 'en' label (Q42 "Douglas Adams" has no 'en' label any more), so English falls back to it.
EN_FALLBACK: tuple[str, ...] = ("en", "mul")


class KGBuildConfig(BaseModel):
    """Content settings of a KG build (stored in meta.config)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    languages: tuple[str, ...] = Field(("en", "zh"), min_length=1,
                                       description="configured languages for labels etc.")
    fallback_chains: dict[str, tuple[str, ...]] = Field(
        default_factory=lambda: {"en": EN_FALLBACK, "zh": ZH_FALLBACK},
        description="language -> ordered Wikidata language codes; a language without an entry "
                    "uses only its own code")
    sitelink_wikis: tuple[str, ...] = ("enwiki", "zhwiki")
    string_datatypes: tuple[str, ...] = Field(
        ("string", "url"), description="property datatypes whose string values are stored")
    max_bad_lines: int = Field(100, ge=0, description="bad lines tolerated before the build fails")
    bad_lines_recorded: int = Field(100, ge=0, description="bad lines kept with their line number")

    @field_validator("languages")
    @classmethod
    def _distinct_languages(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        if len(set(value)) != len(value):
            raise ValueError("languages must be distinct")
        return value

    def chain(self, lang: str) -> tuple[str, ...]:
        """Wikidata language codes tried, in order, for a configured language."""
        return tuple(self.fallback_chains.get(lang, (lang,)))

    def variant_languages(self) -> dict[str, tuple[str, ...]]:
        """Raw language code -> the configured languages whose chain holds it (codes worth keeping)."""
        mapping: dict[str, tuple[str, ...]] = {}
        for lang in self.languages:
            for variant in self.chain(lang):
                mapping[variant] = mapping.get(variant, ()) + (lang,)
        return mapping


PARALLEL_MIN_BYTES = 64 << 20


class BuildResources(BaseModel):
    """Execution knobs: never change the content of the store."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    batch_rows: int = Field(200_000, ge=1, description="rows (all tables) per Arrow batch: bounds "
                                                       "the scan's memory whatever the entity size")
    batch_bytes: int = Field(4 << 20, ge=1, description="raw dump bytes per parse work unit")
    parse_workers: int | None = Field(None, ge=1, description="processes parsing JSON lines "
                                                            "(None: auto, see workers())")
    decompress_threads: int | None = Field(None, ge=1, description="bzip2 threads (None: auto)")
    duckdb_threads: int | None = Field(None, ge=1)
    memory_limit: str = Field("128MB", description="DuckDB memory limit: the final sorts spill to "
                                                   "disk beyond it, so peak memory stays flat as the "
                                                   "dump grows; raise it for speed on a full dump")
    progress: bool | None = Field(None, description="progress bar: None = only on a terminal")
    row_group_size: int = Field(
        32_768, ge=2_048, multiple_of=2_048,
        description="rows per DuckDB row group in the store: a point lookup reads whole row groups "
                    "of the columns it touches, so smaller groups make lookups cheaper and flatter "
                    "as the KG grows (DuckDB's default 122,880 costs about 3x per lookup) at the "
                    "price of a larger file (about +20% at 32,768, +50% at 16,384)")

    def workers(self, input_bytes: int) -> int:
        """Parse processes to use: the configured number; else one per CPU for a dump file of at
        least PARALLEL_MIN_BYTES, and in-process below (spawning workers costs seconds)."""
        if self.parse_workers:
            return self.parse_workers
        return max(1, os.cpu_count() or 1) if input_bytes >= PARALLEL_MIN_BYTES else 1
