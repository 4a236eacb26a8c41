"""SparqlClient against a real, scripted, faulty HTTP endpoint on 127.0.0.1."""
from __future__ import annotations

import email.utils
import threading
import time
from pathlib import Path

import orjson
import pytest

from kg2instruction.errors import ConfigError, RemoteError
from kg2instruction.kg.sparql_client import (ResponseCache, SparqlClient, parse_retry_after,
                                             settings_from_options)

from .servers import FaultyServer, Reply, result_body

QUERY = "SELECT ?x WHERE { ?x ?p ?o } LIMIT 3"
JAVA_ERROR = (b'{"head":{"vars":["x"]},"results":{"bindings":[{"x":{"type":"literal","value":"a"}}'
              b"\njava.util.concurrent.TimeoutException\n\tat java.util.concurrent.FutureTask.get")
HTML_ERROR = b"<!DOCTYPE html><html><body><h1>Wikimedia Error</h1>Our servers are busy</body></html>"


def make_client(server: FaultyServer, tmp_path: Path | None = None, **options) -> SparqlClient:
    defaults = {"cache_dir": None if tmp_path is None else tmp_path / "cache",
                "backoff_base": 0.05, "backoff_max": 0.2, "max_retries": 3, "timeout": 5.0,
                "user_agent": "KG2Instruction-tests/1.0 (tests@example.org)"}
    return SparqlClient(settings_from_options(server.endpoint, **{**defaults, **options}))


def test_429_retry_after_seconds_is_honoured(faulty_server: FaultyServer) -> None:
    faulty_server.script(Reply(429, b"Too Many Requests", {"Retry-After": "1"}), Reply())
    client = make_client(faulty_server)
    rows = client.select(QUERY)
    assert [row["x"]["value"] for row in rows] == ["row 0"]
    assert len(faulty_server.requests) == 2
    assert faulty_server.gaps()[0] >= 0.95  # waited as told, not the 0.05 s backoff
    assert client.stats.retries == 1
    assert {r.user_agent for r in faulty_server.requests} == {
        "KG2Instruction-tests/1.0 (tests@example.org)"}


def test_429_retry_after_http_date_is_honoured(faulty_server: FaultyServer) -> None:
    when = email.utils.formatdate(time.time() + 2, usegmt=True)  # whole seconds: waits 1-2 s
    faulty_server.script(Reply(429, b"slow down", {"Retry-After": when}), Reply())
    client = make_client(faulty_server)
    assert len(client.select(QUERY)) == 1
    assert faulty_server.gaps()[0] >= 0.9


def test_retry_after_longer_than_allowed_fails_without_sleeping(faulty_server: FaultyServer) -> None:
    faulty_server.script(Reply(429, b"banned for an hour", {"Retry-After": "3600"}))
    client = make_client(faulty_server, max_retry_after=5)
    with pytest.raises(RemoteError, match="Retry-After 3600s"):
        client.select(QUERY)
    assert len(faulty_server.requests) == 1
    assert client.stats.waited_seconds == 0


def test_500_then_success_is_retried(faulty_server: FaultyServer) -> None:
    faulty_server.script(Reply(500, b"java.lang.RuntimeException: boom"), Reply(body=result_body(2)))
    client = make_client(faulty_server)
    assert len(client.select(QUERY)) == 2
    assert len(faulty_server.requests) == 2
    assert client.stats.retries == 1


def test_persistent_503_gives_remote_error_naming_endpoint_and_status(
        faulty_server: FaultyServer) -> None:
    faulty_server.script(Reply(503, b"Service Unavailable"))
    client = make_client(faulty_server, max_retries=2)
    with pytest.raises(RemoteError) as caught:
        client.select(QUERY)
    message = str(caught.value)
    assert faulty_server.endpoint in message and "HTTP 503" in message
    assert "3 attempt(s)" in message
    assert len(faulty_server.requests) == 3


def test_backoff_is_bounded_and_seeded(faulty_server: FaultyServer) -> None:
    waits = []
    for _ in range(2):
        faulty_server.script(Reply(502, b"bad gateway"), Reply(502, b"bad gateway"), Reply())
        client = make_client(faulty_server, seed=7, backoff_base=0.04, backoff_max=0.06)
        client.select(QUERY)
        waits.append(client.stats.waited_seconds)
    # attempt 0 waits within [0.02, 0.04], attempt 1 within [0.03, 0.06] (capped by backoff_max)
    assert 0.05 <= waits[0] <= 0.1
    assert waits[0] == waits[1]


@pytest.mark.parametrize("body", [JAVA_ERROR, HTML_ERROR, b'{"error": "query timeout"}'],
                         ids=["java-exception", "html-page", "json-without-results"])
def test_200_with_error_body_is_an_error(faulty_server: FaultyServer, tmp_path: Path,
                                         body: bytes) -> None:
    faulty_server.script(Reply(200, body))
    client = make_client(faulty_server, tmp_path, max_retries=1)
    with pytest.raises(RemoteError, match="HTTP 200 with an error body") as caught:
        client.select(QUERY)
    assert faulty_server.endpoint in str(caught.value)
    assert len(faulty_server.requests) == 2
    assert not list((tmp_path / "cache").rglob("*.json"))  # an error is never cached


