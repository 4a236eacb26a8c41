"""Relation senses: the one NLI hypothesis each Wikidata property is verified with.

A theme label may gather several properties (person "place of death" reads P20 and P119), so
the label's templates cannot say which fact a triple claims. `themes/relation_senses.yaml`
gives every P-id exactly one English and one Chinese statement in the claim's own orientation
([X] = claim subject, [Y] = claim object); the NLI stage fills it for each triple and the
verifier's training pairs are rendered from the same statements. Format and rationale are in the
file's header comment and in `themes/README.md`.

Loading validates everything before any work: unknown keys, malformed P-ids, a P-id listed
twice, and templates without exactly one [X] and one [Y] stop the run with file, line and key.
"""
from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from kg2instruction.config.theme import HEAD, PID_PATTERN, TAIL, Theme
from kg2instruction.config.yaml_loader import LoadedYaml, load_yaml, validate
from kg2instruction.errors import ConfigError

SENSES_FILE = "relation_senses.yaml"
FALLBACK_LANG = "en"      # languages without their own template read the English one
_PLACEHOLDER = re.compile(r"\[[^\[\]]*\]")
_TOP_LEVEL_PID = re.compile(r"^[ \t]+(P[0-9]+)[ \t]*:", re.MULTILINE)

Template = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]


class Sense(BaseModel):
    """One property's hypothesis per language; [X] = claim subject, [Y] = claim object."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    en: Template
    zh: Template

    def in_lang(self, lang: str) -> str:
        """The template for `lang`: regional Chinese codes read zh, every other language en."""
        return self.zh if lang.startswith("zh") else self.en


class SensesFile(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    senses: dict[str, Sense] = Field(description="P-id -> its one hypothesis per language")


@dataclass(frozen=True)
class Senses:
    """The loaded senses of one file (where they came from, for error messages)."""

    path: Path
    by_pid: Mapping[str, Sense]

    def template(self, pid: str | None, lang: str) -> str | None:
        """The P-id's template in `lang` (English for languages without their own); None when
        the P-id has no sense, so the caller falls back to the relation's templates."""
        sense = self.by_pid.get(pid) if pid else None
        return None if sense is None else sense.in_lang(lang)

    def __contains__(self, pid: object) -> bool:
        return pid in self.by_pid

    def uncovered(self, theme: Theme) -> Iterator[tuple[str, str]]:
        """(P-id, relation label) of every P-id the theme's relations read that has no sense."""
        for relation in theme.relations:
            for pid in relation.all_pids():
                if pid not in self.by_pid:
                    yield pid, relation.label.en


def check_coverage(senses: Senses, themes: Iterable[Theme]) -> None:
    """Raise a ConfigError naming the first P-id some theme relation reads without a sense."""
    for theme in themes:
        for pid, label in senses.uncovered(theme):
            raise ConfigError(f"{pid} (theme '{theme.theme}', relation '{label}') has no sense; "
                              f"add `{pid}: {{en: \"...\", zh: \"...\"}}` with {HEAD} = claim "
                              f"subject and {TAIL} = claim object", path=senses.path,
                              key=f"senses.{pid}")


def _template_problem(template: str) -> str | None:
    unknown = [p for p in _PLACEHOLDER.findall(template) if p not in (HEAD, TAIL)]
    if unknown:
        return (f"template {template!r} uses unknown placeholder {', '.join(unknown)}; only "
                f"{HEAD} (claim subject) and {TAIL} (claim object) exist")
    for placeholder in (HEAD, TAIL):
        if template.count(placeholder) != 1:
            return (f"template {template!r} must contain {placeholder} exactly once "
                    f"(found {template.count(placeholder)})")
    return None


def _duplicated_pid(text: str) -> tuple[str, int] | None:
    """(P-id, line) of a P-id written twice: YAML would silently keep the last entry."""
    seen: set[str] = set()
    for match in _TOP_LEVEL_PID.finditer(text):
        pid = match.group(1)
        if pid in seen:
            return pid, text.count("\n", 0, match.start()) + 1
        seen.add(pid)
    return None


def senses_from_doc(doc: LoadedYaml) -> Senses:
    """Validate a parsed senses document (types, duplicates, then placeholders)."""
    if doc.data is None:
        raise ConfigError("empty senses file; expected a `senses:` mapping", path=doc.path)
    parsed = validate(SensesFile, doc)
    duplicate = _duplicated_pid(doc.path.read_text(encoding="utf-8"))
    if duplicate is not None:
        raise ConfigError(f"{duplicate[0]} is listed twice; a property has exactly one sense",
                          path=doc.path, line=duplicate[1], key=f"senses.{duplicate[0]}")
    for pid, sense in parsed.senses.items():
        if not re.match(PID_PATTERN, pid):
            raise ConfigError(f"{pid!r} is not a Wikidata property id (P followed by digits)",
                              path=doc.path, line=doc.line_of(("senses", pid)),
                              key=f"senses.{pid}")
        for lang in ("en", "zh"):
            problem = _template_problem(getattr(sense, lang))
            if problem is not None:
                loc = ("senses", pid, lang)
                raise ConfigError(f"{pid}: {problem}", path=doc.path, line=doc.line_of(loc),
                                  key=".".join(loc))
    return Senses(doc.path, dict(parsed.senses))


@lru_cache(maxsize=16)
def _load_cached(path: str, mtime_ns: int, size: int) -> Senses:
    return senses_from_doc(load_yaml(path))


def load_senses_file(path: str | Path) -> Senses:
    """Load and validate one senses file; repeated loads of an unchanged file are cached (each
    worker and every stage that needs it reads it once)."""
    resolved = Path(path).resolve()
    try:
        stat = resolved.stat()
    except FileNotFoundError:
        raise ConfigError("relation senses file not found (one NLI hypothesis per P-id; see "
                          "themes/README.md)", path=resolved) from None
    return _load_cached(str(resolved), stat.st_mtime_ns, stat.st_size)


def load_senses(themes_dir: str | Path) -> Senses:
    """The senses shipped beside the themes: `themes_dir/relation_senses.yaml`."""
    return load_senses_file(Path(themes_dir) / SENSES_FILE)
