"""Publishing a dataset to object storage (a real moto S3 server over HTTP, through s3fs):
the same bytes and `datasets`-loadable content as a local export; a SIGKILL mid-upload leaves
nothing a reader trusts, and a re-run resumes without re-uploading or overwriting anything."""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import datasets
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from kg2instruction.cli import main as kg2i
from kg2instruction.dataset.export import ExportInfo, export_to
from kg2instruction.errors import InputError
from kg2instruction.storage.publish import (LATEST, MANIFEST_SUFFIX, complete_versions,
                                            local_manifest, trusted_latest)
from tests.s3_server import Bucket, s3_bucket, s3_endpoint  # noqa: F401 (fixtures)

REPO = Path(__file__).resolve().parents[3]
SOME = 7        # objects uploaded before the SIGKILL (or all of them: killed before the manifest)


def _versions_per_object(bucket: Bucket, prefix: str) -> dict[str, int]:
    """How many S3 object versions each key has (the bucket is versioned): 1 means written once."""
    pages = bucket.client().get_paginator("list_object_versions").paginate(
        Bucket=bucket.name, Prefix=prefix)
    counts: dict[str, int] = {}
    for page in pages:
        for version in page.get("Versions", []):
            counts[version["Key"]] = counts.get(version["Key"], 0) + 1
    return counts


def _load(location: str, config: str, **kwargs) -> datasets.DatasetDict:
    """Load a config's Parquet files as the card lists them, from a folder or a URL."""
    summary = json.loads(_read(f"{location}/kg2i_summary.json", **kwargs))
    entry = next(c for c in summary["configs"] if c["config_name"] == config)
    files = {f["split"]: [f"{location}/{p}" for p in ([f["path"]] if isinstance(f["path"], str)
                                                       else f["path"])]
             for f in entry["data_files"]}
    return datasets.load_dataset("parquet", data_files=files, **kwargs)


def _read(location: str, storage_options: dict | None = None, **_) -> str:
    import fsspec

    with fsspec.open(location, "r", encoding="utf-8", **(storage_options or {})) as fh:
        return fh.read()


def test_export_to_s3_publishes_the_local_bytes_and_loads_with_datasets(
        exported, fixture_run, s3_bucket, tmp_path):
    root = f"{s3_bucket.url}/datasets/person"
    assert kg2i(["export", "--pipeline", str(fixture_run.pipeline_file), "--theme", "person",
                 "--out", root]) == 0
    url = trusted_latest(root, s3_bucket.options)
    assert url == f"{root}/{exported.name}"
    fs = s3_bucket.fs()
    manifest = json.loads(fs.cat_file(f"{s3_bucket.name}/datasets/person/{exported.name}"
                                      f"{MANIFEST_SUFFIX}"))
    assert manifest["files"] == local_manifest(exported)        # same files, sizes, SHA-256
    for entry in manifest["files"]:
        assert fs.cat_file(f"{url}/{entry['path']}") == (exported / entry["path"]).read_bytes()
    # the local scratch copy is gone once published
    assert not (fixture_run.run_dir / "datasets" / ".staging" / "person" / exported.name).exists()
    options = {"storage_options": {"endpoint_url": s3_bucket.endpoint},
               "cache_dir": str(tmp_path / "hf")}
    remote = _load(url, "iepile", **options)
    local = _load(str(exported), "iepile", cache_dir=str(tmp_path / "hf"))
    assert set(remote) == set(local) == {"train", "dev", "test"}
    for split in local:
        assert remote[split].to_list() == local[split].to_list() and len(local[split]) > 0
    # the same run again: nothing uploaded, LATEST names the version
    before = _versions_per_object(s3_bucket, "datasets/person/")
    assert kg2i(["export", "--pipeline", str(fixture_run.pipeline_file), "--theme", "person",
                 "--out", root]) == 0
    after = _versions_per_object(s3_bucket, "datasets/person/")
    assert {k: v for k, v in after.items() if not k.endswith(LATEST)} == \
        {k: v for k, v in before.items() if not k.endswith(LATEST)}


