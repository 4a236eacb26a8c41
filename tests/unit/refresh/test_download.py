"""Downloads against a real local mirror: resume with Range, checksum, allow-list, discovery."""
from __future__ import annotations

import hashlib
import importlib
import time
from types import SimpleNamespace

import pytest

from kg2instruction.errors import ConfigError, InputError, RemoteError
from kg2instruction.refresh.checksums import Checksum, parse_checksums
from kg2instruction.refresh.discovery import resolve_dump, wikidata_layout, wikipedia_layout
from kg2instruction.refresh.downloader import download
from kg2instruction.refresh.transport import TransportPolicy
from kg2instruction.sources.wikidata_dump import WikidataDumpReader

from .conftest import DATE


def _url(mirror, date=DATE) -> str:
    return f"{mirror.url}/wikidatawiki/entities/{date}/wikidata-{date}-all.json.bz2"


def _md5(data: bytes) -> Checksum:
    return Checksum("md5", hashlib.md5(data).hexdigest())


def test_latest_skips_a_dump_still_in_progress(mirror, loopback_policy, dump_bytes):
    ref = resolve_dump(wikidata_layout(), "latest", mirror.url, loopback_policy)
    assert ref.date == DATE                                 # 20250108 has no finished file
    assert ref.checksum == _md5(dump_bytes)
    assert ref.url == _url(mirror)


def test_named_date_without_the_file_is_an_error(mirror, loopback_policy):
    with pytest.raises(RemoteError, match="20250108"):
        resolve_dump(wikidata_layout(), "20250108", mirror.url, loopback_policy)
    with pytest.raises(InputError, match="YYYYMMDD"):
        resolve_dump(wikidata_layout(), "2025-01-01", mirror.url, loopback_policy)


def test_download_streams_and_yields_a_readable_dump(mirror, loopback_policy, dump_bytes, tmp_path):
    out = download(_url(mirror), tmp_path / "d.json.bz2", _md5(dump_bytes), loopback_policy)
    assert out.read_bytes() == dump_bytes
    entities = list(WikidataDumpReader(out))
    assert entities[0]["id"] and len(entities) == 49
    assert all("KG2Instruction-tests" in ua for ua in mirror.faults.user_agents)


def test_cut_connection_resumes_with_range(mirror, loopback_policy, dump_bytes, tmp_path):
    mirror.faults.cut_after_bytes = 300_000
    out = download(_url(mirror), tmp_path / "d.json.bz2", _md5(dump_bytes), loopback_policy,
                   backoff_seconds=0)
    assert out.read_bytes() == dump_bytes
    first, second = [r for _, r in mirror.faults.requests]
    resumed_at = int(second.removeprefix("bytes=").rstrip("-"))
    assert first is None and 0 < resumed_at <= 300_000      # whole chunks received are kept
    assert not (tmp_path / "d.json.bz2.part").exists()


def test_partial_file_from_a_killed_run_is_continued(mirror, loopback_policy, dump_bytes, tmp_path):
    (tmp_path / "d.json.bz2.part").write_bytes(dump_bytes[:777])
    download(_url(mirror), tmp_path / "d.json.bz2", _md5(dump_bytes), loopback_policy)
    assert mirror.faults.requests == [(f"/wikidatawiki/entities/{DATE}/wikidata-{DATE}-all.json.bz2",
                                       "bytes=777-")]


def test_server_ignoring_range_restarts_cleanly(mirror, loopback_policy, dump_bytes, tmp_path):
    (tmp_path / "d.json.bz2.part").write_bytes(b"garbage from elsewhere")
    mirror.faults.ignore_range = True
    out = download(_url(mirror), tmp_path / "d.json.bz2", _md5(dump_bytes), loopback_policy)
    assert out.read_bytes() == dump_bytes


def test_503_is_retried(mirror, loopback_policy, dump_bytes, tmp_path):
    mirror.faults.unavailable = 2
    out = download(_url(mirror), tmp_path / "d.json.bz2", _md5(dump_bytes), loopback_policy,
                   backoff_seconds=0)
    assert out.read_bytes() == dump_bytes and len(mirror.faults.requests) == 3


