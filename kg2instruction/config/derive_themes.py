"""Regenerate `themes/<theme>.yaml` from the InstructIE fact tables (reproducible provenance).

The theme files are hand-editable, but their facts come from upstream tables that have errors; this
script shows exactly how each fact was obtained and which upstream limits were corrected, so a
reviewer can audit the themes and a maintainer can rebuild them when the tables change:

    python -m kg2instruction.config.derive_themes \
        --mapping tests/fixtures/instructie/all_schema_wikidata_mapping.json \
        --final-schema tests/fixtures/instructie/final_schema_zh_type_constraints.json \
        --prompts tests/fixtures/wikidata/relation_prompts_23langs.csv \
        --properties tests/fixtures/wikidata/wikidata_properties_en.jsonl \
        --datatypes tests/fixtures/wikidata/properties_datatypes.csv \
        --curation themes/derivation --out themes

Rules, in order (every rule that changes an upstream limit is written into the theme's header):
  R1  relations = the mapping's schema entries; its "possible" P-ids become relations of their own
      labelled with the property (the upstream code kept them under their own label); its "other"
      P-ids become `dropped_pids`, except P-ids that also feed a relation of the theme.
  R2  P-ids listed in the theme's `reverse_pids` are read object -> subject (`reversed_pids`).
  R3  upstream type names are mapped onto the paper's 14 categories (专业 "profession" and 文本 "text"
      have no category of their own: other; 度量1 is a value type: measure).
  R4  head types come from the mapping's type_limit; value categories (time, measure) are removed
      from heads (an entity cannot be a date), and the theme's own subject category is added where
      heads are constrained and it is missing.
  R5  tail types follow the properties' datatypes: time-valued relations get [time], quantity-valued
      ones [measure]; item-valued relations take the mapping's tail limit, else the paper's final
      schema tail plus `other` (typing falls back to other when a class is unknown), minus value
      categories; literal-valued relations (names, codes) stay unconstrained.
  R6  in the Natural_Science theme upstream typed natural-science objects as 产品 (product), having
      no such category; natural_science is added wherever product appears there.
  R7  hand corrections from `tail_type_corrections.yaml`, each with its reason.
Templates: the hand-written ones (`relation_templates.yaml`) first, then the relation_prompts CSV
template of every P-id of the relation (placeholders swapped for reversed P-ids), deduplicated.
"""
from __future__ import annotations

import argparse
import csv
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, RootModel

from kg2instruction.atomic import atomic_write_text
from kg2instruction.config.entity_types import CATEGORIES, VALUE_CATEGORIES, Category
from kg2instruction.config.localized import NonEmpty
from kg2instruction.config.overlay import swap_placeholders
from kg2instruction.config.theme import Pid, Templates
from kg2instruction.config.yaml_loader import load_yaml, validate
from kg2instruction.errors import ConfigError, InputError

# The paper's 12 themes: file name, mapping key (en), category of a page subject in the theme.
THEMES: tuple[tuple[str, str, str], ...] = (
    ("person", "Person", "human"),
    ("geographic_location", "Geographic_Location", "geographic_region"),
    ("building", "Building", "architectural_structure"),
    ("works", "Works", "product"),
    ("creature", "Creature", "organism"),
    ("artificial_object", "Artificial_Object", "product"),
    ("natural_science", "Natural_Science", "natural_science"),
    ("organization", "Organization", "organization"),
    ("transport", "Transport", "transport"),
    ("event", "Event", "event"),
    ("astronomy", "Astronomy", "astronomical_object"),
    ("medicine", "Medicine", "medicine"),
)
# The final-schema file names two themes differently from the mapping's zh keys.
FINAL_SCHEMA_THEME_ZH = {"建筑": "建筑结构"}
UPSTREAM_TYPES = {
    "人物": "human", "地理地区": "geographic_region", "事件": "event", "组织": "organization",
    "生物": "organism", "产品": "product", "医学": "medicine", "运输": "transport",
    "建筑结构": "architectural_structure", "时间": "time", "天文对象类型": "astronomical_object",
    "度量": "measure", "度量1": "measure", "专业": "other", "其他": "other", "文本": "other",
}
OTHER, POSSIBLE = "other", "possible"
DEFAULT_NLI_THRESHOLD = 0.5


