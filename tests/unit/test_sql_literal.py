"""A path with a quote in it, attached by DuckDB through the one helper every module uses."""
from __future__ import annotations

from pathlib import Path

import duckdb

from kg2instruction.storage.sql_literal import sql_path


def test_a_quoted_relative_path_attaches_the_right_file(tmp_path: Path, monkeypatch) -> None:
    folder = tmp_path / "o'brien's data"
    folder.mkdir()
    with duckdb.connect(str(folder / "kg.duckdb")) as con:
        con.execute("CREATE TABLE t AS SELECT 42 AS x")
    monkeypatch.chdir(folder)
    literal = sql_path(Path("kg.duckdb"))     # relative in, absolute out
    assert literal == "'" + str(folder / "kg.duckdb").replace("'", "''") + "'"
    monkeypatch.chdir(tmp_path)               # DuckDB must not resolve it against the new cwd
    with duckdb.connect(":memory:") as con:
        con.execute(f"ATTACH {literal} AS kg (READ_ONLY)")
        assert con.execute("SELECT x FROM kg.t").fetchall() == [(42,)]
