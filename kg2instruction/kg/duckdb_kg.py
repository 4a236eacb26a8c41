"""`DuckDBKG`: the embedded `KnowledgeGraph` backend over a store built by `kg/build.py`.

Every method is one (or, for `types`, a few) set-oriented queries: the batch is passed as a list
parameter, unnested and joined, never one query per id. The store is opened read-only, so any
number of worker processes can share one file; a connection is not safe to share between threads,
so each call runs on its own cursor.

Answers follow `kg/protocol.py` exactly, because `SparqlKG` must give the same ones:
- labels: `preferred_labels` (zh through the fallback chain); aliases: the union over the language's
  chain, distinct, sorted.
- candidates: exact match of `normalize_name(name, lang)` against the name index of `lang`. For
  `lang` 'zh' a name without any Han character is also matched against English labels/aliases:
  Chinese text writes foreign names in Latin script (IBM, iPhone, Python) and Wikidata often has no
  zh label for them. One candidate per entity: its label match if any (else alias), in the own
  language before English, then the smallest matched string.
- types: P31 then at most `max_depth` P279 hops, cycle-safe (visited sets); an entity is not its own
  type unless it is an instance of itself.
- sitelinks: titles are compared after MediaWiki's canonicalisation (underscores as spaces, first
  letter upper case, as on enwiki and zhwiki).
- neighbours: one range read of `neighbour_rows`, where the build laid out each entity's forward
  and reverse edges with the other entity's label and aliases, reverse edges in capped-lookup
  order; at most `lookup.max_reverse_neighbours` reverse edges per entity (kg/lookup_config.py).
  A hub's answer is bounded whatever its degree, and no lookup reads the label tables by the
  scattered ids of a hub's neighbours, whose cost would grow with the KG.
"""
from __future__ import annotations

import threading
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path

from kg2instruction.errors import ConfigError, InputError
from kg2instruction.kg.build import SCHEMA_VERSION
from kg2instruction.kg.lookup_config import KGLookupConfig
from kg2instruction.kg.protocol import (DEMONYM_PID, Candidate, Claim, Neighbour, QuantityValue,
                                       TimeValue, qid_number)
from kg2instruction.kg.store_access import connect_read_only, meta_of
from kg2instruction.text.normalize import base_language, normalize_name

ENGLISH = "en"


def _distinct(items: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(items))


def _has_han(text: str) -> bool:
    return any("\u4e00" <= ch <= "\u9fff" or "\u3400" <= ch <= "\u4dbf" or
               "\uf900" <= ch <= "\ufaff" for ch in text)


def canonical_title(title: str) -> str:
    """MediaWiki page-title canonical form: underscores as spaces, trimmed, first letter upper."""
    title = " ".join(title.replace("_", " ").split())
    return title[:1].upper() + title[1:]