def test_the_pipeline_datasets_url_and_storage_block_reach_s3(fixture_run, s3_bucket,
                                                                monkeypatch):
    """No --out and no environment endpoint: the pipeline file alone says where and how."""
    import yaml

    monkeypatch.delenv("KG2I_STORAGE_OPTIONS")
    doc = yaml.safe_load(fixture_run.pipeline_file.read_text(encoding="utf-8"))
    doc.update({"datasets_url": f"{s3_bucket.url}/published",
                "storage": {"endpoint_url": s3_bucket.endpoint}})
    pipeline = fixture_run.pipeline_file.with_name("fixture_s3.yaml")   # same run name inside
    pipeline.write_text(yaml.safe_dump(doc, sort_keys=False), encoding="utf-8")
    try:
        assert kg2i(["export", "--pipeline", str(pipeline), "--theme", "person"]) == 0
    finally:
        pipeline.unlink()
    from kg2instruction.dataset.run_outputs import load_pipeline_run

    fingerprint = load_pipeline_run(fixture_run.pipeline_file, "person").fingerprint(
        "make_instructions")
    assert complete_versions(f"{s3_bucket.url}/published/person",
                             {"endpoint_url": s3_bucket.endpoint}) == [f"person-{fingerprint[:12]}"]


_KILLED_EXPORT = """
import os, signal, sys
from pathlib import Path
from kg2instruction.dataset.export import ExportInfo, export_to
from kg2instruction.dataset.run_outputs import load_pipeline_run

pipeline_file, root, staging, kill_after = sys.argv[1:5]
run = load_pipeline_run(Path(pipeline_file), "person")
uploaded = []

def on_uploaded(path):
    uploaded.append(path)
    if len(uploaded) == int(kill_after):
        os.kill(os.getpid(), signal.SIGKILL)     # no cleanup, no finally: a real kill

export_to(run.table("build_records"), run.table("make_instructions"), root,
          ExportInfo(pipeline="p", theme="person", version="person-v2", seed=1),
          staging=Path(staging), options=None, on_uploaded=on_uploaded)
"""


@pytest.mark.parametrize("when", ["mid-upload", "before-manifest"])
def test_a_killed_upload_is_never_trusted_and_a_rerun_resumes_without_overwriting(
        fixture_run, s3_bucket, tmp_path, when):
    s3_bucket.client().put_bucket_versioning(
        Bucket=s3_bucket.name, VersioningConfiguration={"Status": "Enabled"})
    root = f"{s3_bucket.url}/person"
    records = fixture_run.table("build_records")
    instructions = fixture_run.table("make_instructions")
    staging = tmp_path / "staging"
    first = export_to(records, instructions, root,
                      ExportInfo(pipeline="p", theme="person", version="person-v1", seed=1),
                      staging=staging)
    assert first == f"{root}/person-v1" and trusted_latest(root) == first
    v1_objects = _versions_per_object(s3_bucket, "person/person-v1")
    n_files = len([k for k in v1_objects if "/person-v1/" in k])
    kill_after = SOME if when == "mid-upload" else n_files

    killed = subprocess.run([sys.executable, "-c", _KILLED_EXPORT, str(fixture_run.pipeline_file),
                             root, str(staging), str(kill_after)],
                            cwd=REPO, env={**os.environ, "PYTHONPATH": str(REPO)},
                            capture_output=True, text=True, timeout=120)
    assert killed.returncode == -signal.SIGKILL, killed.stderr
    partial = _versions_per_object(s3_bucket, "person/person-v2/")
    assert len(partial) == kill_after
    # a reader still sees v1 only: no manifest for v2, LATEST unchanged
    assert complete_versions(root) == ["person-v1"]
    assert trusted_latest(root) == first
    staged = staging / "person-v2"
    assert staged.is_dir() and len(local_manifest(staged)) == n_files

    uploaded: list[str] = []
    second = export_to(records, instructions, root,
                       ExportInfo(pipeline="p", theme="person", version="person-v2", seed=1),
                       staging=staging, on_uploaded=uploaded.append)
    assert second == f"{root}/person-v2" and trusted_latest(root) == second
    assert complete_versions(root) == ["person-v1", "person-v2"]
    files = [e["path"] for e in json.loads(
        s3_bucket.fs().cat_file(f"{s3_bucket.name}/person/person-v2{MANIFEST_SUFFIX}"))["files"]]
    assert len(files) == n_files
    assert len(uploaded) == n_files - kill_after              # the rest, and only the rest
    assert not set(uploaded) & {k.split("person-v2/", 1)[1] for k in partial}
    complete = _versions_per_object(s3_bucket, "person/person-v2/")
    assert set(complete) == {f"person/person-v2/{f}" for f in files}
    assert set(complete.values()) == {1}                      # nothing uploaded twice
    assert _versions_per_object(s3_bucket, "person/person-v1") == v1_objects
    assert not staged.exists()


