"""Property: the Wikidata line parser classifies every line as structure, entity or counted bad
line (with its number), whatever the bytes: random bytes, mutated real entity lines, non-UTF-8."""
from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kg2instruction.errors import InputError
from kg2instruction.sources.wikidata_dump import BadLineLog, LineBatch, parse_line_batch

from .tally import tally

REAL = (Path(__file__).parents[1] / "fixtures" / "wikidata" / "latest-all.head50.json") \
    .read_bytes().splitlines(keepends=True)
ENTITY_LINES = [line for line in REAL if line.startswith(b"{")]


def _classify(lines: list[bytes], kind: str) -> tuple[int, BadLineLog]:
    tally(kind)
    log = BadLineLog("fuzz.json", max_bad_lines=len(lines))
    entities = list(parse_line_batch(LineBatch(1, lines), log))
    for number, entity in entities:
        assert 1 <= number <= len(lines) and entity["id"]
    for bad in log.kept:
        assert 1 <= bad.line <= len(lines) and bad.reason
    return len(entities), log


@given(st.lists(st.binary(max_size=300), max_size=30))
def test_random_bytes_are_counted_not_crashed(lines: list[bytes]) -> None:
    n, log = _classify([line + b"\n" for line in lines], "dump lines (random bytes)")
    assert n + log.count <= len(lines)


@given(st.sampled_from(ENTITY_LINES[:10]), st.data())
def test_mutated_real_lines(line: bytes, data: st.DataObject) -> None:
    position = data.draw(st.integers(0, len(line) - 1))
    mutation = data.draw(st.sampled_from(["flip", "cut", "insert"]))
    if mutation == "flip":
        bit = data.draw(st.integers(0, 7))
        line = line[:position] + bytes([line[position] ^ (1 << bit)]) + line[position + 1:]
    elif mutation == "cut":
        line = line[:position] + b"\n"
    else:
        line = line[:position] + data.draw(st.binary(min_size=1, max_size=8)) + line[position:]
    n, log = _classify([b"[\n", line, ENTITY_LINES[0]], "dump line (mutated real entity)")
    assert n + log.count >= 1          # the intact line is always read


def test_non_utf8_line_is_a_counted_bad_line() -> None:
    n, log = _classify([b"[\n", ENTITY_LINES[0], b'{"type":"item","id":"Q1","labels":"\xff\xfe"},\n'],
                       "dump line (non-UTF-8)")
    assert n == 1 and log.count == 1 and log.kept[0].line == 3


def test_huge_line_is_counted_with_a_short_excerpt() -> None:
    huge = b'{"type":"item","id":"Q1","x":"' + b"a" * (32 << 20)     # 32 MiB, never closed
    n, log = _classify([huge + b"\n"], "dump line (32 MiB)")
    assert n == 0 and log.count == 1 and len(log.kept[0].excerpt) <= 200


def test_too_many_bad_lines_stop_with_the_line_number() -> None:
    log = BadLineLog("dump.json.bz2", max_bad_lines=2)
    with pytest.raises(InputError, match=r"dump.json.bz2, line 4"):
        list(parse_line_batch(LineBatch(1, [b"x\n", b"[\n", b"y\n", b"z\n"]), log))
