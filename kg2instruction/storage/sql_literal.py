"""A file path written into DuckDB SQL.

ATTACH, `SET temp_directory` and file lists in table functions take no bound parameters, so a
path goes into the statement as a string literal: absolute (the statement must not depend on the
working directory DuckDB resolves it against) and with its quotes doubled.
"""
from __future__ import annotations

from pathlib import Path


def sql_path(path: str | Path) -> str:
    """`path` as a quoted SQL string literal: /tmp/it's.db -> '/tmp/it''s.db'."""
    return "'" + str(Path(path).absolute()).replace("'", "''") + "'"