class CuratedTemplates(BaseModel):
    """`derivation/relation_templates.yaml`."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    csv_exclude: dict[Pid, list[Literal["en", "zh"]]] = Field(default_factory=dict)
    templates: dict[str, Templates]


class TypeCorrection(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    head_types: list[Category] | None = None
    tail_types: list[Category] | None = None
    reason: NonEmpty


class TypeCorrections(RootModel[dict[str, dict[str, TypeCorrection]]]):
    """`derivation/tail_type_corrections.yaml`: theme -> relation en label -> correction."""


@dataclass
class DerivedRelation:
    en: str
    zh: str
    pids: list[str]
    reversed_pids: list[str]
    head_types: list[str]
    tail_types: list[str]
    templates_en: list[str]
    templates_zh: list[str]
    notes: list[str] = field(default_factory=list)
    csv_template_pids: list[str] = field(default_factory=list)


@dataclass
class DerivedTheme:
    name: str
    en: str
    zh: str
    entity_types: list[str]
    relations: list[DerivedRelation]
    dropped_pids: list[str]
    fixes: list[str]


@dataclass(frozen=True)
class Sources:
    mapping: dict[str, Any]
    final_schema: dict[str, Any]
    prompts: dict[str, dict[str, str]]
    datatypes: dict[str, str]
    pid_labels: dict[str, str]
    templates: CuratedTemplates
    corrections: dict[str, dict[str, TypeCorrection]]


def _datatype_kind(raw: str) -> str:
    """'item', 'time', 'quantity' or 'literal' from either datatype spelling."""
    norm = raw.lower().replace("-", "")
    if norm == "wikibaseitem":
        return "item"
    if norm in ("time", "quantity"):
        return norm
    return "literal"


def read_sources(mapping: Path, final_schema: Path, prompts: Path, properties: Path,
                 datatypes: Path, curation: Path) -> Sources:
    """Read every input table; a missing or malformed file raises InputError/ConfigError."""
    def read_json(path: Path) -> Any:
        try:
            return json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise InputError(path, "file not found") from None
        except json.JSONDecodeError as exc:
            raise InputError(path, f"invalid JSON: {exc.msg}", line=exc.lineno) from None

    mapping_data = read_json(mapping)
    kinds: dict[str, str] = {}
    labels: dict[str, str] = {}
    with open(properties, encoding="utf-8") as fh:
        for n, line in enumerate(fh, 1):
            try:
                prop = json.loads(line)
            except json.JSONDecodeError as exc:
                raise InputError(properties, f"invalid JSON: {exc.msg}", line=n) from None
            kinds[prop["id"]] = _datatype_kind(prop["datatype"])
            labels[prop["id"]] = prop["label"]
    with open(datatypes, encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(fh):
            kinds.setdefault(row["property_id"], _datatype_kind(row["datatype"]))
    with open(prompts, encoding="utf-8", newline="") as fh:
        prompt_rows = {row["pid"]: {"en": row["en"], "zh": row["zh"]} for row in csv.DictReader(fh)}
    # Properties newer than the properties list (e.g. P10786) are named by the mapping itself.
    for theme_data in mapping_data["en"].values():
        for _en, _zh, rows in theme_data["schema"]:
            for pid, p_en, _p_zh in rows:
                labels.setdefault(pid, p_en)
    templates = validate(CuratedTemplates, load_yaml(curation / "relation_templates.yaml"))
    corrections = validate(TypeCorrections, load_yaml(curation / "tail_type_corrections.yaml"))
    return Sources(mapping_data, read_json(final_schema), prompt_rows, kinds, labels, templates,
                   corrections.root)


def _clean_template(text: str, lang: str) -> str:
    text = re.sub(r"\s+", " ", text).strip()
    text = re.sub(r"\s+([.。])$", r"\1", text)
    end = "。" if lang == "zh" else "."
    return text if text.endswith(end) else text + end


def _ordered_categories(cats: Iterable[str]) -> list[str]:
    wanted = set(cats)
    return [c for c in CATEGORIES if c in wanted]


def _upstream_types(names: list[str]) -> list[str]:
    return _ordered_categories(UPSTREAM_TYPES[n] for n in names)


def _type_limit(theme_data: dict[str, Any], en: str, zh: str) -> tuple[list[str], list[str]] | None:
    limits = theme_data["type_limit"]
    if f"{en}|{zh}" in limits:
        return limits[f"{en}|{zh}"]
    for key, value in limits.items():
        k_en, _, k_zh = key.partition("|")
        if k_en == en or k_zh == zh:
            return value
    return None


def _final_schema_tails(src: Sources, theme_zh: str, rel_zh: str) -> list[str] | None:
    theme_zh = FINAL_SCHEMA_THEME_ZH.get(theme_zh, theme_zh)
    for table in ("wiki_cate_schema_zh", "wiki_cate_schema_zh_train"):
        for name, (_heads, tails) in src.final_schema.get(table, {}).get(theme_zh, []):
            if name == rel_zh:
                return tails
    return None


class _ThemeDeriver:
    """Derives one theme; collects every upstream fix it applies as a human-readable line."""

    def __init__(self, src: Sources, name: str, key_en: str, subject: str) -> None:
        self.src, self.name, self.subject = src, name, subject
        self.data_en = src.mapping["en"][key_en]
        self.key_zh = list(src.mapping["zh"])[list(src.mapping["en"]).index(key_en)]
        self.reverse = {p[0] for p in self.data_en["reverse_pids"]}
        self.fixes: list[str] = []

    def kind_of(self, pids: list[str]) -> str:
        unknown = [p for p in pids if p not in self.src.datatypes]
        if unknown:
            raise ConfigError(f"theme {self.name}: P-ids {unknown} are in neither the properties "
                              f"list nor the datatypes table")
        kinds = {self.src.datatypes[p] for p in pids}
        for value_kind in ("time", "quantity"):
            if kinds == {value_kind}:
                return value_kind
        return "item" if "item" in kinds else "literal"

    def heads(self, en: str, upstream: list[str]) -> list[str]:
        heads = _upstream_types(upstream)
        values = [c for c in heads if c in VALUE_CATEGORIES]
        if values:
            heads = [c for c in heads if c not in VALUE_CATEGORIES]
            self.fixes.append(f"'{en}': removed value type(s) {values} from head types "
                              f"(upstream {upstream}); a head is an entity, never a date/quantity")
        if self.name == "natural_science" and "product" in heads and "natural_science" not in heads:
            heads = _ordered_categories([*heads, "natural_science"])
            self.fixes.append(f"'{en}': added natural_science next to product in head types (R6)")
        if heads and self.subject not in heads:
            heads = _ordered_categories([*heads, self.subject])
            self.fixes.append(f"'{en}': added the theme's subject category '{self.subject}' "
                              f"to head types (upstream {upstream})")
        return heads

    def tails(self, en: str, zh: str, kind: str, upstream: list[str]) -> list[str]:
        final = _final_schema_tails(self.src, self.key_zh, zh)
        if kind in ("time", "quantity"):
            wanted = ["time"] if kind == "time" else ["measure"]
            for origin, names in (("mapping type_limit", upstream), ("final schema", final)):
                if names and _upstream_types(names) != wanted:
                    self.fixes.append(f"'{en}': tail types {wanted} from the {kind} datatype "
                                      f"of its P-ids ({origin} said {names})")
            return wanted
        if kind == "literal":
            return []
        names = upstream or final or []
        tails = _upstream_types(names)
        values = [c for c in tails if c in VALUE_CATEGORIES]
        if values:
            tails = [c for c in tails if c not in VALUE_CATEGORIES]
            origin = "mapping type_limit" if upstream else "final schema"
            self.fixes.append(f"'{en}': removed value type(s) {values} from tail types ({origin} "
                              f"said {names}); its P-ids are item-valued")
        if not upstream and tails:
            tails = _ordered_categories([*tails, OTHER])
        if self.name == "natural_science" and "product" in tails and "natural_science" not in tails:
            tails = _ordered_categories([*tails, "natural_science"])
            self.fixes.append(f"'{en}': added natural_science next to product in tail types (R6)")
        return tails

    def templates(self, en: str, pids: list[str], reversed_pids: list[str]
                  ) -> tuple[dict[str, list[str]], list[str]]:
        """Templates per language, and the P-ids whose CSV templates were added."""
        curated = self.src.templates.templates.get(en)
        if curated is None or len(curated.en) < 2 or len(curated.zh) < 2:
            raise ConfigError(f"relation '{en}' (theme {self.name}) needs at least 2 en and 2 zh "
                              f"hand-written templates in relation_templates.yaml")
        out: dict[str, list[str]] = {}
        from_csv: list[str] = []
        for lang in ("en", "zh"):
            texts = [_clean_template(t, lang) for t in curated.in_lang(lang)]
            for pid, reversed_ in [(p, False) for p in pids] + [(p, True) for p in reversed_pids]:
                row = self.src.prompts.get(pid)
                if row is None or lang in self.src.templates.csv_exclude.get(pid, []):
                    continue
                text = _clean_template(row[lang], lang)
                text = swap_placeholders(text) if reversed_ else text
                if text not in texts:
                    texts.append(text)
                    from_csv.append(pid)
            out[lang] = list(dict.fromkeys(texts))
        return out, list(dict.fromkeys(from_csv))

    def relation(self, en: str, zh: str, pids: list[str]) -> DerivedRelation:
        pids = list(dict.fromkeys(pids))
        forward = [p for p in pids if p not in self.reverse]
        backward = [p for p in pids if p in self.reverse]
        limit = _type_limit(self.data_en, en, zh) or [[], []]
        kind = self.kind_of(pids)
        heads = self.heads(en, limit[0])
        tails = self.tails(en, zh, kind, limit[1])
        notes = []
        corr = self.src.corrections.get(self.name, {}).get(en)
        if corr is not None:
            for side, current in (("head_types", heads), ("tail_types", tails)):
                wanted = getattr(corr, side)
                if wanted is not None and list(wanted) != current:
                    self.fixes.append(f"'{en}': {side} {current} -> {list(wanted)}: {corr.reason}")
            heads = heads if corr.head_types is None else list(corr.head_types)
            tails = tails if corr.tail_types is None else list(corr.tail_types)
        if kind == "item" and any(self.src.datatypes[p] != "item" for p in pids):
            literal = [p for p in pids if self.src.datatypes[p] != "item"]
            notes.append(f"{literal} are literal-valued: matched only where the literal is found")
        tmpl, csv_pids = self.templates(en, forward, backward)
        return DerivedRelation(en, zh, forward, backward, heads, tails, tmpl["en"], tmpl["zh"],
                               notes, csv_pids)

    def derive(self, display_en: str, display_zh: str) -> DerivedTheme:
        relations: list[DerivedRelation] = []
        dropped: list[str] = []
        for en, zh, pid_rows in self.data_en["schema"]:
            pids = [row[0] for row in pid_rows]
            if en == OTHER:
                dropped.extend(pids)
            elif en == POSSIBLE:
                for pid, p_en, p_zh in pid_rows:
                    limit_key = next((k for k in self.data_en["type_limit"]
                                      if k.partition("|")[0] == p_en), None)
                    label_zh = limit_key.partition("|")[2] if limit_key else p_zh
                    relations.append(self.relation(p_en, label_zh, [pid]))
            else:
                relations.append(self.relation(en, zh, pids))
        used = {p for rel in relations for p in [*rel.pids, *rel.reversed_pids]}
        overlap = sorted({p for p in dropped if p in used})
        if overlap:
            self.fixes.append(f"{overlap} listed under 'other' but also feed a relation: kept "
                              f"in the relation, not dropped")
        dropped = [p for p in dict.fromkeys(dropped) if p not in used]
        entity_types = _ordered_categories(
            [self.subject, *(c for rel in relations for c in (*rel.head_types, *rel.tail_types))])
        entity_types = [c for c in entity_types if c != OTHER]
        return DerivedTheme(self.name, display_en, display_zh, entity_types, relations, dropped,
                            self.fixes)


def derive_all(src: Sources) -> list[DerivedTheme]:
    """All 12 themes, in the paper's order."""
    zh_keys = list(src.mapping["zh"])
    en_keys = list(src.mapping["en"])
    themes = []
    for name, key_en, subject in THEMES:
        if key_en not in src.mapping["en"]:
            raise ConfigError(f"theme {key_en} missing from the mapping table")
        display_zh = zh_keys[en_keys.index(key_en)]
        themes.append(_ThemeDeriver(src, name, key_en, subject).derive(key_en, display_zh))
    return themes


