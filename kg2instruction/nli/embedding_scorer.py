"""Embedding-similarity baseline: cosine of sentence embeddings of premise and hypothesis.

Not an entailment model: it measures topical closeness, which is exactly what co-occurrence
already gives, so it shows how much a cross-encoder adds. Cosines are mapped to [0, 1] as
(1 + cos) / 2 so they fit the scorer interface; thresholds are not comparable with NLI ones.
"""
from __future__ import annotations

from collections.abc import Sequence

from kg2instruction.nli.scorer import Pair


class EmbeddingSimilarityScorer:
    def __init__(self, model_path: str, batch_size: int = 64) -> None:
        from sentence_transformers import SentenceTransformer

        self.model = SentenceTransformer(model_path, device="cpu")
        self.batch_size = batch_size

    def entailment_probs(self, pairs: Sequence[Pair]) -> list[float]:
        if not pairs:
            return []
        texts = list(dict.fromkeys(t for pair in pairs for t in pair))
        vectors = self.model.encode(texts, batch_size=self.batch_size, normalize_embeddings=True,
                                    convert_to_tensor=True, show_progress_bar=False)
        index = {text: i for i, text in enumerate(texts)}
        return [float((1 + vectors[index[p]] @ vectors[index[h]]) / 2) for p, h in pairs]
