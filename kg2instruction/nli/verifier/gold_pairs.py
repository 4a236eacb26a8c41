"""Relation-verification pairs from human gold: KnowledgeNet passages and Re-DocRED documents.

The T-REx pairs the verifier first trained on have synthetic negatives (a KG fact the sentence
is merely assumed not to state), and a model that separates those well still confuses the real
cases the pipeline meets. Here both classes come from people: a positive is a fact an annotator
marked in the text, a negative is a pair of real co-occurring mentions for which the annotation,
exhaustive for that property or revised for completeness, records no such fact.

KnowledgeNet (passages exhaustively annotated per property; README of tests/fixtures/gold):
- positive: an annotated fact, premise = the sentence(s) holding both mentions;
- `other_property`: the same mention pair with another property the passage was annotated for,
  of the same subject/object kinds, and no fact of it between those entities;
- `wrong_tail`: the fact's property with another annotated mention of the passage, of the
  object's kind, as object (the passage is exhaustive for that property);
- `reversed`: a fact of an asymmetric property between two entities of one kind read the other
  way round (the child as the parent, the parent company as the subsidiary).
Re-DocRED (document-level facts with evidence sentences):
- positive: a fact with its evidence sentences as the premise;
- `unstated_sentence`: the same fact against a sentence mentioning both entities that is
  evidence for no fact between them;
- `no_relation`: two entities of one sentence with no fact between them, given a relation one of
  them has elsewhere in the document with an entity of the other's type.

A pair keeps the claim's own orientation (`head` is the Wikidata subject, [X] of a template),
the surfaces the text uses (pronouns included), and its document id as `group` for splitting.
"""
from __future__ import annotations

import gzip
import random
import re
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Literal

import orjson

from kg2instruction.errors import InputError
from kg2instruction.nli.hypotheses import fill_template

from kg2instruction.nli.premise import extract_premise


@dataclass(frozen=True)
class VerificationPair:
    """A claim (pid, head, tail) to verify against a premise; label 1 = the premise states it."""

    premise: str
    head: str
    tail: str
    pid: str
    label: int
    source: str        # "knowledgenet" | "redocred"
    kind: str          # "positive" or the negative kind
    group: str         # document id: pairs of one document stay on one side of a split


_OBJECTIVE = {"He": "him", "She": "her", "It": "it", "They": "them"}


def hypothesis(pair: VerificationPair, template: str) -> str:
    """The pair's claim in words, [X] = head, [Y] = tail; a pronoun end is written in the case
    its place asks for ("[Y] is a child of [X]" with [X] = "She" reads "... a child of her")."""
    stripped = template.lstrip()

    def cased(mention: str, placeholder: str) -> str:
        if mention in _OBJECTIVE and not stripped.startswith(placeholder):
            return _OBJECTIVE[mention]
        return mention

    return fill_template(template, cased(pair.head, "[X]"), cased(pair.tail, "[Y]"))


def consistent(pairs: Iterable[VerificationPair]) -> list[VerificationPair]:
    """Duplicates dropped, and a negative dropped when the same claim on the same premise is
    also a positive (another mention pair of the same fact)."""
    positives = {(p.premise, p.head, p.tail, p.pid) for p in pairs if p.label == 1}
    seen: set[tuple] = set()
    out = []
    for pair in pairs:
        key = (pair.premise, pair.head, pair.tail, pair.pid, pair.label)
        if key in seen or (pair.label == 0 and key[:4] in positives):
            continue
        seen.add(key)
        out.append(pair)
    return out


@lru_cache(maxsize=8)
def _read_once(reader, path: str, mtime_ns: int, size: int):
    return reader(path)


def _cached(reader, path: str | Path):
    """A gold file parsed once per process (splits of one file read it several times); the
    cache key includes the file's mtime and size, so an edited file is read again."""
    resolved = Path(path).resolve()
    stat = resolved.stat()
    return _read_once(reader, str(resolved), stat.st_mtime_ns, stat.st_size)


# ---------------------------------------------------------------- KnowledgeNet

Kind = Literal["PER", "ORG", "LOC", "NAT", "DATE"]   # NAT: a nationality (country or demonym)


@dataclass(frozen=True)
class KnProperty:
    """A KnowledgeNet property as a Wikidata claim: its P-id, whether the KN subject is the
    claim's object (CHILD_OF = P40 read backwards), and the kinds of the KN subject/object."""

    pid: str
    reversed: bool
    subject_kind: Kind
    object_kind: Kind
    symmetric: bool = False


