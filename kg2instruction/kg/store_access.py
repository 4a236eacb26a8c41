"""Open a built KG store for reading, the same way everywhere.

DuckDB shares one database instance per file inside a process and refuses a second connection
whose options differ ("different configuration than existing connections"), so every reader in the
package opens stores through `connect_read_only` with identical options.
"""
from __future__ import annotations

import json
from pathlib import Path

import duckdb

from kg2instruction.errors import InputError


def connect_read_only(path: str | Path) -> duckdb.DuckDBPyConnection:
    """Read-only connection (many worker processes may hold one); InputError if not a store."""
    path = Path(path)
    if not path.is_file():
        raise InputError(path, "KG store not found (build it with `kg2i kg build`)")
    try:
        return duckdb.connect(str(path), read_only=True)
    except duckdb.Error as exc:
        raise InputError(path, f"not a readable DuckDB KG store ({exc})") from None


def meta_of(con: duckdb.DuckDBPyConnection, path: str | Path) -> dict[str, object]:
    """The meta table as a dict of decoded JSON values."""
    try:
        rows = con.execute("SELECT key, value FROM meta ORDER BY key").fetchall()
    except duckdb.CatalogException:
        raise InputError(path, "DuckDB file without a meta table: not a KG store") from None
    return {key: json.loads(value) for key, value in rows}


def read_meta(path: str | Path) -> dict[str, object]:
    """The meta table of a built store (dump id, config, counts, digest, build time)."""
    con = connect_read_only(path)
    try:
        return meta_of(con, path)
    finally:
        con.close()
