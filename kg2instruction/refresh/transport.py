"""Which URLs the refresh may fetch, and the HTTP session it fetches them with.

Dumps are large, unauthenticated downloads whose bytes end up in training data, so the only
defence against a tampered mirror or a typo'd URL is: https only, to hosts the operator listed,
plus the published checksum. A test needs a plain-http server on loopback; that exception is a
field of the policy object (`allow_loopback_http`) which no config file or CLI option sets.
"""
from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from urllib.parse import urlsplit

import requests

from kg2instruction import __version__
from kg2instruction.errors import ConfigError

DEFAULT_HOSTS = ("dumps.wikimedia.org",)
DEFAULT_USER_AGENT = (f"KG2Instruction/{__version__} (dump refresh; "
                      "https://github.com/kg2instruction/kg2instruction; ops@example.org)")


@dataclass(frozen=True)
class TransportPolicy:
    """The allow-list a download URL is checked against before any byte is requested."""

    allowed_hosts: tuple[str, ...] = DEFAULT_HOSTS
    user_agent: str = DEFAULT_USER_AGENT
    timeout_seconds: float = 60.0
    # Test-only: permit http:// to a loopback address among allowed_hosts. Deliberately absent
    # from RefreshConfig and the CLI so an operator cannot turn it on by accident.
    allow_loopback_http: bool = False

    def check(self, url: str) -> str:
        """Return `url` if it may be fetched; otherwise a ConfigError naming the rule it breaks."""
        parts = urlsplit(url)
        host = (parts.hostname or "").lower()
        if host not in {h.lower() for h in self.allowed_hosts}:
            raise ConfigError(f"download host {host or '(none)'!r} of {url!r} is not in the "
                              f"allowed hosts {list(self.allowed_hosts)}", key="allowed_hosts")
        if parts.scheme == "https":
            return url
        if parts.scheme == "http" and self.allow_loopback_http and _is_loopback(host):
            return url
        raise ConfigError(f"download URL {url!r} must use https", key="mirror")

    def session(self) -> requests.Session:
        """A session that sends the descriptive User-Agent Wikimedia asks bots to send."""
        session = requests.Session()
        session.headers["User-Agent"] = self.user_agent
        return session


def _is_loopback(host: str) -> bool:
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return host == "localhost"
