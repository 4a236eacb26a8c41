"""Granularity overlays: change a theme's label set for one run without editing the theme file.

Analysts want coarser or finer labels than the paper's (father/mother instead of parent; one
"place" for birth and death places). An overlay (`--overlay my_labels.yaml`) is a list of
operations applied in order to a loaded theme: merge, split, rename, reverse, drop. Every reference
(a label, a P-id of the label being split) is checked against the theme as it stands at that step,
and the result of every step is re-validated like a theme file, so a mistake is reported at the
overlay's file, line and key instead of surfacing as silently missing triples.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

from pydantic import BaseModel, ConfigDict, Field, model_validator

from kg2instruction.config.entity_types import Category
from kg2instruction.config.localized import LocalizedText
from kg2instruction.config.theme import (Pid, Problem, Relation, SyntaxRule, Templates, Theme,
                                         Threshold, raise_first, theme_problems)
from kg2instruction.config.yaml_loader import LoadedYaml, Loc, load_yaml, validate
from kg2instruction.errors import ConfigError


class SplitPart(BaseModel):
    """One new label carved out of a split label, fed by a subset of its P-ids."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    label: LocalizedText
    pids: list[Pid] = Field(default_factory=list)
    reversed_pids: list[Pid] = Field(default_factory=list)
    head_types: list[Category] | None = None
    tail_types: list[Category] | None = None
    templates: Templates | None = None
    nli_threshold: Threshold | None = None


class SplitOp(BaseModel):
    """P-ids of `label` not claimed by any part stay with `label`; if none remain it disappears."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    label: str
    into: list[SplitPart] = Field(min_length=1)


class MergeOp(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    labels: list[str] = Field(min_length=2)
    into: LocalizedText
    templates: Templates | None = None
    nli_threshold: Threshold | None = None


class RenameOp(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    label: str
    to: LocalizedText


class ReverseOp(BaseModel):
    """Swap head and tail; a reversed relation means something else, so it needs a new label."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    label: str
    to: LocalizedText
    templates: Templates | None = None


class DropOp(BaseModel):
    """Remove labels; their P-ids become the theme's dropped ('other') P-ids, still counted."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    labels: list[str] = Field(min_length=1)


class Operation(BaseModel):
    """Exactly one of the keys below."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    merge: MergeOp | None = None
    split: SplitOp | None = None
    rename: RenameOp | None = None
    reverse: ReverseOp | None = None
    drop: DropOp | None = None

    @model_validator(mode="after")
    def _exactly_one(self) -> Operation:
        given = [k for k in type(self).model_fields if getattr(self, k) is not None]
        if len(given) != 1:
            raise ValueError(f"each operation needs exactly one of merge, split, rename, reverse, "
                             f"drop (found {given or 'none'})")
        return self

    @property
    def kind(self) -> str:
        return next(k for k in type(self).model_fields if getattr(self, k) is not None)


