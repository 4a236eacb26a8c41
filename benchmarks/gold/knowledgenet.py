"""KnowledgeNet gold (tests/fixtures/gold/knowledgenet/): passages, their annotated properties and
facts, and the Wikidata reading of each property.

A passage is exhaustively annotated for some properties only: a row with null spans says "this
passage states no fact of this property". That is what makes precision measurable: a published
triple whose property the passage was annotated for is either one of its facts or unstated. Spans
in the file are document offsets; here they are passage offsets, so they index the text the chain
reads. The file gives no page entity: it is derived (`page_subject`) as the QID annotated most often
as a subject across the document, the way Wikipedia's sitelink would name the article's entity.
"""
from __future__ import annotations

import gzip
import json
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from kg2instruction.errors import InputError

# KnowledgeNet property -> the Wikidata P-ids that state it, and whether a claim of that P-id is
# written the other way round (KG head = KnowledgeNet object). The first P-id is the one a KN fact
# is written into the benchmark KG as (EMPLOYEE_OR_MEMBER_OF: see `kg_pid_for_membership`).
PROPERTY_PIDS: dict[str, tuple[tuple[str, bool], ...]] = {
    "DATE_OF_BIRTH": (("P569", False),),
    "DATE_OF_DEATH": (("P570", False),),
    "PLACE_OF_BIRTH": (("P19", False),),
    "PLACE_OF_RESIDENCE": (("P551", False),),
    "NATIONALITY": (("P27", False),),
    "EMPLOYEE_OR_MEMBER_OF": (("P108", False), ("P463", False)),
    "EDUCATED_AT": (("P69", False),),
    "POLITICAL_AFFILIATION": (("P102", False),),
    "CHILD_OF": (("P40", True),),
    "SPOUSE": (("P26", False),),
    "DATE_FOUNDED": (("P571", False),),
    "HEADQUARTERS": (("P159", False),),
    "SUBSIDIARY_OF": (("P749", False), ("P355", True)),
    "FOUNDED_BY": (("P112", False),),
    "CEO": (("P169", False),),
}
PROPERTY_OF_PID: dict[str, tuple[str, bool]] = {
    pid: (prop, reversed_) for prop, pids in PROPERTY_PIDS.items() for pid, reversed_ in pids}
SYMMETRIC_PROPERTIES = frozenset({"SPOUSE"})

# Words annotators link to an entity that are no name of it (coreference, not naming).
_NOT_NAMES = frozenset({
    "he", "she", "it", "they", "his", "her", "hers", "its", "their", "him", "them", "which",
    "who", "whom", "whose", "that", "this", "these", "those", "i", "we", "our", "my", "me", "us",
    "you", "your"})


@dataclass(frozen=True)
class End:
    """One end of a fact: passage offsets, the annotated surface, the QID when linked."""

    start: int
    end: int
    text: str
    qid: str | None

    def overlaps(self, start: int | None, end: int | None) -> bool:
        return start is not None and end is not None and start < self.end and self.start < end


@dataclass(frozen=True)
class Fact:
    """One annotated (subject, property, object) row of a passage."""

    passage_id: str
    prop: str
    subject: End
    object: End

    @property
    def linked(self) -> bool:
        """Both ends carry a QID (the facts the benchmark KG holds and recall is measured on)."""
        return self.subject.qid is not None and self.object.qid is not None

    @property
    def key(self) -> tuple[str, str, str, str] | None:
        """The fact as an entity-level claim (one per passage, whatever the number of mention
        pairs the annotator marked); None when an end is not linked."""
        if not self.linked:
            return None
        subject, obj = self.subject.qid, self.object.qid
        if self.prop in SYMMETRIC_PROPERTIES and obj < subject:   # type: ignore[operator]
            subject, obj = obj, subject
        return (self.passage_id, self.prop, subject, obj)   # type: ignore[return-value]


