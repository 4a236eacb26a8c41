"""Stream entities out of a Wikidata JSON dump (`latest-all.json[.bz2|.gz]`) one line at a time.

The dump is a JSON array written one entity per line: a `[` line, entity lines each followed by a
comma, and a `]` line. Real files break that shape: downloads are cut mid-file (no `]`, maybe half a
line), filtered dumps drop the brackets, and the odd line is corrupt. Parsing the file as one JSON
document would need it whole in memory, so each line is parsed on its own with orjson, and every line
that is not an entity object is handed to a `BadLineLog` that counts it with its line number and
stops the build once a configured number is exceeded: bad input is never skipped without a trace.

A single-entity document as served by Special:EntityData (`{"entities": {"Q42": {...}}}`,
pretty-printed over many lines) is accepted too, so one entity fetched from the web can be ingested
like a dump fragment.
"""
from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson

from kg2instruction.errors import InputError
from kg2instruction.storage.inputs import input_path
from kg2instruction.sources.compressed import open_binary

EXCERPT_CHARS = 200
# A Special:EntityData document is parsed whole; anything larger is not one (Q42 is 0.7 MB).
MAX_ENTITY_DOCUMENT_BYTES = 64 << 20
_ARRAY_BRACKETS = (b"[", b"]")
_BLANK = b" \t\r\n"


@dataclass(frozen=True)
class BadLine:
    """One input line that is not an entity object."""

    line: int
    reason: str
    excerpt: str


@dataclass
class BadLineLog:
    """Counts bad lines, keeps the first few, and fails the read once `max_bad_lines` is exceeded.

    A handful of corrupt lines in a 100 GB dump should not cost a day's build, but a file that is
    mostly garbage (wrong file, wrong format) must stop early with the position of the problem.
    """

    source: str
    max_bad_lines: int = 0
    keep_first: int = 100
    count: int = 0
    kept: list[BadLine] = field(default_factory=list)

    def record(self, line: int, reason: str, raw: bytes) -> None:
        excerpt = raw[:EXCERPT_CHARS * 4].decode("utf-8", errors="replace")[:EXCERPT_CHARS]
        self.add(BadLine(line, reason, excerpt))

    def add(self, bad: BadLine) -> None:
        """Count a bad line found elsewhere (e.g. by a worker process) and apply the limit."""
        self.count += 1
        if len(self.kept) < self.keep_first:
            self.kept.append(bad)
        if self.count > self.max_bad_lines:
            raise InputError(self.source, f"{bad.reason} (bad line {self.count}; the limit "
                                          f"max_bad_lines={self.max_bad_lines} was exceeded)",
                             line=bad.line)


@dataclass
class DumpPosition:
    """Progress counters a caller can read while iterating (for progress bars and summaries)."""

    lines: int = 0
    bytes_read: int = 0
    entities: int = 0


def _is_entity(obj: Any) -> bool:
    return isinstance(obj, dict) and isinstance(obj.get("id"), str) and isinstance(obj.get("type"), str)


def _opens_entity_document(first_line: bytes) -> bool:
    """A pretty-printed document starts with a lone `{`; a compact one with `{"entities"`."""
    text = first_line.strip(_BLANK)
    return text == b"{" or text.startswith(b'{"entities"')


def _parse_line(raw: bytes) -> tuple[dict | None, str | None]:
    """(entity, None) for an entity line, (None, None) for structure, (None, reason) when bad."""
    text = raw.strip(_BLANK)
    if not text or text in _ARRAY_BRACKETS:
        return None, None
    if text.endswith(b","):
        text = text[:-1].rstrip(_BLANK)
    try:
        obj = orjson.loads(text)
    except orjson.JSONDecodeError as exc:
        return None, f"not JSON ({exc})"
    if not _is_entity(obj):
        return None, 'JSON but not an entity object (expected {"type": ..., "id": ...})'
    return obj, None


@dataclass(frozen=True)
class LineBatch:
    """Consecutive raw dump lines starting at 1-based line `first_line` (a unit of parallel work)."""

    first_line: int
    lines: list[bytes]


