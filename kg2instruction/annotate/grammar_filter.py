"""Keep a labelled triple only where its evidence sentence links the two mentions the way the
relation's `syntax:` rule asks (see `grammatical_link`); parse each sentence once, in batches,
and only for dependency rules (a clause rule reads the text)."""
from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

from kg2instruction.annotate.grammatical_link import (LinkVerdict, dependency_link,
                                                      same_clause_link)
from kg2instruction.config.theme import DependencyPathRule, SyntaxRule, Theme
from kg2instruction.errors import ConfigError
from kg2instruction.ner.spacy_ner import load_spacy_pipeline

if TYPE_CHECKING:
    from spacy.tokens import Doc

_NOT_NEEDED_FOR_PARSING = ("ner", "senter")


class ParagraphLike(Protocol):
    text: str
    lang: str


class DependencyParsers:
    """spaCy pipelines by language, each loaded on first use (a shard without English triples
    that need a parse never loads one)."""

    def __init__(self, models: Mapping[str, str]) -> None:
        self._models = dict(models)
        self._loaded: dict[str, Any] = {}

    def has(self, lang: str) -> bool:
        return lang in self._models

    def check_installed(self) -> None:
        """Fail before any shard is read when a configured model is not installed (loading
        it waits for the first shard that needs a parse, which may be late in a run)."""
        from importlib.util import find_spec

        for lang, model in sorted(self._models.items()):
            if find_spec(model) is None:
                raise ConfigError(f"spaCy model {model!r} is not installed (pip install it, or "
                                  f"name another)", key=f"apply_schema.parsers.{lang}")

    def parse(self, lang: str, texts: Sequence[str]) -> list[Doc]:
        if lang not in self._loaded:
            # without a tagger no word has a part of speech, and no verb blocks a path
            self._loaded[lang] = load_spacy_pipeline(
                self._models[lang], _NOT_NEEDED_FOR_PARSING, required=("parser", "tagger"),
                key=f"apply_schema.parsers.{lang}")
        return list(self._loaded[lang].pipe(texts, batch_size=64))


def rule_language(lang: str) -> str:
    """The language key of a `syntax:` rule: regional Chinese codes (zh-hans, zh-cn) read zh."""
    return "zh" if lang.startswith("zh") else lang


def _end_span(triple: Mapping[str, Any], end: str, evidence: tuple[int, int]
              ) -> tuple[int, int] | None:
    """Where an end is written inside the evidence: its own mention, or the reference (pronoun,
    description) that stands for the page subject there."""
    for start_key, end_key in ((f"{end}_start", f"{end}_end"),
                               ("subject_ref_start", "subject_ref_end")):
        start, stop = triple.get(start_key), triple.get(end_key)
        if start is not None and stop is not None and evidence[0] <= start and stop <= evidence[1]:
            return start, stop
    return None


@dataclass(frozen=True)
class NationalityRule:
    """The rule for triples with a nationality word at one end (its mention ids), which replaces
    the relation's own: such a word names a country only through what it describes."""

    mention_ids: frozenset[str] = frozenset()
    syntax: Mapping[str, SyntaxRule] = field(default_factory=dict)

    def of(self, triple: Mapping[str, Any], lang: str) -> SyntaxRule | None:
        if lang in self.syntax and (triple.get("head_mention_id") in self.mention_ids
                                    or triple.get("tail_mention_id") in self.mention_ids):
            return self.syntax[lang]
        return None


def require_grammatical_links(triples: Sequence[dict[str, Any]], theme: Theme,
                              paragraphs: Mapping[str, ParagraphLike],
                              parsers: DependencyParsers, funnel: Counter[str],
                              nationality: NationalityRule = NationalityRule()
                              ) -> list[dict[str, Any]]:
    """The triples whose relation has no rule for their language, or whose evidence shows the
    link. Triples that cannot be checked (a dependency rule without a parser for the language,
    no evidence, an end not written in the evidence) are kept and counted `syntax_unchecked`.
    A triple with a nationality word at one end is judged by `nationality`'s rule instead."""
    pending: dict[tuple[str, int, int],
                  list[tuple[int, tuple[int, int], tuple[int, int], DependencyPathRule]]] = {}
    keep = [True] * len(triples)

    def judge(index: int, verdict: LinkVerdict) -> None:
        if not verdict.linked:
            keep[index] = False
            funnel[f"dropped.no_grammatical_link.{verdict.reason}"] += 1

    for index, triple in enumerate(triples):
        relation = theme.relation(triple["relation"]) if theme.has_relation(
            triple["relation"]) else None
        paragraph = paragraphs.get(triple["paragraph_id"])
        lang = rule_language(paragraph.lang) if paragraph is not None else ""
        if paragraph is None:
            continue
        rule = nationality.of(triple, lang) or (
            relation.syntax.get(lang) if relation is not None else None)
        if rule is None:
            continue
        start, stop = triple.get("evidence_start"), triple.get("evidence_end")
        head = tail = None
        if start is not None and stop is not None:
            head = _end_span(triple, "head", (start, stop))
            tail = _end_span(triple, "tail", (start, stop))
        if head is None or tail is None or (rule.dependency_path is not None
                                            and not parsers.has(lang)):
            funnel["syntax_unchecked"] += 1
            continue
        if rule.same_clause is not None:
            judge(index, same_clause_link(paragraph.text, head, tail, rule.same_clause))
            continue
        assert rule.dependency_path is not None     # a rule has exactly one form
        pending.setdefault((triple["paragraph_id"], start, stop), []).append(
            (index, (head[0] - start, head[1] - start), (tail[0] - start, tail[1] - start),
             rule.dependency_path))
    by_lang: dict[str, list[tuple[str, int, int]]] = {}
    for key in pending:
        by_lang.setdefault(rule_language(paragraphs[key[0]].lang), []).append(key)
    for lang, keys in sorted(by_lang.items()):
        texts = [paragraphs[pid].text[start:stop] for pid, start, stop in keys]
        for key, doc in zip(keys, parsers.parse(lang, texts)):
            for index, head, tail, path_rule in pending[key]:
                judge(index, dependency_link(doc, head, tail, path_rule))
    return [triple for triple, kept in zip(triples, keep) if kept]
