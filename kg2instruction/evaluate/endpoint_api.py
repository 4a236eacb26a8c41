"""Which OpenAI-compatible API `kg2i predict --endpoint` talks to.

Its own module, free of `requests` and torch, so the CLI can offer `--api` choices without
importing the client that uses them (`openai_client` re-exports it)."""
from __future__ import annotations

from enum import Enum


class EndpointApi(str, Enum):
    COMPLETIONS = "completions"
    CHAT = "chat"
