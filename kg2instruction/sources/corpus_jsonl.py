"""Plain JSONL corpora (not dumps) -> rows of the PARAGRAPHS table.

For text that does not come from a MediaWiki dump: T-REx sentences, a crawl, an analyst's own
documents. One JSON object per line (`.jsonl`, `.jsonl.gz`, `.jsonl.bz2`, detected by content):

    {"id": "...", "lang": "en", "text": "...",                       # required
     "title": "...", "page_qid": "Q42", "page_id": "...", "section": "...",
     "links": [{"start": 0, "end": 5, "target": "Title", "anchor"?: "...", "resolved"?: "..."}],
     "subject_spans": [{"start": 0, "end": 5}]}                       # optional

Fields beyond these (T-REx's `facts`, a crawler's metadata) are ignored, so existing corpora load
unchanged; the fields that are read are validated, and a bad line stops the read with an
`InputError` naming the file, line and record id. Unlike dump paragraphs, corpus records are taken
as the unit the author chose: no length filter unless a `ParagraphConfig` is passed.
"""
from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import orjson
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from kg2instruction.errors import InputError
from kg2instruction.storage.inputs import input_path
from kg2instruction.sources.chinese import simplify_with_spans
from kg2instruction.sources.compressed import open_binary
from kg2instruction.sources.paragraph_length import fit_to_length
from kg2instruction.sources.paragraph_rows import ResolvedLink, chunk_rows
from kg2instruction.sources.paragraphs import ParagraphConfig
from kg2instruction.sources.wiki_titles import normalize_title


class CorpusLink(BaseModel):
    model_config = ConfigDict(extra="ignore")

    start: int = Field(ge=0)
    end: int = Field(ge=0)
    target: str = Field(min_length=1)
    anchor: str | None = None
    resolved: str | None = None


class CorpusSpan(BaseModel):
    model_config = ConfigDict(extra="ignore")

    start: int = Field(ge=0)
    end: int = Field(ge=0)


class CorpusRecord(BaseModel):
    model_config = ConfigDict(extra="ignore")

    id: str = Field(min_length=1)
    lang: str = Field(min_length=2)
    text: str
    title: str | None = None
    page_qid: str | None = Field(None, pattern=r"^Q[1-9][0-9]*$")
    page_id: str | None = None
    section: str = ""
    links: list[CorpusLink] = Field(default_factory=list)
    subject_spans: list[CorpusSpan] = Field(default_factory=list)

    @model_validator(mode="after")
    def _spans_inside_text(self) -> "CorpusRecord":
        for kind, spans in (("link", self.links), ("subject span", self.subject_spans)):
            for span in spans:
                if not span.start < span.end <= len(self.text):
                    raise ValueError(f"{kind} [{span.start}, {span.end}) is not inside the text "
                                     f"(length {len(self.text)})")
        for link in self.links:
            if link.anchor is not None and self.text[link.start:link.end] != link.anchor:
                raise ValueError(f"link anchor {link.anchor!r} != text[{link.start}:{link.end}] "
                                 f"{self.text[link.start:link.end]!r}")
        return self


def _parse_line(raw: bytes, path: Path, line: int) -> CorpusRecord:
    try:
        data = orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        raise InputError(path, f"not valid JSON ({exc})", line=line) from None
    if not isinstance(data, dict):
        raise InputError(path, f"expected a JSON object, found {type(data).__name__}", line=line)
    try:
        return CorpusRecord.model_validate(data)
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(str(p) for p in err['loc']) or 'record'}: {err['msg']}"
                             for err in exc.errors())
        record = data.get("id") if isinstance(data.get("id"), str) else None
        raise InputError(path, f"invalid corpus record: {problems}", line=line, record=record) from None


def _rows_of(record: CorpusRecord, index: int, source: str,
             config: ParagraphConfig | None) -> list[dict[str, Any]]:
    text = record.text
    links = [(l.start, l.end) for l in record.links]
    subject = [(s.start, s.end) for s in record.subject_spans]
    if record.lang.startswith("zh"):
        text, moved = simplify_with_spans(text, links + subject)
        links, subject = moved[:len(links)], moved[len(links):]
    chunks = [(0, len(text))] if config is None else fit_to_length(
        text, links, config.min_tokens, config.max_tokens, config.long_paragraphs)
    resolved_links = []
    for link, (start, end) in zip(record.links, links):
        target = normalize_title(link.target)
        resolved_links.append(ResolvedLink(start, end, target, link.resolved or target))
    columns = {"page_id": _page_key(record), "rev_id": None, "lang": record.lang, "title": record.title or "",
               "page_qid": record.page_qid, "section": record.section, "source": source}
    return chunk_rows(text, resolved_links, subject, chunks, first_index=index, page_columns=columns,
                      paragraph_id=lambda _, number: record.id if len(chunks) == 1 else f"{record.id}:{number}")


def _page_key(record: CorpusRecord) -> str:
    return record.page_id or record.page_qid or record.title or record.id


def read_corpus_jsonl(path: str | Path, config: ParagraphConfig | None = None,
                      source: str | None = None, *, limit: int | None = None,
                      lang: str | None = None) -> Iterator[dict[str, Any]]:
    """PARAGRAPHS rows of a JSONL corpus, in file order (`limit`: stop after that many records).

    `lang`: the language the pipeline declares for the file (its `lang:`); a record in another
    language is an `InputError` naming the line, the record and both languages, since its shards
    are named after the declared one.

    `index` counts a page's records in file order (page = `page_id`, else `page_qid`, else
    `title`, else the record itself), so it is stable for a given file.
    """
    path = input_path(path)
    source = source or path.name
    seen_per_page: dict[str, int] = {}
    records = 0
    with open_binary(path) as stream:
        for line_number, raw in enumerate(stream, start=1):
            if not raw.strip():
                continue
            if limit is not None and records >= limit:
                break
            record = _parse_line(raw, path, line_number)
            if lang is not None and record.lang != lang:
                raise InputError(path, f"record language {record.lang!r} differs from the "
                                       f"source's lang: {lang!r} in the pipeline file",
                                 line=line_number, record=record.id)
            records += 1
            page_key = _page_key(record)
            index = seen_per_page.get(page_key, 0)
            rows = _rows_of(record, index, source, config)
            seen_per_page[page_key] = index + max(len(rows), 1)
            yield from rows
