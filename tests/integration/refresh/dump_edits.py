"""Make a "next" Wikidata dump by editing real entity lines of a real dump.

Each edit is applied to the JSON of one entity line, which is re-serialised in the dump's own
line format (`{...},`), so the result is what a later real dump looks like for those entities.
"""
from __future__ import annotations

import gzip
import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from kg2instruction.sources.compressed import open_binary

Edit = Callable[[dict], None]


@dataclass(frozen=True)
class ClaimRef:
    head: str
    pid: str
    tail: str


def remove_claim(ref: ClaimRef) -> Edit:
    def edit(entity: dict) -> None:
        before = entity["claims"].get(ref.pid, [])
        after = [s for s in before if _tail(s) != ref.tail]
        assert len(after) < len(before), f"{ref} is not in the dump"
        entity["claims"][ref.pid] = after
    return edit


def add_claim(ref: ClaimRef) -> Edit:
    def edit(entity: dict) -> None:
        assert all(_tail(s) != ref.tail for s in entity["claims"].get(ref.pid, []))
        entity["claims"].setdefault(ref.pid, []).append({
            "mainsnak": {"snaktype": "value", "property": ref.pid, "datatype": "wikibase-item",
                         "datavalue": {"type": "wikibase-entityid",
                                       "value": {"entity-type": "item", "id": ref.tail,
                                                 "numeric-id": int(ref.tail[1:])}}},
            "type": "statement", "rank": "normal", "id": f"{ref.head}$refresh-test"})
    return edit


def set_label(lang: str, value: str) -> Edit:
    def edit(entity: dict) -> None:
        assert lang in entity["labels"]
        entity["labels"][lang] = {"language": lang, "value": value}
    return edit


def write_edited_dump(source: Path, out: Path, edits: dict[str, list[Edit]]) -> int:
    """Copy `source` to gzip `out` with `edits` (QID -> edits) applied; returns lines edited."""
    pending = dict(edits)
    edited = 0
    with open_binary(source) as src, gzip.open(out, "wb", compresslevel=1) as dst:
        for raw in src:
            qid = _line_qid(raw)
            if qid in pending:
                body = raw.rstrip(b"\n").rstrip(b",")
                comma = raw.rstrip(b"\n").endswith(b",")
                entity = json.loads(body)
                for edit in pending.pop(qid):
                    edit(entity)
                raw = json.dumps(entity, ensure_ascii=False).encode() + (b",\n" if comma else b"\n")
                edited += 1
            dst.write(raw)
    assert not pending, f"entities not found in {source}: {sorted(pending)}"
    return edited


def _line_qid(raw: bytes) -> str | None:
    head = raw[:200]
    start = head.find(b'"id":"')
    if start < 0:
        start = head.find(b'"id": "')
        if start < 0:
            return None
        start += 1
    end = head.find(b'"', start + 6)
    return head[start + 6:end].decode()


def _tail(statement: dict) -> str | None:
    value = statement.get("mainsnak", {}).get("datavalue", {}).get("value")
    return value.get("id") if isinstance(value, dict) else None


def write_page_subset(source: Path, out: Path, page_ids: set[int]) -> int:
    """A MediaWiki export with `source`'s siteinfo and only the pages `page_ids` (real bytes)."""
    import re

    with open_binary(source) as src:
        data = src.read()
    first = data.index(b"<page>")
    pages = re.findall(rb"[ \t]*<page>.*?</page>\n?", data[first:], re.S)
    kept = [p for p in pages if int(re.search(rb"<id>(\d+)</id>", p).group(1)) in page_ids]
    out.write_bytes(data[:first].rstrip(b" \t") + b"".join(kept) + b"</mediawiki>\n")
    return len(kept)
