"""A polite, fault-tolerant SPARQL SELECT client with an on-disk response cache.

Public endpoints such as the Wikidata Query Service (WDQS) throttle and ban clients that hammer
them: they require a descriptive User-Agent with contact details, answer HTTP 429 with a
Retry-After header when a client is too fast, and allow only a few parallel queries per client.
They also fail in ways a naive client mistakes for success: WDQS streams its JSON and, when the
query times out mid-stream, the response is still HTTP 200 but the body ends in a Java exception
trace; proxies answer 200 with an HTML error page. So every response body is validated as SPARQL
JSON before it is accepted or cached.

One query runs at a time per endpoint in this process (a lock shared by all clients of that
endpoint), with an optional minimum interval between requests: that is rate limiting, kept here.
Retrying is tenacity's: a transient failure (429, 5xx, timeout, cut connection, a 200 with an error
body) is tried again with exponential backoff and bounded, seeded jitter; a Retry-After header
(seconds or an HTTP-date) overrides the backoff. urllib3's `Retry` alone cannot do this, because it
never sees the body, and a WDQS failure often arrives as a 200. After the last attempt a
`RemoteError` names the endpoint and the last status. Queries are POSTed as forms through a
requests session (long VALUES batches exceed URL limits; the connection is kept alive). Successful
responses are cached under `cache_dir`, keyed by sha256(endpoint, query), so a rerun of a pipeline
sends no request twice; cache files are written atomically so a crash never leaves a torn entry.
"""
from __future__ import annotations

import email.utils
import hashlib
import random
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import orjson
import pydantic
import requests
from tenacity import RetryCallState, Retrying, retry_if_exception, stop_after_attempt

from kg2instruction import __version__
from kg2instruction.atomic import atomic_write_bytes
from kg2instruction.errors import ConfigError, RemoteError

WIKIDATA_ENDPOINT = "https://query.wikidata.org/sparql"

# WDQS's User-Agent policy asks for "<client>/<version> (<contact>) <library>/<version>". Operators
# should put their own contact (e-mail or URL) into `user_agent`; the default at least names the
# project so the service operators can tell what is calling them.
DEFAULT_USER_AGENT = (
    f"KG2Instruction/{__version__} (Wikipedia+Wikidata instruction-data builder; "
    f"set sparql.user_agent to include your contact) requests/{requests.__version__}"
)

# A SPARQL JSON result binding: variable -> {"type", "value", optional "xml:lang" / "datatype"}.
Binding = dict[str, dict[str, str]]

_BODY_EXCERPT = 300
SPARQL_JSON = "application/sparql-results+json"


class SparqlSettings(pydantic.BaseModel):
    """Everything that governs how a client talks to one SPARQL endpoint."""

    model_config = pydantic.ConfigDict(extra="forbid", frozen=True)

    endpoint: str = WIKIDATA_ENDPOINT
    user_agent: str = DEFAULT_USER_AGENT
    cache_dir: Path | None = Path("cache/sparql")   # None: no response cache
    cache_ttl_seconds: float | None = None           # None: cached answers never expire
    timeout: float = pydantic.Field(60.0, gt=0)      # per socket operation, seconds
    max_retries: int = pydantic.Field(4, ge=0)       # attempts = max_retries + 1
    backoff_base: float = pydantic.Field(1.0, ge=0)  # first retry waits about this long
    backoff_max: float = pydantic.Field(60.0, ge=0)
    max_retry_after: float = pydantic.Field(300.0, ge=0)  # refuse to sleep longer than this
    min_interval: float = pydantic.Field(0.0, ge=0)  # seconds between two requests
    seed: int = 0                                    # jitter is seeded: reruns wait the same

    @pydantic.field_validator("endpoint")
    @classmethod
    def _http_endpoint(cls, value: str) -> str:
        if not value.startswith(("http://", "https://")):
            raise ValueError("must be an http:// or https:// URL")
        return value

    @pydantic.field_validator("user_agent")
    @classmethod
    def _descriptive_agent(cls, value: str) -> str:
        if len(value.strip()) < 8:
            raise ValueError("must describe the client (name/version and contact)")
        return value


def settings_from_options(endpoint: str, **options: Any) -> SparqlSettings:
    """Validate keyword options into settings; a bad option is a ConfigError naming the key."""
    try:
        return SparqlSettings(endpoint=endpoint, **options)
    except pydantic.ValidationError as exc:
        first = exc.errors()[0]
        key = ".".join(str(part) for part in first["loc"])
        raise ConfigError(f"invalid SPARQL setting: {first['msg']}", key=key) from None


