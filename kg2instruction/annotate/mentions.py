"""Identify mentions in paragraphs: links, the page subject, repeats, KG-neighbour names, NER.

Links and bold subject spans are gold but sparse: Wikipedia links only the first occurrence of an
entity, and never links the plain nouns ("cyclist", "Archbishop") that carry occupations and
positions. So, in decreasing reliability:

1. links (their target, resolved through redirects) and the page subject's bold spans;
2. repeats: later occurrences of a linked entity's anchor texts, title and (when known) labels and
   aliases, in the paragraph, or the page so far (`repeat_scope`); the page subject is repeated
   anywhere on its page;
3. neighbour names: labels and aliases of the KG neighbours of the entities linked in the
   paragraph (and the page subject), found in its text;
4. residual NER spans; date/time and quantity labels become value mentions with a normalised
   value; labels that never name entities are dropped (all configured, none hard-coded).

Overlaps are resolved by that priority for the writer's own spans (links, bold subject); among
the guessed ones (repeats, neighbour names, NER) the longer span wins, so no mention survives inside
a longer one. NER spans of nationality-like names used as adjectives ("Russian revolutionary") are
not mentions and block every guessed name inside them, unless the word names the people of a
country one of the paragraph's entities is tied to in the KG ("an American lawyer" on the page of
a US citizen): then it is a mention of that country (`annotate/demonyms.py`).

NER (`run_ner`) is separately callable from the rest (`annotate_mentions`), so its cost can be
measured alone.
"""
from __future__ import annotations

import functools
import re
from collections import Counter, defaultdict
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any, Literal

import pyarrow as pa
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from kg2instruction.annotate.demonyms import CountryWords, DemonymConfig, country_words
from kg2instruction.annotate.mention import VALUE_SOURCES, Mention, MentionSource, mentions_table
from kg2instruction.annotate.link_targets import title_form
from kg2instruction.annotate.name_index import NameIndex, name_keys, text_vocabulary
from kg2instruction.annotate.stop_names import StopList, stop_names
from kg2instruction.annotate.overlaps import resolve_overlaps
from kg2instruction.annotate.target_context import (NeighbourNames, TargetInfo, describe_targets,
                                                    neighbour_names)
from kg2instruction.annotate.values import parse_date, parse_quantity
from kg2instruction.errors import ConfigError, InputError
from kg2instruction.kg.protocol import KnowledgeGraph
from kg2instruction.ner.base import NerModel, NerSpan
from kg2instruction.text.normalize import base_language, is_unspaced, normalize_name
from kg2instruction.text.zh_words import (derived_word, splits_a_latin_phrase, splits_a_word,
                                          word_boundaries)

PriorityClass = Literal["link", "subject", "repeat", "neighbour", "ner"]
_WORDS = re.compile(r"\w+")
_PRIORITY_CLASS: dict[str, str] = {"link": "link", "subject": "subject", "repeat": "repeat",
                                   "neighbour": "neighbour", "nationality": "neighbour",
                                   "ner": "ner", "time": "ner",
                                   "quantity": "ner"}
_PARAGRAPH_COLUMNS = ("paragraph_id", "page_id", "lang", "title", "page_qid", "index", "text",
                      "links", "subject_spans", "source")


