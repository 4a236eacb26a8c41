"""Judged audit files -> precision, the verifier's keep/remove shares and AUC, error types.

Strata are (theme, status). A stratum's judged share stands for all its triples (`stratum_size`,
written by the sampler), so every figure about a theme or about all themes weights each stratum
by its size: precision of the kept triples (what is published), precision before the verifier
(kept + rejected: what the annotation chain produced), the share of correct triples the verifier
keeps and of wrong triples it removes, and the ROC AUC of the verifier's score for correct vs not
correct. `unclear` verdicts are counted and left out of every share.
"""
from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from kg2instruction.audit.stats import Estimate, Stratum, stratified_share, weighted_auc
from kg2instruction.audit.tsv import (SCORED_COLUMNS, STATUSES, VERDICTS, AuditLine, read_audit,
                                      sample_language)
from kg2instruction.errors import InputError

CORRECT = "correct"
UNCLEAR = "unclear"
ERROR_TYPES = tuple(v for v in VERDICTS if v not in (CORRECT, UNCLEAR))


@dataclass(frozen=True)
class JudgedTriple:
    theme: str
    status: str
    triple_id: str
    nli_score: float | None
    stratum_size: int
    verdict: str
    where: str          # "file, line N", for messages


def _parse(line: AuditLine) -> JudgedTriple:
    f = line.fields

    def fail(message: str) -> InputError:
        return InputError(line.path, message, line=line.line)

    verdict = f["verdict"].strip()
    if not verdict:
        raise fail(f"empty verdict for triple {f['triple_id']!r} (expected one of "
                   f"{', '.join(VERDICTS)})")
    if verdict not in VERDICTS:
        raise fail(f"verdict {verdict!r} is not one of {', '.join(VERDICTS)}")
    status = f["status"].strip()
    if status not in STATUSES:
        raise fail(f"status {status!r} is not one of {', '.join(STATUSES)}")
    theme, triple_id = f["theme"].strip(), f["triple_id"].strip()
    if not theme or not triple_id:
        raise fail("empty theme or triple_id")
    try:
        size = int(f["stratum_size"])
    except ValueError:
        raise fail(f"stratum_size {f['stratum_size']!r} is not an integer") from None
    if size < 1:
        raise fail(f"stratum_size {size} must be at least 1")
    raw_score = f["nli_score"].strip()
    try:
        score = float(raw_score) if raw_score else None
    except ValueError:
        raise fail(f"nli_score {raw_score!r} is not a number") from None
    return JudgedTriple(theme, status, triple_id, score, size, verdict,
                        f"{line.path}, line {line.line}")


def read_judged(paths: Sequence[Path]) -> list[JudgedTriple]:
    """Every judged row of the files, validated; the first bad row is an input error naming its
    file and line. One triple judged twice, or one stratum given two sizes, is an error too (the
    files would then not describe one sample)."""
    judged: list[JudgedTriple] = []
    seen: dict[tuple[str, str], str] = {}
    sizes: dict[tuple[str, str], tuple[int, str]] = {}
    for path in paths:
        language = sample_language(path) if path.is_file() else None
        for line in read_audit(path, SCORED_COLUMNS):
            triple = _parse(line)
            if language:    # a one-language sample is its own population: "theme (zh)"
                triple = replace(triple, theme=f"{triple.theme} ({language})")
            key = (triple.theme, triple.triple_id)
            if key in seen:
                raise InputError(line.path, f"triple {triple.triple_id!r} was already judged at "
                                            f"{seen[key]}", line=line.line)
            seen[key] = triple.where
            stratum = (triple.theme, triple.status)
            size, where = sizes.setdefault(stratum, (triple.stratum_size, triple.where))
            if size != triple.stratum_size:
                raise InputError(line.path, f"stratum_size {triple.stratum_size} differs from "
                                            f"{size} at {where} for {triple.theme} "
                                            f"{triple.status}", line=line.line)
            judged.append(triple)
    for (theme, status), (size, where) in sizes.items():
        n = sum(1 for t in judged if t.theme == theme and t.status == status)
        if n > size:
            raise InputError(where, f"{n} {status} triples of {theme} judged but its "
                                    f"stratum_size is {size}")
    return judged


