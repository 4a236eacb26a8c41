"""Derive `claim_signals` (themes/entity_types.yaml) from a KG dump, and measure how well they type.

Many entities of a KG subset have statements but no P31 (in the bundled sample: 43% of entities,
71% of the T-REx page subjects), so class-based typing says `other` and routing falls back to a
text classifier. The properties an entity uses say a lot about its category (statistical type
inference from property use, as SDType does for DBpedia): only people have an occupation (P106),
only places are a place of birth (P19). This tool counts, over the entities whose classes *do*
reach a category, which categories use each property as subject and as value (each entity once
per property and side), and keeps a property as a signal when one real category holds at least
`--min-share` of its users (typed `other` users count against it) among at least `--min-support`
of them.

Validation: signals derived from one half of the typed entities (split by a hash of the QID) type
the other half from their statements alone, exactly as `EntityTypes.categorize_by_claims` votes;
the report gives coverage and accuracy per predicted category. Typed entities are not the same
population as class-less ones, so this is an estimate, not a guarantee.

    python benchmarks/tools/claim_type_signals.py pipelines/sample/wikidata-mini.json.bz2 \
        themes/entity_types.yaml --out benchmarks/results/claim_type_signals.json

prints the `claim_signals:` block to paste into entity_types.yaml (with each signal's share).
"""
from __future__ import annotations

import argparse
import json
import zlib
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import orjson

from kg2instruction.atomic import atomic_write_text
from kg2instruction.config.entity_types import (FALLBACK_CATEGORY, ClaimSignals, EntityTypes,
                                                load_entity_types)
from kg2instruction.errors import InputError
from kg2instruction.sources.compressed import open_binary

Use = tuple[str, str]   # (pid, "forward" | "reverse"), as KnowledgeGraph.neighbours gives it
CLASS_PIDS = frozenset({"P31", "P279"})


def _item_targets(claims: Mapping[str, Any]) -> Iterable[tuple[str, str]]:
    for pid, statements in claims.items():
        for claim in statements:
            value = (claim.get("mainsnak", {}).get("datavalue") or {}).get("value")
            if isinstance(value, dict) and "id" in value:
                yield pid, value["id"]


def read_dump(path: Path) -> tuple[dict[str, list[str]], dict[str, list[str]], dict[str, set[Use]]]:
    """P31 targets, P279 targets and property uses (both sides) per entity of a JSON dump."""
    instance_of: dict[str, list[str]] = defaultdict(list)
    parents: dict[str, list[str]] = defaultdict(list)
    uses: dict[str, set[Use]] = defaultdict(set)
    with open_binary(path) as fh:
        for n, raw in enumerate(fh, 1):
            line = raw.strip().rstrip(b",")
            if not line or line in (b"[", b"]"):
                continue
            try:
                entity = orjson.loads(line)
            except orjson.JSONDecodeError as exc:
                raise InputError(path, f"invalid JSON ({exc})", line=n) from None
            qid = entity["id"]
            for pid, target in _item_targets(entity.get("claims") or {}):
                if pid == "P31":
                    instance_of[qid].append(target)
                elif pid == "P279":
                    parents[qid].append(target)
                else:
                    uses[qid].add((pid, "forward"))
                    uses[target].add((pid, "reverse"))
    return instance_of, parents, uses


def class_categories(instance_of: Mapping[str, list[str]], parents: Mapping[str, list[str]],
                     types: EntityTypes) -> dict[str, str]:
    """Category of every entity with P31, by its classes and their P279 ancestors."""
    result = {}
    for qid, classes in instance_of.items():
        seen, frontier = set(classes), list(classes)
        for _ in range(types.max_depth):
            frontier = [p for c in frontier for p in parents.get(c, ()) if p not in seen]
            if not frontier:
                break
            seen.update(frontier)
        result[qid] = types.categorize(seen)
    return result