class MentionConfig(BaseModel):
    """What counts as a mention. Every list here is data an analyst may edit."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    drop_ner_labels: tuple[str, ...] = ("CARDINAL", "ORDINAL", "PERCENT", "MONEY")
    value_ner_labels: dict[str, Literal["time", "quantity"]] = Field(default_factory=lambda: {
        "DATE": "time", "TIME": "time", "QUANTITY": "quantity"})
    ner_strip_leading_words: dict[str, tuple[str, ...]] = Field(
        default_factory=lambda: {"en": ("the",)},
        description="per language: leading words cut from entity NER spans ('the United States')")
    overlap_priority: tuple[PriorityClass, ...] = ("link", "subject", "repeat", "neighbour", "ner")
    longest_wins: tuple[PriorityClass, ...] = Field(("repeat", "neighbour", "ner"), description=(
        "classes among which the longer of two overlapping spans wins whatever their priority: a "
        "name inside a longer name is part of it ('Huxley' in 'Noel Trevelyan Huxley')"))
    adjective_ner_labels: tuple[str, ...] = Field(("NORP",), description=(
        "NER labels of names that are adjectives when a word follows them (nationalities, "
        "religious and political groups: 'Russian revolutionary', 'the German Max Stirner'): "
        "such spans are no mentions and no KG name is matched inside them, since they are not the "
        "Russian language or the German people; standing alone ('is French.') they are names; a "
        "writer's link there always counts"))
    ner_strip_trailing: dict[str, tuple[str, ...]] = Field(
        default_factory=lambda: {"en": ("'s", "\u2019s", "'", "\u2019")},
        description="per language: possessive endings cut from entity NER spans (\"King Hussein's\")")
    repeat_scope: Literal["paragraph", "page"] = Field(
        "page", description="repeat links of earlier paragraphs of the same page (in the same shard)")
    expansion_candidates: int = Field(3, ge=1, description=(
        "candidates per uncertain link target whose KG neighbours are searched in the text"))
    min_name_chars: dict[str, int] = Field(default_factory=lambda: {"*": 3, "zh": 2},
                                           description="shortest name matched, per language ('*' = other)")
    stop_names: StopList = Field("spacy", description=(
        "base list of words never matched as names: spaCy's stop words for the language, or none"))
    extra_stop_names: dict[str, tuple[str, ...]] = Field(default_factory=dict,
                                                         description="per language, added to the base list")
    person_ner_labels: tuple[str, ...] = Field(("PERSON", "PER"), description=(
        "NER labels of people: the page subject's short name repeats it only on such a span"))
    class_pids: tuple[str, ...] = Field(("P31",), description=(
        "properties whose values are classes of an entity (instance of): neighbours reached only "
        "through them are not searched in the text ('the album', 'a crisis' are common nouns)"))
    demonyms: DemonymConfig = Field(default_factory=DemonymConfig, description=(
        "nationality words (the adjective labels) that stand for a country tied to the "
        "paragraph's entities: 'an American lawyer' on a page whose subject is a US citizen"))
    max_name_tokens: int = Field(8, ge=1, description="longest name matched, in tokens (punctuation counts)")
    max_name_chars_unspaced: int = Field(24, ge=1)

    @field_validator("overlap_priority")
    @classmethod
    def _is_permutation(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        expected = {"link", "subject", "repeat", "neighbour", "ner"}
        if set(value) != expected or len(value) != len(expected):
            raise ValueError(f"must list each of {sorted(expected)} exactly once")
        return value

    @model_validator(mode="after")
    def _longest_wins_is_contiguous(self) -> MentionConfig:
        """Classes sharing a group must be neighbours in the priority, or a class between them
        would be outranked by a class it should beat."""
        positions = sorted(self.overlap_priority.index(cls) for cls in set(self.longest_wins))
        if positions and positions != list(range(positions[0], positions[0] + len(positions))):
            raise ValueError("longest_wins must name classes adjacent in overlap_priority")
        return self

    def min_chars(self, lang: str) -> int:
        return self.min_name_chars.get(base_language(lang), self.min_name_chars.get("*", 3))

    def rank_of_source(self) -> dict[str, tuple[int, int]]:
        """(group, order) per source for `resolve_overlaps`: the `longest_wins` classes share the
        group of the best-placed of them."""
        order = {cls: i for i, cls in enumerate(self.overlap_priority)}
        shared = min((order[cls] for cls in self.longest_wins), default=0)
        return {source: (shared if cls in self.longest_wins else order[cls], order[cls])
                for source, cls in _PRIORITY_CLASS.items()}


def run_ner(paragraphs: pa.Table, ners: Mapping[str, NerModel]) -> list[list[NerSpan]]:
    """NER spans per paragraph (table order), one batched `tag` call per language."""
    langs = paragraphs.column("lang").to_pylist()
    texts = paragraphs.column("text").to_pylist()
    spans: list[list[NerSpan]] = [[] for _ in texts]
    by_lang: dict[str, list[int]] = defaultdict(list)
    for i, lang in enumerate(langs):
        by_lang[lang].append(i)
    for lang, rows in sorted(by_lang.items()):
        model = ners.get(lang)
        if model is None:
            raise ConfigError(f"no NER model configured for language {lang!r} (have "
                              f"{sorted(ners)}; use name 'none' to run without NER)", key="ner")
        for i, found in zip(rows, model.tag([texts[i] for i in rows]), strict=True):
            spans[i] = sorted(found)
    return spans


def identify_mentions(paragraphs: pa.Table, kg: KnowledgeGraph, ners: Mapping[str, NerModel],
                      config: MentionConfig) -> tuple[pa.Table, Counter[str]]:
    """MENTIONS table for a PARAGRAPHS table, and funnel counters."""
    return annotate_mentions(paragraphs, run_ner(paragraphs, ners), kg, config)


def annotate_mentions(paragraphs: pa.Table, ner_spans: Sequence[Sequence[NerSpan]],
                      kg: KnowledgeGraph, config: MentionConfig) -> tuple[pa.Table, Counter[str]]:
    """Everything but NER: gold, repeat, neighbour and NER-derived mentions, overlaps resolved."""
    rows = paragraphs.select(list(_PARAGRAPH_COLUMNS)).to_pylist()
    if len(ner_spans) != len(rows):
        raise ValueError(f"{len(ner_spans)} NER results for {len(rows)} paragraphs")
    counts: Counter[str] = Counter()
    contexts: dict[str, _LangContext] = {}
    repeats: dict[tuple[str, str], _PageRepeats] = {}   # (lang, page_id) -> the page's repeat names
    for lang in sorted({r["lang"] for r in rows}):
        lang_rows = [r for r in rows if r["lang"] == lang]
        adjectives = {r["text"][s.start:s.end] for r, spans in zip(rows, ner_spans)
                      if r["lang"] == lang for s in spans
                      if s.label in config.adjective_ner_labels}
        contexts[lang] = ctx = _LangContext.build(lang_rows, kg, lang, config, adjectives)
        for page_id, page_rows in _pages(lang_rows).items():
            repeats[(lang, page_id)] = _PageRepeats(page_rows, ctx.page_subject[page_id], ctx)
    rank = config.rank_of_source()
    out = []
    for row, spans in zip(rows, ner_spans):
        found = _find_mentions(row, spans, repeats[(row["lang"], row["page_id"])],
                               contexts[row["lang"]], config, counts)
        kept, dropped = resolve_overlaps(found, rank)
        counts["paragraphs"] += 1
        for m in kept:
            counts[f"mentions.{m.source}"] += 1
        counts["mentions"] += len(kept)
        for m in dropped:       # a link's anchor is also found as its own repeat: expected here
            counts[f"dropped.overlap.{m.source}"] += 1
        out.append((row["paragraph_id"], kept))
    return mentions_table(out), counts


@dataclass(frozen=True)
class _LangContext:
    """Shard-level lookups for one language."""

    lang: str
    targets: Mapping[str, TargetInfo]
    neighbours: NeighbourNames
    page_subject: Mapping[str, str]           # page_id -> target (title) of the page's subject
    config: MentionConfig
    stop_keys: frozenset[tuple[str, ...]]     # name keys never matched (function words)
    countries: CountryWords                   # nationality words of the expansion's countries

    def new_index(self) -> NameIndex[Any]:
        return _new_index(self.lang, self.config, self.stop_keys)

    @classmethod
    def build(cls, rows: list[dict[str, Any]], kg: KnowledgeGraph, lang: str,
              config: MentionConfig, adjectives: Collection[str] = ()) -> _LangContext:
        """`adjectives`: the shard's nationality-word spans (NER), for `country_words`."""
        anchors: dict[str, list[str]] = defaultdict(list)
        bold_names: dict[str, list[str]] = defaultdict(list)   # the page's bold names of its title
        certain: dict[str, str] = {}
        page_subject: dict[str, str] = {}
        for row in rows:
            for link in row["links"] or ():
                anchors[_target_of(link)].append(link["anchor"])
            for span in row["subject_spans"] or ():
                bold_names[row["title"]].append(row["text"][span["start"]:span["end"]])
            page_subject[row["page_id"]] = row["title"]
            if row["page_qid"]:
                certain[row["title"]] = row["page_qid"]
        targets = set(anchors) | set(page_subject.values())
        sitelinked = kg.sitelinks(sorted(t for t in targets if t not in certain), f"{lang}wiki")
        certain.update(sitelinked)
        infos = describe_targets(sorted(targets), certain, anchors, bold_names, kg, lang,
                                 config.expansion_candidates)
        expansion = {q for info in infos.values() for q in info.expansion}
        stop_keys = name_keys(stop_names(lang, config.stop_names,
                                         config.extra_stop_names.get(lang, ())), lang)
        # only names that can occur in this shard's texts are worth indexing
        vocabulary = text_vocabulary((r["text"] for r in rows), lang)
        names = neighbour_names(expansion, kg, lang,
                                _new_index(lang, config, stop_keys, vocabulary=vocabulary),
                                class_pids=config.class_pids)
        countries = country_words(expansion, kg, lang, config.demonyms, adjectives)
        return cls(lang, infos, names, page_subject, config, stop_keys, countries)