# EMPLOYEE_OR_MEMBER_OF is P108 or P463; KnowledgeNet does not say which, and employment is the
# common case in its passages, so it is verified as P108. SUBSIDIARY_OF is P749 read forwards.
KN_PROPERTIES: dict[str, KnProperty] = {
    "DATE_OF_BIRTH": KnProperty("P569", False, "PER", "DATE"),
    "DATE_OF_DEATH": KnProperty("P570", False, "PER", "DATE"),
    "PLACE_OF_BIRTH": KnProperty("P19", False, "PER", "LOC"),
    "PLACE_OF_RESIDENCE": KnProperty("P551", False, "PER", "LOC"),
    "NATIONALITY": KnProperty("P27", False, "PER", "NAT"),
    "EMPLOYEE_OR_MEMBER_OF": KnProperty("P108", False, "PER", "ORG"),
    "EDUCATED_AT": KnProperty("P69", False, "PER", "ORG"),
    "POLITICAL_AFFILIATION": KnProperty("P102", False, "PER", "ORG"),
    "CHILD_OF": KnProperty("P40", True, "PER", "PER"),
    "SPOUSE": KnProperty("P26", False, "PER", "PER", symmetric=True),
    "DATE_FOUNDED": KnProperty("P571", False, "ORG", "DATE"),
    "HEADQUARTERS": KnProperty("P159", False, "ORG", "LOC"),
    "SUBSIDIARY_OF": KnProperty("P749", False, "ORG", "ORG"),
    "FOUNDED_BY": KnProperty("P112", False, "ORG", "PER"),
    "CEO": KnProperty("P169", False, "ORG", "PER"),
}

# Pronouns stand for a named entity the passage names elsewhere: they are real subjects, read as
# the nominative form so the hypothesis is a sentence ("his" -> "He was born in ...").
_NOMINATIVE = {"he": "He", "him": "He", "his": "He", "she": "She", "her": "She", "it": "It",
               "its": "It", "they": "They", "them": "They", "their": "They"}
# Relative, first-person and reflexive pronouns make no claim sentence; such mentions are skipped.
_UNUSABLE = {"who", "whom", "whose", "which", "that", "where", "i", "me", "my", "we", "us", "our",
             "himself", "herself", "itself", "themselves", "myself", "ourselves"}


@dataclass(frozen=True)
class KnMention:
    start: int          # offsets into the passage text
    end: int
    text: str
    qid: str | None

    @property
    def pronoun(self) -> bool:
        return self.text.lower() in _NOMINATIVE or self.text.lower() in _UNUSABLE

    def surface(self) -> str | None:
        """How the mention is written in a hypothesis; None when it cannot be."""
        lowered = self.text.lower()
        if lowered in _UNUSABLE:
            return None
        return _NOMINATIVE.get(lowered, self.text)


@dataclass(frozen=True)
class KnFact:
    prop: str
    subject: KnMention
    object: KnMention


@dataclass
class KnPassage:
    document: str
    fold: int
    text: str
    properties: set[str]            # annotated exhaustively for these
    facts: list[KnFact]


def could_be_same(a: KnMention, b: KnMention) -> bool:
    """Whether two mentions may name one entity: the conservative side of coreference, so a
    negative is built only where the annotation rules the fact out."""
    if (a.start, a.end) == (b.start, b.end) or a.pronoun or b.pronoun:
        return True
    if a.qid and b.qid:
        return a.qid == b.qid
    x, y = a.text.casefold(), b.text.casefold()
    return x in y or y in x


def _mention(row: dict, role: str, offset: int, path: Path, line: int) -> KnMention:
    start, end = row[f"{role}Start"] - offset, row[f"{role}End"] - offset
    text = row[f"{role}Text"]
    if row["passageText"][start:end] != text:
        raise InputError(str(path), f"{role} span {start}..{end} does not hold {text!r}",
                         line=line)
    return KnMention(start, end, text, row.get(f"{role}Qid"))


