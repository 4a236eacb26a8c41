"""The refresh's progress file, so an interrupted refresh resumes where it stopped.

A refresh is a sequence of steps (download, build the KG, diff, plan, run, publish). Each
finished step is recorded, with what it produced, in `<root>/state.json` (written atomically). A
new refresh towards the same target (same dump date and sources) skips the recorded steps;
everything the steps write is itself atomic or content-addressed, so redoing an unrecorded step
after a crash is always safe.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any

import orjson
import pydantic

from kg2instruction.atomic import atomic_write_bytes
from kg2instruction.errors import InputError

STEPS = ("download", "build_kg", "diff", "plan", "run", "publish")


class RefreshState(pydantic.BaseModel):
    model_config = pydantic.ConfigDict(extra="forbid")

    target: dict[str, Any]                  # what this refresh produces (dump refs, themes)
    done: dict[str, dict[str, Any]] = {}    # step -> what it produced

    def finished(self, step: str) -> bool:
        return step in self.done


class StateFile:
    def __init__(self, path: Path) -> None:
        self.path = Path(path)

    def load(self, target: dict[str, Any]) -> RefreshState:
        """The state of an interrupted refresh towards `target`, or a fresh one."""
        if self.path.is_file():
            try:
                state = RefreshState.model_validate(orjson.loads(self.path.read_bytes()))
            except (orjson.JSONDecodeError, pydantic.ValidationError) as exc:
                raise InputError(self.path, f"unreadable refresh state ({exc}); delete it to "
                                            "start the refresh over") from None
            if state.target == target:
                return state
        return RefreshState(target=target)

    def record(self, state: RefreshState, step: str, result: dict[str, Any]) -> None:
        state.done[step] = result
        atomic_write_bytes(self.path, orjson.dumps(state.model_dump(mode="json"),
                                                   option=orjson.OPT_INDENT_2))

    def clear(self) -> None:
        self.path.unlink(missing_ok=True)
