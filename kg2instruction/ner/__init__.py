"""Named-entity recognition behind one interface (`NerModel`), chosen by name (`create_ner`)."""
from kg2instruction.ner.base import NerModel, NerSpan
from kg2instruction.ner.registry import (DEFAULT_NER_BY_LANG, NerSpec, create_ner, create_ners,
                                         register_ner, registered_ner_names)

__all__ = ["NerModel", "NerSpan", "NerSpec", "DEFAULT_NER_BY_LANG", "create_ner", "create_ners",
           "register_ner", "registered_ner_names"]