def read_knowledgenet(path: str | Path) -> list[KnPassage]:
    """One KnPassage per (document, passage) of a folds JSONL (one row per passage x property x
    fact; a row with null spans marks a property annotated with no fact)."""
    path = Path(path)
    passages: dict[tuple[str, int], KnPassage] = {}
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rt", encoding="utf-8") as handle:
        for line, raw in enumerate(handle, start=1):
            if not raw.strip():
                continue
            try:
                row = orjson.loads(raw)
                key = (str(row["documentId"]), int(row["passageStart"]))
                prop = row["property"]
                passage = passages.setdefault(key, KnPassage(
                    key[0], int(row["fold"]), row["passageText"], set(), []))
            except (orjson.JSONDecodeError, KeyError, TypeError, ValueError) as exc:
                raise InputError(str(path), f"expected a KnowledgeNet row (fold, documentId, "
                                            f"passageStart, passageText, property, ...): {exc!r}",
                                 line=line) from None
            if prop not in KN_PROPERTIES:
                raise InputError(str(path), f"unknown KnowledgeNet property {prop!r}", line=line)
            passage.properties.add(prop)
            if row.get("subjectStart") is not None:
                offset = key[1]
                passage.facts.append(KnFact(prop, _mention(row, "subject", offset, path, line),
                                            _mention(row, "object", offset, path, line)))
    return list(passages.values())


def _mention_kinds(passage: KnPassage) -> dict[KnMention, set[str]]:
    kinds: dict[KnMention, set[str]] = defaultdict(set)
    for fact in passage.facts:
        prop = KN_PROPERTIES[fact.prop]
        kinds[fact.subject].add(prop.subject_kind)
        kinds[fact.object].add(prop.object_kind)
    return kinds


def _has_fact(passage: KnPassage, prop: str, subject: KnMention, obj: KnMention) -> bool:
    """Whether the passage may hold `prop` between these entities (coreference read broadly)."""
    symmetric = KN_PROPERTIES[prop].symmetric
    for fact in passage.facts:
        if fact.prop != prop:
            continue
        if could_be_same(fact.subject, subject) and could_be_same(fact.object, obj):
            return True
        if symmetric and could_be_same(fact.subject, obj) and could_be_same(fact.object, subject):
            return True
    return False


def _sentence_premise(text: str, mentions: Sequence[KnMention]) -> str:
    """The sentence(s) from the first mention's to the last mention's, cut as the NLI stage
    cuts its premises (kg2instruction.text.sentences)."""
    return extract_premise(text, "en", [(m.start, m.end) for m in mentions])


def _kn_pair(passage: KnPassage, prop: str, subject: KnMention, obj: KnMention, label: int,
             kind: str) -> VerificationPair | None:
    """The claim in Wikidata orientation, or None when a mention cannot be written."""
    spec = KN_PROPERTIES[prop]
    head, tail = (obj, subject) if spec.reversed else (subject, obj)
    head_surface, tail_surface = head.surface(), tail.surface()
    if head_surface is None or tail_surface is None or tail.pronoun and head.pronoun:
        return None
    premise = _sentence_premise(passage.text, (subject, obj))
    return VerificationPair(premise, head_surface, tail_surface, spec.pid, label,
                            "knowledgenet", kind, f"kn:{passage.document}")


def passage_pairs(passage: KnPassage) -> list[VerificationPair]:
    """Positives and both kinds of negatives of one passage."""
    kinds = _mention_kinds(passage)
    mentions = sorted(kinds, key=lambda m: (m.start, m.end))
    pairs: list[VerificationPair | None] = []
    for fact in passage.facts:
        spec = KN_PROPERTIES[fact.prop]
        pairs.append(_kn_pair(passage, fact.prop, fact.subject, fact.object, 1, "positive"))
        for other in sorted(passage.properties - {fact.prop}):
            other_spec = KN_PROPERTIES[other]
            if (other_spec.subject_kind, other_spec.object_kind) == \
                    (spec.subject_kind, spec.object_kind) \
                    and not _has_fact(passage, other, fact.subject, fact.object):
                pairs.append(_kn_pair(passage, other, fact.subject, fact.object, 0,
                                      "other_property"))
        if spec.subject_kind == spec.object_kind and not spec.symmetric \
                and not _has_fact(passage, fact.prop, fact.object, fact.subject):
            pairs.append(_kn_pair(passage, fact.prop, fact.object, fact.subject, 0, "reversed"))
        for mention in mentions:
            if spec.object_kind in kinds[mention] and not mention.pronoun \
                    and not could_be_same(mention, fact.object) \
                    and not could_be_same(mention, fact.subject) \
                    and not _has_fact(passage, fact.prop, fact.subject, mention):
                pairs.append(_kn_pair(passage, fact.prop, fact.subject, mention, 0, "wrong_tail"))
    return [pair for pair in pairs if pair is not None]


def knowledgenet_pairs(path: str | Path, folds: set[int]) -> list[VerificationPair]:
    """Pairs of the passages of `folds` (KnowledgeNet folds are disjoint by document)."""
    return consistent([pair for passage in _cached(read_knowledgenet, path)
                       if passage.fold in folds for pair in passage_pairs(passage)])


