"""`storage.publish` against a real S3 server (moto over HTTP): what a resume trusts and what it
uploads again, a version already complete, and the pipeline's `datasets_url` / `storage:`."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from kg2instruction.config.pipeline import load_pipeline
from kg2instruction.errors import ConfigError
from kg2instruction.storage.location import storage_options
from kg2instruction.storage.publish import (LATEST, MANIFEST_SUFFIX, local_manifest,
                                            publish_folder, trusted_latest)
from tests.s3_server import s3_bucket, s3_endpoint  # noqa: F401 (fixtures)


def _folder(root: Path, name: str, files: dict[str, bytes]) -> Path:
    for rel, data in files.items():
        (root / name / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / name / rel).write_bytes(data)
    return root / name


def test_a_resume_without_a_journal_checks_the_bytes_not_just_the_size(s3_bucket, tmp_path):
    folder = _folder(tmp_path, "v1", {"a.jsonl": b"alpha\n", "b/c.parquet": b"bravo\n",
                                      "d.jsonl": b"delta\n"})
    fs = s3_bucket.fs()
    fs.pipe_file(f"{s3_bucket.name}/ds/v1/a.jsonl", b"alpha\n")       # another machine's upload
    fs.pipe_file(f"{s3_bucket.name}/ds/v1/b/c.parquet", b"BRAVO\n")   # same size, other bytes
    uploaded: list[str] = []
    done = publish_folder(folder, f"{s3_bucket.url}/ds", on_uploaded=uploaded.append)
    assert uploaded == ["b/c.parquet", "d.jsonl"] and (done.uploaded, done.skipped) == (2, 1)
    assert fs.cat_file(f"{s3_bucket.name}/ds/v1/b/c.parquet") == b"bravo\n"
    manifest = json.loads(fs.cat_file(f"{s3_bucket.name}/ds/v1{MANIFEST_SUFFIX}"))
    assert manifest["files"] == local_manifest(folder)
    assert trusted_latest(f"{s3_bucket.url}/ds") == f"{s3_bucket.url}/ds/v1"
    assert not list(tmp_path.glob(".v1.uploads.*"))                    # journal gone when done


def test_a_complete_version_is_never_uploaded_again(s3_bucket, tmp_path):
    root = f"{s3_bucket.url}/ds"
    publish_folder(_folder(tmp_path / "one", "v1", {"a.jsonl": b"first\n"}), root)
    publish_folder(_folder(tmp_path / "one", "v2", {"a.jsonl": b"second\n"}), root)
    # v1 again (a refresh back to known dumps), even from a differing staged copy: untouched
    again = publish_folder(_folder(tmp_path / "two", "v1", {"a.jsonl": b"other!\n"}), root)
    assert again.already_complete and again.uploaded == 0
    assert s3_bucket.fs().cat_file(f"{s3_bucket.name}/ds/v1/a.jsonl") == b"first\n"
    assert s3_bucket.fs().cat_file(f"{s3_bucket.name}/ds/{LATEST}") == b"v1\n"


def _pipeline(tmp_path: Path, extra: str) -> Path:
    path = tmp_path / "pipelines" / "p.yaml"
    path.parent.mkdir(parents=True)
    path.write_text("name: p\nbase_dir: ..\n" + extra, encoding="utf-8")
    return path


def test_pipeline_datasets_url_and_storage_options(tmp_path, monkeypatch):
    monkeypatch.delenv("KG2I_STORAGE_OPTIONS", raising=False)
    pipeline = load_pipeline(_pipeline(tmp_path, "datasets_url: s3://bucket/kg2i/\nstorage:\n"
                                       "  endpoint_url: http://127.0.0.1:9\n  profile: lab\n"
                                       "  options: {anon: false}\n"))
    assert pipeline.datasets_root("person") == "s3://bucket/kg2i/person"
    assert pipeline.storage_options("s3://bucket/kg2i/person") == {
        "endpoint_url": "http://127.0.0.1:9", "profile": "lab", "anon": False}
    # the environment wins; S3 names are not given to another protocol
    monkeypatch.setenv("KG2I_STORAGE_OPTIONS", '{"endpoint_url": "http://127.0.0.1:10"}')
    assert pipeline.storage_options("s3://b/x")["endpoint_url"] == "http://127.0.0.1:10"
    assert pipeline.storage_options("gs://b/x") == {"anon": False}
    local = load_pipeline(_pipeline(tmp_path / "local", ""))
    assert local.datasets_root("person") == local.cache_root / "p" / "datasets" / "person"


def test_a_local_datasets_url_or_an_unknown_storage_key_is_a_config_error(tmp_path):
    with pytest.raises(ConfigError, match="datasets_url.*expected a URL"):
        load_pipeline(_pipeline(tmp_path / "a", "datasets_url: /data/datasets\n"))
    with pytest.raises(ConfigError, match="endpoint"):
        load_pipeline(_pipeline(tmp_path / "b", "storage:\n  endpoint: http://x\n"))


def test_bad_storage_options_in_the_environment_name_the_variable(monkeypatch):
    monkeypatch.setenv("KG2I_STORAGE_OPTIONS", "endpoint_url=http://x")
    with pytest.raises(ConfigError, match="KG2I_STORAGE_OPTIONS.*JSON"):
        storage_options("s3://b/x")


def test_cache_rm_removes_one_remote_version_by_name_and_its_latest(s3_bucket, tmp_path, capsys):
    from kg2instruction.cli import main as kg2i
    from kg2instruction.storage.publish import complete_versions

    root = f"{s3_bucket.url}/ds/person"
    publish_folder(_folder(tmp_path / "s", "person-v1", {"a.jsonl": b"one\n"}), root)
    publish_folder(_folder(tmp_path / "s", "person-v2", {"a.jsonl": b"two\n"}), root)
    pipeline = _pipeline(tmp_path, f"datasets_url: {s3_bucket.url}/ds\n")
    rm = ["cache", "rm", "--pipeline", str(pipeline)]
    assert kg2i([*rm, "--dataset", "person"]) == 2                       # vague: refused
    assert kg2i([*rm, "--dataset", "person/person-v9"]) == 2             # absent: choices named
    assert "versions of person: person-v1, person-v2" in capsys.readouterr().err
    assert complete_versions(root) == ["person-v1", "person-v2"]
    assert kg2i([*rm, "--dataset", "person/person-v2"]) == 0
    assert complete_versions(root) == ["person-v1"]
    fs = s3_bucket.fs()
    assert not fs.exists(f"{s3_bucket.name}/ds/person/{LATEST}")          # it named v2
    assert not fs.exists(f"{s3_bucket.name}/ds/person/person-v2/a.jsonl")
    assert fs.cat_file(f"{s3_bucket.name}/ds/person/person-v1/a.jsonl") == b"one\n"


def test_a_source_url_carries_the_storage_options_and_file_urls_are_refused(tmp_path):
    import pickle

    from kg2instruction.storage.inputs import RemotePath

    pipeline = load_pipeline(_pipeline(tmp_path, (
        "storage: {endpoint_url: 'http://127.0.0.1:9'}\nsources:\n  wikipedia:\n"
        "    - {path: 's3://dumps/enwiki.xml.bz2', lang: en}\n"
        "    - {path: 'file:///etc/hosts', lang: zh}\n")))
    remote = pipeline.source_path("wikipedia", 0)
    assert isinstance(remote, RemotePath) and remote.name == "enwiki.xml.bz2"
    shipped = pickle.loads(pickle.dumps(remote))            # as a worker receives it
    assert shipped == remote and shipped.options["endpoint_url"] == "http://127.0.0.1:9"
    with pytest.raises(ConfigError, match="not a file:// URL"):
        pipeline.source_path("wikipedia", 1)
