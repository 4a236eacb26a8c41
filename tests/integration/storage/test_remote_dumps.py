"""Dumps at a URL (a real moto S3 server over HTTP, through s3fs), read in place: the
`read_wikipedia` stage (bzip2 XML through indexed_bzip2, a zip of extracts) and the KG build give
the same rows as from the local files, and the dump identity is the local file's."""
from __future__ import annotations

from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from kg2instruction.errors import InputError
from kg2instruction.kg.build import build_kg
from kg2instruction.kg.build_config import BuildResources
from kg2instruction.kg.dump_identity import dump_identity
from kg2instruction.sources.compressed import open_binary
from tests.integration.dag.conftest import manifest
from tests.integration.dag.project import make_project, run
from tests.s3_server import Bucket, s3_bucket, s3_endpoint  # noqa: F401 (fixtures)

SAMPLE = Path(__file__).resolve().parents[3] / "pipelines" / "sample"
FILES = ("enwiki-sample.xml.bz2", "zh-extracts.zip", "wikidata-mini.json.bz2")


def _upload(bucket: Bucket) -> str:
    fs = bucket.fs()
    for name in FILES:
        fs.put_file(str(SAMPLE / name), f"{bucket.name}/dumps/{name}")
    return f"{bucket.url}/dumps"


def _rows(root: Path) -> dict[str, pa.Table]:
    out = root / manifest(root)["stages"]["read_wikipedia"]["output"]
    return {p.name: pq.read_table(p) for p in sorted(out.glob("shard-*.parquet"))}


def test_read_wikipedia_from_s3_gives_the_rows_of_the_local_files(s3_bucket, tmp_path,
                                                                   monkeypatch):
    dumps = _upload(s3_bucket)
    stages = {"read_wikipedia": {"pages_per_shard": 40}}
    local = make_project(tmp_path / "local", stages, {"wikipedia": [
        {"path": "data/enwiki-sample.xml.bz2", "lang": "en"},
        {"path": "data/zh-extracts.zip", "lang": "zh"}]},
        {name: SAMPLE / name for name in FILES[:2]})
    remote = make_project(tmp_path / "remote", stages, {"wikipedia": [
        {"path": f"{dumps}/enwiki-sample.xml.bz2", "lang": "en"},
        {"path": f"{dumps}/zh-extracts.zip", "lang": "zh"}]}, {},
        storage={"endpoint_url": s3_bucket.endpoint})
    monkeypatch.delenv("KG2I_STORAGE_OPTIONS")        # the pipeline's `storage:` alone
    assert run(local) == 0 and run(remote, "--workers", "2") == 0     # pickled to workers
    local_rows, remote_rows = _rows(tmp_path / "local"), _rows(tmp_path / "remote")
    assert list(remote_rows) == list(local_rows) and len(local_rows) >= 4
    for shard, table in local_rows.items():
        assert remote_rows[shard].equals(table), shard        # `source` = file name in both
    assert {s for t in local_rows.values() for s in t["source"].to_pylist()} == set(FILES[:2])
    # the dump identity in the fingerprint is the content's: the same cache key for both
    fingerprints = {manifest(tmp_path / r)["stages"]["read_wikipedia"]["fingerprint"]
                    for r in ("local", "remote")}
    assert len(fingerprints) == 1


@pytest.mark.slow
def test_the_kg_built_from_s3_equals_the_kg_built_from_the_local_dump(s3_bucket, sample_kg,
                                                                       tmp_path):
    url = f"{_upload(s3_bucket)}/wikidata-mini.json.bz2"
    assert dump_identity(url) == dump_identity(SAMPLE / "wikidata-mini.json.bz2")
    summary = build_kg(url, tmp_path / "kg.duckdb", resources=BuildResources(progress=False))
    assert summary.dump_id["name"] == "wikidata-mini.json.bz2"
    con = duckdb.connect()
    con.execute(f"ATTACH '{sample_kg}' AS a (READ_ONLY)")
    con.execute(f"ATTACH '{tmp_path / 'kg.duckdb'}' AS b (READ_ONLY)")
    tables = [t for (t,) in con.execute("SELECT table_name FROM information_schema.tables "
                                        "WHERE table_catalog = 'a' AND table_name <> 'meta'"
                                        ).fetchall()]
    assert "claims" in tables
    for table in tables:
        differ = con.execute(f"SELECT count(*) FROM ((SELECT * FROM a.{table} EXCEPT ALL "
                             f"SELECT * FROM b.{table}) UNION ALL (SELECT * FROM b.{table} "
                             f"EXCEPT ALL SELECT * FROM a.{table}))").fetchone()[0]
        assert differ == 0, table


def test_a_missing_dump_url_is_one_clear_input_error(s3_bucket):
    with pytest.raises(InputError, match=r"^s3://.*/nope\.xml\.bz2: file not found$"):
        with open_binary(f"{s3_bucket.url}/nope.xml.bz2"):
            pass
