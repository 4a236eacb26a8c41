"""The paper's error typology for predicted relation triples, made deterministic.

Each predicted triple p = (h, r, t) of a record gets exactly one class. Predictions are first
matched against the gold as the metrics do (normal: multiset, each gold copy used once; set:
duplicates removed on both sides); matched predictions are **correct**. Every other prediction
is compared with *all* gold triples g of its record, and the first rule that holds decides:

1. **duplicate** — p equals a gold triple whose copies are all used up (a repeated correct answer;
   possible in normal mode only). Not one of the paper's four, but it is neither of them.
2. **incongruent prediction** — the entities are right, the relation is wrong: some g has
   {g.h, g.t} == {h, t} (either direction) and g.r != r.
3. **boundary mismatch** — the relation is right and both entities match g's, but at least one
   only overlaps: some g has g.r == r and h ≈ g.h and t ≈ g.t, where a ≈ b means a == b or one
   is a non-empty substring of the other (a span too long or too short).
4. **entity mismatch** — the relation is right, one entity is right (or only off in its
   boundaries) and the other is a different entity: some g has g.r == r and (h ≈ g.h or
   t ≈ g.t), or the two entities are swapped ((h, t) == (g.t, g.h)).
5. **spurious relation** — anything else: the relation is not in the record's gold at all (with
   entities that do not form a gold pair), or no gold triple of that relation shares an entity.

Shares are given over all predictions and over the wrong ones (all classes but correct).
"""
from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from enum import Enum

from kg2instruction.evaluate.metrics import MatchMode
from kg2instruction.instructions.formats import Triple


class ErrorType(str, Enum):
    CORRECT = "correct"
    DUPLICATE = "duplicate"
    INCONGRUENT = "incongruent_prediction"
    BOUNDARY = "boundary_mismatch"
    ENTITY = "entity_mismatch"
    SPURIOUS = "spurious_relation"


WRONG = tuple(t for t in ErrorType if t is not ErrorType.CORRECT)


def classify_predictions(gold: Sequence[Triple], predicted: Sequence[Triple],
                         mode: MatchMode) -> list[ErrorType]:
    """One class per prediction (after de-duplication in set mode), in prediction order."""
    if MatchMode(mode) is MatchMode.SET:
        predicted = list(dict.fromkeys(predicted))
        gold = list(dict.fromkeys(gold))
    unused = Counter(gold)
    gold_set = set(gold)
    classes = []
    for p in predicted:
        if unused[p] > 0:
            unused[p] -= 1
            classes.append(ErrorType.CORRECT)
        elif p in gold_set:
            classes.append(ErrorType.DUPLICATE)
        else:
            classes.append(_classify_wrong(Triple(*p), gold))
    return classes


def _classify_wrong(p: Triple, gold: Sequence[Triple]) -> ErrorType:
    pair = {p.head, p.tail}
    if any({g.head, g.tail} == pair and g.relation != p.relation for g in gold):
        return ErrorType.INCONGRUENT
    same_relation = [g for g in gold if g.relation == p.relation]
    if any(_overlaps(p.head, g.head) and _overlaps(p.tail, g.tail) for g in same_relation):
        return ErrorType.BOUNDARY
    if any(_overlaps(p.head, g.head) or _overlaps(p.tail, g.tail)
           or (p.head, p.tail) == (g.tail, g.head) for g in same_relation):
        return ErrorType.ENTITY
    return ErrorType.SPURIOUS


def _overlaps(a: str, b: str) -> bool:
    return a == b or (bool(a) and bool(b) and (a in b or b in a))
