"""Plain-text article extracts named by their page's QID -> rows of the PARAGRAPHS table.

Some Wikipedia text arrives without markup: an API `extracts` export, a CoDEx-style corpus, a
crawl saved as `<QID>.txt`. There are no hyperlinks and no bold subject span, but the page's
own entity is known exactly from the file name, which is worth more than a title lookup: the
mention stage repeats the subject's KG labels and aliases and searches the names of its KG
neighbours, and NER finds the rest.

Input: a `.zip` archive or a folder holding `<QID>.txt` files (UTF-8, in any sub-folder), and
optionally a `titles.tsv` beside them (`QID<TAB>title` per line, e.g. the article titles of a
zhwiki export). A page without a known title is titled by its QID. Pages are read in QID order,
so shards do not depend on how the archive was packed.

Paragraphs: each line is a paragraph of the extract, but lead sections are written in short
lines (zhwiki leads: median 100 characters, many under the 50-token minimum, often the defining
first sentence). A line shorter than `min_tokens` is therefore joined to the lines after it
(a trailing short line to the paragraph before it) before the usual length rule runs (long ones
cut at sentence ends). Lines are joined with nothing in unspaced scripts (Chinese, Japanese) and
with a space elsewhere. Chinese text is converted to simplified script, as dump paragraphs are.

A bad input stops the read with one `InputError` naming the archive and member: a `.txt` not
named by a QID, a QID given twice, text that is not UTF-8, a corrupt or empty archive, a
malformed titles line.
"""
from __future__ import annotations

import re
import zipfile
from collections import Counter
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

from kg2instruction.errors import InputError
from kg2instruction.storage.inputs import RemotePath, input_path
from kg2instruction.kg.protocol import qid_number
from kg2instruction.sources.paragraph_length import count_tokens, fit_to_length
from kg2instruction.sources.paragraph_rows import chunk_rows
from kg2instruction.sources.paragraphs import ParagraphConfig
from kg2instruction.text.normalize import is_unspaced, to_simplified

TITLES_FILE = "titles.tsv"
_QID_FILE = re.compile(r"^(Q[1-9][0-9]*)\.txt$")


@dataclass(frozen=True)
class Extract:
    """One article: its QID, the member it came from, its text."""

    qid: str
    member: str
    text: str


def _skipped(name: str) -> bool:
    """Members no reader means: folders, hidden files, macOS resource forks, licence notes."""
    parts = PurePosixPath(name).parts
    return (name.endswith("/") or any(p.startswith(".") or p == "__MACOSX" for p in parts)
            or PurePosixPath(name).suffix.lower() in ("", ".md", ".license")
            or PurePosixPath(name).stem.upper() in ("LICENSE", "README", "SOURCE"))


class _Archive:
    """The members of a zip archive or a folder, by relative POSIX name."""

    def __init__(self, path: Path | RemotePath) -> None:
        self.path = path
        self._zip: zipfile.ZipFile | None = None
        self._remote = None
        if path.is_dir():
            self.names = (path.members() if isinstance(path, RemotePath) else
                          sorted(p.relative_to(path).as_posix() for p in path.rglob("*")
                                 if p.is_file()))
            return
        try:
            # a URL: fsspec's seekable file, from which zipfile reads the central directory
            self._remote = path.open("rb") if isinstance(path, RemotePath) else None
            self._zip = zipfile.ZipFile(path if self._remote is None else self._remote)
        except FileNotFoundError:
            raise InputError(path, "file not found") from None
        except (zipfile.BadZipFile, OSError) as exc:
            raise InputError(path, f"not a readable zip archive of <QID>.txt extracts ({exc})") from None
        self.names = [i.filename for i in self._zip.infolist() if not i.is_dir()]

    def read(self, name: str) -> bytes:
        if self._zip is None:
            if isinstance(self.path, RemotePath):
                return self.path.read_member(name)
            return (self.path / name).read_bytes()
        try:
            return self._zip.read(name)
        except (zipfile.BadZipFile, OSError, EOFError) as exc:   # a corrupt member
            raise InputError(self.path, f"member {name!r} cannot be read ({exc})") from None

    def close(self) -> None:
        if self._zip is not None:
            self._zip.close()
        if self._remote is not None:
            self._remote.close()


def _decode(archive: _Archive, name: str) -> str:
    try:
        return archive.read(name).decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputError(archive.path, f"member {name!r} is not UTF-8 text "
                                       f"(byte {exc.start})") from None