def _find_mentions(row: dict[str, Any], spans: Sequence[NerSpan], repeats: _PageRepeats,
                   ctx: _LangContext, config: MentionConfig, counts: Counter[str]) -> list[Mention]:
    text: str = row["text"]
    subject_target = ctx.page_subject[row["page_id"]]
    subject_qid = ctx.targets[subject_target].certain_qid
    mentions: list[Mention] = []
    for link in row["links"] or ():
        _check_offsets(row, link["start"], link["end"], link["anchor"])
        target = _target_of(link)
        mentions.append(Mention(link["start"], link["end"], link["anchor"], "link",
                                link_target=target, qid=ctx.targets[target].certain_qid))
    for span in row["subject_spans"] or ():
        _check_offsets(row, span["start"], span["end"], None)
        mentions.append(Mention(span["start"], span["end"], text[span["start"]:span["end"]], "subject",
                                link_target=subject_target, qid=subject_qid))
    paragraph_targets = [m.link_target for m in mentions if m.link_target]
    persons = {(s.start, s.end) for s in spans if s.label in config.person_ner_labels}
    guessed = repeats.find(row["paragraph_id"], text, counts, persons)
    active = {q for t in [*paragraph_targets, subject_target] for q in ctx.targets[t].expansion}
    guessed += _neighbour_mentions(text, active, ctx)
    adjectives = attributive_spans(text, spans, config.adjective_ner_labels)
    nationals = _nationality_mentions(text, spans, active, ctx)
    guessed = _split_name_lists(guessed + nationals + _ner_mentions(
        text, spans, ctx.lang, config, counts, adjectives), text)
    inside_word, derived = _inside_longer_word(text, ctx.lang)
    unspaced = is_unspaced(ctx.lang)
    for m in guessed:
        if is_gloss_label(text, m.start, m.end):
            counts[f"dropped.gloss_label.{m.source}"] += 1
        elif m in nationals:
            mentions.append(m)
        elif unspaced and splits_a_latin_phrase(text, m.start, m.end):
            counts[f"dropped.inside_latin_phrase.{m.source}"] += 1
        elif any(s.start <= m.start and m.end <= s.end for s in adjectives):
            counts[f"dropped.adjective.{m.source}"] += 1
        elif m.source in _NAME_INDEX_SOURCES and inside_word(m.start, m.end):
            counts[f"dropped.inside_name.{m.source}"] += 1
        elif m.source == "ner" and derived(m.start, m.end):
            counts["dropped.derived_word.ner"] += 1
        else:
            mentions.append(m)
    # what NER says a name is, for the type check of linking ("White House" as FAC)
    label_at = {(m.start, m.end): m.ner_label for m in mentions if m.source == "ner"}
    return [replace(m, ner_label=label_at[(m.start, m.end)])
            if m.ner_label is None and m.source not in VALUE_SOURCES and (m.start, m.end) in label_at
            else m for m in mentions]


