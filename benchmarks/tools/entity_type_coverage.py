"""How many KG entities `themes/entity_types.yaml` puts in a real category (not `other`).

KG subsets often keep P31 but drop most P279 links between classes, so type resolution sees mostly
direct classes; this measures what the root-class lists achieve on such a KG and which frequent
direct classes are still unassigned (the next candidates for an analyst to add):

    python benchmarks/tools/entity_type_coverage.py pipelines/sample/wikidata-mini.json.bz2 \
        themes/entity_types.yaml --out benchmarks/results/entity_type_coverage.json
"""
from __future__ import annotations

import argparse
import json
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import orjson

from kg2instruction.atomic import atomic_write_text
from kg2instruction.config.entity_types import EntityTypes, load_entity_types
from kg2instruction.errors import InputError
from kg2instruction.sources.compressed import open_binary


def item_targets(claims: dict, pid: str) -> list[str]:
    """QIDs of the item-valued statements of `pid` (somevalue/novalue skipped)."""
    out = []
    for claim in claims.get(pid, ()):
        value = (claim.get("mainsnak", {}).get("datavalue") or {}).get("value")
        if isinstance(value, dict) and "id" in value:
            out.append(value["id"])
    return out


def read_entities(path: Path) -> Iterator[tuple[str, str | None, list[str], list[str]]]:
    """(qid, English label, P31 targets, P279 targets) per entity of a Wikidata JSON dump."""
    with open_binary(path) as fh:
        for n, raw in enumerate(fh, 1):
            line = raw.strip().rstrip(b",")
            if not line or line in (b"[", b"]"):
                continue
            try:
                entity = orjson.loads(line)
            except orjson.JSONDecodeError as exc:
                raise InputError(path, f"invalid JSON ({exc})", line=n) from None
            claims = entity.get("claims") or {}
            label = ((entity.get("labels") or {}).get("en") or {}).get("value")
            yield entity["id"], label, item_targets(claims, "P31"), item_targets(claims, "P279")


def ancestors(classes: list[str], parents: dict[str, list[str]], depth: int) -> set[str]:
    """Classes plus their P279 ancestors up to `depth` levels (cycle-safe)."""
    seen = set(classes)
    frontier = list(classes)
    for _ in range(depth):
        frontier = [p for c in frontier for p in parents.get(c, ()) if p not in seen]
        if not frontier:
            break
        seen.update(frontier)
    return seen


def coverage(dump: Path, types: EntityTypes, top: int = 40) -> dict:
    labels: dict[str, str | None] = {}
    instance_of: dict[str, list[str]] = {}
    parents: dict[str, list[str]] = {}
    for qid, label, p31, p279 in read_entities(dump):
        labels[qid] = label
        if p31:
            instance_of[qid] = p31
        if p279:
            parents[qid] = p279
    direct = Counter(types.categorize(c) for c in instance_of.values())
    closed = Counter(types.categorize(ancestors(c, parents, types.max_depth))
                     for c in instance_of.values())
    unassigned = Counter(
        c for classes in instance_of.values()
        if types.categorize(ancestors(classes, parents, types.max_depth)) == "other"
        for c in set(classes))
    total = len(instance_of)
    return {
        "dump": str(dump), "entities": len(labels), "entities_with_p31": total,
        "classes_with_p279": len(parents),
        "categorized_direct_p31": round(1 - direct["other"] / total, 4) if total else 0.0,
        "categorized_with_p279": round(1 - closed["other"] / total, 4) if total else 0.0,
        "by_category": dict(closed.most_common()),
        "top_unassigned_classes": [{"qid": q, "label": labels.get(q), "entities": n}
                                   for q, n in unassigned.most_common(top)],
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("dump", type=Path)
    parser.add_argument("entity_types", type=Path)
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args(argv)
    report = coverage(args.dump, load_entity_types(args.entity_types))
    text = json.dumps(report, ensure_ascii=False, indent=1)
    if args.out:
        atomic_write_text(args.out, text + "\n")
    print(json.dumps({k: v for k, v in report.items() if k != "top_unassigned_classes"}, indent=1))


if __name__ == "__main__":
    main()