def _parse_titles(archive: _Archive, name: str) -> dict[str, str]:
    titles: dict[str, str] = {}
    for number, line in enumerate(_decode(archive, name).splitlines(), start=1):
        if not line.strip():
            continue
        qid, sep, title = line.partition("\t")
        if not sep or not re.fullmatch(r"Q[1-9][0-9]*", qid) or not title.strip():
            raise InputError(archive.path, f"member {name!r}: expected 'QID<TAB>title', found "
                                           f"{line[:60]!r}", line=number)
        titles[qid] = title.strip()
    return titles


def iter_extracts(path: str | Path) -> tuple[list[Extract], dict[str, str]]:
    """Every extract of an archive or folder (in QID order) and the titles it ships."""
    path = input_path(path)
    archive = _Archive(path)
    try:
        found: dict[str, Extract] = {}
        titles: dict[str, str] = {}
        for name in archive.names:
            base = PurePosixPath(name).name
            if base == TITLES_FILE:
                titles.update(_parse_titles(archive, name))
                continue
            if _skipped(name):
                continue
            match = _QID_FILE.match(base)
            if match is None:
                raise InputError(path, f"member {name!r}: expected a file named <QID>.txt "
                                       "(e.g. Q42.txt), one per article")
            qid = match.group(1)
            if qid in found:
                raise InputError(path, f"member {name!r}: {qid} is also {found[qid].member!r}; "
                                       "one extract per article")
            found[qid] = Extract(qid, name, _decode(archive, name))
        if not found:
            raise InputError(path, "no <QID>.txt extracts found (expected one UTF-8 text file per "
                                   "article, named by its Wikidata QID)")
    finally:
        archive.close()
    return [found[q] for q in sorted(found, key=qid_number)], titles


def paragraph_texts(text: str, lang: str, min_tokens: int) -> list[str]:
    """The extract's lines, short ones joined to their neighbours (see the module docstring)."""
    glue = "" if is_unspaced(lang) else " "
    lines = [" ".join(line.split()) for line in text.splitlines()]
    lines = [line for line in lines if line]
    out: list[str] = []
    pending = ""
    for line in lines:
        pending = f"{pending}{glue}{line}" if pending else line
        if count_tokens(pending) >= min_tokens:
            out.append(pending)
            pending = ""
    if pending:
        if out:
            out[-1] = f"{out[-1]}{glue}{pending}"
        else:
            out.append(pending)
    return out


def read_extracts(path: str | Path, lang: str, config: ParagraphConfig | None = None,
                  source: str | None = None, *, titles: Mapping[str, str] | None = None,
                  funnel: Counter[str] | None = None) -> Iterator[list[dict[str, Any]]]:
    """PARAGRAPHS rows of each article in turn (one list per article, possibly empty).

    `titles` (QID -> title) adds to, and wins over, the archive's own `titles.tsv`.
    """
    path = input_path(path)
    config = config or ParagraphConfig()
    source = source or path.name
    funnel = funnel if funnel is not None else Counter()
    extracts, shipped = iter_extracts(path)
    known = {**shipped, **(titles or {})}
    simplified = lang.startswith("zh")
    for extract in extracts:
        funnel["pages"] += 1
        title = known.get(extract.qid) or extract.qid
        rows: list[dict[str, Any]] = []
        columns = {"page_id": extract.qid, "rev_id": None, "lang": lang, "title": title,
                   "page_qid": extract.qid, "section": "", "source": source}
        for text in paragraph_texts(extract.text, lang, config.min_tokens):
            funnel["paragraphs_rendered"] += 1
            if simplified:
                text = to_simplified(text)
            chunks = fit_to_length(text, [], config.min_tokens, config.max_tokens,
                                   config.long_paragraphs)
            if not chunks:
                too_short = count_tokens(text) < config.min_tokens
                funnel["paragraphs_dropped_too_short" if too_short else "paragraphs_dropped_too_long"] += 1
                continue
            if len(chunks) > 1 or chunks[0] != (0, len(text)):
                funnel["paragraphs_split"] += 1
            rows += chunk_rows(text, [], [], chunks, first_index=len(rows), page_columns=columns,
                               paragraph_id=lambda index, _: f"{lang}:{extract.qid}:{index}")
        funnel["paragraphs"] += len(rows)
        yield rows
