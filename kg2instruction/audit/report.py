"""The audit score as markdown (for the terminal and benchmarks/) and as JSON (for tools)."""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from kg2instruction.atomic import atomic_write_text
from kg2instruction.audit.scoring import ERROR_TYPES
from kg2instruction.errors import ConfigError

HEADER = ("| theme | kept judged (unclear) | kept precision [95% CI] | rejected precision | "
          "before verifier [95% CI] | verifier keeps correct | verifier removes wrong | "
          "AUC (sample) | " + " | ".join(f"kept {e}" for e in ERROR_TYPES) + " |")


def _share(value: float | None) -> str:
    return "–" if value is None else f"{value:.2f}"


def _interval(estimate: dict[str, float] | None) -> str:
    if estimate is None:
        return "–"
    return f"{estimate['value']:.2f} [{estimate['low']:.2f}–{estimate['high']:.2f}]"


def _row(name: str, f: dict[str, Any]) -> str:
    kept = f["kept"]
    rejected = f["rejected"]["precision"]
    cells = [name, f"{kept['judged'] - kept['unclear']} ({kept['unclear']})",
             _interval(f["precision_kept"]), _share(rejected and rejected["value"]),
             _interval(f["precision_before_verifier"]), _share(f["verifier_keeps_correct"]),
             _share(f["verifier_removes_wrong"]),
             f"{_share(f['auc'])} ({_share(f['auc_unweighted'])})",
             *(_share(f["kept_shares"][e]) for e in ERROR_TYPES)]
    return "| " + " | ".join(cells) + " |"


def to_markdown(report: dict[str, Any]) -> str:
    """One table: a row per theme and the overall row (strata weighted by their sizes)."""
    lines = [HEADER, "|" + "---|" * HEADER.count(" | ") + "---|"]
    lines += [_row(theme, f) for theme, f in report["themes"].items()]
    lines.append(_row("**all (weighted)**", report["overall"]))
    lines += ["", "Precision excludes `unclear`; intervals are Wilson 95% at the effective sample "
              "size of the stratum weights; AUC is of nli_score for correct vs not, weighted by "
              "stratum size (unweighted sample AUC in brackets). Files: "
              + ", ".join(f"`{f}`" for f in report["files"])]
    return "\n".join(lines) + "\n"


REPORT_SUFFIXES = (".json", ".md")


def check_report_path(path: Path) -> None:
    """Fail before any work when the report file's kind cannot be told from its name."""
    if path.suffix not in REPORT_SUFFIXES:
        raise ConfigError(f"--out {path}: the score is written as .json or .md", key="out")


def write_report(report: dict[str, Any], path: Path) -> None:
    """`.json` -> the full figures, `.md` -> the table."""
    check_report_path(path)
    if path.suffix == ".json":
        atomic_write_text(path, json.dumps(report, indent=2, ensure_ascii=False) + "\n")
    else:
        atomic_write_text(path, to_markdown(report))
