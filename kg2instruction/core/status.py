"""`kg2i status`: for each stage of a plan, its fingerprint and how many shards are done."""
from __future__ import annotations

from dataclasses import dataclass

from kg2instruction.core.runner import RunPlan
from kg2instruction.core.shard_store import ARTIFACT


@dataclass(frozen=True)
class StageStatus:
    stage: str
    kind: str
    fingerprint: str
    done: int
    total: int | None        # None: not known until the stage (a source, a reduce) has run

    @property
    def state(self) -> str:
        if self.total is not None and self.done >= self.total:
            return "done"
        return "partial" if self.done else "pending"


def plan_status(plan: RunPlan) -> list[StageStatus]:
    """Shards done per stage, read from the shard stores only (nothing is computed), so `status`
    is safe to call while a run is in progress. A map stage's total is its first input's shard
    count; a source or reduce stage's total is known only once it has completed."""
    totals: dict[str, int | None] = {}
    rows = []
    for name in plan.dag.order:
        planned = plan.stages[name]
        store, cls = planned.store, planned.node.cls
        complete = store.completed_shards(sync=False)
        if complete is not None:
            total: int | None = len(complete)
        elif cls.kind == "artifact":
            total = 1
        elif cls.kind == "map":
            total = totals.get(planned.node.table_inputs[0])
        else:
            total = None
        done = len(store.done_shards()) if cls.kind != "artifact" else int(store.is_done(ARTIFACT))
        totals[name] = total
        rows.append(StageStatus(name, cls.kind, planned.fingerprint, done, total))
    return rows
