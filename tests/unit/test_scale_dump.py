"""The scale benchmark's synthetic dump: written by several processes as a multistream bz2, it
decodes to exactly the bytes one process writes, and the product's reader takes it as one dump."""
from __future__ import annotations

import bz2
from pathlib import Path

import orjson

from benchmarks.scale import write_scaled_dump
from kg2instruction.sources.compressed import open_binary

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "wikidata"


def test_parallel_generation_decodes_to_the_serial_bytes(tmp_path: Path) -> None:
    source = FIXTURES / "latest-all.head50.json"
    serial, parallel = tmp_path / "serial.json.bz2", tmp_path / "parallel.json.bz2"
    n_serial = write_scaled_dump(source, serial, copies=3, workers=1)
    n_parallel = write_scaled_dump(source, parallel, copies=3, workers=2)
    text = bz2.decompress(serial.read_bytes())
    assert n_parallel == n_serial
    assert bz2.decompress(parallel.read_bytes()) == text
    with open_binary(parallel) as fh:                     # the build's own decoder, multistream
        assert fh.read() == text
    entities = orjson.loads(text)
    assert len(entities) == n_serial
    ids = [e["id"] for e in entities]
    assert len(set(ids)) == len(ids)                       # every copy's ids are its own
    assert sorted(p.name for p in tmp_path.iterdir()) == ["parallel.json.bz2", "serial.json.bz2"]
