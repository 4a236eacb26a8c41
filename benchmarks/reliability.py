"""Reliability report: every bad input and fault the test suites try, counted, and their outcome.

Runs, in this order and in subprocesses (each with a JUnit XML report):
  - tests/fuzz                    hypothesis/fuzz: wikitext, dump lines, damaged bz2/gz, non-UTF-8,
                                  huge lines, YAML bombs, bad themes/overlays, path traversal
                                  (each tried input is tallied through KG2I_RELIABILITY_LOG)
  - tests/unit/refresh            download faults (cut connection + Range resume, 503, server
                                  ignoring Range, checksum mismatch, redirect off the allow-list,
                                  http), refresh lock (live and SIGKILLed holder), state file
  - tests/unit/kg_sparql          SPARQL endpoint faults (429 + Retry-After, 500/503, slow, 200
                                  with an error body) and literal escaping (owned by the SPARQL
                                  backend; referenced here, not duplicated)
  - tests/integration/dag/test_crash_resume.py   SIGKILL in the middle of a stage (DAG framework)
  - tests/integration/faults      full disk (RLIMIT_FSIZE) and SIGKILL during the KG build
  - tests/integration/refresh     the refresh on real data: SIGKILL and full disk at publication,
                                  rerun equal to a clean run (needs an NLI verifier; skipped
                                  without one, and the report says so)

"Handled" means the test passed: the input was read or rejected with an error naming what and
where, and after every fault the previous KG / dataset version was intact and the rerun matched a
clean run. Any failure is listed by name.

Usage: python benchmarks/reliability.py [--results benchmarks/results] [--quick]
  (--quick leaves out tests marked slow.)
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
import xml.etree.ElementTree as ET
from collections import Counter
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from kg2instruction.atomic import atomic_write_text  # noqa: E402

SUITES = (
    ("bad input (fuzz)", "tests/fuzz"),
    ("downloads, lock, state", "tests/unit/refresh"),
    ("SPARQL endpoint faults, literal escaping", "tests/unit/kg_sparql/test_sparql_client_faults.py "
                                                 "tests/unit/kg_sparql/test_query_safety.py"),
    ("SIGKILL mid-stage (DAG)", "tests/integration/dag/test_crash_resume.py"),
    ("full disk, SIGKILL: KG build", "tests/integration/faults"),
    ("refresh end to end: SIGKILL, full disk at publication", "tests/integration/refresh"),
)


def run_suite(paths: str, tally_log: Path, quick: bool) -> tuple[list[dict], float]:
    with tempfile.NamedTemporaryFile(suffix=".xml") as report:
        command = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
                   f"--junitxml={report.name}", *paths.split()]
        if quick:
            command += ["-m", "not slow"]
        started = time.perf_counter()
        subprocess.run(command, cwd=REPO, env={**os.environ, "KG2I_RELIABILITY_LOG": str(tally_log)},
                       capture_output=True, text=True)
        seconds = time.perf_counter() - started
        cases = []
        for case in ET.parse(report.name).getroot().iter("testcase"):
            outcome = "passed"
            for child in case:
                if child.tag in ("failure", "error"):
                    outcome = "failed"
                elif child.tag == "skipped":
                    outcome = "skipped: " + (child.get("message") or "")[:120]
            cases.append({"test": f"{case.get('classname')}::{case.get('name')}",
                          "outcome": outcome})
    return cases, seconds


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--results", type=Path, default=REPO / "benchmarks" / "results")
    parser.add_argument("--quick", action="store_true", help="leave out tests marked slow")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        tally_log = Path(tmp) / "tally.jsonl"
        tally_log.touch()
        suites = {}
        for title, paths in SUITES:
            cases, seconds = run_suite(paths, tally_log, args.quick)
            suites[title] = {"paths": paths, "seconds": round(seconds, 1), "cases": cases}
        tallies = Counter(json.loads(line)["kind"] for line in tally_log.read_text().splitlines())
    outcomes = Counter(c["outcome"].split(":")[0] for s in suites.values() for c in s["cases"])
    failed = [c["test"] for s in suites.values() for c in s["cases"] if c["outcome"] == "failed"]
    skipped = [(c["test"], c["outcome"]) for s in suites.values() for c in s["cases"]
               if c["outcome"].startswith("skipped")]
    report = {"bad_inputs": dict(sorted(tallies.items())), "bad_inputs_total": sum(tallies.values()),
              "suites": suites, "outcomes": dict(outcomes), "failed": failed,
              "quick": args.quick,
              "nli_model": os.environ.get("KG2I_TEST_NLI_MODEL", "bundled (default)")}
    args.results.mkdir(parents=True, exist_ok=True)
    atomic_write_text(args.results / "reliability.json", json.dumps(report, indent=2) + "\n")
    atomic_write_text(args.results / "reliability.md", render(report))
    print(render(report))
    return 1 if failed else 0


def render(report: dict) -> str:
    lines = ["# Reliability report (`benchmarks/reliability.py`)", "",
             f"Bad inputs tried: **{report['bad_inputs_total']:,}** (fuzz suite, by kind below). "
             f"Tests run: {sum(report['outcomes'].values())} — "
             + ", ".join(f"{n} {k}" for k, n in sorted(report["outcomes"].items())) + ".", ""]
    if report["failed"]:
        lines += ["**Failures** (data lost or crash unhandled until fixed):", ""]
        lines += [f"- `{name}`" for name in report["failed"]] + [""]
    else:
        lines += ["No input or fault was lost data or crashed unhandled: every bad input was read "
                  "or rejected with an error naming the file and position; after every fault the "
                  "previous KG / dataset version was intact and the rerun completed"
                  + (" and matched a clean run." if not report["quick"] else ".")
                  + (" (`--quick`: slow tests left out.)" if report["quick"] else ""), ""]
    lines += [f"NLI verifier used by the end-to-end refresh test: `{report.get('nli_model')}`"
              " (any verifier works: the test keeps every scored triple).", ""]
    lines += ["## Bad inputs by kind", "", "| kind | tried |", "|---|---|"]
    lines += [f"| {kind} | {n} |" for kind, n in report["bad_inputs"].items()]
    lines += ["", "## Faults and checks by suite", ""]
    for title, suite in report["suites"].items():
        counts = Counter(c["outcome"].split(":")[0] for c in suite["cases"])
        lines.append(f"### {title} (`{suite['paths']}`, {suite['seconds']} s): "
                     + ", ".join(f"{n} {k}" for k, n in sorted(counts.items())))
        lines.append("")
        for case in suite["cases"]:
            name = case["test"].rsplit("::", 1)[-1]
            mark = {"passed": "ok", "failed": "FAILED"}.get(case["outcome"], case["outcome"])
            lines.append(f"- {name}: {mark}")
        lines.append("")
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
