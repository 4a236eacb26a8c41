"""Chinese Wikipedia specifics: variant markup and conversion to simplified script.

zhwiki stores each page in whichever script its authors wrote (often a mix) and renders it per
reader through `-{...}-` conversion markup. The pipeline works in simplified script (the KG's zh
labels are normalised the same way), so variant markup is resolved to the simplified choice before
parsing, and the rendered paragraphs are converted with OpenCC t2s piecewise so that link and
bold-mention offsets stay exact (see `offset_text.convert_segments`).
"""
from __future__ import annotations

import re
from collections.abc import Sequence

from kg2instruction.sources.offset_text import Span, convert_segments
from kg2instruction.text.normalize import to_simplified

# Variant codes in the order a mainland simplified reader's page would pick them.
SIMPLIFIED_PREFERENCE = ("zh-cn", "zh-hans", "zh-sg", "zh-my", "zh", "zh-hant", "zh-tw", "zh-hk", "zh-mo")
_VARIANT_MARKUP = re.compile(r"-\{(.{0,2000}?)\}-", re.DOTALL)
_FLAGS = re.compile(r"^\s*([A-Za-z;\s-]{1,20})\|")
_RULE = re.compile(r"^\s*(zh(?:-[a-z]+)?)\s*:(.*)$", re.DOTALL)
_SHOWN_FLAGS = {"R", "A"}  # R: raw text, A: add a rule and show it; H, T, D, - show nothing


def _pick_variant(body: str) -> str:
    rules: dict[str, str] = {}
    for part in body.split(";"):
        if "=>" in part:  # unidirectional rule "source=>zh-cn:target"
            part = part.split("=>", 1)[1]
        match = _RULE.match(part)
        if match:
            rules.setdefault(match.group(1), match.group(2).strip())
    if not rules:
        return body
    for code in SIMPLIFIED_PREFERENCE:
        if code in rules:
            return rules[code]
    return next(iter(rules.values()))


def _replace_markup(match: re.Match[str]) -> str:
    body = match.group(1)
    flags = _FLAGS.match(body)
    if flags:
        shown = {f.strip() for f in flags.group(1).split(";")}
        if shown & set(SIMPLIFIED_PREFERENCE[:4]):  # text restricted to variants that include ours
            return body[flags.end():]
        if not shown & _SHOWN_FLAGS:
            return ""
        body = body[flags.end():]
        if "R" in shown:
            return body
    return _pick_variant(body)


def resolve_variant_markup(wikitext: str) -> str:
    """`-{zh-cn:域;zh-tw:體}-` -> `域`; `-{text}-` -> `text`; hidden rules (`-{H|...}-`) -> ``."""
    if "-{" not in wikitext:
        return wikitext
    return _VARIANT_MARKUP.sub(_replace_markup, wikitext)


def simplify_with_spans(text: str, spans: Sequence[Span]) -> tuple[str, list[Span]]:
    """Traditional -> simplified, spans moved to the converted text."""
    return convert_segments(text, spans, to_simplified)
