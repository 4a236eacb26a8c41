"""Dates and quantities: Wikidata values rendered as text forms (en, zh) and recognised in text."""
from kg2instruction.values.quantity_forms import QuantityForm, render_quantity, unit_names
from kg2instruction.values.recognize import RecognisedValue, recognise_numbers, recognise_times
from kg2instruction.values.text_search import drop_nested, find_bounded, fold_text
from kg2instruction.values.time_forms import DateForm, render_time
from kg2instruction.values.wikidata_time import WikiTime, parse_wikidata_time

__all__ = ["DateForm", "QuantityForm", "RecognisedValue", "WikiTime", "drop_nested",
           "find_bounded", "fold_text", "parse_wikidata_time", "recognise_numbers",
           "recognise_times", "render_quantity", "render_time", "unit_names"]
