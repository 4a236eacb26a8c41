"""Match relations: every KG fact a paragraph's linked mentions make visible.

Two kinds of evidence, both distant supervision (the NLI stage later checks the text states them):

- entity pairs: for every two distinct linked entities of a paragraph, every item-valued claim
  between them, either direction (`KnowledgeGraph.claims_between`, one batched call per shard);
- value claims: each linked entity's time and quantity claims, rendered the ways text writes them
  (`kg2instruction.values`) and found in the paragraph at the claim's precision or, for dates, a
  coarser one down to `coarsest_time_precision`. A found value keeps the text's own span and a
  normalised value at the precision the *text* states.

Evidence first (`kg2instruction.annotate.evidence`): a fact is a candidate only where one
sentence can state it, both ends written in it, or one end the page's subject that the sentence
refers to by a pronoun or description while the paragraph names it elsewhere. Every triple
carries its evidence span, which is what the verifier reads. `evidence: paragraph` restores the
older whole-paragraph pairing, for measuring what the restriction costs and buys.

Triples are emitted in the KG's orientation (`direction = "forward"`: head is the claim's
subject); the schema stage re-orients the theme's reversed P-ids. A fact whose entities are
named in several sentences is a candidate in each (up to `max_evidence_sentences`, the closest
pair of each sentence), since one sentence may say how they are related and another not; the
NLI split publishes one of them (`nli/label_choice.py`).

The page subject (`page_subject`): encyclopedia sentences often name the page's own entity in a
way no label lists, or not at all ("He was born in ..."). With `grounded` (the default), an
unlinked mention resembling the page title stands for the page entity when none of its mentions
is linked (`page_subject.ground_subject`; rule `subject_grounded`). With `implicit`, a paragraph
where even that fails lets the page entity match without a span: null offsets, the title as
surface, rule `implicit_subject` (instruction data needs spans, so the schema stage drops these
unless told otherwise; the T-REx benchmark reports recall with each setting). `linked` uses
linked mentions only.
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

import pydantic

from kg2instruction.annotate.evidence import (NO_EVIDENCE_COLUMNS, Evidence, EvidenceScope,
                                             Placed, ReferenceFinder, SubjectReferenceConfig,
                                             lead_sentences, pair_evidence, paragraph_evidence,
                                             subject_evidence, subject_nouns)
from kg2instruction.annotate.page_subject import (ground_subject, strip_disambiguator,
                                                  subject_repeats, subjects_from_mentions)
from kg2instruction.annotate.subject_descriptions import description_qids
from kg2instruction.kg.protocol import Claim, KnowledgeGraph, QuantityValue, TimeValue
from kg2instruction.values.quantity_forms import (QuantityForm, UnitNames, load_unit_table,
                                                  render_quantity, unit_names, unit_qid)
from kg2instruction.values.recognize import recognise_times
from kg2instruction.values.text_search import drop_nested, find_bounded, fold_text
from kg2instruction.values.time_forms import SUPPORTED_LANGUAGES, DateForm, render_time
from kg2instruction.text.normalize import base_language
from kg2instruction.text.sentences import Sentences
from kg2instruction.values.wikidata_time import YEAR, parse_wikidata_time

VALUE_SOURCES = frozenset({"time", "quantity"})
IMPLICIT = "implicit"
IMPLICIT_SUBJECT, SUBJECT_GROUNDED = "implicit_subject", "subject_grounded"


class MatchConfig(pydantic.BaseModel):
    """What counts as a match."""

    model_config = pydantic.ConfigDict(extra="forbid", frozen=True)

    coarsest_time_precision: int = pydantic.Field(
        YEAR, ge=7, le=11,
        description="a day-precision claim also matches its month/year forms down to this")
    min_bare_number_digits: int = pydantic.Field(
        3, ge=1, description="unitless amounts shorter than this are not searched as bare numbers")
    value_kinds: tuple[str, ...] = pydantic.Field(("time", "quantity"),
                                                  description="value claim kinds to match")
    page_subject: Literal["linked", "grounded", "implicit"] = pydantic.Field(
        "grounded", description="where the page entity may take part when none of its mentions "
                                "is linked: nowhere, an unlinked title-like mention, or also "
                                "without a span")
    evidence: EvidenceScope = pydantic.Field(
        "sentence", description="where a fact can be stated: one sentence (with page-subject "
                                "references), or anywhere in the paragraph (the old pairing)")
    subject_references: SubjectReferenceConfig = pydantic.Field(
        default_factory=SubjectReferenceConfig)
    max_evidence_sentences: int = pydantic.Field(
        3, ge=1, description="sentences of one paragraph that may each carry a candidate of "
                             "the same fact (the verifier reads each; one is published); 1: "
                             "only the closest pair's")

    @pydantic.field_validator("value_kinds")
    @classmethod
    def _known_kinds(cls, kinds: tuple[str, ...]) -> tuple[str, ...]:
        unknown = sorted(set(kinds) - VALUE_SOURCES)
        if unknown:
            raise ValueError(f"unknown value kinds {unknown}; expected a subset of "
                             f"{sorted(VALUE_SOURCES)}")
        return kinds


@dataclass(frozen=True)
class Anchor:
    """Where one end of a triple sits in the text (or nowhere, for an implicit subject)."""

    mention_id: str | None
    start: int | None
    end: int | None
    surface: str
    qid: str | None
    category: str | None = None
    score: float | None = None
    rule: str | None = None      # set when the anchor stands in for the page subject

    @property
    def key(self) -> str:
        if self.mention_id is not None:
            return self.mention_id.rsplit(":", 1)[-1]
        return IMPLICIT if self.start is None else f"{self.start}-{self.end}"

    def distance(self, other: Anchor) -> int:
        if self.start is None or other.start is None:
            return 1 << 30
        return max(0, max(self.start, other.start) - min(self.end, other.end))


@dataclass(frozen=True)
class Paragraph:
    """The parts of a paragraph matching reads, plus its linked-entity anchors."""

    paragraph_id: str
    lang: str
    title: str
    page_qid: str | None
    text: str
    anchors: tuple[Anchor, ...]      # entity mentions with a QID
    unlinked: tuple[Anchor, ...] = ()  # entity mentions left without one (subject grounding)
    lead: str = ""                   # first sentence of the page (what its subject is)


@dataclass(frozen=True)
class ValueMatch:
    """A value claim of an entity found in the text."""

    claim_pid: str
    qid: str
    start: int
    end: int
    surface: str
    value: str
    kind: str     # 'time' | 'quantity'


@dataclass
class MatchCounts:
    """Funnel of one matching call."""

    paragraphs: int = 0
    linked_mentions: int = 0
    entity_pairs: int = 0
    claims_matched: int = 0
    value_claims_seen: int = 0
    value_claims_matched: int = 0
    no_evidence: int = 0      # facts no sentence of the paragraph can state (not emitted)
    subject_description: int = 0  # facts of a word standing for the page subject (not emitted)

    def as_dict(self) -> dict[str, int]:
        return dict(self.__dict__)


def paragraphs_with_anchors(paragraphs: Iterable[Mapping[str, Any]],
                            mentions: Iterable[Mapping[str, Any]]) -> list[Paragraph]:
    """Join PARAGRAPHS rows with their LINKED_MENTIONS rows (entity mentions; value mentions are
    found again by rendering claims). A page without `page_qid` gets the entity its title's
    mentions were linked to (`subjects_from_mentions`)."""
    paragraphs, mentions = list(paragraphs), list(mentions)
    subjects = subjects_from_mentions(paragraphs, mentions)
    leads = lead_sentences(paragraphs)
    linked: dict[str, list[Anchor]] = {}
    unlinked: dict[str, list[Anchor]] = {}
    for row in mentions:
        if row["source"] in VALUE_SOURCES:
            continue
        types = row.get("types") or []
        anchor = Anchor(row["mention_id"], row["start"], row["end"], row["surface"], row["qid"],
                        types[0] if types else None, row.get("score"))
        (linked if row["qid"] is not None else unlinked).setdefault(
            row["paragraph_id"], []).append(anchor)
    result = []
    for row in paragraphs:
        pid = row["paragraph_id"]
        page_qid = row.get("page_qid") or subjects.get(row.get("page_id") or "")
        result.append(Paragraph(pid, row["lang"], row["title"] or "", page_qid, row["text"],
                                _in_text_order(linked.get(pid, ())),
                                _in_text_order(unlinked.get(pid, ())),
                                leads.get(str(row.get("page_id")), "")))
    return result


def _in_text_order(anchors: Iterable[Anchor]) -> tuple[Anchor, ...]:
    return tuple(sorted(anchors, key=lambda a: (a.start, a.end)))


def _participants(paragraph: Paragraph, config: MatchConfig) -> dict[str, list[Anchor]]:
    """Entities of the paragraph with their anchors; the page entity added per `page_subject`."""
    by_qid: dict[str, list[Anchor]] = {}
    for anchor in paragraph.anchors:
        by_qid.setdefault(anchor.qid, []).append(anchor)  # type: ignore[arg-type]
    subject = paragraph.page_qid
    if config.page_subject == "linked" or not subject:
        return by_qid
    # the subject's shortened name ("Ferguson" on "Matt Ferguson"), whether or not a full one
    # is linked: articles name their subject so after the first sentence
    repeats = subject_repeats(paragraph.title, paragraph.unlinked, paragraph.lang)
    if subject in by_qid:
        by_qid[subject] = [*by_qid[subject], *(_grounded(a, subject) for a in repeats)]
        return by_qid
    grounded = ground_subject(paragraph.title, paragraph.unlinked, paragraph.lang)
    if grounded is not None:
        by_qid[subject] = [_grounded(a, subject) for a in dict.fromkeys([grounded, *repeats])]
    elif config.page_subject == "implicit":
        by_qid[subject] = [Anchor(None, None, None, strip_disambiguator(paragraph.title),
                                  subject, rule=IMPLICIT_SUBJECT)]
    return by_qid


def _grounded(anchor: Anchor, subject: str) -> Anchor:
    """An unlinked mention standing for the page subject."""
    return Anchor(anchor.mention_id, anchor.start, anchor.end, anchor.surface, subject,
                  rule=SUBJECT_GROUNDED)


def _rule(default: str, *anchors: Anchor) -> str:
    """The rule of a triple: how its least certain end was placed, else `default`."""
    for rule in (IMPLICIT_SUBJECT, SUBJECT_GROUNDED):
        if any(a.rule == rule for a in anchors):
            return rule
    return default


def _closest_pair(heads: Sequence[Anchor], tails: Sequence[Anchor]) -> tuple[Anchor, Anchor]:
    return min(((h, t) for h in heads for t in tails), key=lambda pair: _pair_rank(*pair))


class EvidencePlacer:
    """Chooses, for a fact between two entities of one paragraph, the mentions that carry it
    and the sentence that can state it (None: the paragraph cannot state it)."""

    def __init__(self, paragraph: Paragraph, by_qid: Mapping[str, Sequence[Anchor]],
                 config: MatchConfig) -> None:
        self._paragraph = paragraph
        self._scope = config.evidence
        self._max_evidence = config.max_evidence_sentences
        self._sentences = Sentences(paragraph.text, paragraph.lang)
        self._subject = paragraph.page_qid
        self._references: ReferenceFinder | None = None
        self._rivals: list[int] = []
        subject_anchors = by_qid.get(self._subject or "", ())
        if self._subject and subject_anchors:
            kinds = {a.category for a in subject_anchors if a.category}
            self._rivals = sorted(a.start for a in paragraph.anchors
                                  if a.qid != self._subject and a.start is not None
                                  and (a.category in kinds or not kinds))
            refs = config.subject_references
            person = (None if not kinds else bool(kinds & set(refs.person_categories)))
            nouns = subject_nouns(paragraph.lead, paragraph.lang, refs.max_description_nouns)
            self._references = ReferenceFinder(paragraph.lang, refs, person, nouns)

    def place(self, heads: Sequence[Anchor], tails: Sequence[Anchor],
              head_qid: str | None, tail_qid: str | None
              ) -> list[tuple[Anchor, Anchor, Evidence]]:
        """Every sentence that can state the fact, at most `max_evidence` of them, the closest
        same-sentence pair first: a pair may be named in one sentence that says how they are
        related and in another that does not, and only the verifier, reading each, can tell
        which (the NLI split then publishes one reading per fact). Empty: the paragraph
        cannot state it."""
        if self._scope == "paragraph":
            head, tail = _closest_pair(heads, tails)
            return [(head, tail, paragraph_evidence(self._paragraph.text))]
        by_sentence: dict[int, tuple[Anchor, Anchor, Evidence]] = {}
        for h in heads:
            for t in tails:
                ev = pair_evidence(self._sentences, Placed(h.start, h.end), Placed(t.start, t.end))
                if ev is None:
                    continue
                known = by_sentence.get(ev.start)
                if known is None or _pair_rank(h, t) < _pair_rank(known[0], known[1]):
                    by_sentence[ev.start] = (h, t, ev)
        placed = sorted(by_sentence.values(), key=lambda c: _pair_rank(c[0], c[1]))
        if self._subject is not None and self._subject in (head_qid, tail_qid):
            placed += [p for p in self._subject_placements(heads, tails, head_qid)
                       if p[2].start not in by_sentence]
        return placed[:self._max_evidence]

    def _subject_placements(self, heads: Sequence[Anchor], tails: Sequence[Anchor],
                            head_qid: str | None) -> list[tuple[Anchor, Anchor, Evidence]]:
        """One placement per sentence that refers to the page subject and names the other end,
        in text order."""
        subject_is_head = head_qid == self._subject
        subjects, others = (heads, tails) if subject_is_head else (tails, heads)
        implicit = any(a.start is None for a in subjects)
        found: dict[int, tuple[Anchor, Anchor, Evidence]] = {}
        for other in sorted(others, key=lambda a: a.start if a.start is not None else 1 << 30):
            evidence = subject_evidence(self._paragraph.text, self._sentences,
                                        Placed(other.start, other.end), self._references,
                                        [r for r in self._rivals if r != other.start])
            if evidence is None and implicit and other.start is not None:
                # the page entity without a span (`page_subject: implicit`): the sentence of
                # the other end is all there is to read
                start, end = self._sentences.span_of(other.start)
                evidence = Evidence(start, end, IMPLICIT_SUBJECT)
            if evidence is None or evidence.start in found:
                continue
            subject = _nearest_before(subjects, evidence.start)
            found[evidence.start] = ((subject, other, evidence) if subject_is_head
                                     else (other, subject, evidence))
        return list(found.values())


def _pair_rank(head: Anchor, tail: Anchor) -> tuple[int, int, int]:
    return head.distance(tail), head.start or 0, tail.start or 0


def _nearest_before(anchors: Sequence[Anchor], offset: int) -> Anchor:
    """The anchor closest before `offset` (the name a later reference most likely points back
    to), else the first after it."""
    before = [a for a in anchors if a.start is not None and a.start < offset]
    if before:
        return max(before, key=lambda a: a.start or 0)
    return min(anchors, key=lambda a: a.start if a.start is not None else 1 << 30)


def _triple(paragraph: Paragraph, head: Anchor, tail: Anchor, pid: str, rule: str,
            evidence: Evidence | None, tail_value: str | None = None,
            tail_category: str | None = None) -> dict[str, Any]:
    columns = evidence.as_columns() if evidence is not None else dict(NO_EVIDENCE_COLUMNS)
    return {
        "triple_id": f"{paragraph.paragraph_id}:{head.key}|{pid}|forward|{tail.key}",
        "paragraph_id": paragraph.paragraph_id,
        "head": head.surface, "head_start": head.start, "head_end": head.end,
        "head_qid": head.qid, "head_type": head.category,
        "tail": tail.surface, "tail_start": tail.start, "tail_end": tail.end,
        "tail_qid": tail.qid, "tail_value": tail_value,
        "tail_type": tail_category if tail_category is not None else tail.category,
        "pid": pid, "direction": "forward", "relation": None, "rule": rule, "theme": None,
        "head_mention_id": head.mention_id, "tail_mention_id": tail.mention_id,
        "head_score": head.score, "tail_score": tail.score,
        **columns,
    }


@dataclass(frozen=True)
class _Grounded:
    """A paragraph with its entities' anchors and its evidence placer, built once for both the
    entity-pair and the value-claim matching (the placer splits the paragraph into sentences)."""

    paragraph: Paragraph
    by_qid: dict[str, list[Anchor]]
    placer: EvidencePlacer
    descriptions: frozenset[str] = frozenset()   # see annotate/subject_descriptions.py

    @classmethod
    def of(cls, paragraph: Paragraph, config: MatchConfig) -> _Grounded:
        by_qid = _participants(paragraph, config)
        descriptions: frozenset[str] = frozenset()
        if paragraph.page_qid:
            nouns = subject_nouns(paragraph.lead, paragraph.lang,
                                  config.subject_references.max_description_nouns)
            descriptions = description_qids(((a.qid, a.surface) for a in paragraph.anchors),
                                            paragraph.page_qid, nouns)
        return cls(paragraph, by_qid, EvidencePlacer(paragraph, by_qid, config), descriptions)


def match_entity_pairs(grounded: Sequence[_Grounded], kg: KnowledgeGraph,
                       counts: MatchCounts) -> list[dict[str, Any]]:
    """Triples for every KG claim between two distinct entities of the same paragraph."""
    pairs: set[tuple[str, str]] = set()
    for by_qid in (g.by_qid for g in grounded):
        qids = sorted(by_qid)
        paragraph_pairs = [(a, b) for i, a in enumerate(qids) for b in qids[i + 1:]]
        counts.entity_pairs += len(paragraph_pairs)
        pairs.update(paragraph_pairs)
    claims_by_pair: dict[frozenset[str], list[Claim]] = {}
    if pairs:
        for claim in kg.claims_between(sorted(pairs)):
            claims_by_pair.setdefault(frozenset((claim.head, claim.tail)), []).append(claim)
    triples: list[dict[str, Any]] = []
    for g in grounded:
        paragraph, by_qid, placer = g.paragraph, g.by_qid, g.placer
        qids = sorted(by_qid)
        for i, a in enumerate(qids):
            for b in qids[i + 1:]:
                describes = bool({a, b} & g.descriptions) and paragraph.page_qid not in (a, b)
                for claim in claims_by_pair.get(frozenset((a, b)), ()):
                    counts.claims_matched += 1
                    if describes:
                        counts.subject_description += 1
                        continue
                    placements = placer.place(by_qid[claim.head], by_qid[claim.tail],
                                              claim.head, claim.tail)
                    if not placements:
                        counts.no_evidence += 1
                    for head, tail, evidence in placements:
                        triples.append(_triple(paragraph, head, tail, claim.pid,
                                               _rule("kg_pair", head, tail), evidence))
    return triples


class ValueRenderer:
    """Rendered forms of value claims, cached per (value, language) for one shard."""

    def __init__(self, kg: KnowledgeGraph, config: MatchConfig) -> None:
        self._kg = kg
        self._config = config
        self._time_forms: dict[tuple[str, int, str], list[DateForm]] = {}
        self._unit_names: dict[tuple[str, str], UnitNames] = {}

    def time_forms(self, value: TimeValue, lang: str) -> list[DateForm]:
        key = (value.time, value.precision, lang)
        if key not in self._time_forms:
            try:
                parsed = parse_wikidata_time(value.time, value.precision)
                coarsest = min(parsed.precision, self._config.coarsest_time_precision)
                forms = render_time(parsed, lang, coarsest=coarsest)
            except ValueError:
                forms = []   # geological precisions, malformed dump values: nothing to find
            self._time_forms[key] = forms
        return self._time_forms[key]

    def prepare_units(self, values: Iterable[QuantityValue], lang: str) -> None:
        """Fetch unit names (and their conversions' names) for a batch in two KG calls."""
        table = load_unit_table()
        units = {unit_qid(v.unit) for v in values} - {"1"}
        units |= {c.unit for u in list(units) if u in table for c in table[u].conversions}
        todo = sorted(u for u in units if (u, lang) not in self._unit_names)
        if not todo:
            return
        labels = self._kg.labels(todo, lang)
        aliases = self._kg.aliases(todo, lang)
        for unit in todo:
            kg_names = ([labels[unit]] if unit in labels else []) + aliases.get(unit, [])
            self._unit_names[(unit, lang)] = unit_names(unit, lang, kg_names, table)

    def quantity_forms(self, value: QuantityValue, lang: str) -> list[QuantityForm]:
        unit = unit_qid(value.unit)
        names = self._unit_names.get((unit, lang), UnitNames())
        converted = {u: self._unit_names[(u, lang)] for u, _ in names.conversions
                     if (u, lang) in self._unit_names}
        try:
            return render_quantity(value.amount, unit, lang, names, converted,
                                   self._config.min_bare_number_digits)
        except ValueError:
            return []


def find_value_claims(paragraph: Paragraph, times: Sequence[TimeValue],
                      quantities: Sequence[QuantityValue], renderer: ValueRenderer,
                      counts: MatchCounts) -> list[ValueMatch]:
    """Value claims of the paragraph's entities found in its text.

    A match strictly inside a longer matched value, or inside a longer date the text writes
    (`recognise_times`), is dropped: "1952" in "4 December 1952" belongs to the day."""
    lang = base_language(paragraph.lang)
    if lang not in SUPPORTED_LANGUAGES:
        return []
    folded = fold_text(paragraph.text)
    found: list[ValueMatch] = []
    for value in times:
        counts.value_claims_seen += 1
        for form in renderer.time_forms(value, lang):
            for start, end in find_bounded(folded, form.surface):
                found.append(ValueMatch(value.pid, value.qid, start, end,
                                        paragraph.text[start:end], form.value.iso(), "time"))
    for quantity in quantities:
        counts.value_claims_seen += 1
        for qform in renderer.quantity_forms(quantity, lang):
            for start, end in find_bounded(folded, qform.surface):
                found.append(ValueMatch(quantity.pid, quantity.qid, start, end,
                                        paragraph.text[start:end], qform.value, "quantity"))
    if not found:
        return []
    written_dates = {(v.start, v.end) for v in recognise_times(paragraph.text, lang)}
    kept_spans = drop_nested({(m.start, m.end) for m in found} | written_dates)
    kept = sorted({m for m in found if (m.start, m.end) in kept_spans},
                  key=lambda m: (m.start, m.end, m.qid, m.claim_pid, m.value))
    counts.value_claims_matched += len(kept)
    return kept


def match_value_claims(grounded: Sequence[_Grounded], kg: KnowledgeGraph, config: MatchConfig,
                       counts: MatchCounts,
                       renderer: ValueRenderer | None = None) -> list[dict[str, Any]]:
    """Triples (entity, value pid, value span) for value claims found in each paragraph."""
    renderer = renderer or ValueRenderer(kg, config)
    qids = sorted({q for g in grounded for q in g.by_qid})
    if not qids or not config.value_kinds:
        return []
    times_by_qid: dict[str, list[TimeValue]] = {}
    if "time" in config.value_kinds:
        for value in kg.time_values(qids):
            times_by_qid.setdefault(value.qid, []).append(value)
    quantities_by_qid: dict[str, list[QuantityValue]] = {}
    if "quantity" in config.value_kinds:
        for quantity in kg.quantity_values(qids):
            quantities_by_qid.setdefault(quantity.qid, []).append(quantity)
    for lang in sorted({base_language(g.paragraph.lang) for g in grounded}):
        renderer.prepare_units([q for qs in quantities_by_qid.values() for q in qs], lang)
    triples: list[dict[str, Any]] = []
    for paragraph, by_qid, placer in ((g.paragraph, g.by_qid, g.placer) for g in grounded):
        times = [v for q in sorted(by_qid) for v in times_by_qid.get(q, ())]
        quantities = [v for q in sorted(by_qid) for v in quantities_by_qid.get(q, ())]
        for match in find_value_claims(paragraph, times, quantities, renderer, counts):
            value = Anchor(None, match.start, match.end, match.surface, None)
            placements = placer.place(by_qid[match.qid], [value], match.qid, None)
            if not placements:
                counts.no_evidence += 1
                continue
            head, tail, evidence = placements[0]   # a value span lies in one sentence
            rule = _rule(f"{match.kind}_value", head)
            triples.append(_triple(paragraph, head, tail, match.claim_pid, rule, evidence,
                                   tail_value=match.value,
                                   tail_category="time" if match.kind == "time" else "measure"))
    return triples


def match_relations(paragraphs: Sequence[Paragraph], kg: KnowledgeGraph, config: MatchConfig,
                    renderer: ValueRenderer | None = None) -> tuple[list[dict[str, Any]],
                                                                     MatchCounts]:
    """All candidate triples of a batch of paragraphs (entity pairs, then values), deduplicated
    by triple id, in a deterministic order; plus the funnel counts."""
    counts = MatchCounts(paragraphs=len(paragraphs),
                         linked_mentions=sum(len(p.anchors) for p in paragraphs))
    grounded = [_Grounded.of(p, config) for p in paragraphs]
    triples = match_entity_pairs(grounded, kg, counts)
    triples += match_value_claims(grounded, kg, config, counts, renderer)
    unique = {t["triple_id"]: t for t in triples}
    return [unique[k] for k in sorted(unique)], counts