_NAME_INDEX_SOURCES = frozenset({"repeat", "neighbour"})
_GLOSS_OPENS = re.compile(r"[(（;；,，、:：][ \u00a0]*$")
_GLOSS_COLON = re.compile(r"[ \u00a0]*[:：](?![ \u00a0]*\d)")
_GLOSS_REACH = 80   # characters back to the gloss's opening bracket


def is_gloss_label(text: str, start: int, end: int) -> bool:
    """A language name introducing a foreign form of the word before it: "(Chinese: 县级市)",
    "(Russian: Россия, tr. Rossiya)", "（英语：County town）", "(1970–1983: Chinese: 地辖市)".
    It names the language the gloss is written in and takes part in no fact with the places
    and people of its sentence, yet its name is a KG entity (the language, or by a demonym the
    country). Inside an open bracket only, and not before a number ("(Germany: 12, France: 9)"
    is a tally of countries)."""
    if not (_GLOSS_OPENS.search(text, max(0, start - 3), start) and _GLOSS_COLON.match(text, end)):
        return False
    before = text[max(0, start - _GLOSS_REACH):start]
    opened = max(before.rfind("("), before.rfind("（"))
    return opened >= 0 and ")" not in before[opened:] and "）" not in before[opened:]
_NEXT_NAME_WORD = re.compile(r"[ \u00a0]+(?:[A-Z][\w'’-]*[a-z]|[A-Z]{2,}\b)")
_JOINED_BEFORE = re.compile(r"\w[-–]$")