# ---------------------------------------------------------------- Re-DocRED

_NO_SPACE_BEFORE = {",", ".", ";", ":", "!", "?", ")", "]", "}", "%", "'s", "'", "n't", "'re",
                    "'ve", "'ll", "'d", "'m", "-"}
_NO_SPACE_AFTER = {"(", "[", "{", "$", "-"}


def detokenize(tokens: Sequence[str]) -> tuple[str, list[tuple[int, int]]]:
    """Readable text from Re-DocRED tokens and each token's (start, end) in it: NLI models read
    prose, and "born 13 March 1963 ( Mediaș )" is not how prose is written. Straight double
    quotes alternate between opening and closing."""
    parts: list[str] = []
    spans: list[tuple[int, int]] = []
    length = 0
    quote_open = False
    previous_opens = True          # no space before the first token
    for token in tokens:
        if token == '"':
            opens = not quote_open
            quote_open = opens
        else:
            opens = token in _NO_SPACE_AFTER
        closes = token in _NO_SPACE_BEFORE or (token == '"' and not opens)
        if not previous_opens and not closes:
            parts.append(" ")
            length += 1
        spans.append((length, length + len(token)))
        parts.append(token)
        length += len(token)
        previous_opens = opens
    return "".join(parts), spans


@dataclass(frozen=True)
class DocSentence:
    text: str
    token_spans: list[tuple[int, int]]

    def span(self, start_token: int, end_token: int) -> tuple[int, int]:
        """Character offsets of tokens [start_token, end_token)."""
        return self.token_spans[start_token][0], self.token_spans[end_token - 1][1]


@dataclass
class DocredDocument:
    index: int
    title: str
    sentences: list[DocSentence]
    entity_types: list[str]
    mentions: list[dict[int, tuple[int, int]]]   # entity -> sentence -> its first span there
    facts: list[tuple[int, str, int, tuple[int, ...]]]   # (head, pid, tail, evidence)

    def surface(self, entity: int, sentence: int) -> str:
        start, end = self.mentions[entity][sentence]
        return self.sentences[sentence].text[start:end]

    def juxtaposed(self, first: int, second: int, sentence: int) -> bool:
        """Whether the two entities' mentions in the sentence touch or are separated only by a
        comma or bracket ("Vancouver, British Columbia"): English writes containment, an
        apposition or an alias that way without a verb, so no such pair is a safe negative."""
        (a_start, a_end), (b_start, b_end) = sorted((self.mentions[first][sentence],
                                                     self.mentions[second][sentence]))
        return self.sentences[sentence].text[a_end:b_start].strip() in ("", ",", "(", "-", "–")


def read_redocred(path: str | Path) -> list[DocredDocument]:
    """Documents of a (Re-)DocRED JSON file (optionally gzipped)."""
    path = Path(path)
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rb") as handle:
        try:
            raw = orjson.loads(handle.read())
        except orjson.JSONDecodeError as exc:
            raise InputError(str(path), f"not JSON: {exc}") from None
    documents = []
    for index, doc in enumerate(raw):
        try:
            sentences = [DocSentence(*detokenize(tokens)) for tokens in doc["sents"]]
            mentions: list[dict[int, tuple[int, int]]] = []
            for entity in doc["vertexSet"]:
                by_sentence: dict[int, tuple[int, int]] = {}
                for mention in sorted(entity, key=lambda m: (m["sent_id"], m["pos"][0])):
                    sentence = sentences[mention["sent_id"]]
                    by_sentence.setdefault(mention["sent_id"], sentence.span(*mention["pos"]))
                mentions.append(by_sentence)
            facts = [(label["h"], label["r"], label["t"], tuple(sorted(label["evidence"])))
                     for label in doc.get("labels", [])]
            documents.append(DocredDocument(index, doc["title"], sentences,
                                            [entity[0]["type"] for entity in doc["vertexSet"]],
                                            mentions, facts))
        except (KeyError, IndexError, TypeError) as exc:
            raise InputError(str(path), f"document {index}: expected title, sents, vertexSet "
                                        f"and labels [{{h, r, t, evidence}}]: {exc!r}") from None
    return documents


