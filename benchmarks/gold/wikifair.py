"""Mention detection and entity linking scored on Wiki-Fair v2 (hand-linked Wikipedia articles).

Wiki-Fair (ELEVANT benchmark, tests/fixtures/gold/wiki-fair/) gives full enwiki articles with
their original hyperlinks and, inside an evaluation span, every mention of an entity of a
whitelisted type hand-linked to a Wikidata QID (or DATETIME / QUANTITY, or <NIL> for an entity
Wikidata lacks). Each article becomes PARAGRAPHS rows the way a dump page would: split on blank
lines with offsets kept, hyperlinks as links (target = resolved = the linked title: the benchmark
gives no redirects), the benchmark's bold title spans (`title_synonyms`) as subject spans, the
article title as page title and no page QID (the bundled KG has no sitelinks, so titles resolve
by name as on the sample). The mention and linking steps then run exactly as the stages run them.

Scoring follows the benchmark's own rules (ELEVANT's evaluation):
- Spans match exactly or after widening both to word boundaries ("Albert" ~ "Albert's").
- Nested labels are alternatives: a gold mention is found when its own span is predicted, or
  every one of its children is (recursively); datetime/quantity, optional and coreference
  children never block that (the benchmark does not require them).
- Gold mentions counted for recall: root labels with a QID, not coreference (pronouns and
  definite descriptions: the chain does no coreference), not optional. Split into hyperlink
  mentions (a hyperlink inside the mention) and the rest.
- Linking accuracy: over gold mentions found with the same span whose QID(s) the KG knows; an
  unlinked found mention counts as wrong (and is reported apart).
- Precision of our linked mentions inside the evaluation span: right when a gold label at that
  span has the same QID; wrong when the gold label there differs (another QID, a date, <NIL>),
  or when it only overlaps gold labels (wrong span). With no gold label anywhere near, it is a
  false link only where the gold set is exhaustive: the benchmark annotates every entity of its
  whitelisted types, approximated here by the pipeline's entity-type categories (an entity that
  reaches any category other than `other`); links to untyped entities are counted as unjudged.
  Strict precision (every unmatched link wrong, as ELEVANT counts) is reported beside it.

`linking_accuracy` counts a found mention left unlinked as wrong; `accuracy_of_linked` is over
the found mentions that were linked (the wrong-entity rate).

Usage: .venv/bin/python benchmarks/gold/wikifair.py [--wikifair FILE] [--errors FILE]
Prints the result as JSON; writes one line per judged case (every error, and the right links,
with how each was decided) to the errors file, for analysis.
"""
from __future__ import annotations

import argparse
import gzip
import json
import re
import sys
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyarrow as pa

from kg2instruction.annotate.disambiguate import LinkConfig, link_entities
from kg2instruction.annotate.mention import VALUE_SOURCES
from kg2instruction.annotate.mentions import MentionConfig, annotate_mentions, run_ner
from kg2instruction.annotate.types import TypeResolver
from kg2instruction.config.entity_types import FALLBACK_CATEGORY, EntityTypes, load_entity_types
from kg2instruction.kg.protocol import KnowledgeGraph
from kg2instruction.ner.base import NerModel
from kg2instruction.schemas import PARAGRAPHS
from kg2instruction.sources.wiki_titles import normalize_title

REPO = Path(__file__).resolve().parents[2]
DEFAULT_WIKIFAIR = REPO / "tests/fixtures/gold/wiki-fair/wiki-fair-v2-dev.benchmark.jsonl.gz"
SOURCE = "wiki-fair"
_VALUE_ENTITIES = frozenset({"DATETIME", "QUANTITY"})
_QID = re.compile(r"^Q[1-9][0-9]*$")
_BLANK_LINE = re.compile(r"\n[ \t]*\n\s*")

Span = tuple[int, int]