def inside_longer_name(text: str, start: int, end: int) -> bool:
    """A name found by the name index that is only part of a longer proper name: followed by a
    capitalised word ("Africa" in "Tony Blair Africa Governance Initiative", "Lincoln" in
    "Lincoln Memorial") or joined to a word before it by a hyphen ("Canada" in "Trans-Canada").
    Such a span names the longer thing, not the entity of the shorter name. A word before a
    name ("President Lincoln") is a title and stays allowed; unspaced scripts are not judged."""
    if _JOINED_BEFORE.search(text[max(0, start - 2):start]):
        return True
    return bool(_NEXT_NAME_WORD.match(text, end))


_Span = Callable[[int, int], bool]


def _inside_longer_word(text: str, lang: str) -> tuple[_Span, _Span]:
    """The longer-name tests for `lang`: (for name-index matches, for NER spans).

    Spaced scripts: a capitalised neighbour makes a longer name; NER spans are NER's own words.
    Chinese (`text.zh_words`): a dictionary match must be a whole segmented word (葡萄牙 in
    葡萄牙语, 美国 in 美国国会), and an NER span must not be the stem of a derived word
    (葡萄牙语, 小亚细亚), which LAC tags as the place itself."""
    if base_language(lang) == "zh":
        boundaries = word_boundaries(text)
        return (lambda start, end: splits_a_word(boundaries, start, end),
                lambda start, end: derived_word(text, boundaries, start, end))
    return (lambda start, end: inside_longer_name(text, start, end), lambda start, end: False)


