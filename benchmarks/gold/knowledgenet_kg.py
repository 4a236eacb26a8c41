"""The benchmark KG for KnowledgeNet: the bundled Wikidata subset plus the gold facts.

Recall can only be asked of facts the KG holds, and precision is only tested where the KG offers
the chain something to be wrong about. So every KnowledgeNet fact whose both ends carry a QID is
written into the KG, for the whole document: a passage then sees, besides what it states, the
facts its document's other passages state (the distant-supervision trap the verifier must catch).

How: a dump-line file fed to the project's own builder, so labels, the name index, claim counts and
types are derived exactly as for any dump. It is the subset's lines, with the extra claims merged
into the entities that have them, plus one line per KnowledgeNet entity the subset lacks, named
by its annotated surfaces (most frequent first) and typed by the role its facts give it (a
PLACE_OF_BIRTH subject is a human, its object a settlement): real Wikidata has labels and P31 for
these entities, and without a type a page would not be routed to any theme. The store is built
once into the cache directory under a key of every input (gold file, dump, this recipe).
"""
from __future__ import annotations

import bz2
import gzip
import hashlib
import json
import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from benchmarks.gold.knowledgenet import PROPERTY_PIDS, Document, best_name, names_by_qid
from kg2instruction.kg.build import build_kg, store_key
from kg2instruction.kg.build_config import BuildResources, KGBuildConfig
from kg2instruction.stages.build_kg import STORE_FILE   # what BuildKG.open reads in its directory

MEMBERSHIP_PIDS = ("P108", "P463")   # employer, member of

# P31 given to an entity the subset lacks, by the role a KnowledgeNet fact gives it; an entity
# with several roles takes the first class found in this order of reliability.
ROLE_CLASSES: tuple[tuple[str, str, str], ...] = (
    ("subject", "DATE_OF_BIRTH", "Q5"), ("subject", "DATE_OF_DEATH", "Q5"),
    ("subject", "PLACE_OF_BIRTH", "Q5"), ("subject", "NATIONALITY", "Q5"),
    ("subject", "EDUCATED_AT", "Q5"), ("subject", "POLITICAL_AFFILIATION", "Q5"),
    ("subject", "SPOUSE", "Q5"), ("object", "SPOUSE", "Q5"),
    ("subject", "CHILD_OF", "Q5"), ("object", "CHILD_OF", "Q5"), ("object", "CEO", "Q5"),
    ("subject", "PLACE_OF_RESIDENCE", "Q5"), ("subject", "EMPLOYEE_OR_MEMBER_OF", "Q5"),
    ("object", "POLITICAL_AFFILIATION", "Q7278"),        # political party
    ("object", "EDUCATED_AT", "Q2385804"),               # educational institution
    ("subject", "HEADQUARTERS", "Q43229"), ("subject", "DATE_FOUNDED", "Q43229"),
    ("subject", "FOUNDED_BY", "Q43229"), ("subject", "CEO", "Q43229"),
    ("subject", "SUBSIDIARY_OF", "Q43229"), ("object", "SUBSIDIARY_OF", "Q43229"),
    ("object", "EMPLOYEE_OR_MEMBER_OF", "Q43229"),       # organization
    ("object", "NATIONALITY", "Q6256"),                  # country
    ("object", "PLACE_OF_BIRTH", "Q486972"), ("object", "PLACE_OF_RESIDENCE", "Q486972"),
    ("object", "HEADQUARTERS", "Q486972"),               # human settlement
)
# English only (the gold is English); one parse process (the machine is shared).
BUILD_CONFIG = KGBuildConfig(languages=("en",))
BUILD_RESOURCES = BuildResources(progress=False, parse_workers=1, memory_limit="1GB")
_LINE_ID = re.compile(r'"id"\s*:\s*"(Q[0-9]+)"')


@dataclass
class Additions:
    """What the gold adds to the subset: claims per head, and entities the subset lacks."""

    claims: dict[str, set[tuple[str, str]]] = field(default_factory=lambda: defaultdict(set))
    labels: dict[str, str | None] = field(default_factory=dict)   # None: only pronouns seen
    aliases: dict[str, list[str]] = field(default_factory=dict)
    classes: dict[str, str] = field(default_factory=dict)

    def counts(self) -> dict[str, int]:
        return {"claims_added": sum(len(v) for v in self.claims.values()),
                "entities_added": len(self.labels),
                "entities_typed_by_role": len(self.classes)}


