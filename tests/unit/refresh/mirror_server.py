"""A real HTTP server on 127.0.0.1 that serves a dumps-mirror folder the way dumps.wikimedia.org
does: directory listings with `<a href="20250101/">`, files with HTTP Range support. Faults are
switched on per test: cut the connection after N bytes, answer 503 a number of times, redirect."""
from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path


@dataclass
class Faults:
    cut_after_bytes: int | None = None   # first file response stops after this many bytes
    unavailable: int = 0                 # answer 503 this many times first
    ignore_range: bool = False
    redirect_to: str | None = None       # answer every request with a 302 to this URL prefix
    # (status, headers, message) answered first, in order, e.g. a 429 with Retry-After
    errors: list[tuple[int, dict[str, str], str]] = field(default_factory=list)
    requests: list[tuple[str, str | None]] = field(default_factory=list)   # (path, Range)
    arrivals: list[float] = field(default_factory=list)                    # time.monotonic()
    user_agents: list[str] = field(default_factory=list)


class MirrorServer:
    def __init__(self, root: Path) -> None:
        self.root = root
        self.faults = Faults()
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: object) -> None:
                pass

            def do_GET(self) -> None:    # noqa: N802
                server._serve(self)

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}"

    def __enter__(self) -> MirrorServer:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()

    def _serve(self, h: BaseHTTPRequestHandler) -> None:
        faults = self.faults
        faults.requests.append((h.path, h.headers.get("Range")))
        faults.arrivals.append(time.monotonic())
        faults.user_agents.append(h.headers.get("User-Agent", ""))
        if faults.redirect_to is not None:
            h.send_response(302)
            h.send_header("Location", faults.redirect_to + h.path)
            h.send_header("Content-Length", "0")
            h.end_headers()
            return
        if faults.errors:
            status, headers, message = faults.errors.pop(0)
            body = message.encode()
            h.send_response(status)
            for key, value in headers.items():
                h.send_header(key, value)
            h.send_header("Content-Length", str(len(body)))
            h.end_headers()
            h.wfile.write(body)
            return
        if faults.unavailable > 0:
            faults.unavailable -= 1
            h.send_error(503)
            return
        target = (self.root / h.path.lstrip("/")).resolve()
        if self.root.resolve() not in target.parents and target != self.root.resolve():
            h.send_error(403)
            return
        if target.is_dir():
            body = "".join(f'<a href="{p.name}{"/" if p.is_dir() else ""}">{p.name}</a>\n'
                           for p in sorted(target.iterdir())).encode()
            h.send_response(200)
            h.send_header("Content-Type", "text/html")
            h.send_header("Content-Length", str(len(body)))
            h.end_headers()
            h.wfile.write(body)
            return
        if not target.is_file():
            h.send_error(404)
            return
        data = target.read_bytes()
        start = 0
        wanted = h.headers.get("Range")
        if wanted and not faults.ignore_range:
            start = int(wanted.removeprefix("bytes=").split("-")[0])
            if start >= len(data):
                h.send_response(416)
                h.send_header("Content-Range", f"bytes */{len(data)}")
                h.send_header("Content-Length", "0")
                h.end_headers()
                return
            h.send_response(206)
            h.send_header("Content-Range", f"bytes {start}-{len(data) - 1}/{len(data)}")
        else:
            h.send_response(200)
        body = data[start:]
        h.send_header("Content-Length", str(len(body)))
        h.send_header("Accept-Ranges", "bytes")
        h.end_headers()
        if faults.cut_after_bytes is not None:
            cut, faults.cut_after_bytes = faults.cut_after_bytes, None
            h.wfile.write(body[:cut])
            h.wfile.flush()
            h.close_connection = True
            return
        h.wfile.write(body)
