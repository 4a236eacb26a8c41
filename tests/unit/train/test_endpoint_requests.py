"""What `kg2i predict --endpoint` sends: the API the CLI names, and the template's stop markers."""
from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from kg2instruction.evaluate.endpoint_api import EndpointApi
from kg2instruction.evaluate.generation import GenerationSettings
from kg2instruction.evaluate.openai_client import OpenAICompatibleGenerator
from kg2instruction.train.template import get_template

ANSWER = '{"person": []}'


@pytest.fixture
def server():
    seen: list[tuple[str, dict]] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802 - http.server's name
            body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            seen.append((self.path, body))
            text = ANSWER + "\n\n### Instruction:\ninvented next turn"
            if self.path.endswith("/chat/completions"):
                reply = {"choices": [{"message": {"content": text}}]}
            else:
                reply = {"choices": [{"index": i, "text": text} for i in range(len(body["prompt"]))]}
            data = json.dumps(reply).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *args):
            pass

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}", seen
    httpd.shutdown()


@pytest.mark.parametrize(("api", "path"), [(EndpointApi.COMPLETIONS, "/v1/completions"),
                                           (EndpointApi.CHAT, "/v1/chat/completions"),
                                           ("completions", "/v1/completions")])
def test_the_named_api_is_called_with_the_stop_markers(server, api, path):
    url, seen = server
    settings = GenerationSettings(max_new_tokens=8, stop=get_template("alpaca").stop)
    generator = OpenAICompatibleGenerator(url, "m", settings, api=api)
    assert generator.generate(["p1", "p2"]) == [ANSWER, ANSWER]
    assert {p for p, _ in seen} == {path}
    assert all(body["stop"] == list(settings.stop)[:4] for _, body in seen)
