"""Hypotheses from relation templates: `[X]` is the head mention, `[Y]` the tail mention.

Templates come from the theme YAML (validated there: both placeholders present, no others). Some
template sources write a space before the final full stop (`[X] was born in [Y] .`); it is removed
so the hypothesis looks like the prose NLI models were trained on.
"""
from __future__ import annotations

import re
from collections.abc import Sequence

HEAD, TAIL = "[X]", "[Y]"
_SPACE_BEFORE_STOP = re.compile(r"\s+([.。!?])$")


def fill_template(template: str, head: str, tail: str) -> str:
    """One hypothesis; placeholders are replaced in a single pass so a mention that itself
    contains "[Y]" is not substituted twice."""
    filled = re.sub(r"\[X\]|\[Y\]", lambda m: head if m.group(0) == HEAD else tail, template)
    filled = _SPACE_BEFORE_STOP.sub(r"\1", filled.strip())
    return filled[:1].upper() + filled[1:] if filled[:1].islower() else filled


def fill_templates(templates: Sequence[str], head: str, tail: str) -> list[str]:
    """All hypotheses of a relation for one (head, tail), duplicates removed, order kept."""
    return list(dict.fromkeys(fill_template(t, head, tail) for t in templates))


def fill_claim_template(template: str, head: str, tail: str, direction: str | None) -> str:
    """A relation-sense hypothesis: sense templates are written for the KG claim ([X] = its
    subject), and a reversed triple's head is the claim's object, so its ends trade places."""
    if direction == "reverse":
        return fill_template(template, tail, head)
    return fill_template(template, head, tail)
