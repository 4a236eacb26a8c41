"""From a link target title (or a page title) to the KG entities it may denote.

Without sitelinks a title is only a name, but a Wikipedia title is a *unique* name, built by
rules: the primary topic gets the bare name ("Paris"), every other topic of that name a qualifier
that says which one it is ("Paris (mythology)", "Cambridge, Massachusetts", "James Murphy
(guitarist)", "Treaty of Paris (1783)"). Wikidata labels drop the qualifier. So:

1. the whole title (and its spelling variants, "J.B. Priestley" ~ "J. B. Priestley") is looked up
   as a name; entities labelled exactly so are the title's own candidates;
2. otherwise the bare name is looked up, and a candidate is kept only when the qualifier is borne
   out by the KG: its words occur among the candidate's own names or the names of its KG
   neighbours (its class "type of sport", its state "Massachusetts", its occupation "guitarist"),
   or its year among the candidate's dates; a proper name in the qualifier must be among them
   ("Krewella" in "Alive (Krewella song)": "song" alone fits every song called "Alive"), else
   half of its words. Only the best-supported candidates stay. A candidate
   the qualifier says nothing about is not the titled entity (the KG subset may simply lack it),
   so an unsupported qualified title has no candidate rather than a wrong one;
3. the writer's other names for the target (the page's bold names, for its own title; its link
   anchors) are the last resort, and only names of several words that share a word with the
   title: a single word is mostly a part of the title ("Johnson" for "Lawrence Alexander Sidney
   Johnson", "1993" for "1993 Canadian federal election", "Henry" on "Henry Lau discography"),
   and an unrelated name ("Member of Parliament" for "House of Commons of Canada") says what
   the anchor means, not what the target is; the entity such a name finds is usually another.
   An anchor made only of the title's words ("James Murphy" for "James Murphy (guitarist)") adds
   nothing the title did not already say.

At every step a candidate whose own label carries a different qualifier ("Treaty of Paris
(1623)" for "Treaty of Paris (1783)", "Jake Wood (baseball)" for the primary topic "Jake Wood") is
not the titled entity.

Both mention identification (which searches the names and neighbours of these entities) and
disambiguation use this one lookup, so they agree on what a link can mean.
"""
from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from kg2instruction.annotate.neighbour_cache import neighbour_cache
from kg2instruction.kg.protocol import Candidate, KnowledgeGraph, qid_number
from kg2instruction.text.normalize import normalize_name

_PARENTHETICAL = re.compile(r"\s*[(（]([^()（）]*)[)）]\s*$")
_INITIALS_JOINED = re.compile(r"\b(\w)\.(?=\w\.)")        # "J.B." -> "J. B."
_INITIALS_SPACED = re.compile(r"\b(\w)\. (?=\w\.)")       # "J. B." -> "J.B."
_WORD = re.compile(r"\w+")
_HAN = re.compile(r"[\u4e00-\u9fff]+")
_YEAR = re.compile(r"^[0-9]{3,4}$")
# Words that carry no identity in a qualifier ("Treaty of Paris (1783)", "X (band from the UK)").
_FUNCTION_WORDS = frozenset({"the", "of", "and", "in", "on", "at", "for", "from", "with", "by", "de",
                             "la", "le", "les", "von", "van", "der", "den", "del", "da", "di", "du"})
MAX_QUALIFIED_CANDIDATES = 50   # bare-name candidates checked against one qualifier


@dataclass(frozen=True)
class TitleForm:
    """A title split by Wikipedia's naming rules."""

    exact: tuple[str, ...]     # the whole title and its spelling variants
    bare: str | None           # the name without its qualifier (None when there is none)
    qualifier: str | None


@functools.lru_cache(maxsize=1 << 16)
def title_form(title: str) -> TitleForm:
    """'Cambridge, Massachusetts' -> bare 'Cambridge', qualifier 'Massachusetts'; 'Diving
    (sport)' -> 'Diving', 'sport'. A parenthetical qualifier takes precedence over a comma."""
    title = title.strip()
    exact = [title]
    for pattern, replacement in ((_INITIALS_JOINED, r"\1. "), (_INITIALS_SPACED, r"\1.")):
        exact.append(pattern.sub(replacement, title))
    exact.append(_without_marks(title))      # "Zaïre" ~ "Zaire": KG aliases often drop marks
    match = _PARENTHETICAL.search(title)
    bare = qualifier = None
    if match:
        bare, qualifier = title[:match.start()].strip(), match.group(1).strip()
    elif ", " in title:
        bare, qualifier = (part.strip() for part in title.split(", ", 1))
    if not bare or not qualifier:
        bare = qualifier = None
    return TitleForm(tuple(dict.fromkeys(e for e in exact if e)), bare, qualifier)


