"""Truncated and bit-flipped compressed dumps (bz2 and gzip of real fixtures), non-UTF-8 XML:
each read ends either normally or with one InputError naming the file; never another exception,
and a KG build from such a file never replaces the previous KG."""
from __future__ import annotations

import bz2
import gzip
import random
from pathlib import Path

import pytest

from kg2instruction.errors import InputError
from kg2instruction.sources.wikidata_dump import BadLineLog, WikidataDumpReader
from kg2instruction.sources.wikipedia_xml import iter_pages

from .tally import tally

FIXTURES = Path(__file__).parents[1] / "fixtures"
WIKIDATA = (FIXTURES / "wikidata" / "latest-all.head50.json").read_bytes()[:600_000]
WIKIPEDIA = (FIXTURES / "wikipedia" / "enwiki-20120104-id12.xml").read_bytes()
COMPRESSORS = {"bz2": bz2.compress, "gz": lambda b: gzip.compress(b, mtime=0)}
SEEDS = range(12)


def _damaged(data: bytes, seed: int, how: str) -> bytes:
    rng = random.Random(seed)
    if how == "truncate":
        return data[:rng.randrange(10, len(data) - 1)]
    flipped = bytearray(data)
    for _ in range(rng.randint(1, 4)):
        at = rng.randrange(10, len(flipped))      # keep the magic bytes: a corrupt body
        flipped[at] ^= 1 << rng.randrange(8)
    return bytes(flipped)


def _read_wikidata(path: Path) -> int:
    return sum(1 for _ in WikidataDumpReader(path, BadLineLog(str(path), max_bad_lines=10**6)))


def _read_wikipedia(path: Path) -> int:
    return sum(1 for _ in iter_pages(path))


@pytest.mark.parametrize("how", ["truncate", "flip"])
@pytest.mark.parametrize("codec", sorted(COMPRESSORS))
@pytest.mark.parametrize("reader,data,suffix", [(_read_wikidata, WIKIDATA, "json"),
                                                (_read_wikipedia, WIKIPEDIA, "xml")],
                         ids=["wikidata", "wikipedia"])
def test_damaged_archive_fails_cleanly_or_reads(tmp_path, reader, data, suffix, codec, how):
    packed = COMPRESSORS[codec](data)
    outcomes = {"read": 0, "rejected": 0}
    for seed in SEEDS:
        path = tmp_path / f"dump-{seed}.{suffix}.{codec}"
        path.write_bytes(_damaged(packed, seed, how))
        tally(f"{suffix} dump, {codec}, {'truncated' if how == 'truncate' else 'bit flips'}")
        try:
            reader(path)
            outcomes["read"] += 1
        except InputError as exc:
            assert str(path) in str(exc)
            outcomes["rejected"] += 1
    assert outcomes["rejected"] >= 1          # damage is noticed, not silently swallowed


def test_non_utf8_bytes_in_xml_name_the_position(tmp_path):
    broken = WIKIPEDIA.replace(b"<text", b"<text\xff\xfe", 1)
    tally("xml dump (non-UTF-8 bytes)")
    path = tmp_path / "bad.xml"
    path.write_bytes(broken)
    with pytest.raises(InputError, match=r"bad.xml, line \d+"):
        _read_wikipedia(path)


def test_latin1_declared_xml_is_decoded_not_rejected(tmp_path):
    text = WIKIPEDIA.decode("utf-8")
    tally("xml dump (latin-1 declared)")
    path = tmp_path / "latin1.xml"
    body = text.replace('<?xml version="1.0"?>', "", 1) if text.startswith("<?xml") else text
    path.write_bytes(b'<?xml version="1.0" encoding="ISO-8859-1"?>\n'
                     + body.encode("latin-1", errors="replace"))
    try:
        assert _read_wikipedia(path) >= 0
    except InputError as exc:
        assert "latin1.xml" in str(exc)
