"""The audit file: one TSV row per sampled triple, judged by hand in its `verdict` column.

Plain TSV so it opens in any editor or spreadsheet and diffs line by line in git: every field is
one line (tabs, newlines and backslashes escaped as \\t \\n \\\\), leading `#` lines are comments
(the sample's provenance and the verdict vocabulary), the first other line is the header. Columns
are found by name, so a judge may reorder or add columns; trailing empty fields an editor dropped
count as empty.
"""
from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from kg2instruction.atomic import atomic_write_text
from kg2instruction.errors import InputError

VERDICTS = ("correct", "not_stated", "wrong_entity", "wrong_relation", "unclear")
STATUSES = ("kept", "rejected")
COLUMNS = ("theme", "status", "triple_id", "lang", "title", "relation", "pid", "rule", "head",
           "head_entity", "tail", "tail_entity", "nli_score", "nli_hypothesis", "evidence_source",
           "evidence", "paragraph", "stratum_size", "verdict", "note")
SCORED_COLUMNS = ("theme", "status", "triple_id", "nli_score", "stratum_size", "verdict")

_ESCAPES = {"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"}
_UNESCAPES = {"\\\\": "\\", "\\t": "\t", "\\n": "\n", "\\r": "\r"}
_ESCAPED = re.compile(r"\\[\\tnr]")


def escape(value: object) -> str:
    """One TSV field on one line; None is the empty field."""
    if value is None:
        return ""
    return "".join(_ESCAPES.get(ch, ch) for ch in str(value))


def unescape(field: str) -> str:
    return _ESCAPED.sub(lambda m: _UNESCAPES[m.group(0)], field)


def write_audit(path: Path, rows: Iterable[Mapping[str, object]],
                comments: Sequence[str] = ()) -> None:
    """Write the audit file atomically (a half-written audit would lose a judge's work)."""
    lines = [f"# {c}" for c in comments]
    lines.append("\t".join(COLUMNS))
    lines.extend("\t".join(escape(row.get(c)) for c in COLUMNS) for row in rows)
    atomic_write_text(path, "\n".join(lines) + "\n")


@dataclass(frozen=True)
class AuditLine:
    """One data row as read: its fields by column name and its 1-based line in the file."""

    path: Path
    line: int
    fields: dict[str, str]


def read_audit(path: Path, required: Sequence[str] = ()) -> list[AuditLine]:
    """Every data row of an audit file; a missing file, header or required column, or a row with
    more fields than the header, is an input error naming the file (and line)."""
    if not path.is_file():
        raise InputError(path, "no such audit file")
    header: list[str] | None = None
    rows: list[AuditLine] = []
    text = path.read_text(encoding="utf-8-sig")
    for number, raw in enumerate(text.splitlines(), start=1):
        if header is None:
            if not raw.strip() or raw.startswith("#"):
                continue
            header = [h.strip() for h in raw.split("\t")]
            missing = [c for c in required if c not in header]
            if missing:
                raise InputError(path, f"header lacks column(s) {', '.join(missing)} (an audit "
                                       f"file has {', '.join(COLUMNS)})", line=number)
            continue
        if not raw.strip():
            continue
        values = raw.split("\t")
        if len(values) > len(header):
            raise InputError(path, f"{len(values)} fields but the header has {len(header)} "
                                   f"(a tab inside a field must be written \\t)", line=number)
        values += [""] * (len(header) - len(values))
        rows.append(AuditLine(path, number, {h: unescape(v) for h, v in zip(header, values)}))
    if header is None:
        raise InputError(path, "no header line (expected the columns "
                               f"{', '.join(COLUMNS)})")
    return rows


LANGUAGE_SCOPE = "language {lang} only"
_LANGUAGE_SCOPE = re.compile(r"\blanguage (\S+) only\b")


def sample_language(path: Path) -> str | None:
    """The language a sample was restricted to (`kg2i audit --lang`), read from its first
    comment line; None for a sample of every language."""
    with path.open(encoding="utf-8-sig") as handle:
        first = handle.readline()
    match = _LANGUAGE_SCOPE.search(first) if first.startswith("#") else None
    return match.group(1) if match else None


def has_verdicts(path: Path) -> bool:
    """Whether an existing file holds any judged row (a file that is not an audit file counts
    as judged: it is not ours to overwrite)."""
    try:
        rows = read_audit(path)
    except (InputError, UnicodeDecodeError):
        return True
    return any(r.fields.get("verdict", "").strip() for r in rows)