class _PageRepeats:
    """The names that repeat a page's subject and linked targets, indexed once per page.

    A name can stand for several targets on one page ("Mobile" linked once to the city and once
    to the county). Names are tiered: the page subject's own names first, then the anchors of the
    paragraph itself, then the names of its targets, then the same for each earlier paragraph,
    nearest first. A match takes its best tier; two targets tied there make it ambiguous, and it
    is skipped. Links of later paragraphs never count.

    Only full names repeat a linked target: a one-word anchor or alias ("Huxley" for "Thomas Henry
    Huxley", "Union" for "Union (American Civil War)") is as likely another bearer of the name,
    unless that word is the title itself ("Paris"). The page subject is different: the article is
    about it, so its own short name standing alone (the first or last word of a person's title,
    "Huxley" on "Aldous Huxley") repeats it where NER reads that very span as a person.
    """

    _SUBJECT = -1
    _SHORT = -2     # the subject's short name: a repeat only on a person span

    def __init__(self, page_rows: Sequence[dict[str, Any]], subject_target: str, ctx: _LangContext) -> None:
        self._ctx = ctx
        self._position = {row["paragraph_id"]: k for k, row in enumerate(page_rows)}
        self._index: NameIndex[tuple[int, bool, str]] = ctx.new_index()
        for name in ctx.targets[subject_target].repeat_names:
            self._index.add(name, (self._SUBJECT, False, subject_target))
        for name in short_names(subject_target, ctx.lang):
            self._index.add(name, (self._SHORT, False, subject_target))
        for k, row in enumerate(page_rows):
            links = row["links"] or ()
            for link in links:
                if is_full_name(link["anchor"], _target_of(link), ctx.lang):
                    self._index.add(link["anchor"], (k, True, _target_of(link)))
            for target in dict.fromkeys(_target_of(link) for link in links):
                for name in ctx.targets[target].repeat_names:
                    if is_full_name(name, target, ctx.lang):
                        self._index.add(name, (k, False, target))

    def find(self, paragraph_id: str, text: str, counts: Counter[str],
             person_spans: Collection[tuple[int, int]] = ()) -> list[Mention]:
        here = self._position[paragraph_id]
        oldest = 0 if self._ctx.config.repeat_scope == "page" else here
        found = []
        for match in self._index.find(text):
            tiers: dict[int, set[str]] = defaultdict(set)
            for k, is_anchor, target in match.payloads:
                if k == self._SUBJECT or (k == self._SHORT and (match.start, match.end) in person_spans):
                    tiers[0].add(target)
                elif oldest <= k <= here:
                    tiers[1 + 2 * (here - k) + (0 if is_anchor else 1)].add(target)
            if not tiers:
                continue
            targets = tiers[min(tiers)]
            if len(targets) > 1:
                counts["repeat.ambiguous_name"] += 1
                continue
            target = next(iter(targets))
            found.append(Mention(match.start, match.end, text[match.start:match.end], "repeat",
                                 link_target=target, qid=self._ctx.targets[target].certain_qid))
        return found


@functools.lru_cache(maxsize=1 << 16)
def is_full_name(name: str, target: str, lang: str) -> bool:
    """A name that may repeat a linked target: not one word of its longer title ("Huxley" of
    "Thomas Henry Huxley"); several words, a one-word title itself and a one-word other name
    ("Elizabethtown" for "Elizabeth, New Jersey") are full (unspaced scripts: every name)."""
    if is_unspaced(lang) or len(name.split()) > 1:
        return True
    form = title_form(target)
    key = normalize_name(name, lang)
    if key in {normalize_name(n, lang) for n in (*form.exact, *([form.bare] if form.bare else ()))}:
        return True
    return key not in {normalize_name(w.strip(",.()"), lang) for w in target.split()}


def short_names(title: str, lang: str) -> tuple[str, ...]:
    """The first and last word of a title of several words, without its qualifier ("Aldous",
    "Huxley" for "Aldous Huxley"); none for unspaced scripts or one-word titles."""
    if is_unspaced(lang) or not title.strip():
        return ()
    form = title_form(title)
    words = (form.bare or form.exact[0]).split()
    if len(words) < 2:
        return ()
    return tuple(dict.fromkeys(w.strip(",.") for w in (words[0], words[-1]) if w.strip(",.")))


def _neighbour_mentions(text: str, active: Collection[str], ctx: _LangContext) -> list[Mention]:
    """Names of the KG neighbours of the `active` entities (the paragraph's targets' expansion).

    A place name qualified after a comma ("London, England", "Pittsburgh, Pennsylvania": KG
    aliases, and how prose writes a town) is two names: the first names the entity the whole
    does, and the qualifier, which names another place (the one containing it), is left to be
    found on its own, so the town's tie to it, or a birthplace given as the region, can be read.
    The split needs the first part to be a name of that same entity ("University of California,
    Berkeley" stays whole) and the qualifier not to be one ("Washington, DC")."""
    near_at: dict[tuple[int, int], list[str]] = {}
    for match in ctx.neighbours.index.find(text):
        surface = text[match.start:match.end]
        near = ctx.neighbours.qids_near(match.payloads, active, common_noun=surface[:1].islower())
        if near:
            near_at[(match.start, match.end)] = near
    spans = dict(near_at)
    for (start, end), near in near_at.items():
        cut = _qualifier_comma(text, start, end)
        if cut is None or len(near) != 1:
            continue
        first, qualifier = (start, cut), (cut + len(", "), end)
        if near[0] in near_at.get(first, ()) and near[0] not in near_at.get(qualifier, ()):
            del spans[(start, end)]
            spans[first] = near
    return [Mention(start, end, text[start:end], "neighbour",
                    qid=near[0] if len(near) == 1 else None)
            for (start, end), near in sorted(spans.items())]