class Overlay(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    theme: str | None = Field(default=None, description="the theme this overlay is written for")
    operations: list[Operation] = Field(min_length=1)


@dataclass(frozen=True)
class LoadedOverlay:
    """An overlay plus its source document, so semantic errors can name the line."""

    overlay: Overlay
    doc: LoadedYaml


def load_overlay(path: str | Path) -> LoadedOverlay:
    """Parse and type-check an overlay file (references are checked when it is applied)."""
    doc = load_yaml(path)
    if doc.data is None:
        raise ConfigError("empty overlay file", path=doc.path)
    return LoadedOverlay(validate(Overlay, doc), doc)


def swap_placeholders(template: str) -> str:
    """`[X] is the parent of [Y]` -> `[Y] is the parent of [X]` (the reversed reading)."""
    return template.replace("[X]", "\0").replace("[Y]", "[X]").replace("\0", "[Y]")


def _union(lists: list[list[str]]) -> list[str]:
    return list(dict.fromkeys(x for items in lists for x in items))


def _union_types(lists: list[list[str]]) -> list[str]:
    # An unconstrained side (empty list) stays unconstrained after merging.
    return [] if any(not items for items in lists) else _union(lists)


_T = TypeVar("_T")


def _shared(values: list[_T]) -> _T | None:
    """A statement requirement (cue words, grammatical link) survives a merge only where every
    merged relation asks the same: one requirement for P-ids that asked for another or none
    would drop their correct triples, or keep ones their own rule rejects."""
    first = values[0]
    return first if all(v == first for v in values[1:]) else None


def _shared_by_language(rules: list[dict[str, SyntaxRule]]) -> dict[str, SyntaxRule]:
    """Per language, the grammatical link every merged relation asks for alike."""
    languages = set().union(*rules)
    shared = {lang: _shared([r.get(lang) for r in rules]) for lang in sorted(languages)}
    return {lang: rule for lang, rule in shared.items() if rule is not None}


class _Applier:
    """Applies operations one by one, each checked against the theme as it stands."""

    def __init__(self, theme: Theme, loaded: LoadedOverlay) -> None:
        self.relations = list(theme.relations)
        self.dropped = list(theme.dropped_pids)
        self.base = theme
        self.doc = loaded.doc

    def error(self, message: str, loc: Loc) -> ConfigError:
        return ConfigError(message, path=self.doc.path, line=self.doc.line_of(loc),
                           key=".".join(str(p) for p in loc))

    def index_of(self, label: str, loc: Loc) -> int:
        for i, rel in enumerate(self.relations):
            if label in (rel.label.en, rel.label.zh):
                return i
        known = ", ".join(rel.label.en for rel in self.relations)
        raise self.error(f"unknown label '{label}' in theme '{self.base.theme}' (labels: {known})",
                         loc)

    def merge(self, op: MergeOp, loc: Loc) -> None:
        idx = [self.index_of(label, loc + ("labels", k)) for k, label in enumerate(op.labels)]
        if len(set(idx)) != len(idx):
            raise self.error("the same label is listed twice", loc + ("labels",))
        sources = [self.relations[i] for i in idx]
        thresholds = {r.nli_threshold for r in sources}
        merged = Relation(
            label=op.into,
            pids=_union([r.pids for r in sources]),
            reversed_pids=_union([r.reversed_pids for r in sources]),
            head_types=_union_types([r.head_types for r in sources]),
            tail_types=_union_types([r.tail_types for r in sources]),
            templates=op.templates or Templates(en=_union([r.templates.en for r in sources]),
                                                zh=_union([r.templates.zh for r in sources])),
            nli_threshold=op.nli_threshold if op.nli_threshold is not None
            else (thresholds.pop() if len(thresholds) == 1 else None),
            cues=_shared([r.cues for r in sources]),
            syntax=_shared_by_language([r.syntax for r in sources]),
        )
        first = min(idx)
        self.relations = [r for i, r in enumerate(self.relations) if i not in idx]
        self.relations.insert(first, merged)

    def split(self, op: SplitOp, loc: Loc) -> None:
        i = self.index_of(op.label, loc + ("label",))
        source = self.relations[i]
        claimed: set[tuple[str, str]] = set()
        parts: list[Relation] = []
        for k, part in enumerate(op.into):
            part_loc = loc + ("into", k)
            if not part.pids and not part.reversed_pids:
                raise self.error("a split part needs pids or reversed_pids", part_loc)
            for key, pids, own in (("pids", part.pids, source.pids),
                                   ("reversed_pids", part.reversed_pids, source.reversed_pids)):
                for j, pid in enumerate(pids):
                    if pid not in own:
                        raise self.error(f"{pid} is not among the {key} of '{source.label.en}' "
                                         f"({', '.join(own) or 'none'})", part_loc + (key, j))
                    if (key, pid) in claimed:
                        raise self.error(f"{pid} is claimed by two parts", part_loc + (key, j))
                    claimed.add((key, pid))
            parts.append(Relation(
                label=part.label, pids=part.pids, reversed_pids=part.reversed_pids,
                head_types=source.head_types if part.head_types is None else part.head_types,
                tail_types=source.tail_types if part.tail_types is None else part.tail_types,
                templates=part.templates or source.templates,
                nli_threshold=(source.nli_threshold if part.nli_threshold is None
                               else part.nli_threshold),
                cues=source.cues, syntax=source.syntax))
        rest = source.model_copy(update={
            "pids": [p for p in source.pids if ("pids", p) not in claimed],
            "reversed_pids": [p for p in source.reversed_pids
                              if ("reversed_pids", p) not in claimed],
        })
        keep_rest = [rest] if rest.pids or rest.reversed_pids else []
        self.relations[i:i + 1] = keep_rest + parts

    def rename(self, op: RenameOp, loc: Loc) -> None:
        i = self.index_of(op.label, loc + ("label",))
        self.relations[i] = self.relations[i].model_copy(update={"label": op.to})

    def reverse(self, op: ReverseOp, loc: Loc) -> None:
        i = self.index_of(op.label, loc + ("label",))
        src = self.relations[i]
        templates = op.templates or Templates(en=[swap_placeholders(t) for t in src.templates.en],
                                              zh=[swap_placeholders(t) for t in src.templates.zh])
        self.relations[i] = src.model_copy(update={
            "label": op.to, "pids": src.reversed_pids, "reversed_pids": src.pids,
            "head_types": src.tail_types, "tail_types": src.head_types, "templates": templates,
            "syntax": {lang: rule.reversed() for lang, rule in src.syntax.items()}})

    def drop(self, op: DropOp, loc: Loc) -> None:
        idx = {self.index_of(label, loc + ("labels", k)) for k, label in enumerate(op.labels)}
        removed = [r for i, r in enumerate(self.relations) if i in idx]
        self.relations = [r for i, r in enumerate(self.relations) if i not in idx]
        still_used = {p for r in self.relations for p in r.all_pids()}
        for rel in removed:
            for pid in rel.all_pids():
                if pid not in still_used and pid not in self.dropped:
                    self.dropped.append(pid)

    def snapshot(self) -> Theme:
        return self.base.model_copy(update={"relations": list(self.relations),
                                            "dropped_pids": list(self.dropped)})


def apply_overlay(theme: Theme, loaded: LoadedOverlay) -> Theme:
    """A new validated Theme with the overlay's operations applied in order."""
    overlay, doc = loaded.overlay, loaded.doc
    applier = _Applier(theme, loaded)
    names = (theme.theme, theme.name.en, theme.name.zh)
    if overlay.theme is not None and overlay.theme not in names:
        raise applier.error(f"overlay is written for theme '{overlay.theme}', not '{theme.theme}'",
                            ("theme",))
    for n, op in enumerate(overlay.operations):
        kind = op.kind
        loc: Loc = ("operations", n, kind)
        getattr(applier, kind)(getattr(op, kind), loc)
        # Re-validate after each step so a clash (e.g. a rename onto an existing label) is blamed
        # on the operation that caused it.
        candidate = Theme.model_validate(applier.snapshot().model_dump())
        raise_first([Problem(loc=(), message=f"after {kind}: {p.message}")
                     for p in theme_problems(candidate)], doc, loc_prefix=loc)
    return Theme.model_validate(applier.snapshot().model_dump())
