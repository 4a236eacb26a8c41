"""`SparqlKG`: the `KnowledgeGraph` protocol over any SPARQL endpoint in Wikidata's RDF model.

It answers like `DuckDBKG` on the same data (tests export a DuckDB store to RDF, serve it with
Oxigraph and compare). How each answer is made, and where the two may legitimately differ:

- Statements come from the full statement model (p:/ps:/psv:, wikibase:rank), never from truthy
  wdt: triples, which on WDQS exist only for best-rank statements; deprecated ones are filtered
  out. Both backends therefore return every preferred and normal statement, and when one value
  occurs in several statements the best rank is kept (the DuckDB build does the same).
- labels: the first language of the fallback chain that has a label (en: en, mul; zh: zh,
  zh-hans, ... zh-mo),
  as the store's `preferred_labels`; aliases: the union over the chain, distinct, sorted.
- candidates: a triple store can only match literals exactly, so `normalize_name` cannot run
  server-side. The name is expanded into surface variants (NFKC and whitespace-collapsed form as
  given, lower case, first letter upper, each word capitalised, upper case; for Chinese also the
  traditional-script conversion), looked up as labels and aliases in every language of the chain
  (Chinese text with no Han characters also in English, as `DuckDBKG` does), and the matches are
  kept only if `normalize_name` agrees. So every SparqlKG candidate is a DuckDBKG candidate; an
  entity is missed only when its label's casing is none of the variants (e.g. "McDonald" looked up
  as "mcdonald") or its Chinese label is in a script variant that OpenCC's conversion of the
  name does not produce.
- time and quantity values are returned in canonical form (`wikidata_rdf.canonical_time`,
  `canonical_amount`): stores rewrite typed literals ("0.890" comes back as "0.89"), so the dump's
  exact lexical form cannot be recovered; compare with `DuckDBKG` after the same canonicalisation.
- types: P31 then at most `max_depth` P279 hops, one batched query per BFS level
  (`type_closure`), because a SPARQL path cannot bound its depth.
- sitelinks: titles canonicalised like MediaWiki (underscores, first letter), then matched
  against schema:name of the article on the wiki's site.
- neighbours: the same hub cap as `DuckDBKG` (`KGLookupConfig.max_reverse_neighbours`, same kept
  rows). Reverse edges are counted per entity first; an entity over the cap gets one query of its
  own, ordered and LIMITed server-side, so no more than the cap travels or is held here. The
  endpoint still enumerates the hub's edges to order them (a triple store keeps no precomputed
  order, unlike the DuckDB store's `neighbour_rows`), as the uncapped query did.
"""
from __future__ import annotations

import functools
import logging
import unicodedata
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

from kg2instruction.kg import sparql_queries as q
from kg2instruction.kg import type_closure
from kg2instruction.kg.build_config import KGBuildConfig
from kg2instruction.kg.duckdb_kg import canonical_title
from kg2instruction.kg.lookup_config import KGLookupConfig
from kg2instruction.kg.protocol import (Candidate, Claim, Neighbour, QuantityValue, TimeValue,
                                        qid_number)
from kg2instruction.kg.sparql_client import Binding, SparqlClient, settings_from_options
from kg2instruction.kg.wikidata_rdf import (RANK_BY_IRI, SKOS, canonical_amount, entity_id_of,
                                            site_iri, site_language, time_from_rdf, unit_from_rdf)
from kg2instruction.text.normalize import base_language, normalize_name, to_simplified

_log = logging.getLogger(__name__)

ENGLISH = "en"
# The same chains the DuckDB build resolves labels with (en: en, mul; zh: zh, zh-hans, ... zh-mo).
DEFAULT_FALLBACK_CHAINS: Mapping[str, Sequence[str]] = KGBuildConfig().fallback_chains
_BEST_FIRST = {"preferred": 0, "normal": 1}


def _distinct(items: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(items))


def _has_han(text: str) -> bool:
    return any("\u4e00" <= ch <= "\u9fff" or "\u3400" <= ch <= "\u4dbf" or
               "\uf900" <= ch <= "\ufaff" for ch in text)


@functools.lru_cache(maxsize=1)
def _s2t():  # loading OpenCC's dictionaries takes ~0.3 s: once per process
    import opencc  # opencc-python-reimplemented

    return opencc.OpenCC("s2t")


def surface_variants(name: str, lang: str) -> list[str]:
    """Spellings under which a KG label may store `name` (see the module docstring)."""
    base = " ".join(unicodedata.normalize("NFKC", name).split())
    if not base:
        return []
    words = base.split(" ")
    variants = [base, base.lower(), base.upper(),
                base[:1].upper() + base[1:], base[:1].upper() + base[1:].lower(),
                " ".join(word[:1].upper() + word[1:] for word in words),
                " ".join(word[:1].upper() + word[1:].lower() for word in words)]
    if lang.startswith("zh") and _has_han(base):
        variants += [to_simplified(base), _s2t().convert(base)]
    if name != base:
        variants.append(name)
    return _distinct(variants)


