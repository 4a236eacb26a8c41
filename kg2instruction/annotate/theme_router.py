"""The theme of a paragraph: its page subject's type, or a text classifier when types say nothing.

The paper makes data theme-centric by page: a page about a person yields Person data. So the
routing key is the page entity (`page_qid`): its direct P31 classes are checked against the
routing table's `by_class` rules (lowest QID first when several match), then its category
(`TypeResolver`, priority order) against `by_category`; a subject the KG gives no class is
categorised by the properties of its statements (routed_by `claims`: the bundled KG has no P31
for most T-REx page subjects). Pages without a subject or whose
subject routes nowhere go to a `ThemeClassifier`: the built-in `KeywordThemeClassifier` scores
the page's text against each theme's own vocabulary (relation labels and NLI templates, en and
zh); a user model plugs in through `register_classifier`.
All paragraphs of a page get one theme: the classifier sees the page's paragraphs together.
"""
from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from kg2instruction.annotate.page_subject import subjects_from_titles
from kg2instruction.annotate.types import TypeResolver
from kg2instruction.config.routing import Routing
from kg2instruction.config.theme import Theme
from kg2instruction.kg.protocol import KnowledgeGraph, qid_number

_WORD = re.compile(r"[a-z]{3,}")
_HAN = re.compile(r"[\u4e00-\u9fff]+")
_STOPWORDS = frozenset("""the and was were for from with that this which has have had are its
its his her their into also been being not but one two other all any some such than then """
                       .split())
# Labels shared by every theme say nothing about which theme a text belongs to.
_GENERIC_LABELS = frozenset({"alternative name", "other", "possible"})


class ThemeClassifier(Protocol):
    """Assigns a theme to texts no routing rule covers; None when it cannot tell."""

    def classify(self, texts: Sequence[str], lang: str) -> list[str | None]:
        ...


ClassifierFactory = Callable[[Mapping[str, Theme]], ThemeClassifier]
_CLASSIFIERS: dict[str, ClassifierFactory] = {}


def register_classifier(name: str) -> Callable[[ClassifierFactory], ClassifierFactory]:
    """Make a classifier available to `theme_routing.yaml`'s `classifier:` by name. The factory
    receives every loaded theme (name -> Theme), e.g. to read their labels."""
    def decorate(factory: ClassifierFactory) -> ClassifierFactory:
        _CLASSIFIERS[name] = factory
        return factory
    return decorate


def make_classifier(name: str, themes: Mapping[str, Theme]) -> ThemeClassifier:
    """Instantiate a registered classifier; KeyError lists the registered names."""
    if name not in _CLASSIFIERS:
        raise KeyError(f"unknown theme classifier {name!r}; registered: {sorted(_CLASSIFIERS)}")
    return _CLASSIFIERS[name](themes)


def _tokens(text: str, lang: str) -> list[str]:
    """Lower-cased content words (en) or Han character bigrams (zh), which is all a keyword
    score needs and works without a segmenter."""
    if lang.startswith("zh"):
        return [run[i:i + 2] for run in _HAN.findall(text) for i in range(max(1, len(run) - 1))]
    return [w for w in _WORD.findall(text.lower()) if w not in _STOPWORDS]


def _theme_text(theme: Theme, lang: str) -> str:
    parts = [theme.name.in_lang(lang)]
    for relation in theme.relations:
        if relation.label.en in _GENERIC_LABELS:
            continue
        parts.append(relation.label.in_lang(lang))
        parts += [t.replace("[X]", " ").replace("[Y]", " ")
                  for t in relation.templates.in_lang(lang)]
    return " ".join(parts)