@dataclass(frozen=True)
class GoldLabel:
    id: int
    start: int
    end: int
    entity: str                      # QID, DATETIME, QUANTITY or <NIL>
    name: str
    parent: int | None
    children: tuple[int, ...]
    coref: bool
    optional: bool
    desc: bool

    @property
    def span(self) -> Span:
        return (self.start, self.end)

    @property
    def is_qid(self) -> bool:
        return bool(_QID.match(self.entity))

    @property
    def neutral(self) -> bool:
        """Never required by the benchmark: values, optional names, coreference."""
        return self.entity in _VALUE_ENTITIES or self.optional or self.coref


@dataclass(frozen=True)
class Article:
    id: str
    title: str
    text: str
    hyperlinks: tuple[tuple[int, int, str], ...]
    subject_spans: tuple[Span, ...]
    evaluation_span: Span
    labels: tuple[GoldLabel, ...]


def read_articles(path: str | Path) -> list[Article]:
    """The benchmark's articles, in file order (plain or gzipped JSONL)."""
    path = Path(path)
    opener = gzip.open if path.read_bytes()[:2] == b"\x1f\x8b" else open
    articles = []
    with opener(path, "rt", encoding="utf-8") as stream:
        for line in stream:
            if not line.strip():
                continue
            raw = json.loads(line)
            labels = tuple(GoldLabel(
                id=lab["id"], start=lab["span"][0], end=lab["span"][1], entity=lab["entity_id"],
                name=lab.get("name", ""), parent=lab.get("parent"),
                children=tuple(lab.get("children") or ()), coref=bool(lab.get("coref")),
                optional=bool(lab.get("optional")), desc=bool(lab.get("desc")))
                for lab in raw["labels"])
            articles.append(Article(
                id=str(raw["id"]), title=raw["title"], text=raw["text"],
                hyperlinks=tuple((s, e, t) for (s, e), t in raw.get("hyperlinks", ())),
                subject_spans=tuple(tuple(s) for s in raw.get("title_synonyms", ())),
                evaluation_span=tuple(raw["evaluation_span"]), labels=labels))
    return articles


def paragraph_blocks(text: str) -> list[Span]:
    """(start, end) of each blank-line separated block, surrounding whitespace excluded."""
    blocks = []
    start = 0
    for sep in [*_BLANK_LINE.finditer(text), None]:
        end = sep.start() if sep else len(text)
        chunk = text[start:end]
        lead = len(chunk) - len(chunk.lstrip())
        trail = len(chunk.rstrip())
        if trail > lead:
            blocks.append((start + lead, start + trail))
        if sep:
            start = sep.end()
    return blocks


def article_paragraphs(article: Article) -> list[tuple[int, dict[str, Any]]]:
    """(offset in the article, PARAGRAPHS row) per paragraph; the title heading is left out."""
    rows = []
    for start, end in paragraph_blocks(article.text):
        text = article.text[start:end]
        if not rows and text.strip() == article.title.strip():
            continue
        index = len(rows)
        rows.append((start, {
            "paragraph_id": f"en:{article.id}:{index}", "page_id": article.id, "rev_id": None,
            "lang": "en", "title": article.title, "page_qid": None, "section": "", "index": index,
            "text": text,
            "links": [{"start": s - start, "end": e - start, "anchor": article.text[s:e],
                       "target": normalize_title(t), "resolved": normalize_title(t)}
                      for s, e, t in article.hyperlinks if start <= s < e <= end],
            "subject_spans": [{"start": s - start, "end": e - start}
                              for s, e in article.subject_spans if start <= s < e <= end],
            "source": SOURCE,
        }))
    return rows


def word_boundary(span: Span, text: str) -> Span:
    """The span widened to whole words (apostrophes, quotes and '_' count as word characters),
    as the benchmark widens spans before comparing them."""
    start, end = span
    while start > 0 and (text[start - 1].isalnum() or text[start - 1] in "'\"_"):
        start -= 1
    while end < len(text) - 1 and (text[end].isalnum() or text[end] in "'\"_"):
        end += 1
    if text[start] == '"' and '"' not in text[start + 1:end]:
        start += 1
    return (start, end)


