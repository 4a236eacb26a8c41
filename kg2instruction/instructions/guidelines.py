"""Annotation guidelines of a theme's relations: one plain statement per label, per language.

ADELIE's IEInstruct may show, with the candidate labels, what each label means. Theme relations
carry no description field, but each has NLI templates per language (`templates`, written to
state exactly that relation: "[X] was born in [Y]."), and they are per theme label, where
`relation_senses.yaml` is per Wikidata property (a label may gather several) and English-only
labels would not serve Chinese records. So a guideline is the label's first template in the
record's language with its placeholders named: ``place of birth: <subject> was born in <object>.``
A label without a template in that language has no guideline (it is still listed as an option).
Entity types have no descriptions or templates, so NER instructions get no guidelines.
"""
from __future__ import annotations

from typing import Any

SLOT_NAMES = {"en": ("<subject>", "<object>"), "zh": ("<主体>", "<客体>")}


def relation_guidelines(theme: Any, lang: str) -> dict[str, str]:
    """Theme label in `lang` -> its guideline sentence (labels without a template left out)."""
    key = "zh" if lang.startswith("zh") else "en"
    subject, obj = SLOT_NAMES[key]
    guidelines = {}
    for relation in theme.relations:
        templates = relation.templates.in_lang(key)
        if templates:
            guidelines[relation.label.in_lang(key)] = (
                templates[0].replace("[X]", subject).replace("[Y]", obj))
    return guidelines