def _qualifier_comma(text: str, start: int, end: int) -> int | None:
    """Where ", " splits a name in two capitalised parts (one comma only), else None."""
    cut = text.find(", ", start, end)
    if cut < 0 or text.find(", ", cut + 1, end) >= 0 or not text[cut + 2:end][:1].isupper():
        return None
    return cut


def _nationality_mentions(text: str, spans: Sequence[NerSpan], active: Collection[str],
                          ctx: _LangContext) -> list[Mention]:
    """Nationality words (the adjective labels) naming the people of a country tied to the
    `active` entities: mentions of that country (`annotate/demonyms.py`)."""
    found = []
    for span in spans:
        # a word hyphened to the next ("German-language", "Jamaican-born") gives a language or
        # a birthplace, not a country of the thing it describes
        if span.label in ctx.config.adjective_ner_labels and \
                text[span.end:span.end + 1] not in _HYPHENS:
            surface = text[span.start:span.end]
            country = ctx.countries.country_of(surface, active)
            if country is not None:
                found.append(Mention(span.start, span.end, surface, "nationality",
                                     ner_label=span.label, qid=country))
    return found


_HYPHENS = ("-", "\u2010", "\u2011")
_NOMINAL_NEXT = ("and", "or", "language", "languages")
_NOMINAL_HYPHENED = ("language", "speaking", "speaker", "speakers")


def attributive_spans(text: str, spans: Sequence[NerSpan], labels: Collection[str]
                      ) -> list[NerSpan]:
    """The spans of these labels used as adjectives or for people: followed, after spaces, by a
    word ("Russian revolutionary", "the German Max Stirner"), hyphened to one ("Russian-born",
    but not "English-language"), or possessive ("the Russian's hopes"); not standing alone as a
    noun ("is French.", "(Russian: ...", "Russian and Polish")."""
    found = []
    for span in spans:
        if span.label not in labels:
            continue
        rest = text[span.end:span.end + 40]
        following = rest.lstrip(" \u00a0")
        next_word = following.split(maxsplit=1)[0].casefold() if following[:1].isalnum() else ""
        hyphened = rest[:1] in _HYPHENS and rest[1:2].isalpha()
        if hyphened:
            attributive = not rest[1:].casefold().startswith(_NOMINAL_HYPHENED)
        elif rest[:1] in "'\u2019":
            attributive = True
        else:
            attributive = len(following) < len(rest) and bool(next_word) and \
                next_word not in _NOMINAL_NEXT
        if attributive:
            found.append(span)
    return found


def _ner_mentions(text: str, spans: Sequence[NerSpan], lang: str, config: MentionConfig,
                  counts: Counter[str], adjectives: Collection[NerSpan] = ()) -> list[Mention]:
    strip_words = tuple(w.casefold() for w in config.ner_strip_leading_words.get(lang, ()))
    endings = config.ner_strip_trailing.get(lang, ())
    found = []
    for span in spans:
        if span.label in config.drop_ner_labels or span in adjectives:
            counts[f"dropped.ner_label.{span.label}"] += 1
            continue
        surface = text[span.start:span.end]
        kind: MentionSource | None = config.value_ner_labels.get(span.label)
        if kind is not None:
            parse = parse_date if kind == "time" else parse_quantity
            found.append(Mention(span.start, span.end, surface, kind, ner_label=span.label,
                                 value=parse(surface, lang)))
            continue
        start = span.start + _leading_word_length(surface, strip_words)
        end = span.end - _ending_length(text[start:span.end], endings)
        if start < end:
            found.append(Mention(start, end, text[start:end], "ner", ner_label=span.label))
    return found


