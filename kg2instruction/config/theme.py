"""Theme schemas: the relation labels of one InstructIE theme and how Wikidata facts map onto them.

A theme file (`themes/<theme>.yaml`, format documented at the top of each file and in
`themes/README.md`) is the single place an analyst changes what the pipeline extracts: which
Wikidata P-ids feed a label and in which direction, which entity-type categories the head and tail
may have, and the NLI hypothesis templates that verify a triple. Everything a stage asks of a theme
per triple (labels of a P-id, type fit, threshold) is an O(1) lookup on the loaded `Theme`.

Validation happens at load time, before any work: a relation without templates, a template with a
placeholder other than [X]/[Y], an unknown type category, a malformed P-id or a duplicated label
stops the run with the file, line and key to fix.
"""
from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Literal

from pydantic import (BaseModel, ConfigDict, Field, PrivateAttr, StringConstraints, ValidationInfo,
                      field_validator, model_validator)

from kg2instruction.config.entity_types import Category
from kg2instruction.config.localized import LocalizedText
from kg2instruction.config.yaml_loader import LoadedYaml, Loc, load_yaml, validate
from kg2instruction.errors import ConfigError
from kg2instruction.kg.protocol import Direction

PID_PATTERN = r"^P[1-9][0-9]*$"
Pid = Annotated[str, StringConstraints(pattern=PID_PATTERN)]
Threshold = Annotated[float, Field(ge=0.0, le=1.0)]
LANGUAGES = ("en", "zh")
HEAD, TAIL = "[X]", "[Y]"
_PLACEHOLDER = re.compile(r"\[[^\[\]]*\]")
THEME_NAME = re.compile(r"^[a-z][a-z0-9_]*$")
# Files in the themes directory that are not themes.
NON_THEME_FILES = frozenset({"entity_types", "theme_routing", "relation_senses"})


class Templates(BaseModel):
    """NLI hypotheses for one relation; [X] is replaced by the head mention, [Y] by the tail."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    en: list[str] = Field(default_factory=list)
    zh: list[str] = Field(default_factory=list)

    def in_lang(self, lang: str) -> list[str]:
        """Templates for `lang` (regional Chinese codes use zh)."""
        return list(self.zh if lang.startswith("zh") else self.en if lang == "en" else [])


def _statement_words(values: object, field: str) -> object:
    """Words compared with the text: lowercase, none empty, sorted and unique (a tuple, not a
    set: the theme is part of stage fingerprints, and a set serialises in a per-process
    order); YAML 1.1 reads an unquoted on, off, yes or no as a boolean, which would otherwise
    surface as 'not a valid string'."""
    if not isinstance(values, (list, tuple, set, frozenset)):
        return values
    words = []
    for value in values:
        if isinstance(value, bool):
            raise ValueError(f"{field}: {value!r} is a YAML boolean; quote words such as "
                             f"\"on\", \"off\", \"yes\", \"no\"")
        if isinstance(value, str):
            if not value.strip():
                raise ValueError(f"{field}: an empty word would match everywhere")
            value = value.strip().lower()
        words.append(value)
    if all(isinstance(word, str) for word in words):
        return tuple(sorted(set(words)))
    return words


class DependencyPathRule(BaseModel):
    """The link read from a dependency parse (`kg2instruction.annotate.grammatical_link`)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    verbs: tuple[str, ...] = Field(
        ..., min_length=1, description="verb lemmas the path may pass (be, lie, include, ...)")
    prepositions: tuple[str, ...] = Field(
        ..., min_length=1, description="prepositions the path may pass (in, of, ...)")
    max_path_words: int = Field(
        5, ge=0, description="words on the dependency path between the two mentions")
    juxtaposed_first: Literal["head", "tail"] = Field(
        "head", description=("the end written first when the two are joined by a comma or "
                             "bracket alone ('Birmingham, Alabama': the head of 'located in'); "
                             "the other end may stand first only as a possessive"))
    addresses: bool = Field(
        False, description=("the names joined by commas before the second end are its address "
                            "('based in Vancouver, British Columbia, Canada'): for places"))

    @field_validator("verbs", "prepositions", mode="before")
    @classmethod
    def _words(cls, values: object, info: ValidationInfo) -> object:
        return _statement_words(values, str(info.field_name))

    def reversed(self) -> DependencyPathRule:
        """The rule of the relation read the other way round (an overlay's `reverse`)."""
        return self.model_copy(update={
            "juxtaposed_first": "tail" if self.juxtaposed_first == "head" else "head"})


