"""Helpers for the evaluation tests: small JSONL files written the way users write them."""
from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from pathlib import Path

import pytest


@pytest.fixture
def write_jsonl(tmp_path: Path) -> Callable[[str, Iterable[dict]], Path]:
    def write(name: str, rows: Iterable[dict]) -> Path:
        path = tmp_path / name
        path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), "utf-8")
        return path

    return write
