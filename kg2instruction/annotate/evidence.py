"""Evidence: the sentence that can state a fact between two mentions of a paragraph.

A KG fact between two entities of a paragraph is only a candidate where the text can state it.
Judged by hand, facts whose two ends share a sentence are right about twice as often as facts
whose ends are sentences apart ("Lincoln ... lawyer" where "lawyer" describes someone else), so
a candidate needs one of:

- `sentence`: both ends written in one sentence;
- `subject_reference`: one end is the page's own entity, named somewhere in the paragraph, and the
  sentence holding the other end refers to it without naming it: a pronoun of the right kind
  ("He was born in Ulm" on Einstein's page), or a definite description built from the nouns the
  page's lead uses for its subject ("the city" on a page that opens "X is a city in ...").

The evidence span is what the verifier later reads, with the reference replaced by the
subject's name, so it judges the claim on the words that make it.
"""
from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

import pydantic

from kg2instruction.text.normalize import base_language
from kg2instruction.text.sentences import Sentences

SAME_SENTENCE, SUBJECT_REFERENCE = "sentence", "subject_reference"
EvidenceScope = Literal["sentence", "paragraph"]


class SubjectReferenceConfig(pydantic.BaseModel):
    """Words that stand for the page's subject inside a sentence, per language (data, editable).

    Pronouns are split by what the subject is, so "it" never stands for a person and "he" never
    for a city; `possessive` ones become "<name>'s" when the premise substitutes the name."""

    model_config = pydantic.ConfigDict(extra="forbid", frozen=True)

    person_pronouns: dict[str, tuple[str, ...]] = pydantic.Field(default_factory=lambda: {
        "en": ("he", "she", "his", "her", "him"), "zh": ("他", "她")})
    thing_pronouns: dict[str, tuple[str, ...]] = pydantic.Field(
        default_factory=dict, description=(
            "pronouns for a subject that is not a person; none by default: in a hand audit of "
            "place pages, 'it'/'its' stood for the page's subject less often than for a river, "
            "a city or a rail line named nearby ('It remained the capital' on Alaska's page "
            "is Sitka), so only definite descriptions refer to such subjects"))
    possessive: dict[str, tuple[str, ...]] = pydantic.Field(default_factory=lambda: {
        "en": ("his", "her", "its"), "zh": ()})
    person_categories: tuple[str, ...] = pydantic.Field(
        ("human",), description="entity categories whose subject takes person pronouns")
    description_determiners: dict[str, tuple[str, ...]] = pydantic.Field(
        default_factory=lambda: {"en": ("the", "this"), "zh": ("该", "此", "本")},
        description="words that, before a noun the lead uses for the subject, refer to it")
    max_description_nouns: int = pydantic.Field(
        4, ge=0, description="nouns taken from the lead's 'X is a ... NOUN' clause")


@dataclass(frozen=True)
class Evidence:
    """Where a triple can be read: [start, end) of the paragraph, and how its ends appear."""

    start: int
    end: int
    rule: str
    ref_start: int | None = None
    ref_end: int | None = None

    def as_columns(self) -> dict[str, object]:
        return {"evidence_start": self.start, "evidence_end": self.end,
                "evidence_rule": self.rule, "subject_ref_start": self.ref_start,
                "subject_ref_end": self.ref_end}


NO_EVIDENCE_COLUMNS: dict[str, object] = {"evidence_start": None, "evidence_end": None,
                                          "evidence_rule": None, "subject_ref_start": None,
                                          "subject_ref_end": None}

_EN_COPULA = re.compile(r"\b(?:is|was|are|were)\s+(?:an?|the|one of the)\s+([^.;:()]*)",
                        re.IGNORECASE)
_EN_CLAUSE_END = re.compile(r"\b(?:in|of|on|at|from|by|for|with|who|which|that|located|"
                            r"born|based|founded|known|best|near|whose|where|since|between)\b|,")
_WORD = re.compile(r"[^\W\d_]+")
_ZH_COPULA = re.compile(r"(?:是|为)(?:一[个座家所部条位种间支只颗]|中国|位于)?([^，。；、（]*)")


def subject_nouns(lead_sentence: str, lang: str, limit: int) -> tuple[str, ...]:
    """Nouns a page's first sentence uses for its subject: the lowercase words of the "X is a
    ... NOUN" clause before it turns into a modifier ("is a state in ..." -> state; "was a Greek
    philosopher and scientist" -> philosopher, scientist). Case carries the signal in English:
    a capitalised word there is a name or demonym, not a description."""
    if limit == 0:
        return ()
    base = base_language(lang)
    if base == "zh":
        match = _ZH_COPULA.search(lead_sentence)
        if not match or not match.group(1):
            return ()
        words = match.group(1)
        return tuple(dict.fromkeys(w for w in (words[-2:], words[-3:]) if len(w) >= 2))[:limit]
    match = _EN_COPULA.search(lead_sentence)
    if not match:
        return ()
    clause = _EN_CLAUSE_END.split(match.group(1), maxsplit=1)[0]
    nouns = [w for w in _WORD.findall(clause) if w.islower() and len(w) > 2
             and not (len(w) > 5 and w.endswith("est"))]   # superlatives: "the largest"
    # the head noun of each coordinated part is its last word ("Greek philosopher", "scientist")
    heads: list[str] = []
    for part in re.split(r"\band\b|/", " ".join(nouns)):
        words = part.split()
        if words:
            heads.append(words[-1])
    return tuple(dict.fromkeys(heads))[:limit]