def test_latest_naming_a_version_without_its_manifest_is_not_trusted(s3_bucket):
    fs = s3_bucket.fs()
    fs.pipe_file(f"{s3_bucket.name}/person/person-x/README.md", b"half")
    fs.pipe_file(f"{s3_bucket.name}/person/{LATEST}", b"person-x\n")
    with pytest.raises(InputError, match="person-x.complete.json"):
        trusted_latest(f"{s3_bucket.url}/person")
    assert complete_versions(f"{s3_bucket.url}/person") == []


def test_refresh_publish_to_a_url_keeps_history_changelog_and_retention_remote(
        fixture_run, s3_bucket, tmp_path):
    from kg2instruction.config.pipeline import load_pipeline
    from kg2instruction.dataset.run_outputs import load_pipeline_run
    from kg2instruction.refresh.publish import TRIPLE_KEY, VERSIONS_FILE, apply_retention, publish
    from kg2instruction.storage.publish import publish_folder

    root = f"{s3_bucket.url}/refresh/person"
    fs = s3_bucket.fs()
    # an older version published earlier (its history entry too), to be retired by --keep 1
    old = tmp_path / "old"
    (old / "person-old").mkdir(parents=True)
    pq.write_table(pa.table({c: pa.array([], pa.string()) for c in ["theme", *TRIPLE_KEY]}),
                   old / "person-old" / "provenance.parquet")        # a version with no triples
    publish_folder(old / "person-old", root)
    fs.pipe_file(f"{s3_bucket.name}/refresh/person/{VERSIONS_FILE}",
                 json.dumps([{"version": "person-old"}]).encode())
    fs.pipe_file(f"{s3_bucket.name}/refresh/person/{LATEST}", b"person-new-is-not-here\n")
    with pytest.raises(InputError):              # LATEST names no complete version: refused
        publish(load_pipeline_run(fixture_run.pipeline_file, "person"),
                load_pipeline(fixture_run.pipeline_file), "person", root, None, {"name": "d"})
    fs.pipe_file(f"{s3_bucket.name}/refresh/person/{LATEST}", b"person-old\n")

    run = load_pipeline_run(fixture_run.pipeline_file, "person")
    pipeline = load_pipeline(fixture_run.pipeline_file)
    done = publish(run, pipeline, "person", root, None, {"name": "wikidata-mini.json.bz2"})
    version = done.version.name
    assert str(done.version) == f"{root}/{version}" and trusted_latest(root) == str(done.version)
    assert done.previous is not None and done.previous.name == "person-old"
    history = json.loads(fs.cat_file(f"{s3_bucket.name}/refresh/person/{VERSIONS_FILE}"))
    assert [h["version"] for h in history] == ["person-old", version]
    entry = json.loads(fs.cat_file(f"{s3_bucket.name}/refresh/person/changelog/{version}.json"))
    added = sum(n["added"] for n in entry["triples"].values())
    assert entry["previous"] == "person-old" and added > 0
    assert f"## {version}" in fs.cat_file(
        f"{s3_bucket.name}/refresh/person/CHANGELOG.md").decode()
    # retention: the old version's manifest and objects go, LATEST's version stays
    assert apply_retention(root, keep=1) == ["person-old"]
    assert complete_versions(root) == [version]
    assert not fs.exists(f"{s3_bucket.name}/refresh/person/person-old")
    assert trusted_latest(root) == str(done.version)
