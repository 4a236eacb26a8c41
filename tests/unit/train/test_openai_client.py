"""The OpenAI-compatible client against a real local HTTP server speaking the completions API."""
from __future__ import annotations

import importlib
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import SimpleNamespace

import pytest

from kg2instruction.errors import RemoteError
from kg2instruction.evaluate.generation import GenerationSettings
from kg2instruction.evaluate.openai_client import (
    EndpointApi,
    OpenAICompatibleGenerator,
    RetryPolicy,
)
from kg2instruction.evaluate.predict import PredictionJob, predict_file
from kg2instruction.train.template import ALPACA


def answer_for(prompt: str) -> str:
    """What the fake model 'generates': a function of the prompt, so answers can be checked."""
    return f" words={len(prompt.split())} last={prompt.split()[-1]!s} "


class OpenAIServer(ThreadingHTTPServer):
    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        # (status, headers, error message) answers served before the real ones
        self.failures: list[tuple[int, dict[str, str], str]] = []
        self.bodies: list[dict] = []

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"


class _Handler(BaseHTTPRequestHandler):
    server: OpenAIServer

    def log_message(self, *args) -> None:
        pass

    def do_POST(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        self.server.bodies.append(body)
        if self.server.failures:
            status, headers, message = self.server.failures.pop(0)
            self._send(status, {"error": {"message": message}}, headers)
        elif self.path == "/v1/completions":
            prompts = body["prompt"] if isinstance(body["prompt"], list) else [body["prompt"]]
            choices = [{"index": i, "text": answer_for(p), "finish_reason": "stop"}
                       for i, p in enumerate(prompts)]
            self._send(200, {"object": "text_completion", "model": body["model"],
                             "choices": list(reversed(choices))})  # servers may reorder
        elif self.path == "/v1/chat/completions":
            content = body["messages"][-1]["content"]
            self._send(200, {"object": "chat.completion", "choices": [
                {"index": 0, "message": {"role": "assistant", "content": answer_for(content)}}]})
        else:
            self._send(404, {"error": {"message": f"no route {self.path}"}})

    def _send(self, status: int, doc: dict, headers: dict[str, str] | None = None) -> None:
        data = json.dumps(doc).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        for key, value in (headers or {}).items():
            self.send_header(key, value)
        self.end_headers()
        self.wfile.write(data)


@pytest.fixture()
def server():
    srv = OpenAIServer()
    thread = threading.Thread(target=srv.serve_forever, daemon=True)
    thread.start()
    yield srv
    srv.shutdown()
    srv.server_close()


def _client(server: OpenAIServer, api=EndpointApi.COMPLETIONS, **kwargs):
    retry = RetryPolicy(attempts=3, backoff_seconds=0.01)
    return OpenAICompatibleGenerator(server.url + "/v1/", "served-model",
                                     GenerationSettings(max_new_tokens=7), api=api, retry=retry,
                                     **kwargs)


def test_batch_completions_keep_prompt_order(server: OpenAIServer):
    prompts = ["first prompt here", "second", "a third one"]
    assert _client(server).generate(prompts) == [answer_for(p).strip() for p in prompts]
    (body,) = server.bodies
    assert body["prompt"] == prompts and body["max_tokens"] == 7 and body["temperature"] == 0.0
    assert body["model"] == "served-model"


def test_chat_api_sends_one_user_message_per_prompt(server: OpenAIServer):
    assert _client(server, EndpointApi.CHAT).generate(["x y", "z"]) == ["words=2 last=y",
                                                                        "words=1 last=z"]
    assert [b["messages"] for b in server.bodies] == [[{"role": "user", "content": "x y"}],
                                                      [{"role": "user", "content": "z"}]]


def test_transient_errors_are_retried_with_retry_after(server: OpenAIServer, monkeypatch):
    # urllib3's Retry sleeps through its module's `time`: record what it asks for, sleep not
    sleeps: list[float] = []
    monkeypatch.setattr(importlib.import_module("urllib3.util.retry"), "time",
                        SimpleNamespace(time=time.time, sleep=sleeps.append))
    server.failures = [(503, {}, "restarting"), (429, {"Retry-After": "7"}, "slow down")]
    assert _client(server).generate(["p q"]) == ["words=2 last=q"]
    assert len(server.bodies) == 3 and server.bodies[0] == server.bodies[2]
    # waited as the 429 told, not the 0.01 s back-off
    assert sleeps[-1] == 7 and all(s < 1 for s in sleeps[:-1])


def test_persistent_and_client_errors_raise_remote_error(server: OpenAIServer):
    server.failures = [(500, {}, "overloaded")] * 3
    with pytest.raises(RemoteError, match="after 3 attempts.*HTTP 500.*overloaded"):
        _client(server).generate(["p"])
    server.bodies.clear()
    server.failures = [(400, {}, "prompt is too long for this model")]
    with pytest.raises(RemoteError, match="HTTP 400.*prompt is too long for this model") as caught:
        _client(server).generate(["p"])
    assert "attempts" not in str(caught.value)
    assert len(server.bodies) == 1  # a bad request is not retried


def test_unreachable_server_is_a_remote_error(server: OpenAIServer):
    url = server.url
    server.shutdown()
    server.server_close()
    client = OpenAICompatibleGenerator(url, "m", GenerationSettings(),
                                       retry=RetryPolicy(attempts=2),
                                       timeout=2)
    with pytest.raises(RemoteError, match="ConnectionError"):
        client.generate(["p"])


def test_prediction_through_the_endpoint(server: OpenAIServer, dataset_dir: Path, tmp_path: Path):
    out = tmp_path / "preds.jsonl"
    summary = predict_file(PredictionJob(dataset_dir, out, ALPACA, batch_size=4),
                           _client(server), log=lambda _: None)
    rows = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert summary.written == len(rows) == 5 and len(server.bodies) == 2
    assert all(r["output"].startswith("words=") and r["cate"] == "人物" for r in rows)