_HEADER = """\
# Theme {en} ({zh}) -- relation labels for InstructIE-style extraction.
#
# Format (validated by kg2instruction.config.theme; unknown keys are errors):
#   theme: file id     name: {{en, zh}}     nli_threshold: default P(entailment) cut-off
#   entity_types: categories (themes/entity_types.yaml) used for NER records of this theme
#   relations: list of
#     label: {{en, zh}}                unique within the theme in each language
#     pids: [P..]                     claims (s, P, o) read as s --label--> o
#     reversed_pids: [P..]            claims (s, P, o) read as o --label--> s
#     head_types / tail_types: [..]   allowed categories; [] = any
#     templates: {{en: [..], zh: [..]}} NLI hypotheses, [X] = head mention, [Y] = tail mention
#     nli_threshold: optional per-relation override
#     cues: {{en: [..], zh: [..]}}      optional: the evidence must hold one of these words
#     syntax: {{en: {{dependency_path: {{..}}}}, zh: {{same_clause: {{..}}}}}}  optional: the grammatical
#                                     link the evidence must show between the two mentions
#   dropped_pids: P-ids outside the theme ("other"): matched claims are dropped and counted
#
# Generated by `python -m kg2instruction.config.derive_themes` from the InstructIE mapping table
# (zjunlp/EasyInstruct all_schema), the paper's final schema, Wikidata property datatypes and the
# relation_prompts CSV; then free to edit by hand. Upstream type limits corrected here:
"""