def test_200_with_error_body_then_success(faulty_server: FaultyServer) -> None:
    faulty_server.script(Reply(200, HTML_ERROR), Reply())
    assert len(make_client(faulty_server).select(QUERY)) == 1
    assert len(faulty_server.requests) == 2


def test_slow_response_times_out_and_is_retried(faulty_server: FaultyServer) -> None:
    faulty_server.script(Reply(delay=3.0), Reply())
    client = make_client(faulty_server, timeout=0.3)
    assert len(client.select(QUERY)) == 1
    assert len(faulty_server.requests) == 2


def test_persistently_slow_endpoint_gives_timeout_error(faulty_server: FaultyServer) -> None:
    faulty_server.script(Reply(delay=3.0))
    client = make_client(faulty_server, timeout=0.3, max_retries=1)
    with pytest.raises(RemoteError, match="timeout"):
        client.select(QUERY)
    assert len(faulty_server.requests) == 2


def test_connection_cut_mid_response_is_retried(faulty_server: FaultyServer) -> None:
    faulty_server.script(Reply(body=result_body(50), cut_after=40), Reply(body=result_body(3)))
    client = make_client(faulty_server)
    assert len(client.select(QUERY)) == 3
    assert len(faulty_server.requests) == 2


def test_connection_always_cut_gives_connection_error(faulty_server: FaultyServer) -> None:
    faulty_server.script(Reply(body=result_body(50), cut_after=40))
    with pytest.raises(RemoteError, match="connection error"):
        make_client(faulty_server, max_retries=1).select(QUERY)


def test_bad_query_400_is_not_retried(faulty_server: FaultyServer) -> None:
    faulty_server.script(Reply(400, b"Parse error: Encountered \" \"}\" at line 1"))
    client = make_client(faulty_server)
    with pytest.raises(RemoteError, match="HTTP 400 after 1 attempt.*Parse error: Encountered"):
        client.select(QUERY)
    assert len(faulty_server.requests) == 1 and client.stats.retries == 0


def test_refused_connection_names_endpoint() -> None:
    from .servers import free_port

    endpoint = f"http://127.0.0.1:{free_port()}/sparql"
    client = SparqlClient(settings_from_options(endpoint, cache_dir=None, max_retries=1,
                                                backoff_base=0.01))
    with pytest.raises(RemoteError, match="connection error") as caught:
        client.select(QUERY)
    assert endpoint in str(caught.value)


def test_disk_cache_serves_repeated_query_without_http(faulty_server: FaultyServer,
                                                       tmp_path: Path) -> None:
    faulty_server.script(Reply(body=result_body(2)))
    first = make_client(faulty_server, tmp_path).select(QUERY)
    again = make_client(faulty_server, tmp_path)  # a new client: only the disk is shared
    assert again.select(QUERY) == first
    assert len(faulty_server.requests) == 1
    assert again.stats.cache_hits == 1 and again.stats.http_requests == 0
    make_client(faulty_server, tmp_path).select(QUERY + " # another query")
    assert len(faulty_server.requests) == 2

    entry_path = ResponseCache(tmp_path / "cache").path_for(faulty_server.endpoint, QUERY)
    entry = orjson.loads(entry_path.read_bytes())
    assert entry["query"] == QUERY and entry["endpoint"] == faulty_server.endpoint
    entry_path.write_bytes(b"{ torn")  # an unreadable entry is fetched again, then rewritten
    assert make_client(faulty_server, tmp_path).select(QUERY) == first
    assert len(faulty_server.requests) == 3
    assert orjson.loads(entry_path.read_bytes())["query"] == QUERY


def test_cache_ttl_expires_entries(faulty_server: FaultyServer, tmp_path: Path) -> None:
    make_client(faulty_server, tmp_path).select(QUERY)
    make_client(faulty_server, tmp_path, cache_ttl_seconds=0.0).select(QUERY)
    assert len(faulty_server.requests) == 2


def test_one_query_at_a_time_per_endpoint(faulty_server: FaultyServer) -> None:
    faulty_server.script(Reply(delay=0.1))
    clients = [make_client(faulty_server) for _ in range(2)]
    threads = [threading.Thread(target=clients[i % 2].select, args=(f"{QUERY} # {i}",))
               for i in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=10)
    assert len(faulty_server.requests) == 6
    assert faulty_server.max_in_flight == 1


def test_min_interval_spaces_requests(faulty_server: FaultyServer) -> None:
    client = make_client(faulty_server, min_interval=0.3)
    client.select(QUERY + " # 1")
    client.select(QUERY + " # 2")
    assert faulty_server.gaps()[0] >= 0.28


def test_parse_retry_after_forms() -> None:
    now = 1_700_000_000.0
    assert parse_retry_after("7", now) == 7.0
    assert parse_retry_after(email.utils.formatdate(now + 30, usegmt=True), now) == 30.0
    assert parse_retry_after(email.utils.formatdate(now - 30, usegmt=True), now) == 0.0
    assert parse_retry_after("soon", now) is None
    assert parse_retry_after(None, now) is None


def test_bad_settings_are_config_errors() -> None:
    with pytest.raises(ConfigError, match="endpoint"):
        settings_from_options("ftp://example.org/sparql")
    with pytest.raises(ConfigError, match="timeout"):
        settings_from_options("https://example.org/sparql", timeout=0)
    with pytest.raises(ConfigError, match="no_such_option"):
        settings_from_options("https://example.org/sparql", no_such_option=1)
