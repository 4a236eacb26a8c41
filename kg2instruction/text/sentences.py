"""Sentence boundaries, shared by evidence finding (what a triple may be read from) and the NLI
premise (what the verifier reads): both must cut the text the same way, or a triple would be
verified against a different sentence than the one it was found in.

Rule-based on purpose: it runs on every paragraph of a dump, on the CPU, in the mention stage's
budget, and Wikipedia prose is well punctuated. Short abbreviations ("Dr.", "U.S.", "St.") do not
end a sentence.
"""
from __future__ import annotations

import bisect
import re

from kg2instruction.text.normalize import is_unspaced

# A sentence ends at . ! ? (optionally closed by quotes/brackets) followed by whitespace and a
# capital, digit or opening quote -- but not after short abbreviations ("Dr.", "U.S.", "St.").
_EN_END = re.compile(r"""[.!?]["')\]]*\s+(?=["'(\[]?[A-Z0-9])""")
# Abbreviations are listed, not guessed from shape: "Rome." and "Ohio." end sentences.
_EN_ABBREV = re.compile(
    r"(?:\b(?:Mr|Mrs|Ms|Dr|Prof|St|Ste|Mt|Ft|Jr|Sr|Gen|Col|Maj|Lt|Capt|Cmdr|Adm|Sgt|Gov|Sen|"
    r"Rep|Rev|Hon|Fr|Pres|Messrs|Co|Corp|Inc|Ltd|Bros|No|Nos|Vol|Vols|vs|ca|cf|approx|Jan|Feb|"
    r"Mar|Apr|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec|fl|op|pp|c|b|d|p)|\b[A-Z]|"
    r"\b(?:[A-Za-z]\.){2,})\.$")
# Chinese full-width terminators; closing quotes/brackets stay with their sentence.
_ZH_END = re.compile(r"[。！？!?；;]+[」』”’）)]*")


def sentence_spans(text: str, lang: str) -> list[tuple[int, int]]:
    """[start, end) character spans of the sentences of `text`, covering it without gaps."""
    ends: list[int] = []
    if is_unspaced(lang):
        ends = [m.end() for m in _ZH_END.finditer(text)]
    else:
        for match in _EN_END.finditer(text):
            if not _EN_ABBREV.search(text[max(0, match.start() - 12):match.start() + 1]):
                ends.append(match.end())
        ends += [m.end() for m in re.finditer(r"\n+", text)]   # a line break always ends one
        ends.sort()
    spans, start = [], 0
    for end in ends:
        if end > start and end < len(text):
            spans.append((start, end))
            start = end
    spans.append((start, len(text)))
    return spans


class Sentences:
    """The sentences of one text, with offset lookup."""

    def __init__(self, text: str, lang: str) -> None:
        self.spans = sentence_spans(text, lang)
        self._starts = [start for start, _ in self.spans]

    def index_of(self, offset: int) -> int:
        """Index of the sentence holding character `offset`."""
        return max(0, bisect.bisect_right(self._starts, offset) - 1)

    def span_of(self, offset: int) -> tuple[int, int]:
        return self.spans[self.index_of(offset)]
