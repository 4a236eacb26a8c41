"""Nationality words that stand for a country the paragraph's entities are tied to.

"Lincoln was an American lawyer": NER tags "American" as a nationality (NORP), and on its own such
a word is no entity (not the American people, not American English), so the mention stage drops
it. But the page subject's KG citizenship is the United States, and "American" is what Wikidata
calls that country's people (P1549, demonym), or, in a KG without demonyms, a word that begins
with most of the country's name ("Ital-ian", "Swed-ish", "Norw-egian"), or, failing both, the
name of the country's official language ("French", "Polish", "Danish": English names most
nationalities after the language, and a KG without demonyms still knows what France speaks).
Such a word, where NER calls it a nationality and one of the paragraph's entities has that
country as the value of a country property (citizenship, country, country of origin), is a
mention of that country: the fact it carries is that tie, which the rest of the chain (evidence
sentence, schema, verifier) then judges like any other.
"""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from pydantic import BaseModel, ConfigDict, Field

from kg2instruction.annotate.neighbour_cache import neighbour_cache
from kg2instruction.kg.protocol import KnowledgeGraph
from kg2instruction.text.normalize import base_language, normalize_name


class DemonymConfig(BaseModel):
    """Which ties make a nationality word a mention, and how it may be recognised."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    pids: tuple[str, ...] = Field(("P27", "P17", "P495"), description=(
        "properties whose value is a country a nationality word may stand for (country of "
        "citizenship, country, country of origin); empty: nationality words are never mentions"))
    stem_chars: dict[str, int] = Field(default_factory=lambda: {"en": 4}, description=(
        "per language: a nationality word with no KG demonym still stands for a country when it "
        "begins with all but the last two letters of one of the country's names, and with at "
        "least this many (American/America, Norwegian/Norway); languages absent use the KG's "
        "demonyms only"))
    language_pids: tuple[str, ...] = Field(("P37",), description=(
        "properties of a country whose values are its languages (official language): a "
        "nationality word with no KG demonym and no stem match that names such a language of "
        "exactly one tied country stands for that country (French/France); empty: never"))


@dataclass(frozen=True)
class CountryWords:
    """The countries tied to a shard's entities, with the words that name their people."""

    lang: str
    demonyms: Mapping[str, frozenset[str]]            # normalised demonym -> country QIDs
    names: Mapping[str, tuple[str, ...]]              # country QID -> normalised names
    tied_to: Mapping[str, frozenset[str]] = field(default_factory=dict)  # country -> entities
    stem_chars: int | None = None
    languages: Mapping[str, frozenset[str]] = field(default_factory=dict)  # language name -> countries

    def country_of(self, word: str, active: Collection[str]) -> str | None:
        """The one country tied to an `active` entity that `word` names the people of; None
        when there is none or more than one equally good."""
        near = [q for q, entities in self.tied_to.items() if not entities.isdisjoint(active)]
        if not near:
            return None
        norm = normalize_name(word, self.lang)
        exact = sorted(q for q in self.demonyms.get(norm, ()) if q in near)
        if exact:
            return exact[0] if len(exact) == 1 else None
        stemmed = self._by_stem(norm, near)
        if stemmed is not None:
            return stemmed
        speaking = sorted(q for q in self.languages.get(norm, ()) if q in near)
        return speaking[0] if len(speaking) == 1 else None

    def _by_stem(self, norm: str, near: Sequence[str]) -> str | None:
        if self.stem_chars is None:
            return None
        scored = [(max((_stem_match(norm, name, self.stem_chars) for name in self.names[q]),
                       default=0), q) for q in near]
        best = max((s for s, _ in scored), default=0)
        winners = sorted(q for s, q in scored if s == best)
        return winners[0] if best > 0 and len(winners) == 1 else None


def _stem_match(word: str, name: str, minimum: int) -> int:
    """Length of the shared beginning when it covers the name but for its last two letters
    (and `minimum` letters at least), else 0."""
    shared = 0
    for a, b in zip(word, name):
        if a != b:
            break
        shared += 1
    return shared if shared >= max(minimum, len(name) - 2) and len(word) > len(name) - 2 else 0


def country_words(entities: Iterable[str], kg: KnowledgeGraph, lang: str,
                  config: DemonymConfig, words: Iterable[str] = ()) -> CountryWords:
    """The countries `entities` have as values of `config.pids`, their names and KG demonyms,
    and which of the nationality `words` of the shard name one of their languages (batched KG
    calls; the neighbours are the ones mention search already fetched)."""
    base = base_language(lang)
    wanted = sorted(set(entities))
    if not config.pids or not wanted:
        return CountryWords(lang, {}, {})
    tied: dict[str, set[str]] = defaultdict(set)
    names: dict[str, tuple[str, ...]] = {}
    for entity, neighbours in neighbour_cache(kg).neighbours(wanted, lang).items():
        for nb in neighbours:
            if nb.direction == "forward" and nb.pid in config.pids and nb.qid != entity:
                tied[nb.qid].add(entity)
                normalised = (normalize_name(n, lang) for n in (nb.label, *nb.aliases) if n)
                names[nb.qid] = tuple(dict.fromkeys(n for n in normalised if n))
    demonyms: dict[str, set[str]] = defaultdict(set)
    for qid, words in kg.demonyms(sorted(tied), lang).items():
        for word in words:
            demonyms[normalize_name(word, lang)].add(qid)
    return CountryWords(lang, {w: frozenset(q) for w, q in demonyms.items()}, names,
                        {q: frozenset(e) for q, e in tied.items()}, config.stem_chars.get(base),
                        _languages_named(sorted(set(words)), sorted(tied), kg, lang, config))


def _languages_named(words: Sequence[str], countries: Sequence[str], kg: KnowledgeGraph,
                     lang: str, config: DemonymConfig) -> dict[str, frozenset[str]]:
    """word -> the `countries` one of whose `language_pids` values the word names."""
    if not words or not countries or not config.language_pids:
        return {}
    named = {w: [c.qid for c in cands] for w, cands in kg.candidates(list(words), lang).items()}
    wanted = sorted({(country, q) for qs in named.values() for q in qs for country in countries})
    spoken: dict[str, set[str]] = defaultdict(set)       # language -> countries
    heads = set(countries)
    for claim in kg.claims_between(wanted) if wanted else ():
        if claim.pid in config.language_pids and claim.head in heads:
            spoken[claim.tail].add(claim.head)
    by_word: dict[str, set[str]] = defaultdict(set)
    for word, qids in named.items():
        for q in qids:
            by_word[normalize_name(word, lang)] |= spoken.get(q, set())
    return {w: frozenset(c) for w, c in by_word.items() if c}