def annotate_articles(articles: Sequence[Article], kg: KnowledgeGraph, ners: Mapping[str, NerModel],
                      mention_config: MentionConfig | None = None,
                      link_config: LinkConfig | None = None,
                      entity_types: EntityTypes | None = None) -> dict[str, list[dict[str, Any]]]:
    """article id -> our linked mentions, offsets shifted to the article text. All articles are
    one shard, as a reader would hand them to the stages."""
    offsets: dict[str, tuple[str, int]] = {}
    rows = []
    for article in articles:
        for offset, row in article_paragraphs(article):
            offsets[row["paragraph_id"]] = (article.id, offset)
            rows.append(row)
    table = pa.Table.from_pylist(rows, schema=PARAGRAPHS)
    mentions, _ = annotate_mentions(table, run_ner(table, ners), kg, mention_config or MentionConfig())
    linked, _ = link_entities(mentions, table, kg, link_config or LinkConfig(), entity_types)
    by_article: dict[str, list[dict[str, Any]]] = {a.id: [] for a in articles}
    for m in linked.to_pylist():
        article_id, offset = offsets[m["paragraph_id"]]
        by_article[article_id].append({**m, "start": m["start"] + offset, "end": m["end"] + offset})
    return by_article


class _Predictions:
    """Our mentions of one article, findable by exact or word-boundary span."""

    def __init__(self, text: str, mentions: Iterable[dict[str, Any]]) -> None:
        self.text = text
        self.mentions = list(mentions)
        self._at: dict[Span, dict[str, Any]] = {}
        for m in self.mentions:
            self._at.setdefault((m["start"], m["end"]), m)
        for m in self.mentions:
            self._at.setdefault(word_boundary((m["start"], m["end"]), text), m)

    def at(self, span: Span) -> dict[str, Any] | None:
        return self._at.get(span) or self._at.get(word_boundary(span, self.text))

    def overlapping(self, span: Span) -> list[dict[str, Any]]:
        return [m for m in self.mentions if m["start"] < span[1] and span[0] < m["end"]
                and m["source"] not in VALUE_SOURCES]


Leaves = list[tuple[GoldLabel, dict[str, Any]]]


def _leaves(label: GoldLabel, labels: Mapping[int, GoldLabel], preds: _Predictions,
            prefer_correct: bool) -> Leaves | None:
    """The predicted mentions that cover `label`: its own span, else all its required children
    (recursively). None when it is not covered. With `prefer_correct`, a wrongly linked own span
    gives way to a children path that is linked right (the benchmark accepts either)."""
    own = preds.at(label.span)
    own_leaves = [(label, own)] if own is not None else None
    if own_leaves and (not prefer_correct or own["qid"] == label.entity):
        return own_leaves
    if label.children:
        parts = []
        for child_id in label.children:
            child = labels[child_id]
            if child.neutral:
                continue
            found = _leaves(child, labels, preds, prefer_correct)
            if found is None:
                parts = None
                break
            parts += found
        if parts and (own_leaves is None or all(m["qid"] == g.entity for g, m in parts)):
            return parts
    return own_leaves


def _covers_hyperlink(label: GoldLabel, article: Article) -> bool:
    return any(label.start <= s and e <= label.end for s, e, _ in article.hyperlinks)


def _context(text: str, start: int, end: int, width: int = 60) -> str:
    return (text[max(0, start - width):start] + "[[" + text[start:end] + "]]"
            + text[end:end + width]).replace("\n", " ")


class _Tally:
    def __init__(self) -> None:
        self.counts: Counter[str] = Counter()

    def ratio(self, num: str, den: str) -> float | None:
        return round(self.counts[num] / self.counts[den], 4) if self.counts[den] else None