def test_429_with_retry_after_is_waited_for(mirror, loopback_policy, dump_bytes, tmp_path,
                                            monkeypatch):
    # urllib3's Retry sleeps through its module's `time`: record what it asks for, sleep not
    sleeps: list[float] = []
    monkeypatch.setattr(importlib.import_module("urllib3.util.retry"), "time",
                        SimpleNamespace(time=time.time, sleep=sleeps.append))
    mirror.faults.errors = [(429, {"Retry-After": "7"}, "slow down")]
    out = download(_url(mirror), tmp_path / "d.json.bz2", _md5(dump_bytes), loopback_policy,
                   backoff_seconds=0)
    assert out.read_bytes() == dump_bytes and len(mirror.faults.requests) == 2
    assert sleeps == [7]                                    # as the server asked


def test_client_error_fails_at_once_with_the_servers_message(mirror, loopback_policy, dump_bytes,
                                                             tmp_path):
    mirror.faults.errors = [(400, {}, "malformed dump request")]
    with pytest.raises(RemoteError, match="HTTP 400: malformed dump request"):
        download(_url(mirror), tmp_path / "d.json.bz2", _md5(dump_bytes), loopback_policy)
    assert len(mirror.faults.requests) == 1


def test_persistent_503_gives_up_after_the_attempts(mirror, loopback_policy, dump_bytes,
                                                    tmp_path):
    mirror.faults.unavailable = 10
    with pytest.raises(RemoteError, match="HTTP 503 after 3 attempts"):
        download(_url(mirror), tmp_path / "d.json.bz2", _md5(dump_bytes), loopback_policy,
                 attempts=3, backoff_seconds=0)
    assert len(mirror.faults.requests) == 3


def test_checksum_mismatch_deletes_the_bytes_and_names_the_url(mirror, loopback_policy,
                                                               dump_bytes, tmp_path):
    wrong = Checksum("md5", "0" * 32)
    with pytest.raises(InputError, match="does not match the published"):
        download(_url(mirror), tmp_path / "d.json.bz2", wrong, loopback_policy)
    assert list(tmp_path.iterdir()) == [] or not any(p.name.startswith("d.json")
                                                     for p in tmp_path.iterdir())


def test_https_and_allow_list_are_enforced(mirror, dump_bytes, tmp_path):
    production = TransportPolicy(allowed_hosts=("127.0.0.1",))       # no loopback-http switch
    with pytest.raises(ConfigError, match="must use https"):
        download(_url(mirror), tmp_path / "x", _md5(dump_bytes), production)
    elsewhere = TransportPolicy(allowed_hosts=("dumps.wikimedia.org",), allow_loopback_http=True)
    with pytest.raises(ConfigError, match="not in the allowed hosts"):
        download(_url(mirror), tmp_path / "x", _md5(dump_bytes), elsewhere)
    assert mirror.faults.requests == []                               # nothing was requested
    with pytest.raises(ConfigError, match="https"):
        TransportPolicy(allowed_hosts=("example.org",),
                        allow_loopback_http=True).check("http://example.org/dump")


def test_redirect_off_the_allow_list_is_refused(mirror, loopback_policy, dump_bytes, tmp_path):
    mirror.faults.redirect_to = "http://evil.example.org"
    with pytest.raises(ConfigError, match="evil.example.org"):
        download(_url(mirror), tmp_path / "x", _md5(dump_bytes), loopback_policy)


def test_checksum_file_parsing_names_the_bad_line():
    table = parse_checksums(f"{'a' * 40}  x.bz2\n\n{'b' * 40} *y.bz2\n", "sha1", "sums")
    assert table["y.bz2"].hexdigest == "b" * 40
    with pytest.raises(InputError, match="sums, line 2"):
        parse_checksums(f"{'a' * 32}  x.bz2\nnot a checksum line\n", "md5", "sums")


def test_wikipedia_layout_rejects_odd_wiki_names():
    assert wikipedia_layout("enwiki").file_name("20250101") == \
        "enwiki-20250101-pages-articles-multistream.xml.bz2"
    with pytest.raises(InputError):
        wikipedia_layout("../etc")