class DuckDBKG:
    """Read-only `KnowledgeGraph` over a DuckDB store. Use as a context manager or call close()."""

    def __init__(self, path: str | Path, lookup: KGLookupConfig | None = None) -> None:
        self.path = Path(path)
        self.lookup = lookup or KGLookupConfig()
        self._con = connect_read_only(self.path)
        try:
            self.meta = meta_of(self._con, self.path)
            version = self.meta.get("schema_version")
            if version != SCHEMA_VERSION:
                raise InputError(self.path, f"KG store schema version {version}, this code reads "
                                            f"version {SCHEMA_VERSION}: rebuild with `kg2i kg build`")
        except BaseException:
            self._con.close()
            raise
        self._lock = threading.Lock()
        self.languages: tuple[str, ...] = tuple(
            r[0] for r in self._con.execute("SELECT DISTINCT lang FROM lang_fallback ORDER BY 1")
            .fetchall())

    def close(self) -> None:
        self._con.close()

    def __enter__(self) -> DuckDBKG:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- helpers ----------------------------------------------------------------------------------

    def _rows(self, sql: str, params: Sequence[object] | Mapping[str, object]) -> list[tuple]:
        with self._lock:
            cursor = self._con.cursor()
        try:
            return cursor.execute(sql, params).fetchall()
        finally:
            cursor.close()

    def _check_lang(self, lang: str) -> None:
        if lang not in self.languages:
            raise ConfigError(f"language {lang!r} is not in the KG store {self.path} (it has "
                              f"{', '.join(self.languages)}); rebuild with `kg2i kg build --langs`")

    # -- labels -----------------------------------------------------------------------------------

    def labels(self, qids: Sequence[str], lang: str) -> dict[str, str]:
        self._check_lang(lang)
        if not qids:
            return {}
        rows = self._rows("""
            SELECT p.id, p.value FROM preferred_labels p
            SEMI JOIN (SELECT unnest($ids) AS id) q ON p.id = q.id
            WHERE p.lang = $lang""", {"ids": _distinct(qids), "lang": lang})
        return dict(rows)

    def descriptions(self, qids: Sequence[str], lang: str) -> dict[str, str]:
        """Each entity's description in `lang`, first along its fallback chain (for a person
        telling two entities of one name apart, e.g. in a hand audit)."""
        self._check_lang(lang)
        if not qids:
            return {}
        rows = self._rows("""
            SELECT d.id, first(d.value ORDER BY f.priority, d.value)
            FROM descriptions d JOIN lang_fallback f ON d.lang = f.variant
            SEMI JOIN (SELECT unnest($ids) AS id) q ON d.id = q.id
            WHERE f.lang = $lang GROUP BY d.id""", {"ids": _distinct(qids), "lang": lang})
        return dict(rows)

    def aliases(self, qids: Sequence[str], lang: str) -> dict[str, list[str]]:
        self._check_lang(lang)
        if not qids:
            return {}
        rows = self._rows("""
            SELECT a.id, list(DISTINCT a.value ORDER BY a.value)
            FROM aliases a JOIN lang_fallback f ON a.lang = f.variant
            SEMI JOIN (SELECT unnest($ids) AS id) q ON a.id = q.id
            WHERE f.lang = $lang GROUP BY a.id""", {"ids": _distinct(qids), "lang": lang})
        return {qid: list(values) for qid, values in rows}

    def demonyms(self, qids: Sequence[str], lang: str) -> dict[str, list[str]]:
        self._check_lang(lang)
        if not qids:
            return {}
        rows = self._rows("""
            SELECT m.id, list(DISTINCT m.text ORDER BY m.text) FROM monolingual_values m
            SEMI JOIN (SELECT unnest($ids) AS id) q ON m.id = q.id
            WHERE m.pid = $pid AND m.lang = $lang AND m.rank != 'deprecated'
            GROUP BY m.id""", {"ids": _distinct(qids), "pid": DEMONYM_PID,
                               "lang": base_language(lang)})
        return {qid: list(values) for qid, values in rows}

    # -- candidates -------------------------------------------------------------------------------

    def _search_languages(self, norm: str, lang: str) -> tuple[str, ...]:
        if lang != ENGLISH and lang.startswith("zh") and ENGLISH in self.languages and not _has_han(norm):
            return (lang, ENGLISH)
        return (lang,)

    def candidates(self, names: Sequence[str], lang: str) -> dict[str, list[Candidate]]:
        self._check_lang(lang)
        norms = {name: normalize_name(name, lang) for name in _distinct(names)}
        wanted = [(norm, search) for norm in _distinct(norms.values()) if norm
                  for search in self._search_languages(norm, lang)]
        if not wanted:
            return {}
        # Matches first, then the entities of the matches only: a LEFT JOIN straight onto
        # `entities` would hash the whole table on every call (its cost growing with the KG).
        rows = self._rows("""
            WITH m AS (
                SELECT n.norm, n.lang, n.id, n.via, n.value FROM name_index n
                JOIN (SELECT unnest($norms) AS norm, unnest($langs) AS lang) w
                  ON n.norm = w.norm AND n.lang = w.lang),
            counts AS (
                SELECT e.id, e.n_claims FROM entities e
                SEMI JOIN (SELECT DISTINCT id FROM m) x ON e.id = x.id)
            SELECT m.norm, m.lang, m.id, m.via, m.value, coalesce(c.n_claims, 0)
            FROM m LEFT JOIN counts c ON c.id = m.id""",
            {"norms": [w[0] for w in wanted], "langs": [w[1] for w in wanted]})
        best: dict[str, dict[str, tuple]] = defaultdict(dict)
        for norm, row_lang, qid, via, value, n_claims in rows:
            preference = (via != "label", row_lang != lang, value)
            current = best[norm].get(qid)
            if current is None or preference < current[0]:
                best[norm][qid] = (preference, Candidate(qid, value, via, int(n_claims)))
        result: dict[str, list[Candidate]] = {}
        for name, norm in norms.items():
            found = [c for _, c in best.get(norm, {}).values()]
            if found:
                result[name] = sorted(found, key=lambda c: (-c.n_claims, qid_number(c.qid)))
        return result

    # -- graph --------------------------------------------------------------------------------------

    def neighbours(self, qids: Sequence[str], lang: str) -> dict[str, list[Neighbour]]:
        self._check_lang(lang)
        if not qids:
            return {}
        # Two conjunctive scans rather than one OR: each filter reaches the zone maps, so a
        # capped hub's reverse rows past the cap are skipped, not read and discarded.
        rows = self._rows("""
            WITH q AS (SELECT unnest($ids) AS id)
            SELECT n.entity, n.other, n.pid, n.direction, n.label, n.aliases
            FROM neighbour_rows n SEMI JOIN q ON n.entity = q.id
            WHERE n.lang = $lang AND n.direction = 'forward'
            UNION ALL
            SELECT n.entity, n.other, n.pid, n.direction, n.label, n.aliases
            FROM neighbour_rows n SEMI JOIN q ON n.entity = q.id
            WHERE n.lang = $lang AND n.direction = 'reverse' AND n.pos < $cap""",
            {"ids": _distinct(qids), "lang": lang, "cap": self.lookup.max_reverse_neighbours})
        # (entity, other, pid, direction) is unique, so sorting the plain rows on it gives the
        # Neighbour order without comparing dataclasses (a hub has tens of thousands of rows).
        rows.sort(key=lambda row: (row[0], row[1], row[2], row[3]))
        result: dict[str, list[Neighbour]] = defaultdict(list)
        for entity, other, pid, direction, label, aliases in rows:
            result[entity].append(Neighbour(other, pid, direction, label, tuple(aliases)))
        return dict(result)

    def degrees(self, qids: Sequence[str]) -> dict[str, tuple[int, int]]:
        """(forward, reverse) item-valued degree per QID, (0, 0) when it has no item claims: tells
        a hub (whose reverse edges a lookup caps) without fetching them. DuckDB backend only."""
        wanted = _distinct(qids)
        if not wanted:
            return {}
        rows = self._rows("""
            SELECT d.id, d.n_forward, d.n_reverse FROM degrees d
            SEMI JOIN (SELECT unnest($ids) AS id) q ON d.id = q.id""", {"ids": wanted})
        found = {qid: (int(f), int(r)) for qid, f, r in rows}
        return {qid: found.get(qid, (0, 0)) for qid in wanted}

    def reverse_degrees(self, qids: Sequence[str]) -> dict[str, int]:
        return {qid: reverse for qid, (_, reverse) in self.degrees(qids).items()}

    def claims_between(self, pairs: Sequence[tuple[str, str]]) -> list[Claim]:
        directed = _distinct(f"{a}\t{b}" for x, y in pairs for a, b in ((x, y), (y, x)))
        if not directed:
            return []
        heads, tails = zip(*(d.split("\t") for d in directed))
        rows = self._rows("""
            SELECT c.head, c.pid, c.tail, c.rank FROM claims c
            SEMI JOIN (SELECT unnest($heads) AS head, unnest($tails) AS tail) p
              ON c.head = p.head AND c.tail = p.tail""",
            {"heads": list(heads), "tails": list(tails)})
        return sorted({Claim(*row) for row in rows})

    def time_values(self, qids: Sequence[str]) -> list[TimeValue]:
        if not qids:
            return []
        rows = self._rows("""
            SELECT t.id, t.pid, t.time, t.precision, t.calendar, t.rank FROM time_values t
            SEMI JOIN (SELECT unnest($ids) AS id) q ON t.id = q.id""", {"ids": _distinct(qids)})
        return sorted(TimeValue(*row) for row in rows)

    def quantity_values(self, qids: Sequence[str]) -> list[QuantityValue]:
        if not qids:
            return []
        rows = self._rows("""
            SELECT v.id, v.pid, v.amount, v.unit, v.rank FROM quantity_values v
            SEMI JOIN (SELECT unnest($ids) AS id) q ON v.id = q.id""", {"ids": _distinct(qids)})
        return sorted(QuantityValue(*row) for row in rows)

    # -- types ----------------------------------------------------------------------------------------

    def _objects(self, subjects: Sequence[str], pid: str) -> dict[str, set[str]]:
        """subject -> set of item values of `pid`, one query for the whole batch."""
        if not subjects:
            return {}
        rows = self._rows("""
            SELECT c.head, c.tail FROM claims c
            SEMI JOIN (SELECT unnest($ids) AS id) q ON c.head = q.id
            WHERE c.pid = $pid""", {"ids": list(subjects), "pid": pid})
        result: dict[str, set[str]] = defaultdict(set)
        for head, tail in rows:
            result[head].add(tail)
        return result

    def _superclass_graph(self, classes: Iterable[str], max_depth: int) -> dict[str, set[str]]:
        """P279 edges of every class within `max_depth` hops of `classes` (one query per hop)."""
        graph: dict[str, set[str]] = {}
        frontier = set(classes)
        for _ in range(max_depth):
            frontier -= graph.keys()
            if not frontier:
                break
            parents = self._objects(sorted(frontier), "P279")
            for cls in frontier:
                graph[cls] = parents.get(cls, set())
            frontier = set().union(*graph.values()) if graph else set()
        return graph

    def types(self, qids: Sequence[str], roots: Mapping[str, Sequence[str]],
              max_depth: int = 8) -> dict[str, list[str]]:
        if not qids or not roots:
            return {}
        category_of_root: dict[str, set[str]] = defaultdict(set)
        for category, root_qids in roots.items():
            for root in root_qids:
                category_of_root[root].add(category)
        direct = self._objects(_distinct(qids), "P31")
        graph = self._superclass_graph(set().union(*direct.values()) if direct else (), max_depth)
        reached_cache: dict[str, frozenset[str]] = {}

        def categories_from(cls: str) -> frozenset[str]:
            """Categories reachable from one class within max_depth P279 hops (BFS, visited set)."""
            if cls not in reached_cache:
                seen, level = {cls}, {cls}
                for _ in range(max_depth):
                    level = {p for c in level for p in graph.get(c, ())} - seen
                    if not level:
                        break
                    seen |= level
                reached_cache[cls] = frozenset(cat for c in seen for cat in category_of_root.get(c, ()))
            return reached_cache[cls]

        result: dict[str, list[str]] = {}
        for qid, classes in direct.items():
            found = set().union(*(categories_from(c) for c in classes))
            if found:
                result[qid] = sorted(found)
        return result

    # -- sitelinks and counts --------------------------------------------------------------------

    def sitelinks(self, titles: Sequence[str], wiki: str) -> dict[str, str]:
        if not titles:
            return {}
        canonical = {title: canonical_title(title) for title in _distinct(titles)}
        rows = self._rows("""
            SELECT s.title, s.id FROM sitelinks s
            SEMI JOIN (SELECT unnest($titles) AS title) q ON s.title = q.title
            WHERE s.wiki = $wiki""", {"titles": _distinct(canonical.values()), "wiki": wiki})
        found = dict(rows)
        return {title: found[c] for title, c in canonical.items() if c in found}

    def n_claims(self, qids: Sequence[str]) -> dict[str, int]:
        wanted = _distinct(qids)
        if not wanted:
            return {}
        rows = self._rows("""
            SELECT e.id, e.n_claims FROM entities e
            SEMI JOIN (SELECT unnest($ids) AS id) q ON e.id = q.id""", {"ids": wanted})
        found = dict(rows)
        return {qid: int(found.get(qid, 0)) for qid in wanted}
