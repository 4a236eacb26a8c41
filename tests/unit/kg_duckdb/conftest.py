"""Fixtures for the DuckDB KG tests: real dump fragments, small stores built from them."""
from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import orjson
import pytest

from kg2instruction.kg.build import build_kg
from kg2instruction.kg.build_config import BuildResources

QUIET = BuildResources(progress=False)


def entity_lines(path: Path) -> list[bytes]:
    """The entity lines of a plain dump fragment (without `[`/`]`, trailing commas kept)."""
    return [line for line in path.read_bytes().splitlines() if line.strip() not in (b"", b"[", b"]")]


def parse_line(line: bytes) -> dict:
    return orjson.loads(line.rstrip().rstrip(b","))


@pytest.fixture(scope="session")
def head50_path(fixtures_dir: Path) -> Path:
    return fixtures_dir / "wikidata" / "latest-all.head50.json"


@pytest.fixture(scope="session")
def q42_path(fixtures_dir: Path) -> Path:
    return fixtures_dir / "wikidata" / "Q42.json"


@pytest.fixture(scope="session")
def head50_entities(head50_path: Path) -> dict[str, dict]:
    """Entities of the head50 fragment parsed independently of the reader (json per line)."""
    return {e["id"]: e for e in map(parse_line, entity_lines(head50_path))}


@pytest.fixture(scope="session")
def head50_kg(head50_path: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("head50") / "head50.duckdb"
    build_kg(head50_path, out, resources=QUIET)
    return out


@pytest.fixture(scope="session")
def q42_kg(q42_path: Path, fixtures_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("q42") / "q42.duckdb"
    build_kg(q42_path, out, resources=QUIET,
             datatypes_csv=fixtures_dir / "wikidata" / "properties_datatypes.csv")
    return out


@pytest.fixture()
def write_dump(tmp_path: Path) -> Callable[[list[bytes], str], Path]:
    """Write entity lines as a dump in the real `latest-all.json` shape (`[`, lines + ',', `]`)."""
    def write(lines: list[bytes], name: str = "dump.json") -> Path:
        bare = [line.rstrip().rstrip(b",") for line in lines]
        body = b"[\n" + b",\n".join(bare) + b"\n]\n"
        path = tmp_path / name
        path.write_bytes(body)
        return path
    return write
