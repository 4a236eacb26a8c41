"""Relation-verification examples from sentences aligned with the KG facts they express.

General NLI data teaches "does A follow from B" on image captions and news; what the filter must
decide is narrower and harder: the two entities co-occur, the KG links them, but does *this*
sentence state *this* relation? Positives are the facts a sentence is annotated with; negatives
are what distant supervision would wrongly keep:

- `kg_other_relation`: another KG relation between the same two entities that the sentence
  does not state (X was born in Y / X died in Y);
- `kg_subject_fact`: another KG fact of the subject whose object is also mentioned in the
  sentence (the paper's "China and Japan have diplomatic relations" case);
- `wrong_tail`: the stated relation with another entity of the sentence as its object;
- `other_relation`: a relation the sentence does not state, between the same two mentions, drawn
  from the relations the tail is an object of elsewhere in the KG (so it fits the tail's type),
  when the KG offers none of the above (an easier negative).

Examples are kept as (premise, head, tail, pid): hypotheses are rendered from the template bank
when training (one template drawn per example) or evaluating (max over all, as the stage does).
"""
from __future__ import annotations

import hashlib
import random
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal, Protocol, TypeVar

import orjson

from kg2instruction.errors import InputError
from kg2instruction.nli.verifier.kg_facts import KgFacts
from kg2instruction.nli.verifier.template_bank import TemplateBank
from kg2instruction.sources.compressed import open_text

NegativeKind = Literal["kg_other_relation", "kg_subject_fact", "wrong_tail", "other_relation"]
HARD_KINDS: tuple[NegativeKind, ...] = ("kg_other_relation", "kg_subject_fact", "wrong_tail")
MIN_LABEL_CHARS = 3   # shorter object labels ("US", "A") match inside unrelated words


@dataclass(frozen=True)
class Sentence:
    """One evidence sentence and the facts (head_qid, pid, tail_qid, head, tail) it states."""

    id: str
    page: str
    lang: str
    text: str
    facts: tuple[tuple[str, str, str, str, str], ...]


@dataclass(frozen=True)
class RelationExample:
    """A claim to verify against a premise; label 1 when the premise states it."""

    premise: str
    head: str
    tail: str
    pid: str
    label: int
    kind: str          # "positive" or a NegativeKind
    page: str
    lang: str


def read_sentences(path: str | Path) -> Iterator[Sentence]:
    """T-REx-style JSONL: {id, lang, text, facts: [{head, head_qid, relation, tail, tail_qid}],
    page_qid?}. Sentences without a page QID form a page of their own (their id)."""
    with open_text(path) as handle:
        for number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            try:
                row = orjson.loads(line)
                facts = tuple((f["head_qid"], f["relation"], f["tail_qid"], f["head"], f["tail"])
                              for f in row["facts"])
                yield Sentence(row["id"], row.get("page_qid") or row["id"], row.get("lang", "en"),
                               row["text"], facts)
            except (orjson.JSONDecodeError, KeyError, TypeError) as exc:
                raise InputError(str(path), f"expected a sentence record with id, text and facts "
                                            f"[{{head, head_qid, relation, tail, tail_qid}}]: "
                                            f"{exc!r}", line=number) from None


def page_bucket(page: str, seed: int) -> float:
    """A stable number in [0, 1) per page: splits by page, independent of file order."""
    raw = hashlib.sha256(f"{seed}\x00{page}".encode()).digest()
    return int.from_bytes(raw[:8], "big") / 2**64


def split_by_page(sentences: Iterable[Sentence], held_out_fraction: float, seed: int
                  ) -> tuple[list[Sentence], list[Sentence]]:
    """(train, held_out): no page contributes to both."""
    train, held_out = [], []
    for sentence in sentences:
        held = page_bucket(sentence.page, seed) < held_out_fraction
        (held_out if held else train).append(sentence)
    return train, held_out