def _without_marks(text: str) -> str:
    """Latin letters without their combining marks ("Zaïre" -> "Zaire"); other scripts kept."""
    out: list[str] = []
    base_is_latin = False
    for ch in unicodedata.normalize("NFD", text):
        if unicodedata.combining(ch):
            if not base_is_latin:
                out.append(ch)
            continue
        base_is_latin = "LATIN" in unicodedata.name(ch, "")
        out.append(ch)
    return unicodedata.normalize("NFC", "".join(out))


def title_variants(title: str) -> list[str]:
    """Names a title stands for in text: the title, its spelling variants and its bare name."""
    form = title_form(title)
    return list(dict.fromkeys([*form.exact, *([form.bare] if form.bare else [])]))


def is_own_target(candidate: Candidate, title: str, lang: str) -> bool:
    """A candidate whose label is exactly the (full) title: the link's own target."""
    return candidate.via == "label" and normalize_name(candidate.matched, lang) == normalize_name(title, lang)


def rank_target_candidates(candidates: Sequence[Candidate], title: str, lang: str) -> list[Candidate]:
    """Own target first, then more claims, then lower QID; one entry per QID."""
    best: dict[str, Candidate] = {}
    for cand in candidates:
        kept = best.get(cand.qid)
        if kept is None or (is_own_target(cand, title, lang) and not is_own_target(kept, title, lang)):
            best[cand.qid] = cand
    return sorted(best.values(), key=lambda c: (not is_own_target(c, title, lang), -c.n_claims,
                                                qid_number(c.qid)))


@functools.lru_cache(maxsize=1 << 16)
def qualifier_words(text: str, lang: str) -> frozenset[str]:
    """Identifying words of a qualifier or name (spaced scripts: case-folded words, plural 's'
    cut, function words dropped; Chinese: Han character bigrams)."""
    if lang.startswith(("zh", "ja")):
        return frozenset(run[i:i + 2] for run in _HAN.findall(normalize_name(text, lang))
                         for i in range(max(1, len(run) - 1)))
    words = set()
    for word in _WORD.findall(normalize_name(text, lang)):
        if word in _FUNCTION_WORDS or (len(word) < 2 and not word.isdigit()):
            continue
        words.add(word[:-1] if len(word) > 3 and word.endswith("s") and not word.isdigit() else word)
    return frozenset(words)


def target_candidates(targets: Iterable[str], kg: KnowledgeGraph, lang: str,
                      anchors: Mapping[str, Sequence[str]] | None = None,
                      bold_names: Mapping[str, Sequence[str]] | None = None
                      ) -> dict[str, list[Candidate]]:
    """Ranked candidates per target (see the module docstring for the order of the lookups);
    `anchors`: the anchor texts of links to a target; `bold_names`: the page's bold names of
    its own title.

    A handful of batched KG calls, whatever the number of targets."""
    targets = list(dict.fromkeys(t for t in targets if t))
    forms = {t: title_form(t) for t in targets}
    names = {n for f in forms.values() for n in (*f.exact, *([f.bare] if f.bare else []))}
    anchors, bold_names = anchors or {}, bold_names or {}
    other_names = {t: [n for n in dict.fromkeys([*bold_names.get(t, ()), *anchors.get(t, ())])
                       if _names_the_target(n, t, lang, is_anchor=n not in bold_names.get(t, ()))]
                   for t in targets}
    extra = sorted({n for t in targets for n in other_names[t]} - names)
    found = kg.candidates(sorted(names) + extra, lang)
    labels = kg.labels(sorted({c.qid for cs in found.values() for c in cs}), lang)

    def fitting(cands: Iterable[Candidate], form: TitleForm) -> list[Candidate]:
        return [c for c in cands if not _conflicting_qualifier(labels.get(c.qid), form, lang)]

    result: dict[str, list[Candidate]] = {}
    qualified: dict[str, list[Candidate]] = {}
    for target in targets:
        form = forms[target]
        hit = fitting((c for name in form.exact for c in found.get(name, ())), form)
        if hit:
            result[target] = rank_target_candidates(hit, target, lang)
        elif form.bare and (bare := fitting(found.get(form.bare, ()), form)):
            qualified[target] = rank_target_candidates(bare, form.bare, lang)[:MAX_QUALIFIED_CANDIDATES]
    if qualified:
        support = _qualifier_support({t: (forms[t].qualifier or "", c) for t, c in qualified.items()},
                                     kg, lang, labels)
        for target, cands in qualified.items():
            best = max(support[target].values(), default=0)
            result[target] = [c for c in cands if best > 0 and support[target][c.qid] == best]
    for target in targets:
        if not result.get(target):
            pooled = [c for n in sorted(other_names[target]) for c in found.get(n, ())]
            result[target] = rank_target_candidates(fitting(pooled, forms[target]), target, lang)
    return result


