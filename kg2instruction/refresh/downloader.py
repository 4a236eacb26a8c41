"""Streaming, resumable, checksum-verified download of one dump file.

Bytes go to `<dest>.part`; after a cut connection (or a killed refresh) the next attempt asks for
the rest with an HTTP Range request and appends, so a 130 GB dump is not fetched twice. The file
appears under its final name only after its digest matched the published one; a mismatch deletes
the partial file (its bytes cannot be trusted) and fails loudly.

Two kinds of failure, two mechanisms: before any byte arrives (connection refused, 429, 5xx),
urllib3's `Retry` on the session repeats the same request, honouring Retry-After
(`kg2instruction.http_retry`); a connection cut while the body streams is resumed by tenacity,
which asks again from the new end of the part file.
"""
from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from urllib.parse import urljoin

import requests
from tenacity import RetryError, Retrying, retry_if_exception_type, stop_after_attempt
from tenacity import wait_exponential

from kg2instruction.errors import InputError, RemoteError
from kg2instruction.http_retry import attempts_made, mount_retries, retry_policy
from kg2instruction.refresh.checksums import Checksum, file_digest
from kg2instruction.refresh.transport import TransportPolicy

CHUNK_BYTES = 1 << 16   # at most this much is re-fetched after a cut connection
MAX_REDIRECTS = 5
MAX_BACKOFF_SECONDS = 120.0
OnBytes = Callable[[int], None]
# A body cut while streaming: worth asking for the rest.
BROKEN_TRANSFER = (requests.ConnectionError, requests.Timeout,
                   requests.exceptions.ChunkedEncodingError)


def fetch_text(url: str, policy: TransportPolicy, session: requests.Session | None = None, *,
               attempts: int = 5, backoff_seconds: float = 2.0) -> str:
    """A small text resource (directory listing, checksum list), redirects checked."""
    session = _retrying(session or policy.session(), attempts, backoff_seconds)
    try:
        response = _get(url, policy, session, headers={}, stream=False)
    except BROKEN_TRANSFER as exc:
        raise RemoteError(f"GET {url} failed after {attempts} attempts: {exc}") from None
    with response:
        if response.status_code != 200:
            raise RemoteError(f"GET {response.url}: {_status(response)}")
        return response.text


def download(url: str, dest: Path, checksum: Checksum, policy: TransportPolicy, *,
             session: requests.Session | None = None, attempts: int = 5,
             backoff_seconds: float = 2.0, on_bytes: OnBytes | None = None) -> Path:
    """Fetch `url` to `dest` (resuming `<dest>.part`), verify `checksum`, return `dest`.

    `attempts` bounds both the requests for one piece (server errors) and the resumes after
    cut connections; `backoff_seconds` is the base of both exponential waits."""
    policy.check(url)
    dest = Path(dest)
    if dest.is_file() and file_digest(dest, checksum.algorithm) == checksum.hexdigest:
        return dest
    dest.parent.mkdir(parents=True, exist_ok=True)
    part = dest.with_name(dest.name + ".part")
    session = _retrying(session or policy.session(), attempts, backoff_seconds)
    resumes = Retrying(stop=stop_after_attempt(attempts),
                       wait=wait_exponential(multiplier=backoff_seconds, max=MAX_BACKOFF_SECONDS),
                       retry=retry_if_exception_type(BROKEN_TRANSFER))
    try:
        resumes(_fetch_rest, url, part, policy, session, on_bytes)
    except RetryError as exc:
        last = exc.last_attempt.exception()
        raise RemoteError(f"download of {url} failed after {attempts} attempts: {last}") from last
    actual = file_digest(part, checksum.algorithm)
    if actual != checksum.hexdigest:
        part.unlink()
        raise InputError(url, f"{checksum.algorithm} {actual} does not match the published "
                              f"{checksum.hexdigest}; the partial file was deleted, rerun to "
                              "download it again")
    with open(part, "rb") as fh:
        os.fsync(fh.fileno())
    os.replace(part, dest)
    return dest


def _retrying(session: requests.Session, attempts: int, backoff_seconds: float
              ) -> requests.Session:
    """The session with urllib3 retries for GET: a failure before the body is simply repeated."""
    return mount_retries(session, retry_policy(max(0, attempts - 1),
                                               backoff_seconds=backoff_seconds,
                                               max_backoff_seconds=MAX_BACKOFF_SECONDS))


def _status(response: requests.Response) -> str:
    """'HTTP 503 after 5 attempts: <start of the server's message>'."""
    tries = attempts_made(response)
    excerpt = next(response.iter_content(200), b"").decode("utf-8", errors="replace")
    return (f"HTTP {response.status_code}" + (f" after {tries} attempts" if tries > 1 else "")
            + (f": {' '.join(excerpt.split())}" if excerpt.strip() else ""))


def _fetch_rest(url: str, part: Path, policy: TransportPolicy, session: requests.Session,
                on_bytes: OnBytes | None) -> None:
    offset = part.stat().st_size if part.exists() else 0
    headers = {"Range": f"bytes={offset}-"} if offset else {}
    response = _get(url, policy, session, headers=headers, stream=True)
    with response:
        status = response.status_code
        if status == 416 and offset:
            return              # nothing left to fetch: the part file is whole (checksum decides)
        if status == 206:
            start = _content_range_start(response.headers.get("Content-Range", ""))
            if start != offset:
                raise RemoteError(f"GET {url}: asked for bytes from {offset}, server sent "
                                  f"Content-Range {response.headers.get('Content-Range')!r}")
            mode = "ab"
        elif status == 200:
            mode = "wb"         # the server ignored Range: start over
        else:
            raise RemoteError(f"GET {url}: {_status(response)}")
        with open(part, mode) as fh:
            for block in response.iter_content(CHUNK_BYTES):
                fh.write(block)
                if on_bytes is not None:
                    on_bytes(len(block))
            fh.flush()
        expected = response.headers.get("Content-Length")
        received = part.stat().st_size - (offset if mode == "ab" else 0)
        if expected is not None and received < int(expected):
            raise requests.ConnectionError(f"connection closed after {received} of {expected} "
                                           "bytes")


def _get(url: str, policy: TransportPolicy, session: requests.Session, *,
         headers: dict[str, str], stream: bool) -> requests.Response:
    """GET with redirects followed by hand, each hop checked against the allow-list."""
    for _ in range(MAX_REDIRECTS + 1):
        policy.check(url)
        response = session.get(url, headers=headers, stream=stream, allow_redirects=False,
                               timeout=policy.timeout_seconds)
        if response.status_code in (301, 302, 303, 307, 308) and "Location" in response.headers:
            url = urljoin(url, response.headers["Location"])
            response.close()
            continue
        return response
    raise RemoteError(f"GET {url}: more than {MAX_REDIRECTS} redirects")


def _content_range_start(value: str) -> int | None:
    # "bytes 100-199/200"
    try:
        return int(value.split()[1].split("-")[0])
    except (IndexError, ValueError):
        return None