@dataclass
class ClientStats:
    """What the client did; reported by runs and asserted by the fault tests."""

    http_requests: int = 0
    cache_hits: int = 0
    retries: int = 0
    waited_seconds: float = 0.0


class _FailedAttempt(Exception):
    """One HTTP attempt that did not yield a valid result; `retryable` decides what happens next."""

    def __init__(self, status: str, detail: str, *, retryable: bool,
                 retry_after: float | None = None) -> None:
        super().__init__(f"{status}: {detail}")
        self.status = status
        self.detail = detail
        self.retryable = retryable
        self.retry_after = retry_after


class ResponseCache:
    """SPARQL JSON responses on disk, one file per (endpoint, query).

    Each entry stores the endpoint and query next to the response so an operator can grep the
    cache, and so a (theoretical) hash collision is detected instead of served.
    """

    def __init__(self, directory: Path, ttl_seconds: float | None = None) -> None:
        self.directory = directory
        self.ttl_seconds = ttl_seconds

    @staticmethod
    def key(endpoint: str, query: str) -> str:
        return hashlib.sha256(f"{endpoint}\n{query}".encode()).hexdigest()

    def path_for(self, endpoint: str, query: str) -> Path:
        key = self.key(endpoint, query)
        return self.directory / key[:2] / f"{key}.json"

    def get(self, endpoint: str, query: str) -> dict[str, Any] | None:
        path = self.path_for(endpoint, query)
        try:
            if self.ttl_seconds is not None and time.time() - path.stat().st_mtime > self.ttl_seconds:
                return None
            entry = orjson.loads(path.read_bytes())
        except (FileNotFoundError, orjson.JSONDecodeError):
            return None  # a missing or unreadable entry is simply fetched again
        if not isinstance(entry, dict) or entry.get("endpoint") != endpoint \
                or entry.get("query") != query:
            return None
        response = entry.get("response")
        if not isinstance(response, dict) or not _has_bindings(response):
            return None
        return response

    def put(self, endpoint: str, query: str, response: dict[str, Any]) -> None:
        entry = {"endpoint": endpoint, "query": query,
                 "fetched_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
                 "response": response}
        atomic_write_bytes(self.path_for(endpoint, query), orjson.dumps(entry))


@dataclass
class _EndpointGate:
    """Shared by every client of one endpoint in this process: queries never overlap, and the
    minimum interval holds across clients."""

    lock: threading.Lock = field(default_factory=threading.Lock)
    last_request_at: float | None = None


_GATES: dict[str, _EndpointGate] = {}
_GATES_GUARD = threading.Lock()


def _gate_for(endpoint: str) -> _EndpointGate:
    with _GATES_GUARD:
        return _GATES.setdefault(endpoint, _EndpointGate())


