"""Counts of bad inputs tried, for `benchmarks/reliability.py`: when KG2I_RELIABILITY_LOG names a
file, every tried input appends one JSON line {"kind": ...}; otherwise this does nothing."""
from __future__ import annotations

import json
import os


def tally(kind: str) -> None:
    path = os.environ.get("KG2I_RELIABILITY_LOG")
    if path:
        with open(path, "a", encoding="utf-8") as fh:
            fh.write(json.dumps({"kind": kind}) + "\n")
