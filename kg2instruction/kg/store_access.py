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

# Lookups pass their batch of ids as a list and join on it. DuckDB turns the ids of a join's small
# side into an IN filter that zone maps check row group by row group, so a batch reads only the
# row groups holding its ids; above this many ids it falls back to a min..max range, which for
# ids scattered over the store is nearly every row group, a cost that grows with the KG (DuckDB's
# default is 50; an annotation shard asks for hundreds). Set on the database instance after
# connecting (every cursor sees it), not as a connect option: DuckDB refuses a second connection
# to a file whose options differ from the first one's.
MAX_IN_FILTER_IDS = 4096


def connect_read_only(path: str | Path) -> duckdb.DuckDBPyConnection:
    """Read-only connection (many worker processes may hold one); InputError if not a store."""
    path = Path(path)
    if not path.is_file():
        raise InputError(path, "KG store not found (build it with `kg2i kg build`)")
    try:
        con = duckdb.connect(str(path), read_only=True)
    except duckdb.Error as exc:
        raise InputError(path, f"not a readable DuckDB KG store ({exc})") from None
    con.execute(f"SET GLOBAL dynamic_or_filter_threshold = {MAX_IN_FILTER_IDS}")
    return con


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
