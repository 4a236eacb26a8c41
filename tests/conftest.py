"""Shared pytest fixtures. Area-specific fixtures live in each area's own conftest.py."""
from __future__ import annotations

import os
from pathlib import Path

import pytest

# Tests build their own projects and expect `<project>/cache`; a developer's own cache location
# (`KG2I_CACHE_DIR`, read by every pipeline load) must not redirect them. Tests of the variable
# set it themselves.
os.environ.pop("KG2I_CACHE_DIR", None)

REPO = Path(__file__).resolve().parents[1]
FIXTURES = REPO / "tests" / "fixtures"
SAMPLE = REPO / "pipelines" / "sample"


@pytest.fixture(scope="session")
def fixtures_dir() -> Path:
    return FIXTURES


@pytest.fixture(scope="session")
def sample_dir() -> Path:
    return SAMPLE


@pytest.fixture(scope="session")
def sample_kg(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The bundled wikidata-mini sample built into a DuckDB KG store once per session (~10 s).

    Returns the store's path; open it with `kg2instruction.kg.duckdb_kg.DuckDBKG` (read-only)."""
    from kg2instruction.kg.build import build_kg
    from kg2instruction.kg.build_config import BuildResources

    out = tmp_path_factory.mktemp("sample_kg") / "wikidata-mini.duckdb"
    build_kg(SAMPLE / "wikidata-mini.json.bz2", out, resources=BuildResources(progress=False))
    return out
