"""Does the text state that one name is another name of the same entity?

Two spellings of one entity in a paragraph are not a naming statement: "Einstein" after "Albert
Einstein" is a way of referring, and a hand audit found 1 of 8 such `alternative name` triples
right. Wikipedia states names in a few fixed ways, and only those count:

- the bold names of the lead (the subject's own names, which the reader marks as `subject`);
- a bracket opened right after the name: "International Organization for Standardization
  (ISO)", "Louis IX (German: Ludwig IX)";
- a naming phrase between the two: "also known as", "nicknamed", "born", "née", "or", "called";
- a naming noun just before the second: "his nickname 'Honest Abe'", "pen name", "stage name".

Chinese has its own cue words (又名, 简称, 原名, 本名, 别称, 字, 号 ...) and full-width brackets.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from kg2instruction.text.normalize import is_unspaced

_QUOTES = "\"'“‘「『《"
_EN_LEADERS = r"(?:also|formerly|originally|commonly|better|popularly|often|sometimes|simply|" \
              r"now|later|officially|locally|usually|affectionately)"
_EN_CUES = r"(?:known as|called|named|renamed|nicknamed|referred to as|styled|spelled|spelt|" \
           r"written|abbreviated(?: as| to)?|shortened to|a\.k\.a\.?|aka|née|nee|born|or)"
_EN_BETWEEN = re.compile(
    rf"^\s*,?\s*[(\[]?\s*(?:{_EN_LEADERS}\s+)*{_EN_CUES}\s*[,:]?\s*[{_QUOTES}]?\s*$",
    re.IGNORECASE)
_EN_NOUN_BEFORE = re.compile(
    rf"(?:nickname|nicknames|pen name|stage name|ring name|pseudonym|nom de plume|byname|"
    rf"epithet|moniker|birth name|real name|full name|official name|short name|acronym|"
    rf"abbreviation)s?\s*(?:is|was|of)?\s*[,:]?\s*[{_QUOTES}]?\s*$", re.IGNORECASE)
_ZH_CUES = r"(?:又名|又称|又叫|别名|别称|简称|原名|本名|全称|旧称|俗称|通称|亦称|或称|也称|人称|" \
           r"昵称|笔名|艺名|英语|英文|字|号|或)"
_ZH_NAMING = re.compile(rf"{_ZH_CUES}|[（(]")
_ZH_BETWEEN = re.compile(rf"^\s*[，,、]?\s*[（(]?\s*{_ZH_CUES}?\s*[：:]?\s*[{_QUOTES}]?\s*$")
# A bracket opened after the first name, still open at the second: nothing but a label
# ("German:", "Arabic:"), earlier names separated by commas/semicolons, or quotes inside it.
_BRACKET = re.compile(rf"^\s*[(（]\s*(?:[^()（）]{{0,40}}[:;,：；，]\s*)?[{_QUOTES}]?\s*$")


@dataclass(frozen=True)
class NameMention:
    """A mention of the entity whose names are compared."""

    start: int
    end: int
    bold: bool = False    # one of the lead's bold subject names


def states_other_name(text: str, lang: str, first: NameMention, second: NameMention) -> bool:
    """True when `second` (after `first`) is introduced by the text as another name of the
    entity `first` names."""
    if second.start < first.end:
        return False
    if first.bold and second.bold:
        return True
    between = text[first.end:second.start]
    if len(between) > 60:
        between_cue = False
    elif is_unspaced(lang):
        # "、" and "，" alone enumerate different things ("邻里、街坊"); a name needs its cue
        between_cue = bool(_ZH_BETWEEN.match(between) and _ZH_NAMING.search(between))
    else:
        between_cue = bool(_EN_BETWEEN.match(between))
    if between_cue or _BRACKET.match(between):
        return True
    before = text[max(first.end, second.start - 40):second.start]
    return bool(_EN_NOUN_BEFORE.search(before))
