"""Dates and quantities: Wikidata values rendered as text forms (en, zh) and recognised in text.

The exports are imported on first use: `quantity_forms` loads unit tables and pydantic models,
which a caller of `values.wikidata_time` alone should not pay for.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

from kg2instruction.lazy_exports import lazy_exports

if TYPE_CHECKING:
    from kg2instruction.values.quantity_forms import QuantityForm, render_quantity, unit_names
    from kg2instruction.values.recognize import (RecognisedValue, recognise_numbers,
                                                 recognise_times)
    from kg2instruction.values.text_search import drop_nested, find_bounded, fold_text
    from kg2instruction.values.time_forms import DateForm, render_time
    from kg2instruction.values.wikidata_time import WikiTime, parse_wikidata_time

_MODULES = {
    "kg2instruction.values.quantity_forms": ("QuantityForm", "render_quantity", "unit_names"),
    "kg2instruction.values.recognize": ("RecognisedValue", "recognise_numbers",
                                        "recognise_times"),
    "kg2instruction.values.text_search": ("drop_nested", "find_bounded", "fold_text"),
    "kg2instruction.values.time_forms": ("DateForm", "render_time"),
    "kg2instruction.values.wikidata_time": ("WikiTime", "parse_wikidata_time"),
}
_EXPORTS = {name: module for module, names in _MODULES.items() for name in names}
__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)
__all__ = sorted(_EXPORTS)