class SparqlKG:
    """`KnowledgeGraph` backed by a SPARQL endpoint (WDQS by default); see the module docstring."""

    def __init__(self, endpoint: str, *, batch_size: int = 200,
                 fallback_chains: Mapping[str, Sequence[str]] | None = None,
                 client: SparqlClient | None = None, lookup: KGLookupConfig | None = None,
                 **client_options: Any) -> None:
        """`client_options` are `SparqlSettings` fields: user_agent, cache_dir, timeout,
        max_retries, min_interval, backoff_base, backoff_max, max_retry_after, seed, ...
        (or pass a ready `client`, whose endpoint then wins)."""
        if batch_size < 1:
            raise ValueError("batch_size must be at least 1")
        self.client = client or SparqlClient(settings_from_options(endpoint, **client_options))
        self.batch_size = batch_size
        self.fallback_chains = dict(fallback_chains or DEFAULT_FALLBACK_CHAINS)
        self.lookup = lookup or KGLookupConfig()

    def close(self) -> None:
        """Close the client's kept-alive HTTP connection."""
        self.client.close()

    def __enter__(self) -> SparqlKG:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- helpers ----------------------------------------------------------------------------------

    def _chain(self, lang: str) -> tuple[str, ...]:
        return tuple(self.fallback_chains.get(lang, (lang,)))

    def _select_batched(self, items: Sequence[Any],
                        build: Callable[[Sequence[Any]], str]) -> list[Binding]:
        """Rows of one query per chunk of `batch_size` items (VALUES blocks stay small)."""
        rows: list[Binding] = []
        for chunk in q.chunked(items, self.batch_size):
            rows.extend(self.client.select(build(chunk)))
        return rows

    # -- labels -----------------------------------------------------------------------------------

    def labels(self, qids: Sequence[str], lang: str) -> dict[str, str]:
        chain = self._chain(lang)
        priority = {variant: i for i, variant in enumerate(chain)}
        best: dict[str, tuple[int, str]] = {}
        for row in self._select_batched(_distinct(qids), lambda c: q.labels_query(c, chain)):
            qid = entity_id_of(row["e"]["value"])
            rank = priority.get(row["label"].get("xml:lang", "").lower(), len(chain))
            value = row["label"]["value"]
            if qid and (qid not in best or (rank, value) < best[qid]):
                best[qid] = (rank, value)
        return {qid: value for qid, (_, value) in best.items()}

    def aliases(self, qids: Sequence[str], lang: str) -> dict[str, list[str]]:
        chain = self._chain(lang)
        found: dict[str, set[str]] = defaultdict(set)
        for row in self._select_batched(_distinct(qids), lambda c: q.aliases_query(c, chain)):
            qid = entity_id_of(row["e"]["value"])
            if qid:
                found[qid].add(row["alias"]["value"])
        return {qid: sorted(values) for qid, values in found.items()}

    def demonyms(self, qids: Sequence[str], lang: str) -> dict[str, list[str]]:
        found: dict[str, set[str]] = defaultdict(set)
        base = base_language(lang)
        for row in self._select_batched(_distinct(qids), lambda c: q.demonyms_query(c, base)):
            qid = entity_id_of(row["e"]["value"])
            if qid:
                found[qid].add(row["demonym"]["value"])
        return {qid: sorted(values) for qid, values in found.items()}

    # -- candidates -------------------------------------------------------------------------------

    def _search_languages(self, norm: str, lang: str) -> tuple[str, ...]:
        if lang != ENGLISH and lang.startswith("zh") and not _has_han(norm):
            return (lang, ENGLISH)
        return (lang,)

    def candidates(self, names: Sequence[str], lang: str) -> dict[str, list[Candidate]]:
        norms = {name: normalize_name(name, lang) for name in _distinct(names)}
        # (configured language searched, surface form) pairs; one literal per chain variant.
        lookups: dict[str, list[str]] = defaultdict(list)
        for name, norm in norms.items():
            if norm:
                for search in self._search_languages(norm, lang):
                    lookups[search].extend(surface_variants(name, search))
        matches: dict[str, dict[str, tuple[tuple, str, str]]] = defaultdict(dict)
        for search, forms in lookups.items():
            chain = self._chain(search)
            per_query = max(1, self.batch_size // len(chain))
            for chunk in q.chunked(_distinct(forms), per_query):
                for row in self.client.select(q.names_query(chunk, chain)):
                    self._keep_match(row, search, lang, matches)
        counts = self.n_claims(sorted({qid for found in matches.values() for qid in found},
                                      key=qid_number))
        result: dict[str, list[Candidate]] = {}
        for name, norm in norms.items():
            found = [Candidate(qid, value, via, counts.get(qid, 0))  # type: ignore[arg-type]
                     for qid, (_, value, via) in matches.get(norm, {}).items()]
            if found:
                result[name] = sorted(found, key=lambda c: (-c.n_claims, qid_number(c.qid)))
        return result

    @staticmethod
    def _keep_match(row: Binding, search: str, lang: str,
                    matches: dict[str, dict[str, tuple[tuple, str, str]]]) -> None:
        """Record one label/alias hit under its normalised form, keeping DuckDBKG's preference:
        label before alias, own language before English, then the smallest string."""
        qid = entity_id_of(row["e"]["value"])
        if qid is None:
            return
        value = row["name"]["value"]
        via = "alias" if row["via"]["value"] == SKOS + "altLabel" else "label"
        norm = normalize_name(value, search)
        preference = (via != "label", search != lang, value)
        current = matches[norm].get(qid)
        if current is None or preference < current[0]:
            matches[norm][qid] = (preference, value, via)

    # -- graph --------------------------------------------------------------------------------------

    def _item_statements(self, qids: Sequence[str], direction: str) -> list[tuple[str, str, str, str]]:
        """(entity, pid, other, rank) rows, best rank per (entity, pid, other)."""
        best: dict[tuple[str, str, str], str] = {}
        for row in self._select_batched(qids, lambda c: q.item_statements_query(c, direction)):
            entity, pid = entity_id_of(row["e"]["value"]), entity_id_of(row["prop"]["value"])
            other = entity_id_of(row["other"]["value"])
            rank = RANK_BY_IRI.get(row["rank"]["value"])
            if entity and pid and other and rank in _BEST_FIRST:
                key = (entity, pid, other)
                if key not in best or _BEST_FIRST[rank] < _BEST_FIRST[best[key]]:
                    best[key] = rank
        return [(*key, rank) for key, rank in best.items()]

    def reverse_degrees(self, qids: Sequence[str]) -> dict[str, int]:
        wanted = _distinct(qids)
        found = self._reverse_degrees(wanted)
        return {qid: found.get(qid, 0) for qid in wanted}

    def _reverse_degrees(self, qids: Sequence[str]) -> dict[str, int]:
        found: dict[str, int] = {}
        for row in self._select_batched(qids, q.reverse_degree_query):
            qid = entity_id_of(row["e"]["value"])
            if qid:
                found[qid] = int(row["n"]["value"])
        return found

    def _capped_reverse(self, qid: str) -> set[tuple[str, str, str, str]]:
        """A hub's kept reverse edges as (entity, other, pid, 'reverse'), at most the cap."""
        cap = self.lookup.max_reverse_neighbours
        edges = set()
        for row in self.client.select(q.capped_reverse_query(qid, cap)):
            pid, other = entity_id_of(row["prop"]["value"]), entity_id_of(row["other"]["value"])
            if pid and other:
                edges.add((qid, other, pid, "reverse"))
        return edges

    def neighbours(self, qids: Sequence[str], lang: str) -> dict[str, list[Neighbour]]:
        wanted = _distinct(qids)
        edges = {(entity, other, pid, "forward")
                 for entity, pid, other, _ in self._item_statements(wanted, "forward")}
        degrees = self._reverse_degrees(wanted)
        cap = self.lookup.max_reverse_neighbours
        small = [qid for qid in wanted if 0 < degrees.get(qid, 0) <= cap]
        edges |= {(entity, other, pid, "reverse")
                  for entity, pid, other, _ in self._item_statements(small, "reverse")}
        for hub in (qid for qid in wanted if degrees.get(qid, 0) > cap):
            edges |= self._capped_reverse(hub)
        others = sorted({edge[1] for edge in edges}, key=qid_number)
        labels, aliases = self.labels(others, lang), self.aliases(others, lang)
        result: dict[str, list[Neighbour]] = defaultdict(list)
        for entity, other, pid, direction in edges:
            result[entity].append(Neighbour(other, pid, direction, labels.get(other),  # type: ignore[arg-type]
                                            tuple(aliases.get(other, ()))))
        return {qid: sorted(items) for qid, items in result.items()}

    def claims_between(self, pairs: Sequence[tuple[str, str]]) -> list[Claim]:
        directed = list(dict.fromkeys((a, b) for x, y in pairs for a, b in ((x, y), (y, x))))
        best: dict[tuple[str, str, str], str] = {}
        for row in self._select_batched(directed, q.claims_between_query):
            head, pid = entity_id_of(row["head"]["value"]), entity_id_of(row["prop"]["value"])
            tail, rank = entity_id_of(row["tail"]["value"]), RANK_BY_IRI.get(row["rank"]["value"])
            if head and pid and tail and rank in _BEST_FIRST:
                key = (head, pid, tail)
                if key not in best or _BEST_FIRST[rank] < _BEST_FIRST[best[key]]:
                    best[key] = rank
        return sorted(Claim(head, pid, tail, rank)  # type: ignore[arg-type]
                      for (head, pid, tail), rank in best.items())

    def time_values(self, qids: Sequence[str]) -> list[TimeValue]:
        best: dict[tuple[str, str, str, int, str], str] = {}
        for row in self._select_batched(_distinct(qids), q.time_values_query):
            entity, pid = entity_id_of(row["e"]["value"]), entity_id_of(row["prop"]["value"])
            rank = RANK_BY_IRI.get(row["rank"]["value"])
            calendar = entity_id_of(row["calendar"]["value"])
            if not (entity and pid and calendar and rank in _BEST_FIRST):
                continue
            precision = int(row["precision"]["value"])
            try:
                time = time_from_rdf(row["time"]["value"], precision, calendar)
            except ValueError as exc:  # WDQS writes some unrepresentable dates as plain strings
                _log.warning("skipping time value of %s %s: %s", entity, pid, exc)
                continue
            key = (entity, pid, time, precision, calendar)
            if key not in best or _BEST_FIRST[rank] < _BEST_FIRST[best[key]]:
                best[key] = rank
        return sorted(TimeValue(*key, rank) for key, rank in best.items())  # type: ignore[arg-type]

    def quantity_values(self, qids: Sequence[str]) -> list[QuantityValue]:
        best: dict[tuple[str, str, str, str], str] = {}
        for row in self._select_batched(_distinct(qids), q.quantity_values_query):
            entity, pid = entity_id_of(row["e"]["value"]), entity_id_of(row["prop"]["value"])
            rank = RANK_BY_IRI.get(row["rank"]["value"])
            if not (entity and pid and rank in _BEST_FIRST):
                continue
            try:
                amount = canonical_amount(row["amount"]["value"])
            except ValueError as exc:
                _log.warning("skipping quantity value of %s %s: %s", entity, pid, exc)
                continue
            key = (entity, pid, amount, unit_from_rdf(row["unit"]["value"]))
            if key not in best or _BEST_FIRST[rank] < _BEST_FIRST[best[key]]:
                best[key] = rank
        return sorted(QuantityValue(*key, rank) for key, rank in best.items())  # type: ignore[arg-type]

    # -- types ----------------------------------------------------------------------------------------

    def _objects(self, subjects: Sequence[str], pid: str) -> dict[str, set[str]]:
        result: dict[str, set[str]] = defaultdict(set)
        for row in self._select_batched(subjects, lambda c: q.class_edges_query(c, pid)):
            subject, cls = entity_id_of(row["e"]["value"]), entity_id_of(row["class"]["value"])
            if subject and cls and cls.startswith("Q"):
                result[subject].add(cls)
        return result

    def types(self, qids: Sequence[str], roots: Mapping[str, Sequence[str]],
              max_depth: int = 8) -> dict[str, list[str]]:
        if not qids or not roots:
            return {}
        direct = self._objects(_distinct(qids), "P31")
        start = set().union(*direct.values()) if direct else set()
        edges = type_closure.superclass_edges(start, lambda c: self._objects(c, "P279"), max_depth)
        return type_closure.categories(direct, edges, roots, max_depth)

    # -- sitelinks and counts --------------------------------------------------------------------

    def sitelinks(self, titles: Sequence[str], wiki: str) -> dict[str, str]:
        if not titles:
            return {}
        canonical = {title: canonical_title(title) for title in _distinct(titles)}
        site, lang = site_iri(wiki), site_language(wiki)
        found: dict[str, str] = {}
        for row in self._select_batched(_distinct(canonical.values()),
                                        lambda c: q.sitelinks_query(site, c, lang)):
            qid = entity_id_of(row["e"]["value"])
            if qid:
                found.setdefault(row["title"]["value"], qid)
        return {title: found[c] for title, c in canonical.items() if c in found}

    def n_claims(self, qids: Sequence[str]) -> dict[str, int]:
        wanted = _distinct(qids)
        found: dict[str, int] = {}
        for row in self._select_batched(wanted, q.statement_counts_query):
            qid = entity_id_of(row["e"]["value"])
            if qid:
                found[qid] = int(row["n"]["value"])
        return {qid: found.get(qid, 0) for qid in wanted}