def evaluate_wikifair(path: str | Path, kg: KnowledgeGraph, ners: Mapping[str, NerModel], *,
                      mention_config: MentionConfig | None = None,
                      link_config: LinkConfig | None = None,
                      errors_path: str | Path | None = None,
                      entity_types_path: str | Path = REPO / "themes/entity_types.yaml"
                      ) -> dict[str, Any]:
    """Mention recall, linking accuracy and link precision on one Wiki-Fair split (see the
    module docstring for the rules), hyperlink mentions and other mentions apart."""
    articles = read_articles(path)
    entity_types = load_entity_types(Path(entity_types_path))
    predicted = annotate_articles(articles, kg, ners, mention_config, link_config, entity_types)
    gold_qids = sorted({lab.entity for a in articles for lab in a.labels if lab.is_qid})
    known = set(kg.labels(gold_qids, "en")) | set(kg.aliases(gold_qids, "en"))
    linked_qids = sorted({m["qid"] for ms in predicted.values() for m in ms if m["qid"]})
    resolver = TypeResolver(kg, entity_types)
    typed = {q for q, c in resolver.categories(linked_qids).items() if c != FALLBACK_CATEGORY}
    names = kg.labels(sorted(set(linked_qids) | set(gold_qids)), "en")

    tallies = {"hyperlink": _Tally(), "other": _Tally()}
    errors: list[dict[str, Any]] = []
    for article in articles:
        preds = _Predictions(article.text, predicted[article.id])
        labels = {lab.id: lab for lab in article.labels}
        _score_gold(article, labels, preds, known, names, tallies, errors)
        _score_links(article, preds, typed, names, tallies, errors)

    report: dict[str, Any] = {"articles": len(articles), "gold_file": Path(path).name}
    for kind, tally in tallies.items():
        c = tally.counts
        report[kind] = {
            "gold_mentions": c["gold"],
            "mention_recall_exact": tally.ratio("found_exact", "gold"),
            "mention_recall_overlap": tally.ratio("found_overlap", "gold"),
            "gold_qid_in_kg_share": tally.ratio("gold_in_kg", "gold"),
            "found_in_kg": c["found_in_kg"],
            "linking_accuracy": tally.ratio("correct", "found_in_kg"),
            "accuracy_of_linked": (round(c["correct"] / (c["correct"] + c["wrong"]), 4)
                                   if c["correct"] + c["wrong"] else None),
            "found_in_kg_unlinked": c["unlinked"],
            "found_in_kg_wrong": c["wrong"],
            "linked_mentions": c["linked"],
            "link_precision": tally.ratio("link_right", "link_judged"),
            "link_precision_strict": tally.ratio("link_right", "linked"),
            "links_right": c["link_right"],
            "links_wrong_entity": c["link_wrong_entity"],
            "links_wrong_span": c["link_wrong_span"],
            "links_no_gold_typed": c["link_no_gold"],
            "links_unjudged": c["link_unjudged"],
        }
    if errors_path is not None:
        Path(errors_path).parent.mkdir(parents=True, exist_ok=True)
        with open(errors_path, "w", encoding="utf-8") as out:
            for error in errors:
                out.write(json.dumps(error, ensure_ascii=False) + "\n")
    return report


def _score_gold(article: Article, labels: Mapping[int, GoldLabel], preds: _Predictions,
                known: set[str], names: Mapping[str, str], tallies: Mapping[str, _Tally],
                errors: list[dict[str, Any]]) -> None:
    for label in article.labels:
        if label.parent is not None or not label.is_qid or label.coref or label.optional:
            continue
        kind = "hyperlink" if _covers_hyperlink(label, article) else "other"
        c = tallies[kind].counts
        c["gold"] += 1
        leaves = _leaves(label, labels, preds, prefer_correct=True)
        base = {"article": article.title, "kind": kind, "span": label.span,
                "surface": article.text[label.start:label.end], "gold": label.entity,
                "gold_name": label.name, "desc": label.desc,
                "context": _context(article.text, label.start, label.end)}
        in_kg = label.entity in known if leaves is None else all(
            g.entity in known for g, _ in leaves)
        c["gold_in_kg"] += label.entity in known
        if leaves is None:
            overlap = preds.overlapping(label.span)
            c["found_overlap"] += bool(overlap)
            errors.append({**base, "error": "missed_overlap" if overlap else "missed",
                           "in_kg": label.entity in known,
                           "ours": [(m["surface"], m["source"], m["qid"]) for m in overlap]})
            continue
        c["found_exact"] += 1
        c["found_overlap"] += 1
        if not in_kg:
            continue
        c["found_in_kg"] += 1
        wrong = [(g, m) for g, m in leaves if m["qid"] != g.entity]
        if not wrong:
            c["correct"] += 1
            continue
        unlinked = all(m["qid"] is None for _, m in wrong)
        c["unlinked" if unlinked else "wrong"] += 1
        errors.append({**base, "error": "unlinked" if unlinked else "wrong_entity",
                       "ours": [{"surface": m["surface"], "gold": g.entity, "qid": m["qid"],
                                 "name": names.get(m["qid"] or ""), "source": m["source"],
                                 "linked_by": m["linked_by"], "target": m["link_target"],
                                 "runner_up": m["runner_up_qid"], "n_candidates": m["n_candidates"]}
                                for g, m in wrong]})