@register_classifier("keywords")
class KeywordThemeClassifier:
    """Scores a text against each theme's vocabulary with IDF weights across themes (a word in
    every theme's labels, like "name", weighs nothing); the best theme above `min_score` wins,
    ties broken by theme name."""

    def __init__(self, themes: Mapping[str, Theme], min_score: float = 1.0) -> None:
        self._themes = dict(sorted(themes.items()))
        self._min_score = min_score
        self._index: dict[str, dict[str, list[tuple[str, float]]]] = {}

    def _token_index(self, lang: str) -> dict[str, list[tuple[str, float]]]:
        """token -> [(theme, weight)] over the themes whose vocabulary has it."""
        if lang not in self._index:
            bags = {name: set(_tokens(_theme_text(theme, lang), lang))
                    for name, theme in self._themes.items()}
            document_frequency = Counter(token for bag in bags.values() for token in bag)
            n = len(bags)
            index: dict[str, list[tuple[str, float]]] = {}
            for name, bag in bags.items():
                for token in sorted(bag):
                    if document_frequency[token] < n:
                        weight = math.log(n / document_frequency[token])
                        index.setdefault(token, []).append((name, weight))
            self._index[lang] = index
        return self._index[lang]

    def classify(self, texts: Sequence[str], lang: str) -> list[str | None]:
        index = self._token_index(lang)
        results: list[str | None] = []
        for text in texts:
            scores: Counter[str] = Counter()
            for token, n in Counter(_tokens(text, lang)).items():
                for name, weight in index.get(token, ()):
                    scores[name] += weight * min(n, 3)
            best = max(sorted(scores), key=lambda name: scores[name], default=None)
            results.append(best if best is not None and scores[best] >= self._min_score else None)
        return results


@dataclass(frozen=True)
class RoutedPage:
    """The theme of one page and which rule decided it."""

    page_key: str
    theme: str | None
    routed_by: str      # class | category | claims | classifier | unrouted
    subject: str | None = None   # the page entity routing used (page_qid or from the title)


def direct_instances(kg: KnowledgeGraph, qids: Sequence[str], classes: Iterable[str]
                     ) -> dict[str, list[str]]:
    """Which of `classes` each entity is a direct instance of (P31, no P279 hop), lowest QID
    first. One batched `types` call with each class as its own root and depth 0: cheaper than
    fetching every neighbour, and the same on every backend."""
    roots = {qid: [qid] for qid in classes}
    found = kg.types(list(qids), roots, max_depth=0) if roots and qids else {}
    return {q: sorted(cs, key=qid_number) for q, cs in found.items()}


def route_pages(paragraphs: Iterable[Mapping[str, Any]], kg: KnowledgeGraph,
                resolver: TypeResolver, routing: Routing,
                classifier: ThemeClassifier | None) -> dict[str, RoutedPage]:
    """Theme per page (keyed by `page_id`) for a batch of PARAGRAPHS rows. A page without
    `page_qid` is routed by its title's entity (`subjects_from_titles`)."""
    pages: dict[str, dict[str, Any]] = {}
    for row in paragraphs:
        page = pages.setdefault(row["page_id"], {"qid": row.get("page_qid"), "lang": row["lang"],
                                                 "title": row.get("title"), "texts": []})
        page["texts"].append(row["text"])
    untitled = {(p["lang"], p["title"]) for p in pages.values() if not p["qid"] and p["title"]}
    by_title = subjects_from_titles(untitled, kg) if untitled else {}
    for page in pages.values():
        page["qid"] = page["qid"] or by_title.get((page["lang"], page["title"]))
    subjects = sorted({p["qid"] for p in pages.values() if p["qid"]})
    categories = resolver.categories(subjects) if subjects else {}
    classes = direct_instances(kg, subjects, routing.by_class)
    routed: dict[str, RoutedPage] = {}
    unrouted: dict[str, list[str]] = {}
    for key, page in sorted(pages.items()):
        qid = page["qid"]
        if qid:
            by_class = next((routing.by_class[c] for c in classes.get(qid, ())
                             if c in routing.by_class), None)
            if by_class is not None:
                routed[key] = RoutedPage(key, by_class, "class", qid)
                continue
            theme = routing.theme_for(categories.get(qid, "other"))
            if theme is not None:
                rule = "claims" if qid in resolver.typed_by_claims else "category"
                routed[key] = RoutedPage(key, theme, rule, qid)
                continue
        unrouted.setdefault(page["lang"], []).append(key)
    for lang, keys in sorted(unrouted.items()):
        guesses = (classifier.classify(["\n".join(pages[k]["texts"]) for k in keys], lang)
                   if classifier is not None else [None] * len(keys))
        for key, guess in zip(keys, guesses):
            routed[key] = RoutedPage(key, guess, "classifier" if guess else "unrouted",
                                     pages[key]["qid"])
    return routed