@dataclass
class Passage:
    """A passage (usually one sentence) with the properties it was annotated for."""

    passage_id: str
    document_id: str
    fold: int
    start: int
    text: str
    properties: set[str] = field(default_factory=set)
    facts: list[Fact] = field(default_factory=list)


@dataclass
class Document:
    """A document's passages in text order and its page entity (derived, see `page_subject`)."""

    document_id: str
    passages: list[Passage]
    page_qid: str | None = None
    title: str = ""


def passage_id_of(document_id: str, passage_start: int) -> str:
    return f"kn-{document_id}-{passage_start}"


def _end(row: dict, which: str, passage_start: int) -> End:
    start, end = row[f"{which}Start"] - passage_start, row[f"{which}End"] - passage_start
    return End(start, end, row[f"{which}Text"] or "", row[f"{which}Qid"] or None)


def read_rows(path: Path) -> Iterator[dict]:
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rt", encoding="utf-8") as stream:
        for number, line in enumerate(stream, start=1):
            if not line.strip():
                continue
            try:
                row = json.loads(line)
                row["documentId"], row["passageStart"], row["property"], row["passageText"]
            except (json.JSONDecodeError, KeyError, TypeError) as exc:
                raise InputError(str(path), f"line {number}: not a KnowledgeNet row "
                                            f"(documentId, passageStart, property, passageText, "
                                            f"subject*/object*): {exc}") from None
            yield row


def load_documents(path: Path, folds: Iterable[int] | None = None) -> list[Document]:
    """Every document of the file (optionally only some folds), passages in text order."""
    wanted = set(folds) if folds is not None else None
    passages: dict[str, Passage] = {}
    for row in read_rows(path):
        if wanted is not None and row["fold"] not in wanted:
            continue
        if row["property"] not in PROPERTY_PIDS:
            raise InputError(str(path), f"document {row['documentId']}: unknown property "
                                        f"{row['property']!r}")
        pid = passage_id_of(row["documentId"], row["passageStart"])
        passage = passages.setdefault(pid, Passage(pid, row["documentId"], row["fold"],
                                                   row["passageStart"], row["passageText"]))
        passage.properties.add(row["property"])
        if row["subjectStart"] is not None and row["objectStart"] is not None:
            fact = Fact(pid, row["property"], _end(row, "subject", row["passageStart"]),
                        _end(row, "object", row["passageStart"]))
            if fact not in passage.facts:
                passage.facts.append(fact)
    documents: dict[str, Document] = {}
    for passage in sorted(passages.values(), key=lambda p: (p.document_id, p.start)):
        documents.setdefault(passage.document_id,
                             Document(passage.document_id, [])).passages.append(passage)
    names = names_by_qid(documents.values())
    for document in documents.values():
        document.page_qid = page_subject(document)
        if document.page_qid in names:
            document.title = best_name(names[document.page_qid])
        elif document.page_qid is None:
            document.title = _most_named_subject(document)
        # else: the page entity is only ever "he"/"she": no title (another subject's name would
        # make every mention of that person a repeat of the page entity)
    return sorted(documents.values(), key=lambda d: d.document_id)


def page_subject(document: Document) -> str | None:
    """The QID annotated most often as a subject across the document's facts (earliest on ties):
    what the article is about, which real Wikipedia gives through its sitelink."""
    counts: Counter[str] = Counter()
    first_seen: dict[str, int] = {}
    for passage in document.passages:
        for fact in passage.facts:
            qid = fact.subject.qid
            if qid:
                counts[qid] += 1
                first_seen.setdefault(qid, passage.start + fact.subject.start)
    if not counts:
        return None
    return min(counts, key=lambda q: (-counts[q], first_seen[q]))


def _most_named_subject(document: Document) -> str:
    """For a document whose subjects carry no QID: its most often annotated subject name."""
    names: Counter[str] = Counter(clean_name(f.subject.text) for p in document.passages
                                  for f in p.facts if is_name(f.subject.text))
    return best_name(names) if names else ""