def _score_links(article: Article, preds: _Predictions, typed: set[str], names: Mapping[str, str],
                 tallies: Mapping[str, _Tally], errors: list[dict[str, Any]]) -> None:
    at: dict[Span, list[GoldLabel]] = {}
    for label in article.labels:
        at.setdefault(label.span, []).append(label)
        at.setdefault(word_boundary(label.span, article.text), []).append(label)
    lo, hi = article.evaluation_span
    for m in preds.mentions:
        if m["qid"] is None or m["source"] in VALUE_SOURCES or not (lo <= m["start"] and m["end"] <= hi):
            continue
        kind = "hyperlink" if m["source"] == "link" else "other"
        c = tallies[kind].counts
        c["linked"] += 1
        span = (m["start"], m["end"])
        gold = at.get(span) or at.get(word_boundary(span, article.text))
        if gold:
            c["link_judged"] += 1
            if any(g.entity == m["qid"] for g in gold):
                c["link_right"] += 1
                errors.append({"article": article.title, "kind": kind, "error": "right_link",
                               "span": span, "surface": m["surface"], "qid": m["qid"],
                               "source": m["source"], "linked_by": m["linked_by"],
                               "ner_label": m["ner_label"]})
                continue
            c["link_wrong_entity"] += 1
            verdict = "false_link"
        elif any(lab.start < m["end"] and m["start"] < lab.end for lab in article.labels):
            c["link_judged"] += 1
            c["link_wrong_span"] += 1
            verdict = "false_link_span"
        elif m["qid"] in typed:
            c["link_judged"] += 1
            c["link_no_gold"] += 1
            verdict = "false_link_no_gold"
        else:
            c["link_unjudged"] += 1
            verdict = "unjudged_link"
        errors.append({"article": article.title, "kind": kind, "error": verdict, "span": span,
                       "surface": m["surface"], "qid": m["qid"], "name": names.get(m["qid"]),
                       "gold": [g.entity for g in gold or ()], "source": m["source"],
                       "linked_by": m["linked_by"], "target": m["link_target"],
                       "ner_label": m["ner_label"], "context": _context(article.text, *span)})


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--wikifair", type=Path, default=DEFAULT_WIKIFAIR)
    parser.add_argument("--kg-dump", type=Path, default=REPO / "pipelines/sample/wikidata-mini.json.bz2")
    parser.add_argument("--cache-dir", type=Path, default=REPO / "cache/benchmarks")
    parser.add_argument("--errors", type=Path, default=REPO / "cache/benchmarks/wikifair-errors.jsonl")
    args = parser.parse_args(argv)
    sys.path.insert(0, str(REPO / "benchmarks"))
    from annotation_chain import open_kg  # noqa: PLC0415 (benchmark helper, not a package)

    from kg2instruction.ner.registry import NerSpec, create_ner  # noqa: PLC0415
    with open_kg(args.kg_dump, args.cache_dir) as kg:
        report = evaluate_wikifair(args.wikifair, kg, {"en": create_ner(NerSpec(name="spacy"))},
                                   errors_path=args.errors)
    print(json.dumps(report, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
