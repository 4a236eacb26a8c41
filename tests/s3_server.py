"""A real S3 HTTP server for tests: moto's standalone server (`moto_server -p 0`) in a subprocess.

Import the fixtures into a test module or conftest (`from tests.s3_server import s3_bucket`).
Credentials are dummies and the shared AWS config files are pointed at nothing, so no test can
reach a real account; the endpoint reaches s3fs through `KG2I_STORAGE_OPTIONS` (the project's own
storage options), never through a mock.
"""
from __future__ import annotations

import json
import re
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

_RUNNING = re.compile(r"Running on (http://[0-9.]+:[0-9]+)")


@dataclass(frozen=True)
class Bucket:
    """A fresh bucket on the test server: its name, URL root and the fsspec options to reach it."""

    name: str
    endpoint: str

    @property
    def url(self) -> str:
        return f"s3://{self.name}"

    @property
    def options(self) -> dict[str, str]:
        return {"endpoint_url": self.endpoint}

    def fs(self):   # noqa: ANN201 (s3fs imported lazily)
        import s3fs

        return s3fs.S3FileSystem(endpoint_url=self.endpoint, skip_instance_cache=True)

    def client(self):   # noqa: ANN201
        import boto3

        return boto3.client("s3", endpoint_url=self.endpoint, region_name="us-east-1")


@pytest.fixture(scope="session")
def s3_endpoint(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Start `moto_server` on a free port; yield its http:// endpoint; stop it at session end.

    Its output (a line per request) goes to a file: a pipe nobody reads fills up after a few
    hundred requests and then blocks the server."""
    server = Path(sys.executable).with_name("moto_server")
    log = tmp_path_factory.mktemp("moto") / "server.log"
    with open(log, "wb") as out:
        proc = subprocess.Popen([str(server), "-H", "127.0.0.1", "-p", "0"], stdout=out,
                                stderr=subprocess.STDOUT)
    endpoint = None
    deadline = time.monotonic() + 60
    while endpoint is None and time.monotonic() < deadline and proc.poll() is None:
        match = _RUNNING.search(log.read_text(encoding="utf-8", errors="replace"))
        endpoint = match.group(1) if match else None
        if endpoint is None:
            time.sleep(0.05)
    if endpoint is None:
        proc.kill()
        raise RuntimeError(f"moto_server did not start (exit code {proc.poll()}): "
                           f"{log.read_text(encoding='utf-8', errors='replace')[-2000:]}")
    try:
        yield endpoint
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


@pytest.fixture
def s3_bucket(s3_endpoint: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Bucket:
    """A new, empty bucket; the environment set so that s3fs (here and in subprocesses) uses
    the test server with dummy credentials."""
    for var in ("AWS_PROFILE", "AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_S3", "AWS_SESSION_TOKEN"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "no-aws-config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "no-aws-credentials"))
    monkeypatch.setenv("KG2I_STORAGE_OPTIONS", json.dumps({"endpoint_url": s3_endpoint}))
    bucket = Bucket(f"kg2i-{uuid.uuid4().hex[:12]}", s3_endpoint)
    bucket.client().create_bucket(Bucket=bucket.name)
    return bucket
