"""Finding the checkpoint a resume continues from.

`Trainer` writes `checkpoint-<step>/` folders (adapter weights, optimizer, scheduler, RNG states)
and their `trainer_state.json` last; a folder without it was cut short by a kill during the save and
must not be trusted, so it is skipped here rather than handed to `Trainer`, which would fail on it.
"""
from __future__ import annotations

import json
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

_NAME = re.compile(r"^checkpoint-(\d+)$")
STATE_FILE = "trainer_state.json"


def checkpoint_step(path: Path) -> int:
    """The optimizer step a checkpoint folder was saved at (from its name)."""
    match = _NAME.match(Path(path).name)
    if match is None:
        raise ValueError(f"{path} is not a checkpoint folder")
    return int(match.group(1))


def latest_checkpoint(root: Path) -> Path | None:
    """The complete checkpoint with the highest step under `root`, if any."""
    if not root.is_dir():
        return None
    found = [(int(m.group(1)), p) for p in root.iterdir()
             if (m := _NAME.match(p.name)) and (p / STATE_FILE).is_file()]
    return max(found)[1] if found else None


def stored_differences(path: Path, current: Mapping[str, Any]) -> list[str] | None:
    """The keys whose value in the JSON object stored at `path` differs from `current`, sorted;
    None when nothing is stored. A resumed run (training checkpoints, sampled answers) compares
    what made the files with what would continue them."""
    if not path.is_file():
        return None
    earlier = json.loads(path.read_text(encoding="utf-8"))
    return sorted(k for k in current.keys() | earlier.keys() if earlier.get(k) != current.get(k))
