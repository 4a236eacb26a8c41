"""One answer against one instruction's gold, as a single number: what preference data ranks by.

`kg2i eval` sums facts over many records; building preference pairs needs a score per sampled
answer instead. The answer is read by the same strict rule (`strict`, through
`scoring.score_record`), and its score is the instance's F1 in percent. Two edge cases decide how
samples rank:

- gold and answer both extract nothing (``{"a": [], "b": []}`` against the same): 100, the answer is
  right, although micro F1 over zero facts is 0;
- an answer that does not parse (prose, a cut-off object) predicts nothing under the strict rule,
  which against an empty gold would also be "both empty"; it scores 0 instead, so that a broken
  answer never ties with a correct one and can be the rejected side of a pair.
"""
from __future__ import annotations

from kg2instruction.evaluate.metrics import MatchMode, precision_recall_f1
from kg2instruction.evaluate.records import GoldInstruction, gold_instruction
from kg2instruction.evaluate.scoring import Parsing, score_record

PERFECT = 100.0


def instance_gold(record: dict, *, source: str = "<instance>",
                  line: int | None = None) -> GoldInstruction:
    """The gold of one instruction record ({id, instruction, output, task, ...}), read as
    `kg2i eval` reads a gold line; a gold output in no known format is an InputError."""
    return gold_instruction(source, line, str(record.get("id", "")), 0, record)


def instance_score(gold: GoldInstruction, answer: str) -> float:
    """Strict instance F1 (percent) of `answer`; see the module doc for the two edge cases."""
    score = score_record([(gold, answer)], MatchMode.NORMAL, gold.labels, Parsing.STRICT)
    if score.parse_failures:
        return 0.0
    if score.counts.gold == 0 and score.counts.predicted == 0:
        return PERFECT
    return precision_recall_f1(score.counts).f1