def _statement(pid: str, qid: str) -> dict:
    return {"mainsnak": {"snaktype": "value", "property": pid, "datatype": "wikibase-item",
                         "datavalue": {"value": {"entity-type": "item",
                                                 "numeric-id": int(qid[1:]), "id": qid},
                                       "type": "wikibase-entityid"}},
            "type": "statement", "rank": "normal"}


def _known(con: duckdb.DuckDBPyConnection, qids: list[str]) -> set[str]:
    rows = con.execute("SELECT id FROM entities SEMI JOIN (SELECT unnest($ids) AS id) q "
                       "USING (id)", {"ids": qids}).fetchall()
    return {r[0] for r in rows}


def _existing_claims(con: duckdb.DuckDBPyConnection, pairs: list[tuple[str, str]]
                     ) -> set[tuple[str, str, str]]:
    if not pairs:
        return set()
    rows = con.execute("""
        SELECT c.head, c.pid, c.tail FROM claims c
        SEMI JOIN (SELECT unnest($h) AS head, unnest($t) AS tail) p
          ON c.head = p.head AND c.tail = p.tail""",
        {"h": [p[0] for p in pairs], "t": [p[1] for p in pairs]}).fetchall()
    return {tuple(r) for r in rows}   # type: ignore[misc]


def _membership_pid(con: duckdb.DuckDBPyConnection, tails: list[str]) -> dict[str, str]:
    """For each organisation: member of (P463) where the subset states membership of it more
    often than employment, else employer (P108): KnowledgeNet's EMPLOYEE_OR_MEMBER_OF is either."""
    rows = con.execute("""
        SELECT tail, pid, count(*) FROM claims
        SEMI JOIN (SELECT unnest($t) AS tail) q USING (tail)
        WHERE pid IN (SELECT unnest($pids)) GROUP BY tail, pid""",
        {"t": tails, "pids": list(MEMBERSHIP_PIDS)}).fetchall()
    counts: dict[str, Counter[str]] = defaultdict(Counter)
    for tail, pid, n in rows:
        counts[tail][pid] = n
    employer, member = MEMBERSHIP_PIDS
    return {tail: member if c[member] > c[employer] else employer for tail, c in counts.items()}


def plan_additions(documents: list[Document], base_store: Path) -> Additions:
    """The claims and entities the gold adds to the subset (nothing the subset already has)."""
    facts = [f for d in documents for p in d.passages for f in p.facts if f.linked]
    qids = sorted({e.qid for d in documents for p in d.passages for f in p.facts
                   for e in (f.subject, f.object) if e.qid})
    additions = Additions()
    con = duckdb.connect(str(base_store), read_only=True)
    try:
        known = _known(con, qids)
        membership = _membership_pid(con, sorted({f.object.qid for f in facts  # type: ignore
                                                   if f.prop == "EMPLOYEE_OR_MEMBER_OF"}))
        wanted: set[tuple[str, str, str]] = set()
        for fact in facts:
            pid, reversed_ = PROPERTY_PIDS[fact.prop][0]
            if fact.prop == "EMPLOYEE_OR_MEMBER_OF":
                pid = membership.get(fact.object.qid, pid)   # type: ignore[arg-type]
            head, tail = ((fact.object.qid, fact.subject.qid) if reversed_
                          else (fact.subject.qid, fact.object.qid))
            wanted.add((head, pid, tail))   # type: ignore[arg-type]
        existing = _existing_claims(con, sorted({(h, t) for h, _, t in wanted}))
    finally:
        con.close()
    for head, pid, tail in sorted(wanted - existing):
        additions.claims[head].add((pid, tail))
    names = names_by_qid(documents)
    roles: dict[str, set[tuple[str, str]]] = defaultdict(set)
    for fact in facts:
        roles[fact.subject.qid].add(("subject", fact.prop))   # type: ignore[index]
        roles[fact.object.qid].add(("object", fact.prop))     # type: ignore[index]
    for qid in qids:
        if qid in known:
            continue
        found = names.get(qid)
        additions.labels[qid] = best_name(found) if found else None
        additions.aliases[qid] = sorted(n for n in (found or {}) if n != additions.labels[qid]
                                        and len(n.split()) > 1)
        for role, prop, cls in ROLE_CLASSES:
            if (role, prop) in roles.get(qid, ()):
                additions.classes[qid] = cls
                break
    return additions


