from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pytest

from kg2instruction.core.run_shard import sort_rows
from kg2instruction.core.shard_store import ShardStats, ShardStore, write_parquet


def test_parquet_bytes_do_not_depend_on_chunking(tmp_path: Path) -> None:
    rows = {"paragraph_id": [f"en:{i}:0" for i in range(1000)], "n": list(range(1000))}
    whole = pa.table(rows)
    chunked = pa.concat_tables([whole.slice(0, 300), whole.slice(300, 500), whole.slice(800)])
    assert chunked["n"].num_chunks == 3
    write_parquet(whole, tmp_path / "a.parquet")
    write_parquet(chunked, tmp_path / "b.parquet")
    assert (tmp_path / "a.parquet").read_bytes() == (tmp_path / "b.parquet").read_bytes()


def test_shard_is_visible_only_with_its_done_marker(tmp_path: Path) -> None:
    store = ShardStore(tmp_path / "stage", "ab" * 32)
    assert store.dir.name == "ab" * 8
    table = pa.table({"paragraph_id": ["b", "a"]})
    assert not store.is_done("00000")
    store.write_shard(table, ShardStats(shard_id="00000", lang="en", rows_out=2,
                                        counters={"dropped.x": 1}))
    assert store.done_shards() == ["00000"]
    assert store.read_shard("00000").equals(table)
    assert store.read_stats("00000").counters == {"dropped.x": 1}
    assert not list(store.dir.glob("*.tmp"))
    store.mark_complete({"00000": "en"})
    assert store.completed_shards() == {"00000": "en"}
    store.invalidate()
    assert store.done_shards() == [] and store.completed_shards() is None


def test_sort_rows_is_stable_and_checks_the_key() -> None:
    table = pa.table({"paragraph_id": ["b", "a", "b", "a"], "n": [1, 2, 3, 4]})
    ordered = sort_rows(table, ("paragraph_id",), "s")
    assert ordered["n"].to_pylist() == [2, 4, 1, 3]
    assert sort_rows(table, (), "s").equals(table)
    with pytest.raises(ValueError, match="lacks"):
        sort_rows(table, ("mention_id",), "s")
