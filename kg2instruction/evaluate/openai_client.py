"""A client for OpenAI-compatible completion endpoints (vLLM, llama.cpp server, TGI, OpenAI).

Large models are served elsewhere; prediction only needs "prompt in, text out". `/v1/completions`
takes a batch of prompts in one request (vLLM batches them on the server); `/v1/chat/completions`
takes one prompt per request as a user message. Transient failures (connection errors, timeouts
before an answer, 429 and 5xx) are retried by urllib3 (`kg2instruction.http_retry`) with exponential
back-off, honouring `Retry-After`; POST is retried because a completion has no side effect. Other
HTTP errors fail at once with the server's message, because retrying a bad request cannot help.
"""
from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import requests

from kg2instruction.errors import RemoteError
from kg2instruction.evaluate.endpoint_api import EndpointApi
from kg2instruction.evaluate.generation import GenerationSettings, cut_at_stop
from kg2instruction.http_retry import attempts_made, mount_retries, retry_policy

USER_AGENT = "kg2instruction-predict/1.0"


__all__ = ["EndpointApi", "OpenAICompatibleGenerator", "RetryPolicy"]


@dataclass(frozen=True)
class RetryPolicy:
    """How hard to try: `attempts` requests at most; waits 0, 2b, 4b, ... (b = backoff_seconds)
    up to `max_backoff_seconds`, or what the server's Retry-After asks (up to 5 minutes)."""

    attempts: int = 5
    backoff_seconds: float = 1.0
    max_backoff_seconds: float = 30.0

    def session(self) -> requests.Session:
        """A session whose requests (POST included) follow this policy."""
        if self.attempts < 1:
            raise ValueError("attempts must be at least 1")
        return mount_retries(requests.Session(), retry_policy(
            self.attempts - 1, backoff_seconds=self.backoff_seconds,
            max_backoff_seconds=self.max_backoff_seconds, methods=("POST",)))


class OpenAICompatibleGenerator:
    """`Generator` over HTTP; `base_url` may end in `/v1` or not."""

    def __init__(self, base_url: str, model: str, settings: GenerationSettings, *,
                 api: EndpointApi = EndpointApi.COMPLETIONS, api_key: str | None = None,
                 timeout: float = 300.0, retry: RetryPolicy | None = None) -> None:
        root = base_url.rstrip("/")
        self.base = root[:-3] if root.endswith("/v1") else root
        self.model = model
        self.settings = settings
        self.api = api
        self.timeout = timeout
        self.retry = retry or RetryPolicy()
        self.session = self.retry.session()
        self.session.headers["User-Agent"] = USER_AGENT
        key = api_key if api_key is not None else os.environ.get("OPENAI_API_KEY")
        if key:
            self.session.headers["Authorization"] = f"Bearer {key}"

    def generate(self, prompts: Sequence[str]) -> list[str]:
        if EndpointApi(self.api) == EndpointApi.COMPLETIONS:
            return self._complete(list(prompts))
        return [self._chat(prompt) for prompt in prompts]

    def _sampling(self) -> dict[str, Any]:
        body = {"model": self.model, "max_tokens": self.settings.max_new_tokens,
                "temperature": self.settings.temperature}
        if self.settings.stop:     # the server ends answers where a next turn would begin
            body["stop"] = list(self.settings.stop)[:4]     # the API takes up to 4
        return body

    def _complete(self, prompts: list[str]) -> list[str]:
        body = self._post("/v1/completions", {**self._sampling(), "prompt": prompts})
        choices = _choices(body, "/v1/completions")
        texts: list[str | None] = [None] * len(prompts)
        for position, choice in enumerate(choices):
            index = choice.get("index", position)
            if not isinstance(index, int) or not 0 <= index < len(prompts) \
                    or not isinstance(choice.get("text"), str):
                raise RemoteError(f"{self.base}/v1/completions: malformed choice {choice!r}")
            texts[index] = choice["text"]
        missing = [i for i, t in enumerate(texts) if t is None]
        if missing:
            raise RemoteError(f"{self.base}/v1/completions: no completion for prompt(s) {missing}")
        return [cut_at_stop(t, self.settings.stop) for t in texts if t is not None]

    def _chat(self, prompt: str) -> str:
        body = self._post("/v1/chat/completions",
                          {**self._sampling(), "messages": [{"role": "user", "content": prompt}]})
        choices = _choices(body, "/v1/chat/completions")
        content = choices[0].get("message", {}).get("content") if choices else None
        if not isinstance(content, str):
            raise RemoteError(f"{self.base}/v1/chat/completions: no message content in "
                              f"{str(body)[:200]!r}")
        return cut_at_stop(content, self.settings.stop)

    def _post(self, path: str, payload: dict[str, Any]) -> dict[str, Any]:
        url = self.base + path
        try:
            response = self.session.post(url, json=payload, timeout=self.timeout)
        except requests.RequestException as exc:  # retries used up on connection errors
            raise RemoteError(f"{url}: failed after {self.retry.attempts} attempts "
                              f"({type(exc).__name__}: {exc})") from None
        if response.status_code != 200:
            problem = f"HTTP {response.status_code}: {response.text[:200]}"
            tries = attempts_made(response)
            raise RemoteError(f"{url}: {problem}" if tries == 1
                              else f"{url}: failed after {tries} attempts ({problem})")
        try:
            return response.json()
        except ValueError:
            raise RemoteError(f"{url}: answer is not JSON: {response.text[:200]!r}") from None


def _choices(body: Any, path: str) -> list[dict[str, Any]]:
    choices = body.get("choices") if isinstance(body, dict) else None
    if not isinstance(choices, list) or not all(isinstance(c, dict) for c in choices):
        raise RemoteError(f"{path}: expected a 'choices' list in the answer, got "
                          f"{str(body)[:200]!r}")
    return choices
