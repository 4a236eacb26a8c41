"""Fixtures of the refresh tests: a local dumps mirror holding real dump bytes."""
from __future__ import annotations

import bz2
import hashlib
from collections.abc import Iterator
from pathlib import Path

import pytest

from kg2instruction.refresh.transport import TransportPolicy

from .mirror_server import MirrorServer

DATE = "20250101"
IN_PROGRESS = "20250108"


@pytest.fixture(scope="session")
def dump_bytes(fixtures_dir: Path) -> bytes:
    """A real Wikidata dump fragment (the head50 lines), bz2-compressed as the mirror serves it."""
    return bz2.compress((fixtures_dir / "wikidata" / "latest-all.head50.json").read_bytes())


@pytest.fixture
def mirror(tmp_path: Path, dump_bytes: bytes) -> Iterator[MirrorServer]:
    root = tmp_path / "mirror"
    done = root / "wikidatawiki" / "entities" / DATE
    done.mkdir(parents=True)
    name = f"wikidata-{DATE}-all.json.bz2"
    (done / name).write_bytes(dump_bytes)
    md5 = hashlib.md5(dump_bytes).hexdigest()
    (done / f"wikidata-{DATE}-md5sums.txt").write_text(
        f"{md5}  {name}\n{'0' * 32}  wikidata-{DATE}-lexemes.json.bz2\n")
    running = root / "wikidatawiki" / "entities" / IN_PROGRESS      # listed, not finished
    running.mkdir(parents=True)
    (running / f"wikidata-{IN_PROGRESS}-md5sums.txt").write_text(
        f"{'1' * 32}  wikidata-{IN_PROGRESS}-lexemes.json.bz2\n")
    with MirrorServer(root) as server:
        yield server


@pytest.fixture
def loopback_policy() -> TransportPolicy:
    """The test-only policy: plain http to 127.0.0.1 (never reachable from config or CLI)."""
    return TransportPolicy(allowed_hosts=("127.0.0.1",), allow_loopback_http=True,
                           user_agent="KG2Instruction-tests/1 (refresh tests; ci@example.org)",
                           timeout_seconds=10)
