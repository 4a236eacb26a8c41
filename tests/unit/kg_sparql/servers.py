"""Real local HTTP servers for the SPARQL tests: Oxigraph, and a scripted faulty endpoint.

Both listen on 127.0.0.1 only, on a free port, and are stopped by their fixtures. The faulty server
is a real socket server (http.server): it answers each request with the next scripted `Reply`
(429 with Retry-After, 500, a 200 whose body is an error, a slow answer, a connection cut
mid-body) and records every request it saw, so tests can count requests and measure the gaps.
"""
from __future__ import annotations

import json
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs

OXIGRAPH = Path(sys.executable).parent / "oxigraph"
START_TIMEOUT = 15.0


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class OxigraphServer:
    """`oxigraph serve-read-only` over a store loaded from an RDF file (the oxigraph PyPI CLI)."""

    def __init__(self, rdf_file: Path, store_dir: Path) -> None:
        if not OXIGRAPH.is_file():
            raise RuntimeError(f"{OXIGRAPH} not found: install the dev extra (oxigraph==0.5.13)")
        subprocess.run([str(OXIGRAPH), "load", "--location", str(store_dir), "--file",
                        str(rdf_file)], check=True, capture_output=True, timeout=120)
        self._store_dir = store_dir
        self._process: subprocess.Popen | None = None
        self.endpoint = ""

    def start(self) -> OxigraphServer:
        for _ in range(5):  # the free port may be taken between probing and binding: retry
            port = free_port()
            self._process = subprocess.Popen(
                [str(OXIGRAPH), "serve-read-only", "--location", str(self._store_dir),
                 "--bind", f"127.0.0.1:{port}"],
                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            self.endpoint = f"http://127.0.0.1:{port}/query"
            if self._wait_ready():
                return self
            self.stop()
        raise RuntimeError("oxigraph server did not start")

    def _wait_ready(self) -> bool:
        deadline = time.monotonic() + START_TIMEOUT
        probe = self.endpoint + "?query=ASK%7B%7D"
        while time.monotonic() < deadline:
            if self._process is not None and self._process.poll() is not None:
                return False
            try:
                with urllib.request.urlopen(probe, timeout=1) as response:
                    if response.status == 200:
                        return True
            except OSError:
                time.sleep(0.05)
        return False

    def stop(self) -> None:
        if self._process is not None and self._process.poll() is None:
            self._process.terminate()
            try:
                self._process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait(timeout=5)
        self._process = None


def result_body(rows: int = 1) -> bytes:
    """A valid SPARQL JSON result with `rows` bindings of ?x."""
    bindings = [{"x": {"type": "literal", "value": f"row {i}"}} for i in range(rows)]
    return json.dumps({"head": {"vars": ["x"]}, "results": {"bindings": bindings}}).encode()


@dataclass
class Reply:
    """How the faulty server answers one request."""

    status: int = 200
    body: bytes = field(default_factory=result_body)
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0            # seconds before answering (longer than the client's timeout)
    cut_after: int | None = None  # announce the full length, send this many bytes, close


@dataclass
class SeenRequest:
    at: float                     # time.monotonic() on arrival
    user_agent: str
    query: str


class FaultyServer:
    """Scripted endpoint: replies are used in order; the last one repeats."""

    def __init__(self) -> None:
        self.requests: list[SeenRequest] = []
        self.max_in_flight = 0
        self._replies: list[Reply] = [Reply()]
        self._in_flight = 0
        self._guard = threading.Lock()
        self._stopping = threading.Event()
        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), self._handler_class())
        self._httpd.daemon_threads = True
        self._thread = threading.Thread(target=self._httpd.serve_forever, args=(0.05,), daemon=True)
        self.endpoint = f"http://127.0.0.1:{self._httpd.server_address[1]}/sparql"

    def script(self, *replies: Reply) -> None:
        with self._guard:
            self._replies = list(replies)

    def start(self) -> FaultyServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stopping.set()  # wakes handlers sleeping in a slow reply
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join(timeout=5)

    def gaps(self) -> list[float]:
        """Seconds between consecutive requests."""
        times = [r.at for r in self.requests]
        return [b - a for a, b in zip(times, times[1:])]

    def _next_reply(self, seen: SeenRequest) -> Reply:
        with self._guard:
            self.requests.append(seen)
            self._in_flight += 1
            self.max_in_flight = max(self.max_in_flight, self._in_flight)
            return self._replies.pop(0) if len(self._replies) > 1 else self._replies[0]

    def _done(self) -> None:
        with self._guard:
            self._in_flight -= 1

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: object) -> None:  # keep test output clean
                pass

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", 0))
                form = parse_qs(self.rfile.read(length).decode())
                seen = SeenRequest(time.monotonic(), self.headers.get("User-Agent", ""),
                                   form.get("query", [""])[0])
                reply = server._next_reply(seen)
                self._counted = True
                try:
                    self._answer(reply)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up first (a timeout test): nothing to report
                finally:
                    self._finish()

            def _finish(self) -> None:
                """A request stops being in flight when its reply starts: once the client
                has the reply it may send its next request before this thread runs again."""
                if self._counted:
                    self._counted = False
                    server._done()

            def _answer(self, reply: Reply) -> None:
                if reply.delay and server._stopping.wait(reply.delay):
                    return
                self._finish()
                self.send_response(reply.status)
                self.send_header("Content-Type", "application/sparql-results+json")
                self.send_header("Content-Length", str(len(reply.body)))
                for name, value in reply.headers.items():
                    self.send_header(name, value)
                self.end_headers()
                if reply.cut_after is None:
                    self.wfile.write(reply.body)
                    return
                self.wfile.write(reply.body[:reply.cut_after])
                self.wfile.flush()
                self.close_connection = True
                self.connection.shutdown(socket.SHUT_RDWR)

        return Handler