def _split_name_lists(guessed: list[Mention], text: str) -> list[Mention]:
    """NER spans that are not one longer name around the known names inside them.

    A span holding ", " and a known name ("Victoria Land, Antarctica") is a list of names: it is
    replaced by its comma-separated parts ("Washington, D.C." with nothing known inside stays
    whole). A span that adds only lowercase words to the known names inside it ("NBC television",
    or nothing at all: "Archbishop Paul Cullen") is those names, not a longer one: it is dropped.
    A span that adds capitalised words ("Noel Trevelyan Huxley", "University of Havana") is a
    longer name, and wins over the names inside it."""
    named = [m for m in guessed if m.source in ("repeat", "neighbour")]
    out = []
    for m in guessed:
        inside = [n for n in named if m.start <= n.start and n.end <= m.end and n.length < m.length]
        if m.source != "ner" or not inside:
            out.append(m)
        elif ", " in m.surface:
            out += [Mention(a, b, text[a:b], "ner", ner_label=m.ner_label)
                    for a, b in _comma_parts(text, m.start, m.end)]
        elif not _adds_capitalised_words(text, m, inside):
            continue
        else:
            out.append(m)
    return out


def _adds_capitalised_words(text: str, span: Mention, inside: Sequence[Mention]) -> bool:
    covered = [False] * span.length
    for n in inside:
        for i in range(n.start - span.start, n.end - span.start):
            covered[i] = True
    rest = "".join(" " if covered[i] else text[span.start + i] for i in range(span.length))
    return any(word[:1].isupper() for word in _WORDS.findall(rest))


def _comma_parts(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """The comma-separated parts of a span (itself when it has no ', '), whitespace trimmed."""
    parts = []
    cursor = start
    while cursor < end:
        cut = text.find(", ", cursor, end)
        stop = end if cut < 0 else cut
        piece = text[cursor:stop]
        lead = len(piece) - len(piece.lstrip())
        if piece.strip():
            parts.append((cursor + lead, cursor + len(piece.rstrip())))
        cursor = stop + 2 if cut >= 0 else end
    return parts


def _ending_length(surface: str, endings: tuple[str, ...]) -> int:
    """Length of a possessive ending ("'s" in "King Hussein's") that is not the whole span."""
    for ending in endings:
        if surface.endswith(ending) and len(surface) > len(ending):
            return len(ending)
    return 0


def _leading_word_length(surface: str, words: tuple[str, ...]) -> int:
    """Length of a leading stop word plus following spaces ('the ' in 'the Archbishop of York')."""
    head, sep, rest = surface.partition(" ")
    if sep and rest and head.casefold() in words:
        return len(surface) - len(rest.lstrip())
    return 0


def _pages(rows: list[dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    """The shard's paragraphs grouped by page, in paragraph order."""
    by_page: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for row in rows:
        by_page[row["page_id"]].append(row)
    return {page: sorted(page_rows, key=lambda r: (r["index"] is None, r["index"] or 0))
            for page, page_rows in by_page.items()}


def _target_of(link: Mapping[str, Any]) -> str:
    return link["resolved"] or link["target"] or link["anchor"]


def _check_offsets(row: Mapping[str, Any], start: int, end: int, anchor: str | None) -> None:
    text = row["text"]
    if not 0 <= start < end <= len(text) or (anchor is not None and text[start:end] != anchor):
        raise InputError(row["source"] or "paragraphs", f"span {start}-{end} "
                         f"{'does not hold anchor ' + repr(anchor) if anchor else 'is outside the text'}"
                         f" (text length {len(text)})", record=row["paragraph_id"])


def _new_index(lang: str, config: MentionConfig, stop_keys: frozenset[tuple[str, ...]],
               vocabulary: frozenset[str] | None = None) -> NameIndex[Any]:
    return NameIndex(lang, min_chars=config.min_chars(lang), max_tokens=config.max_name_tokens,
                     max_chars=config.max_name_chars_unspaced, stop_keys=stop_keys,
                     vocabulary=vocabulary)