def _estimate(estimate: Estimate | None) -> dict[str, float] | None:
    if estimate is None:
        return None
    return {"value": round(estimate.value, 4), "low": round(estimate.low, 4),
            "high": round(estimate.high, 4), "n_effective": round(estimate.n_effective, 1)}


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 4)


def figures(strata: Mapping[tuple[str, str], list[JudgedTriple]]) -> dict[str, Any]:
    """All figures over the given strata ((theme, status) -> its judged triples)."""
    def stratum(items: list[JudgedTriple], verdict: str = CORRECT) -> Stratum:
        clear = [t for t in items if t.verdict != UNCLEAR]
        return Stratum(items[0].stratum_size, len(clear),
                       sum(1 for t in clear if t.verdict == verdict))

    by_status: dict[str, list[Stratum]] = defaultdict(list)
    for (_, status), items in sorted(strata.items()):
        by_status[status].append(stratum(items))
    out: dict[str, Any] = {}
    for status in STATUSES:
        members = [items for (_, s), items in strata.items() if s == status]
        counts = Counter(t.verdict for items in members for t in items)
        out[status] = {"stratum_size": sum(s.size for s in by_status[status]),
                       "judged": sum(counts.values()), "unclear": counts[UNCLEAR],
                       "verdicts": {v: counts[v] for v in VERDICTS},
                       "precision": _estimate(stratified_share(by_status[status]))}
    out["precision_kept"] = out["kept"]["precision"]
    out["precision_before_verifier"] = _estimate(
        stratified_share(by_status["kept"] + by_status["rejected"]))
    out.update(_verifier_shares(by_status))
    kept_strata = [items for (_, status), items in sorted(strata.items()) if status == "kept"]
    shares = {verdict: stratified_share([stratum(items, verdict) for items in kept_strata])
              for verdict in (CORRECT, *ERROR_TYPES)}
    out["kept_shares"] = {v: None if e is None else round(e.value, 4) for v, e in shares.items()}
    out.update(_auc(strata))
    return out


def _verifier_shares(by_status: Mapping[str, list[Stratum]]) -> dict[str, float | None]:
    """Estimated correct and wrong triples on each side of the threshold -> the share of correct
    ones kept and of wrong ones removed (None when a side's precision is unknown)."""
    def totals(status: str) -> tuple[float, float] | None:
        populated = [s for s in by_status.get(status, []) if s.size > 0]
        if any(s.judged == 0 for s in populated):
            return None
        right = sum(s.size * s.share for s in populated)
        return right, sum(s.size for s in populated) - right

    kept, rejected = totals("kept"), totals("rejected")
    if kept is None or rejected is None:
        return {"verifier_keeps_correct": None, "verifier_removes_wrong": None}
    right, wrong = kept[0] + rejected[0], kept[1] + rejected[1]
    return {"verifier_keeps_correct": _round(kept[0] / right) if right else None,
            "verifier_removes_wrong": _round(rejected[1] / wrong) if wrong else None}


def _auc(strata: Mapping[tuple[str, str], list[JudgedTriple]]) -> dict[str, Any]:
    """AUC of nli_score, correct vs any error type; each triple weighted by stratum size over
    judged (weighted: the run's AUC) and unweighted (the sample's)."""
    scores: list[float] = []
    labels: list[bool] = []
    weights: list[float] = []
    for items in strata.values():
        clear = [t for t in items if t.verdict != UNCLEAR and t.nli_score is not None]
        for t in clear:
            scores.append(t.nli_score)  # type: ignore[arg-type]
            labels.append(t.verdict == CORRECT)
            weights.append(t.stratum_size / len(clear))
    return {"auc": _round(weighted_auc(scores, labels, weights)),
            "auc_unweighted": _round(weighted_auc(scores, labels)),
            "auc_pairs": {"correct": sum(labels), "not_correct": len(labels) - sum(labels)}}


def score(judged: Iterable[JudgedTriple], files: Sequence[Path] = ()) -> dict[str, Any]:
    """The report: figures per theme and over all themes."""
    strata: dict[tuple[str, str], list[JudgedTriple]] = defaultdict(list)
    for t in judged:
        strata[(t.theme, t.status)].append(t)
    themes = sorted({theme for theme, _ in strata})
    return {"files": [str(f) for f in files], "verdicts": list(VERDICTS),
            "themes": {theme: figures({k: v for k, v in strata.items() if k[0] == theme})
                       for theme in themes},
            "overall": figures(strata)}