def _new_entity(qid: str, additions: Additions) -> dict:
    aliases = additions.aliases.get(qid, [])
    claims: dict[str, list[dict]] = defaultdict(list)
    if qid in additions.classes:
        claims["P31"].append(_statement("P31", additions.classes[qid]))
    for pid, tail in sorted(additions.claims.get(qid, ())):
        claims[pid].append(_statement(pid, tail))
    return {"type": "item", "id": qid,
            "labels": ({"en": {"language": "en", "value": additions.labels[qid]}}
                       if additions.labels[qid] else {}),
            "descriptions": {},
            "aliases": ({"en": [{"language": "en", "value": a} for a in aliases]}
                        if aliases else {}),
            "claims": dict(claims), "sitelinks": {}}


def _merged(line: str, additions: Additions) -> str:
    entity = json.loads(line)
    claims = entity.get("claims") or {}
    if isinstance(claims, list):
        claims = {}
    for pid, tail in sorted(additions.claims[entity["id"]]):
        claims.setdefault(pid, []).append(_statement(pid, tail))
    entity["claims"] = claims
    return json.dumps(entity, ensure_ascii=False, separators=(",", ":"))


def _entity_lines(dump: Path) -> Iterator[str]:
    """The entity lines of a `latest-all.json` dump, without the array brackets and commas."""
    opener = bz2.open if dump.suffix == ".bz2" else gzip.open if dump.suffix == ".gz" else open
    with opener(dump, "rt", encoding="utf-8") as stream:
        for raw in stream:
            line = raw.strip()
            if line in ("[", "]", ""):
                continue
            yield line[:-1] if line.endswith(",") else line


def write_dump(base_dump: Path, additions: Additions, out: Path) -> None:
    """The subset's lines with the added claims merged in, then the new entities."""
    heads = set(additions.claims)
    with out.open("w", encoding="utf-8") as sink:
        sink.write("[\n")
        first = True
        lines: Iterable[str] = _entity_lines(base_dump)
        for line in lines:
            found = _LINE_ID.search(line[:200])
            if found and found.group(1) in heads:
                line = _merged(line, additions)
            sink.write(("" if first else ",\n") + line)
            first = False
        for qid in sorted(additions.labels, key=lambda q: int(q[1:])):
            sink.write(("" if first else ",\n")
                       + json.dumps(_new_entity(qid, additions), ensure_ascii=False,
                                    separators=(",", ":")))
            first = False
        sink.write("\n]\n")


def ensure_base_kg(dump: Path, cache_dir: Path) -> Path:
    """The artifact directory of the dump's own store (the KG of a run on that dump)."""
    out_dir = cache_dir / f"base-{dump.name.split('.')[0]}-{store_key(dump)[:16]}"
    if not (out_dir / STORE_FILE).exists():
        out_dir.mkdir(parents=True, exist_ok=True)
        build_kg(dump, out_dir / STORE_FILE, BUILD_CONFIG, BUILD_RESOURCES)
    return out_dir


def kg_key(gold: Path, base_dump: Path, document_ids: list[str]) -> str:
    """Digest of every input of the store: gold bytes, dump identity, the store's schema version
    (a store of an older schema is refused by the reader, so it must not be reused), the documents
    chosen, and this recipe's own source (a change to how facts are added rebuilds)."""
    digest = hashlib.sha256()
    digest.update(hashlib.sha256(gold.read_bytes()).digest())
    digest.update(store_key(base_dump).encode())
    digest.update("\n".join(document_ids).encode())
    digest.update(Path(__file__).read_bytes())
    return digest.hexdigest()[:16]


def ensure_knowledgenet_kg(documents: list[Document], gold: Path, base_dump: Path,
                           cache_dir: Path) -> tuple[Path, dict[str, int]]:
    """The artifact directory holding `kg.duckdb` (built on first use), and what was added."""
    key = kg_key(gold, base_dump, [d.document_id for d in documents])
    out_dir = cache_dir / f"kg-{key}"
    summary_file = out_dir / "additions.json"
    if (out_dir / STORE_FILE).exists() and summary_file.exists():
        return out_dir, json.loads(summary_file.read_text())
    base_store = ensure_base_kg(base_dump, cache_dir) / STORE_FILE
    additions = plan_additions(documents, base_store)
    out_dir.mkdir(parents=True, exist_ok=True)
    dump = out_dir / "knowledgenet-dump.json"
    try:
        write_dump(base_dump, additions, dump)
        build_kg(dump, out_dir / STORE_FILE, BUILD_CONFIG, BUILD_RESOURCES)
    finally:
        dump.unlink(missing_ok=True)
    counts = additions.counts()
    summary_file.write_text(json.dumps(counts, indent=2) + "\n")
    return out_dir, counts