class SameClauseRule(BaseModel):
    """The link of a language without a parser here: both mentions in one clause, nothing
    between them that ends a clause or joins a list (`grammatical_link.same_clause_link`)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    breaks: tuple[str, ...] = Field(
        ..., min_length=1, description="punctuation and words that may not stand between the "
                                       "two mentions (a comma inside a number does not count, "
                                       "a word only as a whole segmented word)")

    @field_validator("breaks", mode="before")
    @classmethod
    def _words(cls, values: object) -> object:
        return _statement_words(values, "breaks")


class SyntaxRule(BaseModel):
    """The grammatical link a relation is stated by in one language: exactly one form."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    dependency_path: DependencyPathRule | None = None
    same_clause: SameClauseRule | None = None

    @model_validator(mode="after")
    def _one_form(self) -> SyntaxRule:
        if (self.dependency_path is None) == (self.same_clause is None):
            raise ValueError("give exactly one of dependency_path and same_clause")
        return self

    def reversed(self) -> SyntaxRule:
        if self.dependency_path is None:
            return self        # a clause has no direction
        return self.model_copy(update={"dependency_path": self.dependency_path.reversed()})


class Relation(BaseModel):
    """One relation label of a theme and the Wikidata properties behind it."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    label: LocalizedText
    pids: list[Pid] = Field(default_factory=list,
                            description="claims (head, P, tail) read as head --label--> tail")
    reversed_pids: list[Pid] = Field(default_factory=list,
                                     description="claims (s, P, o) read as o --label--> s")
    head_types: list[Category] = Field(default_factory=list, description="empty: any category")
    tail_types: list[Category] = Field(default_factory=list, description="empty: any category")
    templates: Templates
    nli_threshold: Threshold | None = None
    cues: Templates | None = Field(None, description=(
        "words of which the evidence sentence must hold one for the relation to be stated "
        "(per language; none listed = no requirement): for relations the text only ever states "
        "with a word of their own ('capital'), which co-occurrence alone never states"))
    syntax: dict[Literal["en", "zh"], SyntaxRule] = Field(default_factory=dict, description=(
        "per language, the grammatical link between the two mentions the evidence sentence "
        "must show: for relations co-occurrence states only through grammar, such as "
        "containment between two places"))

    def pid_directions(self) -> Iterator[tuple[str, Direction]]:
        """Every (P-id, direction) this relation is read from."""
        for pid in self.pids:
            yield pid, "forward"
        for pid in self.reversed_pids:
            yield pid, "reverse"

    def all_pids(self) -> list[str]:
        return [*self.pids, *self.reversed_pids]


class Theme(BaseModel):
    """A validated theme with the lookups the pipeline stages need."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    theme: Annotated[str, StringConstraints(pattern=THEME_NAME.pattern)]
    name: LocalizedText
    nli_threshold: Threshold = 0.5
    entity_types: list[Category] = Field(default_factory=list,
                                         description="entity types of NER records in this theme")
    relations: list[Relation] = Field(default_factory=list)
    dropped_pids: list[Pid] = Field(
        default_factory=list,
        description="P-ids deliberately outside the theme ('other'): matched, dropped, counted")

    _by_pid: dict[tuple[str, str], tuple[Relation, ...]] = PrivateAttr(default_factory=dict)
    _by_label: dict[str, Relation] = PrivateAttr(default_factory=dict)
    _dropped: frozenset[str] = PrivateAttr(default_factory=frozenset)

    def model_post_init(self, __context: object) -> None:
        by_pid: dict[tuple[str, str], list[Relation]] = {}
        for rel in self.relations:
            for key in rel.pid_directions():
                by_pid.setdefault(key, []).append(rel)
        self._by_pid = {key: tuple(rels) for key, rels in by_pid.items()}
        self._by_label = {}
        for rel in self.relations:
            self._by_label.setdefault(rel.label.en, rel)
            self._by_label.setdefault(rel.label.zh, rel)
        self._dropped = frozenset(self.dropped_pids)

    def relations_for(self, pid: str, direction: Direction) -> list[Relation]:
        """Relations a claim with `pid` read in `direction` maps to (a P-id may feed several)."""
        return list(self._by_pid.get((pid, direction), ()))

    def relation(self, label: str) -> Relation:
        """The relation with this English or Chinese label; KeyError if the theme has none."""
        return self._by_label[label]

    def has_relation(self, label: str) -> bool:
        return label in self._by_label

    def is_dropped(self, pid: str) -> bool:
        """True for the theme's 'other' P-ids, which the schema stage drops and counts."""
        return pid in self._dropped

    def labels(self, lang: str) -> list[str]:
        """All relation labels in `lang`, in file order."""
        return [rel.label.in_lang(lang) for rel in self.relations]

    @staticmethod
    def fits(relation: Relation, head_type: str, tail_type: str) -> bool:
        """Whether head and tail categories are allowed for the relation (empty list: any)."""
        return ((not relation.head_types or head_type in relation.head_types)
                and (not relation.tail_types or tail_type in relation.tail_types))

    def threshold_for(self, relation: Relation) -> float:
        """NLI entailment threshold: the relation's override, else the theme default."""
        return self.nli_threshold if relation.nli_threshold is None else relation.nli_threshold


