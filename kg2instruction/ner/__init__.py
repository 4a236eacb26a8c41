"""Named-entity recognition behind one interface (`NerModel`), chosen by name (`create_ner`).

The exports are imported on first use, so importing `kg2instruction.ner.base` alone does not load
the registry and its back-ends.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

from kg2instruction.lazy_exports import lazy_exports

if TYPE_CHECKING:
    from kg2instruction.ner.base import NerModel, NerSpan
    from kg2instruction.ner.registry import (DEFAULT_NER_BY_LANG, NerSpec, create_ner,
                                             create_ners, register_ner, registered_ner_names)

_EXPORTS = {
    "NerModel": "kg2instruction.ner.base", "NerSpan": "kg2instruction.ner.base",
    **{name: "kg2instruction.ner.registry" for name in (
        "DEFAULT_NER_BY_LANG", "NerSpec", "create_ner", "create_ners", "register_ner",
        "registered_ner_names")},
}
__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)
__all__ = ["NerModel", "NerSpan", "NerSpec", "DEFAULT_NER_BY_LANG", "create_ner", "create_ners",
           "register_ner", "registered_ner_names"]