class ExampleBuilder:
    """Positives and typed negatives for sentences, given the KG and the template bank."""

    def __init__(self, kg: KgFacts, bank: TemplateBank, lang: str = "en") -> None:
        self.kg = kg
        self.lang = lang
        self.pids = sorted(pid for pid, by_lang in bank.items() if by_lang.get(lang))
        self._known = set(self.pids)

    def negatives(self, sentence: Sentence, fact: tuple[str, str, str, str, str]
                  ) -> dict[str, list[tuple[str, str, str]]]:
        """Candidate negatives of each kind as (head, tail, pid), none of them a stated fact."""
        head_qid, pid, tail_qid, head, tail = fact
        stated = {(h, p, t) for h, p, t, _, _ in sentence.facts}
        out: dict[str, list[tuple[str, str, str]]] = {
            kind: [] for kind in (*HARD_KINDS, "other_relation")}
        for other in sorted(self.kg.pids_between(head_qid, tail_qid) - {pid}):
            if other in self._known and (head_qid, other, tail_qid) not in stated:
                out["kg_other_relation"].append((head, tail, other))
        mentioned: list[tuple[str, str]] = []      # (qid, surface) of other entities in the text
        for other_pid, obj in self.kg.claims.get(head_qid, ()):
            label = self.kg.label(obj, self.lang)
            if obj in (tail_qid, head_qid) or not label or len(label) < MIN_LABEL_CHARS \
                    or label not in sentence.text:
                continue
            mentioned.append((obj, label))
            if other_pid in self._known and (head_qid, other_pid, obj) not in stated:
                out["kg_subject_fact"].append((head, label, other_pid))
        for h, _, t, h_surface, t_surface in sentence.facts:
            for qid, surface in ((h, h_surface), (t, t_surface)):
                if surface in sentence.text:
                    mentioned.append((qid, surface))
        for qid, surface in dict(mentioned).items():
            if qid not in (tail_qid, head_qid) and surface not in (head, tail) \
                    and (head_qid, pid, qid) not in stated \
                    and pid not in self.kg.pids_between(head_qid, qid):
                out["wrong_tail"].append((head, surface, pid))
        stated_here = {p for h, p, t, _, _ in sentence.facts if (h, t) == (head_qid, tail_qid)}
        linked = self.kg.pids_between(head_qid, tail_qid) | stated_here
        fitting = [p for p in sorted(self.kg.object_pids(tail_qid)) if p in self._known]
        out["other_relation"] = [(head, tail, p) for p in fitting or self.pids if p not in linked]
        return out

    def examples(self, sentence: Sentence, rng: random.Random, negatives_per_positive: int = 1,
                 kind_weights: Mapping[str, float] | None = None) -> list[RelationExample]:
        """One positive per stated fact with a template, and that many negatives, hard ones first.

        The kind is drawn among the hard kinds available, uniformly unless `kind_weights` says
        otherwise (training may over-draw the kind a model finds hardest; held-out sets stay
        uniform so that they do not move with the recipe)."""
        made: list[RelationExample] = []
        for fact in sentence.facts:
            head_qid, pid, tail_qid, head, tail = fact
            if pid not in self._known:
                continue
            made.append(self._example(sentence, head, tail, pid, 1, "positive"))
            candidates = self.negatives(sentence, fact)
            for _ in range(negatives_per_positive):
                kinds = [k for k in HARD_KINDS if candidates[k]] or \
                        (["other_relation"] if candidates["other_relation"] else [])
                if not kinds:
                    break
                kind = rng.choice(kinds) if not kind_weights else \
                    rng.choices(kinds, [kind_weights.get(k, 1.0) for k in kinds])[0]
                h, t, p = candidates[kind].pop(rng.randrange(len(candidates[kind])))
                made.append(self._example(sentence, h, t, p, 0, kind))
        return made

    def _example(self, sentence: Sentence, head: str, tail: str, pid: str, label: int,
                 kind: str) -> RelationExample:
        return RelationExample(sentence.text, head, tail, pid, label, kind, sentence.page,
                               sentence.lang)


def build_examples(sentences: Sequence[Sentence], builder: ExampleBuilder, seed: int,
                   negatives_per_positive: int = 1,
                   kind_weights: Mapping[str, float] | None = None) -> list[RelationExample]:
    rng = random.Random(seed)
    return [example for sentence in sentences
            for example in builder.examples(sentence, rng, negatives_per_positive, kind_weights)]


Labelled = TypeVar("Labelled", bound="HasLabel")


class HasLabel(Protocol):
    label: int


def balanced_sample(examples: Sequence[Labelled], pairs: int, seed: int) -> list[Labelled]:
    """`pairs` examples (relation examples or NLI pairs), half positive and half negative (as
    many as exist), seeded: AUC and accuracy then weigh both classes alike."""
    rng = random.Random(seed)
    positives = [e for e in examples if e.label == 1]
    negatives = [e for e in examples if e.label == 0]
    half = min(pairs // 2, len(positives), len(negatives))
    chosen = rng.sample(positives, half) + rng.sample(negatives, half)
    rng.shuffle(chosen)
    return chosen