def _flow(items: Iterable[str]) -> str:
    return "[" + ", ".join(json.dumps(i, ensure_ascii=False) for i in items) + "]"


def _plain(items: Iterable[str]) -> str:
    return "[" + ", ".join(items) + "]"


def render(theme: DerivedTheme, pid_labels: dict[str, str]) -> str:
    """YAML text of a theme, with comments naming every P-id."""
    def names(pids: list[str]) -> str:
        return "; ".join(pid_labels.get(p, "?") for p in pids)

    lines = [_HEADER.format(en=theme.en, zh=theme.zh).rstrip("\n")]
    lines += [f"#   - {fix}" for fix in theme.fixes] or ["#   (none)"]
    lines += ["", f"theme: {theme.name}",
              f"name: {{en: {json.dumps(theme.en)}, "
              f"zh: {json.dumps(theme.zh, ensure_ascii=False)}}}",
              f"nli_threshold: {DEFAULT_NLI_THRESHOLD}",
              f"entity_types: {_plain(theme.entity_types)}", "relations:"]
    for rel in theme.relations:
        lines.append(f"  - label: {{en: {json.dumps(rel.en)}, "
                     f"zh: {json.dumps(rel.zh, ensure_ascii=False)}}}")
        for note in rel.notes:
            lines.append(f"    # note: {note}")
        if rel.pids:
            lines.append(f"    pids: {_plain(rel.pids)}  # {names(rel.pids)}")
        if rel.reversed_pids:
            lines.append(f"    reversed_pids: {_plain(rel.reversed_pids)}  "
                         f"# {names(rel.reversed_pids)}")
        lines.append(f"    head_types: {_plain(rel.head_types)}")
        lines.append(f"    tail_types: {_plain(rel.tail_types)}")
        if rel.csv_template_pids:
            lines.append(f"    # templates include relation_prompts CSV (X-FACTR/mLAMA) ones for "
                         f"{', '.join(rel.csv_template_pids)}")
        lines.append("    templates:")
        lines.append(f"      en: {_flow(rel.templates_en)}")
        lines.append(f"      zh: {_flow(rel.templates_zh)}")
    if theme.dropped_pids:
        lines.append("dropped_pids:")
        lines += [f"  - {pid}  # {pid_labels.get(pid, '?')}" for pid in theme.dropped_pids]
    else:
        lines.append("dropped_pids: []")
    return "\n".join(lines) + "\n"


def write_themes(src: Sources, out_dir: Path) -> list[Path]:
    """Derive and write every theme file atomically; returns the paths written."""
    written = []
    for theme in derive_all(src):
        path = out_dir / f"{theme.name}.yaml"
        atomic_write_text(path, render(theme, src.pid_labels))
        written.append(path)
    return written


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    flags = ("mapping", "final-schema", "prompts", "properties", "datatypes", "curation", "out")
    for flag in flags:
        parser.add_argument(f"--{flag}", type=Path, required=True)
    args = parser.parse_args(argv)
    src = read_sources(args.mapping, args.final_schema, args.prompts, args.properties,
                       args.datatypes, args.curation)
    for path in write_themes(src, args.out):
        print(path)


if __name__ == "__main__":
    main()