def _names_the_target(name: str, title: str, lang: str, *, is_anchor: bool) -> bool:
    """An anchor or bold name that may stand for the titled entity itself (see the module
    docstring): several words (unspaced: characters) sharing one with the title, and for an
    anchor, one word at least that the title does not have."""
    long_enough = (len(normalize_name(name, lang)) >= 2 if lang.startswith(("zh", "ja"))
                   else len(_WORD.findall(name)) >= 2)
    ours, theirs = qualifier_words(name, lang), qualifier_words(title, lang)
    return long_enough and bool(ours & theirs) and not (is_anchor and ours <= theirs)


def _conflicting_qualifier(label: str | None, form: TitleForm, lang: str) -> bool:
    """The candidate's label carries a qualifier of its own that is not the title's."""
    match = _PARENTHETICAL.search(label or "")
    if match is None:
        return False
    ours = _PARENTHETICAL.search(form.exact[0])
    return ours is None or normalize_name(ours.group(1), lang) != normalize_name(match.group(1), lang)


def _qualifier_support(checks: Mapping[str, tuple[str, Sequence[Candidate]]], kg: KnowledgeGraph,
                       lang: str, labels: Mapping[str, str]) -> dict[str, dict[str, int]]:
    """target -> candidate QID -> number of the qualifier's words the KG bears out for it: among
    its own names, its neighbours' names (not those of its namesakes: "Cambridge" is twinned with
    "Cambridge, Massachusetts"), its years."""
    qids = sorted({c.qid for _, cands in checks.values() for c in cands})
    aliases = kg.aliases(qids, lang)
    neighbours = neighbour_cache(kg).neighbours(qids, lang)
    namesakes = {q: {c.qid for _, cands in checks.values() if any(c.qid == q for c in cands)
                     for c in cands} for q in qids}
    wanted = {t: qualifier_words(q, lang) for t, (q, _) in checks.items()}
    proper = {t: _proper_words(q, lang) for t, (q, _) in checks.items()}
    with_years = sorted({c.qid for t, (_, cands) in checks.items()
                         if any(_YEAR.match(w) for w in wanted[t]) for c in cands})
    years: dict[str, set[str]] = {}
    for value in kg.time_values(with_years) if with_years else ():
        years.setdefault(value.qid, set()).add(value.time.lstrip("+-").split("-", 1)[0].lstrip("0"))
    words: dict[str, frozenset[str]] = {}
    for qid in qids:
        own = [labels[qid]] if qid in labels else []
        around = [name for nb in neighbours.get(qid, ()) if nb.qid not in namesakes[qid]
                  for name in ((nb.label,) if nb.label else ()) + tuple(nb.aliases)]
        text = " | ".join([*own, *aliases.get(qid, ()), *around])
        words[qid] = qualifier_words(text, lang) | frozenset(years.get(qid, ()))
    return {t: {c.qid: _support(wanted[t], proper[t], words[c.qid]) for c in cands}
            for t, (_, cands) in checks.items()}


def _support(wanted: frozenset[str], proper: frozenset[str], found: frozenset[str]) -> int:
    """Words of the qualifier borne out; 0 unless enough of them are. A qualifier's proper-name
    words identify ("Krewella" in "Alive (Krewella song)"), its common words only classify
    ("song"): when it has proper-name words one of them must be borne out, else half its words."""
    shared = wanted & found
    if proper and proper.isdisjoint(found):
        return 0
    return len(shared) if 2 * len(shared) >= len(wanted) or proper else 0


def _proper_words(qualifier: str, lang: str) -> frozenset[str]:
    """The qualifier's words written with a capital (spaced scripts only)."""
    if lang.startswith(("zh", "ja")):
        return frozenset()
    return frozenset(w for raw in _WORD.findall(qualifier) if raw[:1].isupper()
                     for w in qualifier_words(raw, lang))