@dataclass(frozen=True)
class Problem:
    """A semantic error in a theme, located by its key path (the caller adds file and line)."""

    loc: Loc
    message: str


def _template_problems(rel: Relation, loc: Loc) -> Iterator[Problem]:
    name = rel.label.en
    for lang in LANGUAGES:
        templates = rel.templates.in_lang(lang)
        if not templates:
            yield Problem(loc + ("templates", lang),
                          f"relation '{name}' has no {lang} NLI templates; give at least one "
                          f"hypothesis with {HEAD} (head) and {TAIL} (tail)")
        for j, template in enumerate(templates):
            unknown = [p for p in _PLACEHOLDER.findall(template) if p not in (HEAD, TAIL)]
            if unknown:
                yield Problem(loc + ("templates", lang, j),
                              f"relation '{name}': template {template!r} uses unknown placeholder "
                              f"{', '.join(unknown)}; only {HEAD} (head) and {TAIL} (tail) exist")
            elif HEAD not in template or TAIL not in template:
                yield Problem(loc + ("templates", lang, j),
                              f"relation '{name}': template {template!r} must contain both "
                              f"{HEAD} and {TAIL}")


def _relation_problems(rel: Relation, loc: Loc) -> Iterator[Problem]:
    if not rel.pids and not rel.reversed_pids:
        yield Problem(loc + ("pids",), f"relation '{rel.label.en}' has no P-ids "
                                       f"(pids or reversed_pids)")
    for key, pids in (("pids", rel.pids), ("reversed_pids", rel.reversed_pids)):
        for j, pid in enumerate(pids):
            if pids.index(pid) != j:
                yield Problem(loc + (key, j), f"relation '{rel.label.en}': {pid} listed twice")
    yield from _template_problems(rel, loc)