def _docred_pair(doc: DocredDocument, sentence_ids: Sequence[int], head: int, pid: str, tail: int,
                 label: int, kind: str) -> VerificationPair | None:
    """The claim against the given sentences; the surfaces are each entity's first mention in
    them (None when an entity has none: the premise would not name it)."""
    head_at = [s for s in sentence_ids if s in doc.mentions[head]]
    tail_at = [s for s in sentence_ids if s in doc.mentions[tail]]
    if not head_at or not tail_at:
        return None
    head_surface, tail_surface = doc.surface(head, head_at[0]), doc.surface(tail, tail_at[0])
    if head_surface == tail_surface:
        return None
    premise = " ".join(doc.sentences[s].text for s in sentence_ids)
    return VerificationPair(premise, head_surface, tail_surface, pid, label, "redocred", kind,
                            f"redocred:{doc.index}")


def document_pairs(doc: DocredDocument) -> list[VerificationPair]:
    """Positives and both kinds of negatives of one document."""
    related: dict[frozenset[int], set[int]] = defaultdict(set)   # pair -> evidence sentences
    any_fact: set[frozenset[int]] = set()
    for head, _, tail, evidence in doc.facts:
        any_fact.add(frozenset((head, tail)))
        related[frozenset((head, tail))].update(evidence)
    pairs: list[VerificationPair | None] = []
    for head, pid, tail, evidence in doc.facts:
        if not evidence:          # added by the revision without evidence: no premise to show
            continue
        pairs.append(_docred_pair(doc, evidence, head, pid, tail, 1, "positive"))
        shared = set(doc.mentions[head]) & set(doc.mentions[tail])
        for sentence in sorted(shared - related[frozenset((head, tail))]):
            pairs.append(_docred_pair(doc, [sentence], head, pid, tail, 0, "unstated_sentence"))
    pairs += _unrelated_pairs(doc, any_fact)
    return [pair for pair in pairs if pair is not None]


UNRELATED_PER_SENTENCE = 3


def _unrelated_pairs(doc: DocredDocument, any_fact: set[frozenset[int]]
                     ) -> list[VerificationPair | None]:
    """Entities of one sentence with no fact between them, each given one relation that one of
    them has elsewhere in the document with an entity of the other's type. At most
    `UNRELATED_PER_SENTENCE` per sentence (seeded per title), so that the long lists some
    sentences hold do not make up most of the negatives."""
    as_head: dict[int, list[tuple[str, str]]] = defaultdict(list)   # entity -> (pid, tail type)
    as_tail: dict[int, list[tuple[str, str]]] = defaultdict(list)   # entity -> (pid, head type)
    for head, pid, tail, _ in doc.facts:
        as_head[head].append((pid, doc.entity_types[tail]))
        as_tail[tail].append((pid, doc.entity_types[head]))
    rng = random.Random(doc.title)
    pairs: list[VerificationPair | None] = []
    for sentence in range(len(doc.sentences)):
        present = [e for e, by_sentence in enumerate(doc.mentions) if sentence in by_sentence]
        candidates = []
        for head in present:
            for tail in present:
                if head == tail or frozenset((head, tail)) in any_fact \
                        or doc.juxtaposed(head, tail, sentence):
                    continue
                options = sorted({pid for pid, kind in as_head[head]
                                  if kind == doc.entity_types[tail]}
                                 | {pid for pid, kind in as_tail[tail]
                                    if kind == doc.entity_types[head]})
                if options:
                    candidates.append((head, tail, options))
        for head, tail, options in rng.sample(candidates, min(len(candidates),
                                                              UNRELATED_PER_SENTENCE)):
            pairs.append(_docred_pair(doc, [sentence], head, rng.choice(options), tail, 0,
                                      "no_relation"))
    return pairs


def redocred_pairs(path: str | Path, part: Literal["even", "odd", "all"], *, every: int = 1,
                   offset: int = 0) -> list[VerificationPair]:
    """Pairs of the documents whose index in the file has the given parity (or all); of those,
    every `every`-th one starting at `offset` (a dev slice carved from the training part)."""
    if part not in ("even", "odd", "all"):
        raise ValueError(f"part must be even, odd or all, not {part!r}")
    parity = {"even": 0, "odd": 1}.get(part)

    def taken(index: int) -> bool:
        if parity is None:
            return index % every == offset
        return index % 2 == parity and (index // 2) % every == offset

    return consistent([pair for doc in _cached(read_redocred, path) if taken(doc.index)
                       for pair in document_pairs(doc)])


def by_kind(pairs: Iterable[VerificationPair]) -> Mapping[str, int]:
    counts: dict[str, int] = defaultdict(int)
    for pair in pairs:
        counts[pair.kind] += 1
    return dict(counts)