def is_name(surface: str) -> bool:
    """An annotated surface that names its entity (not a pronoun or a lowercase description)."""
    text = surface.strip()
    return bool(text) and (text[0].isupper() or text[0].isdigit()) \
        and text.casefold() not in _NOT_NAMES


def clean_name(surface: str) -> str:
    """The surface without a possessive ending ("Health Management Associates'" -> without ')."""
    text = surface.strip()
    for ending in ("'s", "’s", "'", "’"):
        if text.endswith(ending):
            return text[: -len(ending)].rstrip()
    return text


def names_by_qid(documents: Iterable[Document]) -> dict[str, Counter[str]]:
    """Every name surface annotated for each QID, with counts."""
    names: dict[str, Counter[str]] = {}
    for document in documents:
        for passage in document.passages:
            for fact in passage.facts:
                for end in (fact.subject, fact.object):
                    if end.qid and is_name(end.text):
                        names.setdefault(end.qid, Counter())[clean_name(end.text)] += 1
    return names


def best_name(names: Counter[str]) -> str:
    """Most frequent surface, the longest on ties (a full name over a surname)."""
    return min(names, key=lambda n: (-names[n], -len(n), n))


Unit = Literal["document", "passage"]
PASSAGE_SEPARATOR = "\n"   # a line break always ends a sentence: no sentence spans two passages


@dataclass
class Layout:
    """Where each passage sits in the paragraph the chain reads (a passage, or its document's
    passages joined in text order)."""

    placed: dict[str, list[tuple[int, int, str]]] = field(default_factory=dict)

    def add(self, paragraph_id: str, start: int, end: int, passage_id: str) -> None:
        self.placed.setdefault(paragraph_id, []).append((start, end, passage_id))

    def locate(self, paragraph_id: str, position: int | None) -> tuple[str, int]:
        """(passage id, its offset in the paragraph) for a character position; the first
        passage when the position is unknown (an end without a span)."""
        spans = self.placed[paragraph_id]
        if position is not None:
            for start, end, passage_id in spans:
                if start <= position < end + len(PASSAGE_SEPARATOR):
                    return passage_id, start
        return spans[0][2], spans[0][0]

    def passages_of(self, paragraph_id: str) -> list[str]:
        return [p for _, _, p in self.placed.get(paragraph_id, [])]


def corpus_records(documents: Iterable[Document], unit: Unit, with_page_qid: bool = True,
                   titles: dict[str, str] | None = None) -> tuple[list[dict], Layout]:
    """JSONL corpus records the chain reads (page = document) and where each passage landed.

    `unit="passage"`: one record per passage. `unit="document"`: one per document, its passages
    joined, which gives what a Wikipedia paragraph gives and a lone passage lacks: the subject
    named in another sentence (so "He ..." can refer to it), and entities of other sentences
    that the evidence rule must not pair. The title is the page entity's KG label (`titles`),
    else its most frequent annotated name (empty when no mention names it); `with_page_qid=False`
    leaves the page QID out, as on a KG without sitelinks, where the chain resolves the title."""
    records: list[dict] = []
    layout = Layout()
    for document in documents:
        title = (titles or {}).get(document.page_qid or "", "") or document.title
        common = {"lang": "en", "title": title, "page_id": f"kn-{document.document_id}",
                  "page_qid": document.page_qid if with_page_qid else None}
        if unit == "passage":
            for passage in document.passages:
                records.append({"id": passage.passage_id, "text": passage.text, **common})
                layout.add(passage.passage_id, 0, len(passage.text), passage.passage_id)
            continue
        paragraph_id, offset, texts = f"kn-{document.document_id}", 0, []
        for passage in document.passages:
            layout.add(paragraph_id, offset, offset + len(passage.text), passage.passage_id)
            texts.append(passage.text)
            offset += len(passage.text) + len(PASSAGE_SEPARATOR)
        records.append({"id": paragraph_id, "text": PASSAGE_SEPARATOR.join(texts), **common})
    return records, layout