def derive(entities: Iterable[str], category: Mapping[str, str], uses: Mapping[str, set[Use]],
           min_share: float, min_support: int) -> dict[Use, tuple[str, float, int]]:
    """(pid, side) -> (category, share of users, users) for the properties that signal one."""
    by_use: dict[Use, Counter[str]] = defaultdict(Counter)
    for qid in entities:
        for use in uses.get(qid, ()):
            by_use[use][category[qid]] += 1
    signals = {}
    for use, counts in by_use.items():
        users = sum(counts.values())
        top, n = counts.most_common(1)[0]
        if users >= min_support and top != FALLBACK_CATEGORY and n / users >= min_share:
            signals[use] = (top, round(n / users, 3), users)
    return signals


def as_config(signals: Mapping[Use, tuple[str, float, int]]) -> ClaimSignals:
    return ClaimSignals(
        as_subject={pid: c for (pid, side), (c, _, _) in signals.items() if side == "forward"},
        as_value={pid: c for (pid, side), (c, _, _) in signals.items() if side == "reverse"})


def validate_split(category: Mapping[str, str], uses: Mapping[str, set[Use]], types: EntityTypes,
                   min_share: float, min_support: int) -> dict[str, Any]:
    """Derive on one hash half of the typed entities, type the other half by claims only."""
    typed = sorted(q for q in category if q in uses)
    train = [q for q in typed if zlib.crc32(q.encode()) % 2 == 0]
    test = [q for q in typed if zlib.crc32(q.encode()) % 2 == 1]
    voter = types.model_copy(update={"claim_signals": as_config(
        derive(train, category, uses, min_share, min_support))})
    predicted: Counter[str] = Counter()
    correct: Counter[str] = Counter()
    for qid in test:
        guess = voter.categorize_by_claims(uses[qid])
        if guess is not None:
            predicted[guess] += 1
            correct[guess] += guess == category[qid]
    total = sum(predicted.values())
    return {"test_entities": len(test), "typed_by_claims": total,
            "coverage": round(total / len(test), 4) if test else None,
            "accuracy": round(sum(correct.values()) / total, 4) if total else None,
            "per_category": {c: {"predicted": n, "accuracy": round(correct[c] / n, 4)}
                             for c, n in predicted.most_common()}}


def yaml_block(signals: Mapping[Use, tuple[str, float, int]], labels: Mapping[str, str]) -> str:
    lines = ["claim_signals:"]
    for side, key in (("forward", "as_subject"), ("reverse", "as_value")):
        lines.append(f"  {key}:")
        for (pid, s), (cat, share, users) in sorted(signals.items(),
                                                    key=lambda kv: int(kv[0][0][1:])):
            if s == side:
                label = labels.get(pid, "")
                lines.append(f"    {pid + ':':<6} {cat:<18} # {label}: {share:.2f} of {users}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("dump", type=Path)
    parser.add_argument("entity_types", type=Path)
    parser.add_argument("--min-share", type=float, default=0.8)
    parser.add_argument("--min-support", type=int, default=50)
    parser.add_argument("--property-labels", type=Path,
                        default=Path(__file__).resolve().parents[2]
                        / "tests/fixtures/wikidata/wikidata_properties_en.jsonl")
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args(argv)
    types = load_entity_types(args.entity_types)
    instance_of, parents, uses = read_dump(args.dump)
    category = class_categories(instance_of, parents, types)
    signals = derive(category, category, uses, args.min_share, args.min_support)
    labels = {}
    if args.property_labels.is_file():
        for line in args.property_labels.read_text("utf-8").splitlines():
            row = json.loads(line)
            labels[row["id"]] = row["label"]
    report = {"dump": args.dump.name, "min_share": args.min_share,
              "min_support": args.min_support, "entities_with_p31": len(instance_of),
              "entities_with_statements": len(uses),
              "class_less_entities_with_statements": sum(1 for q in uses if q not in instance_of),
              "held_out_validation": validate_split(category, uses, types, args.min_share,
                                                    args.min_support),
              "signals": [{"pid": pid, "side": "subject" if side == "forward" else "value",
                           "label": labels.get(pid), "category": c, "share": share, "users": n}
                          for (pid, side), (c, share, n) in sorted(signals.items())]}
    if args.out:
        atomic_write_text(args.out, json.dumps(report, ensure_ascii=False, indent=1) + "\n")
    print(yaml_block(signals, labels))
    print(json.dumps({k: v for k, v in report.items() if k != "signals"}, indent=1))


if __name__ == "__main__":
    main()
