"""Where a dated dump lives on a Wikimedia dumps mirror, and which date is the newest finished one.

Layouts (https://dumps.wikimedia.org):
    wikidatawiki/entities/<date>/wikidata-<date>-all.json.bz2     + wikidata-<date>-md5sums.txt
    <wiki>/<date>/<wiki>-<date>-pages-articles-multistream.xml.bz2 + <wiki>-<date>-md5sums.txt

"latest" is the newest date directory whose checksum list already names the file: a dump still
being written has a directory but no checksum line yet, and must not be picked.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

import requests

from kg2instruction.errors import InputError, RemoteError
from kg2instruction.refresh.checksums import Checksum, parse_checksums
from kg2instruction.refresh.downloader import fetch_text
from kg2instruction.refresh.transport import TransportPolicy

_DATE_DIR = re.compile(r'href="(\d{8})/"')
_DATE = re.compile(r"^\d{8}$")
LATEST = "latest"
MAX_DATES_TRIED = 6


@dataclass(frozen=True)
class DumpRef:
    """One dated dump file on a mirror, with its published checksum."""

    kind: str           # "wikidata" or a wiki name ("enwiki")
    date: str
    url: str
    file_name: str
    checksum: Checksum


@dataclass(frozen=True)
class DumpLayout:
    """Directory and file naming of one dump family on a mirror."""

    kind: str
    directory: str      # relative to the mirror root, ends with "/"
    file_pattern: str   # with {date}
    checksum_pattern: str

    def file_name(self, date: str) -> str:
        return self.file_pattern.format(date=date)

    def checksum_name(self, date: str) -> str:
        return self.checksum_pattern.format(date=date)


def wikidata_layout() -> DumpLayout:
    return DumpLayout("wikidata", "wikidatawiki/entities/", "wikidata-{date}-all.json.bz2",
                      "wikidata-{date}-md5sums.txt")


def wikipedia_layout(wiki: str) -> DumpLayout:
    if not re.fullmatch(r"[a-z_]+wiki", wiki):
        raise InputError("wiki", f"{wiki!r} is not a wiki database name like 'enwiki'")
    return DumpLayout(wiki, f"{wiki}/", f"{wiki}-{{date}}-pages-articles-multistream.xml.bz2",
                      f"{wiki}-{{date}}-md5sums.txt")


def resolve_dump(layout: DumpLayout, date: str, mirror: str, policy: TransportPolicy,
                 session: requests.Session | None = None) -> DumpRef:
    """The dump of `date` ("YYYYMMDD" or "latest"), checksum included."""
    mirror = mirror.rstrip("/") + "/"
    session = session or policy.session()
    if date != LATEST:
        if not _DATE.match(date):
            raise InputError("dump date", f"{date!r}: expected YYYYMMDD or 'latest'")
        ref = _dated(layout, date, mirror, policy, session)
        if ref is None:
            raise RemoteError(f"{mirror}{layout.directory}{date}/ lists no finished "
                              f"{layout.file_name(date)}")
        return ref
    listing = fetch_text(mirror + layout.directory, policy, session)
    dates = sorted(set(_DATE_DIR.findall(listing)), reverse=True)
    for candidate in dates[:MAX_DATES_TRIED]:
        ref = _dated(layout, candidate, mirror, policy, session)
        if ref is not None:
            return ref
    raise RemoteError(f"no finished {layout.kind} dump among the newest {MAX_DATES_TRIED} dates "
                      f"at {mirror}{layout.directory}")


def _dated(layout: DumpLayout, date: str, mirror: str, policy: TransportPolicy,
           session: requests.Session) -> DumpRef | None:
    folder = f"{mirror}{layout.directory}{date}/"
    checksum_url = folder + layout.checksum_name(date)
    try:
        text = fetch_text(checksum_url, policy, session)
    except RemoteError:
        return None
    table = parse_checksums(text, "md5", checksum_url)
    name = layout.file_name(date)
    if name not in table:
        return None
    return DumpRef(layout.kind, date, folder + name, name, table[name])
