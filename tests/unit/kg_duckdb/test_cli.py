"""`kg2i kg build` / `kg2i kg info` through the real CLI entry point."""
from __future__ import annotations

import bz2
from pathlib import Path

import pytest

from kg2instruction.cli import main
from kg2instruction.kg.store_access import read_meta


def test_build_prints_counts_and_info_reads_them(head50_path: Path, tmp_path: Path, capsys) -> None:
    out = tmp_path / "kg.duckdb"
    assert main(["kg", "build", "--dump", str(head50_path), "--out", str(out), "--langs", "en"]) == 0
    printed = capsys.readouterr().out
    counts = read_meta(out)["counts"]
    for key in ("items", "labels", "aliases", "claims", "time_values", "quantity_values",
                "sitelinks", "bad_lines"):
        assert f"  {key}: {counts[key]:,}\n" in printed
    assert read_meta(out)["config"]["languages"] == ["en"]
    assert main(["kg", "info", "--kg", str(out)]) == 0
    info = capsys.readouterr().out
    assert read_meta(out)["content_digest"] in info and "latest-all.head50.json" in info


@pytest.mark.parametrize("make_bad", ["missing", "truncated"])
def test_bad_dump_exits_2_naming_the_file(head50_path, tmp_path, capsys, make_bad) -> None:
    dump = tmp_path / "latest-all.json.bz2"
    if make_bad == "truncated":
        packed = bz2.compress(head50_path.read_bytes())
        dump.write_bytes(packed[: len(packed) // 2])
    out = tmp_path / "kg.duckdb"
    assert main(["kg", "build", "--dump", str(dump), "--out", str(out)]) == 2
    assert str(dump) in capsys.readouterr().err
    assert not out.exists()


def test_info_on_a_missing_store_exits_2(tmp_path: Path, capsys) -> None:
    assert main(["kg", "info", "--kg", str(tmp_path / "none.duckdb")]) == 2
    assert "none.duckdb" in capsys.readouterr().err


def test_invalid_option_is_a_config_error(head50_path: Path, tmp_path: Path, capsys) -> None:
    argv = ["kg", "build", "--dump", str(head50_path), "--out", str(tmp_path / "kg.duckdb"),
            "--langs", "en,en"]
    assert main(argv) == 2
    assert "languages" in capsys.readouterr().err and not (tmp_path / "kg.duckdb").exists()