def parse_line_batch(batch: LineBatch, bad_lines: BadLineLog) -> Iterator[tuple[int, dict]]:
    """(line number, entity) for each entity line of the batch; other lines go to `bad_lines`."""
    line_no = batch.first_line
    for raw in batch.lines:
        entity, reason = _parse_line(raw)
        if reason is not None:
            bad_lines.record(line_no, reason, raw)
        elif entity is not None:
            yield line_no, entity
        line_no += 1


class WikidataDumpReader:
    """Iterate the entity dicts of one dump file, in file order.

    Bad lines go to `bad_lines` (see `BadLineLog`); `position` tracks lines and bytes read.
    `threads` is passed to `open_binary` (parallel bzip2 decoding). `line_batches()` hands out raw
    lines for parsing elsewhere (worker processes); `numbered()` and iteration parse here.
    """

    def __init__(self, path: str | Path, bad_lines: BadLineLog | None = None,
                 threads: int | None = None) -> None:
        self.path = input_path(path)
        self.bad_lines = bad_lines if bad_lines is not None else BadLineLog(str(self.path))
        self.threads = threads
        self.position = DumpPosition()

    def __iter__(self) -> Iterator[dict]:
        for _, entity in self.numbered():
            yield entity

    def is_entity_document(self) -> bool:
        """True for a Special:EntityData document, which is parsed whole instead of by line."""
        with open_binary(self.path, threads=1) as fh:
            for raw in fh:
                if raw.strip(_BLANK):
                    return _opens_entity_document(raw)
        return False

    def numbered(self) -> Iterator[tuple[int, dict]]:
        """(line number, entity) in file order; an entity document's entities all get line 1."""
        if self.is_entity_document():
            with open_binary(self.path, threads=1) as fh:
                for entity in self._entity_document(fh.read(MAX_ENTITY_DOCUMENT_BYTES + 1)):
                    yield 1, entity
            return
        for batch in self.line_batches():
            for numbered in parse_line_batch(batch, self.bad_lines):
                self.position.entities += 1
                yield numbered

    def line_batches(self, max_bytes: int = 1 << 20) -> Iterator[LineBatch]:
        """Raw lines in batches of about `max_bytes` (not for entity documents)."""
        position = self.position
        with open_binary(self.path, threads=self.threads) as fh:
            lines: list[bytes] = []
            size = 0
            for raw in fh:
                lines.append(raw)
                size += len(raw)
                if size >= max_bytes:
                    yield LineBatch(position.lines + 1, lines)
                    position.lines += len(lines)
                    position.bytes_read += size
                    lines, size = [], 0
            if lines:
                yield LineBatch(position.lines + 1, lines)
                position.lines += len(lines)
                position.bytes_read += size

    def _entity_document(self, data: bytes) -> Iterator[dict]:
        """A whole-file `{"entities": {...}}` document (Special:EntityData)."""
        if len(data) > MAX_ENTITY_DOCUMENT_BYTES:
            raise InputError(self.path, "line 1 is not an entity and the file is too large to be an "
                                        "entity document; expected a Wikidata JSON dump (one entity "
                                        "per line)", line=1)
        try:
            doc = orjson.loads(data)
        except orjson.JSONDecodeError as exc:
            raise InputError(self.path, f"neither a Wikidata JSON dump (one entity per line) nor an "
                                        f"entity document ({exc})", line=1) from None
        entities = doc.get("entities") if isinstance(doc, dict) else None
        if _is_entity(doc):
            entities = {doc["id"]: doc}
        if not isinstance(entities, dict):
            raise InputError(self.path, 'JSON document without an "entities" object; expected a '
                                        'Wikidata JSON dump or a Special:EntityData document', line=1)
        self.position.bytes_read += len(data)
        self.position.lines = data.count(b"\n") + (not data.endswith(b"\n"))
        for key, entity in entities.items():
            if not _is_entity(entity):
                self.bad_lines.record(1, f"entities[{key!r}] is not an entity object",
                                      orjson.dumps(entity)[:EXCERPT_CHARS])
                continue
            self.position.entities += 1
            yield entity