def theme_problems(theme: Theme) -> list[Problem]:
    """Everything wrong with a theme that pydantic's field types cannot express."""
    problems: list[Problem] = []
    if not theme.relations:
        problems.append(Problem(("relations",), "a theme needs at least one relation"))
    seen: dict[tuple[str, str], int] = {}
    used: dict[str, int] = {}
    for i, rel in enumerate(theme.relations):
        loc: Loc = ("relations", i)
        problems.extend(_relation_problems(rel, loc))
        for lang in LANGUAGES:
            text = rel.label.in_lang(lang).casefold()
            if (lang, text) in seen:
                problems.append(Problem(loc + ("label", lang),
                                        f"duplicate {lang} label '{rel.label.in_lang(lang)}' "
                                        f"(also relation #{seen[(lang, text)] + 1})"))
            seen.setdefault((lang, text), i)
        for pid in rel.all_pids():
            used.setdefault(pid, i)
    for j, pid in enumerate(theme.dropped_pids):
        if pid in used:
            problems.append(Problem(("dropped_pids", j),
                                    f"{pid} is dropped as 'other' but also feeds relation "
                                    f"'{theme.relations[used[pid]].label.en}'"))
    return problems


def resolve_theme_path(name_or_path: str | Path, themes_dir: str | Path) -> Path:
    """Path of a theme file, confined to `themes_dir` (a name like `../../etc` is rejected)."""
    root = Path(themes_dir).resolve()
    raw = str(name_or_path)
    if THEME_NAME.match(raw):
        candidate = root / f"{raw}.yaml"
    elif (Path(raw).name == raw and Path(raw).suffix in (".yaml", ".yml")
          and THEME_NAME.match(Path(raw).stem)):
        candidate = root / raw          # a bare file name such as "person.yaml"
    else:
        if "\x00" in raw:          # the OS refuses NUL in paths with a bare ValueError
            raise ConfigError(f"theme {raw!r} contains a NUL byte", key="theme")
        candidate = Path(raw)
        if not candidate.is_absolute():
            candidate = Path.cwd() / candidate
        candidate = candidate.resolve()
        if candidate.parent != root or candidate.suffix not in (".yaml", ".yml"):
            raise ConfigError(f"theme {raw!r} is not a theme name (lowercase letters, digits, _) "
                              f"nor a .yaml file directly inside the themes directory {root}",
                              key="theme")
    if candidate.stem in NON_THEME_FILES:
        raise ConfigError(f"{candidate.name} is not a theme file", path=candidate, key="theme")
    if not candidate.is_file():
        raise ConfigError(f"unknown theme {candidate.stem!r}; available: "
                          f"{', '.join(available_themes(root)) or 'none'}", path=candidate,
                          key="theme")
    return candidate


def available_themes(themes_dir: str | Path) -> list[str]:
    """Names of the theme files in `themes_dir`."""
    return sorted(p.stem for p in Path(themes_dir).glob("*.yaml")
                  if p.stem not in NON_THEME_FILES and THEME_NAME.match(p.stem))


def raise_first(problems: list[Problem], doc: LoadedYaml | None, path: str | Path | None = None,
                loc_prefix: Loc = ()) -> None:
    """Raise the first problem as a ConfigError with file, line and dotted key."""
    if not problems:
        return
    first = problems[0]
    loc = loc_prefix + first.loc
    more = len(problems) - 1
    suffix = f" (and {more} more problem{'s' if more > 1 else ''})" if more else ""
    raise ConfigError(first.message + suffix, path=doc.path if doc else path,
                      line=doc.line_of(loc) if doc else None,
                      key=".".join(str(p) for p in loc) or None)


def theme_from_doc(doc: LoadedYaml) -> Theme:
    """Validate a parsed theme document (types, then semantics)."""
    if doc.data is None:
        raise ConfigError("empty theme file", path=doc.path)
    theme = validate(Theme, doc)
    raise_first(theme_problems(theme), doc)
    return theme


def load_theme(name_or_path: str | Path, themes_dir: str | Path) -> Theme:
    """Load `themes_dir/<name>.yaml` (or a path inside `themes_dir`) as a validated Theme."""
    path = resolve_theme_path(name_or_path, themes_dir)
    doc = load_yaml(path)
    theme = theme_from_doc(doc)
    if theme.theme != path.stem:
        raise ConfigError(f"theme id '{theme.theme}' does not match the file name '{path.stem}'",
                          path=path, line=doc.line_of(("theme",)), key="theme")
    return theme