class SparqlClient:
    """Runs SELECT queries against one endpoint: sequential, retried, validated, cached."""

    def __init__(self, settings: SparqlSettings) -> None:
        self.settings = settings
        self.stats = ClientStats()
        self._cache = (None if settings.cache_dir is None
                       else ResponseCache(settings.cache_dir, settings.cache_ttl_seconds))
        self._gate = _gate_for(settings.endpoint)
        self._jitter = random.Random(settings.seed)
        self._session = requests.Session()
        self._session.headers.update({"User-Agent": settings.user_agent, "Accept": SPARQL_JSON})

    @property
    def endpoint(self) -> str:
        return self.settings.endpoint

    def close(self) -> None:
        """Close the kept-alive connection."""
        self._session.close()

    def select(self, query: str) -> list[Binding]:
        """Result rows of a SELECT query (from the cache when this exact query was answered before)."""
        response = self._cached(query)
        if response is None:
            with self._gate.lock:
                response = self._cached(query)  # another thread may have fetched it meanwhile
                if response is None:
                    response = self._fetch_with_retries(query)
                    if self._cache is not None:
                        self._cache.put(self.endpoint, query, response)
        return response["results"]["bindings"]

    def _cached(self, query: str) -> dict[str, Any] | None:
        if self._cache is None:
            return None
        response = self._cache.get(self.endpoint, query)
        if response is not None:
            self.stats.cache_hits += 1
        return response

    def _fetch_with_retries(self, query: str) -> dict[str, Any]:
        attempts = self.settings.max_retries + 1
        retrying = Retrying(stop=stop_after_attempt(attempts), retry=retry_if_exception(
                                lambda exc: isinstance(exc, _FailedAttempt) and exc.retryable
                                and not self._too_long(exc)),
                            wait=self._delay, sleep=self._pause,
                            before=lambda _: self._keep_min_interval(),
                            before_sleep=self._count_retry, reraise=True)
        try:
            return retrying(self._attempt, query)
        except _FailedAttempt as failure:
            tried = retrying.statistics.get("attempt_number", 1)
            if self._too_long(failure):
                raise RemoteError(
                    f"SPARQL endpoint {self.endpoint}: {failure.status} with Retry-After "
                    f"{failure.retry_after:.0f}s, longer than max_retry_after="
                    f"{self.settings.max_retry_after:.0f}s") from None
            raise RemoteError(f"SPARQL endpoint {self.endpoint}: {failure.status} after "
                              f"{tried} attempt(s): {failure.detail}") from None

    def _too_long(self, failure: _FailedAttempt) -> bool:
        return failure.retry_after is not None \
            and failure.retry_after > self.settings.max_retry_after

    def _delay(self, state: RetryCallState) -> float:
        """Retry-After when the server sent one, else capped exponential backoff with jitter."""
        failure = state.outcome.exception() if state.outcome else None
        if isinstance(failure, _FailedAttempt) and failure.retry_after is not None:
            return failure.retry_after
        ceiling = min(self.settings.backoff_max,
                      self.settings.backoff_base * 2 ** (state.attempt_number - 1))
        return ceiling * (0.5 + 0.5 * self._jitter.random())

    def _count_retry(self, _state: RetryCallState) -> None:
        self.stats.retries += 1

    def _keep_min_interval(self) -> None:
        last = self._gate.last_request_at
        if last is not None and self.settings.min_interval > 0:
            remaining = self.settings.min_interval - (time.monotonic() - last)
            if remaining > 0:
                self._pause(remaining)
        self._gate.last_request_at = time.monotonic()

    def _pause(self, seconds: float) -> None:
        self.stats.waited_seconds += seconds
        time.sleep(seconds)

    def _attempt(self, query: str) -> dict[str, Any]:
        """One HTTP round trip; any failure is classified into a `_FailedAttempt`."""
        self.stats.http_requests += 1
        try:
            # POST as a form: long VALUES batches exceed URL length limits with GET. The timeout
            # bounds each socket operation, not the whole transfer.
            response = self._session.post(self.endpoint, data={"query": query},
                                          timeout=self.settings.timeout)
        except requests.Timeout:
            raise _FailedAttempt("timeout", f"no response within {self.settings.timeout:g}s",
                                 retryable=True) from None
        except requests.RequestException as exc:  # refused, reset, cut mid-body
            raise _FailedAttempt("connection error", f"{type(exc).__name__}: {exc}",
                                 retryable=True) from None
        if response.status_code != 200:
            raise _classify_http_error(response.status_code, response.headers.get("Retry-After"),
                                       response.content)
        return _parse_result_body(response.content, response.status_code)


def _parse_result_body(body: bytes, status: int = 200) -> dict[str, Any]:
    """Validate a response body as SPARQL JSON results; anything else is an error in disguise."""
    try:
        document = orjson.loads(body)
    except orjson.JSONDecodeError:
        raise _FailedAttempt(f"HTTP {status} with an error body", _excerpt(body),
                             retryable=True) from None
    if not isinstance(document, dict) or not _has_bindings(document):
        raise _FailedAttempt(f"HTTP {status} with an error body",
                             "JSON without head/results.bindings: " + _excerpt(body),
                             retryable=True)
    return document


def _has_bindings(document: dict[str, Any]) -> bool:
    results = document.get("results")
    return "head" in document and isinstance(results, dict) \
        and isinstance(results.get("bindings"), list)


def parse_retry_after(value: str | None, now: float | None = None) -> float | None:
    """Seconds to wait from a Retry-After header: delta-seconds or an HTTP-date; None if absent/bad."""
    if value is None or not value.strip():
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    now = time.time() if now is None else now
    return max(0.0, when.timestamp() - now)


def _classify_http_error(code: int, retry_after: str | None, body: bytes) -> _FailedAttempt:
    # 429: throttled; 5xx: the service is overloaded or restarting. Other 4xx mean the request
    # itself is wrong (bad query, banned agent): retrying would only repeat the error.
    retryable = code == 429 or code >= 500
    return _FailedAttempt(f"HTTP {code}", _excerpt(body), retryable=retryable,
                          retry_after=parse_retry_after(retry_after) if retryable else None)


def _excerpt(body: bytes) -> str:
    text = body[:_BODY_EXCERPT].decode("utf-8", errors="replace").strip()
    return " ".join(text.split()) or "(empty body)"
