"""The streaming Wikidata dump reader on real dump lines: shape quirks, compression, bad input."""
from __future__ import annotations

import bz2
import gzip
from pathlib import Path

import pytest

from kg2instruction.errors import InputError
from kg2instruction.sources.wikidata_dump import BadLineLog, WikidataDumpReader

from .conftest import entity_lines, parse_line


def read_ids(path: Path, log: BadLineLog | None = None) -> list[str]:
    return [e["id"] for e in WikidataDumpReader(path, log)]


def test_head50_cut_dump_is_read_whole(head50_path: Path) -> None:
    raw_lines = head50_path.read_bytes().splitlines()
    assert raw_lines[0].strip() == b"[" and raw_lines[-1].strip() != b"]"   # cut: no closing `]`
    assert raw_lines[-1].rstrip().endswith(b",")                          # trailing comma kept
    expected = [parse_line(line)["id"] for line in entity_lines(head50_path)]
    log = BadLineLog(str(head50_path))
    reader = WikidataDumpReader(head50_path, log)
    ids = [e["id"] for e in reader]
    assert ids == expected and len(ids) == 49 and ids[0] == "Q22"
    assert log.count == 0
    assert reader.position.lines == len(raw_lines)


def test_closed_array_and_bracketless_lines_give_the_same_entities(head50_path, write_dump, tmp_path):
    lines = entity_lines(head50_path)[:5]
    closed = write_dump(lines)
    bare = tmp_path / "bare.jsonl"
    bare.write_bytes(b"\n".join(line.rstrip(b",") for line in lines) + b"\n")
    expected = [parse_line(line)["id"] for line in lines]
    assert read_ids(closed) == expected
    assert read_ids(bare) == expected


@pytest.mark.parametrize("compress", [bz2.compress, gzip.compress], ids=["bz2", "gzip"])
def test_compressed_dumps_read_like_plain(head50_path: Path, tmp_path: Path, compress) -> None:
    packed = tmp_path / "dump.json.x"          # the extension is not trusted, the magic is
    packed.write_bytes(compress(head50_path.read_bytes()))
    assert read_ids(packed) == read_ids(head50_path)


def test_corrupt_lines_are_counted_with_line_numbers(head50_path, write_dump) -> None:
    lines = entity_lines(head50_path)[:6]
    lines.insert(2, b'{"type":"item","id":"Q9999999","labels":{"en":')        # cut JSON -> line 4
    lines.insert(4, b'{"not": "an entity"},')                                  # JSON, no id -> line 6
    dump = write_dump(lines)
    log = BadLineLog(str(dump), max_bad_lines=5)
    ids = read_ids(dump, log)
    assert ids == [parse_line(line)["id"] for line in entity_lines(head50_path)[:6]]
    assert log.count == 2
    assert [(b.line, b.reason.split(" ")[0]) for b in log.kept] == [(4, "not"), (6, "JSON")]
    assert log.kept[0].excerpt.startswith('{"type":"item","id":"Q9999999"')


def test_too_many_bad_lines_fail_naming_file_and_line(head50_path, write_dump) -> None:
    lines = entity_lines(head50_path)[:4]
    lines.insert(3, b"<html>rate limited</html>")
    dump = write_dump(lines)
    with pytest.raises(InputError) as err:
        read_ids(dump, BadLineLog(str(dump), max_bad_lines=0))
    assert err.value.line == 5 and err.value.source == str(dump)
    assert "not JSON" in str(err.value) and str(dump) in str(err.value)


def test_dump_cut_mid_line_reports_the_last_line(head50_path: Path, tmp_path: Path) -> None:
    data = head50_path.read_bytes()
    cut = tmp_path / "cut.json"
    cut.write_bytes(data[: len(data) - 5000])              # inside the last entity line
    log = BadLineLog(str(cut), max_bad_lines=1)
    ids = read_ids(cut, log)
    assert len(ids) == 48 and log.count == 1 and log.kept[0].line == 50


def test_truncated_bz2_is_an_input_error_naming_the_file(head50_path: Path, tmp_path: Path) -> None:
    packed = bz2.compress(head50_path.read_bytes())
    truncated = tmp_path / "latest-all.json.bz2"
    truncated.write_bytes(packed[: len(packed) // 2])
    with pytest.raises(InputError) as err:
        read_ids(truncated)
    assert str(truncated) in str(err.value) and "bz2" in str(err.value)


def test_missing_file_is_an_input_error(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="file not found"):
        read_ids(tmp_path / "nope.json.bz2")


def test_entity_document_is_accepted(q42_path: Path) -> None:
    entities = list(WikidataDumpReader(q42_path))
    assert [e["id"] for e in entities] == ["Q42"]
    assert "P569" in entities[0]["claims"]


def test_non_json_document_is_rejected(fixtures_dir: Path) -> None:
    xml = fixtures_dir / "wikipedia" / "enwiki-20120104-id12.xml"
    with pytest.raises(InputError) as err:
        read_ids(xml, BadLineLog(str(xml), max_bad_lines=3))
    assert str(xml) in str(err.value) and err.value.line is not None
