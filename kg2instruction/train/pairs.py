"""Reading preference-pair files for DPO: TRL's standard (non-conversational) preference rows.

A line is ``{"prompt", "chosen", "rejected", ...}`` with the three texts as strings (what
`kg2i preference-pairs` writes, plus its `id`, `kind`, scores and `task`, which are kept for the
card's counts only). A bad line is rejected with its file and line: a pair silently dropped would
change what the model learns.
"""
from __future__ import annotations

import json
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from kg2instruction.errors import InputError
from kg2instruction.sources.compressed import open_text

TEXT_KEYS = ("prompt", "chosen", "rejected")


@dataclass(frozen=True)
class PairSet:
    rows: list[dict[str, str]]   # prompt, chosen, rejected only
    files: list[Path]
    counts: dict[str, int]       # pairs per file and per kind

    def summary(self) -> dict:
        return {"files": [str(f) for f in self.files], "counts": self.counts}


def load_pairs(files: Sequence[Path]) -> PairSet:
    """Every pair of `files`, in order; an error names the first bad line."""
    rows: list[dict[str, str]] = []
    per_file: dict[str, int] = {}
    kinds: Counter[str] = Counter()
    for path in files:
        path = Path(path)
        if not path.is_file():
            raise InputError(path, "no such preference-pairs file (write one with "
                                   "`kg2i preference-pairs`)")
        before = len(rows)
        with open_text(path) as fh:
            for number, line in enumerate(fh, start=1):
                if not line.strip():
                    continue
                row = _pair(path, number, line)
                rows.append({k: row[k] for k in TEXT_KEYS})
                kinds[str(row.get("kind") or "unlabelled")] += 1
        per_file[str(path)] = len(rows) - before
    if not rows:
        raise InputError(", ".join(map(str, files)), "no preference pairs (is the file empty? "
                                                     "`kg2i preference-pairs` keeps none when "
                                                     "every sample was already perfect)")
    return PairSet(rows, [Path(f) for f in files],
                   {"pairs": len(rows), "per_file": per_file,
                    "per_kind": dict(sorted(kinds.items()))})


def _pair(path: Path, number: int, line: str) -> dict:
    try:
        row = json.loads(line)
    except ValueError as exc:
        raise InputError(path, f"not valid JSON ({exc})", line=number) from None
    if not isinstance(row, dict):
        raise InputError(path, f"expected a JSON object {{prompt, chosen, rejected}}, got "
                               f"{type(row).__name__}", line=number)
    for key in TEXT_KEYS:
        value = row.get(key)
        if not isinstance(value, str) or (key == "prompt" and not value.strip()):
            what = "a non-empty string" if key == "prompt" else "a string"
            got = "missing" if key not in row else f"got {type(value).__name__}"
            raise InputError(path, f"expected '{key}' to be {what} ({got}); a pair is "
                                   f"{{prompt, chosen, rejected}}", line=number)
    return row
