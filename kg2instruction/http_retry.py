"""Retrying HTTP sessions: urllib3's `Retry` mounted on a requests adapter.

Why one place: the prediction client and the dump downloader face the same transient failures
(connection refused or reset, timeouts before an answer, 429 and 5xx), and urllib3 already retries
them correctly: it honours `Retry-After` (seconds or an HTTP-date) on 429/503, backs off
exponentially up to a cap, and leaves other 4xx alone, since repeating a bad request cannot help.
Errors after the body started arriving are not its business (the caller decides: the downloader
resumes with a Range request; a prediction fails).
"""
from __future__ import annotations

from collections.abc import Collection

import requests
from requests.adapters import HTTPAdapter
from urllib3.util.retry import Retry

RETRY_STATUS = frozenset({408, 429, 500, 502, 503, 504})


def retry_policy(retries: int, *, backoff_seconds: float, max_backoff_seconds: float,
                 methods: Collection[str] = ("GET", "HEAD"),
                 max_retry_after_seconds: int = 300) -> Retry:
    """`retries` more attempts after the first; waits 0, 2b, 4b, ... seconds (b =
    `backoff_seconds`, capped at `max_backoff_seconds`) unless the server sends `Retry-After`
    (capped at `max_retry_after_seconds`). `methods` lists the verbs safe to repeat: add POST only
    where the call has no side effect (a SPARQL query, a completion)."""
    return Retry(total=retries, connect=retries, read=retries, status=retries, other=0,
                 allowed_methods=frozenset(m.upper() for m in methods),
                 status_forcelist=RETRY_STATUS, backoff_factor=backoff_seconds,
                 backoff_max=max_backoff_seconds, respect_retry_after_header=True,
                 retry_after_max=max_retry_after_seconds,
                 raise_on_status=False)  # the last answer is returned: its body names the problem


def mount_retries(session: requests.Session, retry: Retry) -> requests.Session:
    """Make every http(s) request of `session` follow `retry`; returns the session."""
    adapter = HTTPAdapter(max_retries=retry)
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    return session


def attempts_made(response: requests.Response) -> int:
    """How many requests produced `response` (1 + the retries urllib3 made before it)."""
    retries = getattr(response.raw, "retries", None)
    return 1 + len(getattr(retries, "history", ()) or ())