class ReferenceFinder:
    """Finds, in one sentence, a word that stands for the page subject."""

    def __init__(self, lang: str, config: SubjectReferenceConfig,
                 subject_is_person: bool | None, nouns: Sequence[str]) -> None:
        """`subject_is_person` None: the subject's kind is unknown, both kinds of pronoun count."""
        base = base_language(lang)
        pronouns: list[str] = []
        if subject_is_person is not False:
            pronouns += config.person_pronouns.get(base, ())
        if subject_is_person is not True:
            pronouns += config.thing_pronouns.get(base, ())
        self._possessive = {w.casefold() for w in config.possessive.get(base, ())}
        words = [re.escape(w) for w in dict.fromkeys(pronouns)]
        determiners = [re.escape(d) for d in config.description_determiners.get(base, ())]
        unspaced = base in ("zh", "ja")
        patterns = []
        if words:
            patterns.append("(?:" + "|".join(sorted(words, key=len, reverse=True)) + ")")
        if determiners and nouns:
            gap = "" if unspaced else r"\s+"
            patterns.append("(?:" + "|".join(determiners) + ")" + gap + "(?:"
                            + "|".join(re.escape(n) for n in nouns) + ")")
        if not patterns:
            self._pattern = None
            return
        body = "|".join(patterns)
        self._pattern = re.compile(body if unspaced else rf"\b(?:{body})\b",
                                   0 if unspaced else re.IGNORECASE)

    def find(self, text: str, start: int, end: int) -> tuple[int, int] | None:
        """The first reference in text[start:end] ("Born in Kentucky, he grew up ...": the
        reference may follow the other end)."""
        if self._pattern is None:
            return None
        match = self._pattern.search(text, start, end)
        return (match.start(), match.end()) if match else None

    def is_possessive(self, word: str) -> bool:
        return word.casefold() in self._possessive


@dataclass(frozen=True)
class Placed:
    """One end of a candidate: its span, or None for a span-less (implicit) page subject."""

    start: int | None
    end: int | None


def pair_evidence(sentences: Sentences, head: Placed, tail: Placed) -> Evidence | None:
    """`sentence` evidence when both ends start in one sentence."""
    if head.start is None or tail.start is None:
        return None
    a, b = sentences.index_of(head.start), sentences.index_of(tail.start)
    if a != b:
        return None
    start, end = sentences.spans[a]
    return Evidence(start, end, SAME_SENTENCE)


def subject_evidence(text: str, sentences: Sentences, other: Placed,
                     references: ReferenceFinder | None,
                     rivals: Sequence[int] = ()) -> Evidence | None:
    """`subject_reference` evidence: the sentence of `other` refers to the page subject.

    `rivals` are the offsets of other entities of the subject's own kind: one written in the
    sentence before the reference is the nearer antecedent ("When Sulla occupied Athens, he
    carried off the library" is about Sulla, not the page's philosopher), so the sentence does
    not count."""
    if references is None or other.start is None:
        return None
    start, end = sentences.span_of(other.start)
    found = references.find(text, start, end)
    if found is None or any(start <= rival < found[0] for rival in rivals):
        return None
    return Evidence(start, end, SUBJECT_REFERENCE, found[0], found[1])


def paragraph_evidence(text: str) -> Evidence:
    """The whole paragraph (scope `paragraph`: the pre-evidence behaviour, kept for measuring)."""
    return Evidence(0, len(text), "paragraph")


def lead_sentences(paragraphs: Iterable[Mapping[str, object]]) -> dict[str, str]:
    """page id -> first sentence of the page's earliest paragraph among `paragraphs` (rows with
    page_id, index, lang, text): where Wikipedia says what its subject is."""
    first: dict[str, tuple[int, str, str]] = {}
    for row in paragraphs:
        page, text = row.get("page_id"), row.get("text")
        if page is None or not text:
            continue
        index = row.get("index")
        key = index if isinstance(index, int) else 1 << 30
        if str(page) not in first or key < first[str(page)][0]:
            first[str(page)] = (key, str(text), str(row.get("lang") or "en"))
    leads = {}
    for page, (_, text, lang) in first.items():
        start, end = Sentences(text, lang).spans[0]
        leads[page] = text[start:end]
    return leads
