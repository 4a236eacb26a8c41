"""InstructIE records: a paragraph with its theme-labelled triples and entities, in one language.

The record is the paper's unit, ``{id, cate, text, relation: [{head, head_type, relation, tail,
tail_type}], entity: [{entity, entity_type}]}``, with labels, types and theme name in the record's
own language (a Chinese paragraph gets 出生地点, not "place of birth"), because the instructions built
from it must be monolingual. Everything needed to audit a triple (QIDs, P-id and direction, rule,
offsets, NLI score, page revision, dump id) is kept out of the record, in a provenance side table
keyed by record id, so the record stays exactly what a trainer reads and nothing is lost.

A record's relations are distinct (head, relation, tail) facts, in text order. Its entities are the
distinct (name, category) pairs, in text order, of the typed ends of its triples and of the
paragraph's typed mentions (linked entities and dates/quantities) whose category is one of the
theme's entity types; unlinked NER mentions are left out, their type being unknown.
"""
from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import pyarrow as pa

from kg2instruction.instructions.formats import Entity, Triple

RELATION = pa.struct([("head", pa.string()), ("head_type", pa.string()),
                      ("relation", pa.string()), ("tail", pa.string()),
                      ("tail_type", pa.string())])
ENTITY = pa.struct([("entity", pa.string()), ("entity_type", pa.string())])
PROVENANCE = pa.struct([
    ("triple_id", pa.string()), ("relation_en", pa.string()),
    ("head", pa.string()), ("head_start", pa.int32()), ("head_end", pa.int32()),
    ("head_qid", pa.string()), ("tail", pa.string()), ("tail_start", pa.int32()),
    ("tail_end", pa.int32()), ("tail_qid", pa.string()), ("tail_value", pa.string()),
    ("pid", pa.string()), ("direction", pa.string()), ("rule", pa.string()),
    ("nli_score", pa.float64()),
    # the sentence that states the triple (char offsets into `text`) and how it names the ends
    ("evidence_start", pa.int32()), ("evidence_end", pa.int32()),
    ("evidence_rule", pa.string()),
    ("subject_ref_start", pa.int32()), ("subject_ref_end", pa.int32()),
])

# One row per InstructIE record (sampled paragraph). `provenance` is the side table, nested per
# record so it travels with the record through the stages; the export writes it out flat.
RECORDS = pa.schema([
    ("record_id", pa.string()),
    ("paragraph_id", pa.string()),
    ("page_id", pa.string()),
    ("page_key", pa.string()),       # what the train/dev/test split is keyed on
    ("split", pa.string()),
    ("lang", pa.string()),
    ("theme", pa.string()),          # theme id (person)
    ("cate", pa.string()),           # theme name in the record's language (Person / 人物)
    ("title", pa.string()),
    ("rev_id", pa.int64()),
    ("source", pa.string()),         # dump / corpus id of the paragraph
    ("text", pa.string()),
    ("relation", pa.list_(RELATION)),
    ("entity", pa.list_(ENTITY)),
    ("entity_category", pa.list_(pa.string())),  # category id of each `entity`, same order
    ("provenance", pa.list_(PROVENANCE)),
])


@dataclass(frozen=True)
class LabelBook:
    """What labels, entity types and the theme are called in one language."""

    lang: str
    theme: str
    cate: str
    relations: Mapping[str, str]     # English theme label -> label in `lang`
    categories: Mapping[str, str]    # entity-type category -> display label in `lang`
    entity_categories: tuple[str, ...]  # the theme's NER categories

    @classmethod
    def of(cls, theme: Any, entity_types: Any, lang: str) -> LabelBook:
        """From a loaded `Theme` and `EntityTypes` (see `kg2instruction.config`)."""
        return cls(lang=lang, theme=theme.theme, cate=theme.name.in_lang(lang),
                   relations={r.label.en: r.label.in_lang(lang) for r in theme.relations},
                   categories={c: entity_types.label(c, lang) for c in entity_types.categories},
                   entity_categories=tuple(theme.entity_types))

    def relation_labels(self) -> list[str]:
        """Candidate relation labels in `lang`, theme file order."""
        return list(self.relations.values())

    def entity_labels(self) -> list[str]:
        """Candidate NER type labels in `lang`, theme file order."""
        return [self.categories.get(c, c) for c in self.entity_categories]

    def category(self, name: str | None) -> str:
        return self.categories.get(name or "other", name or "other")


def _order(triple: Mapping[str, Any]) -> tuple:
    return (_int(triple.get("head_start")), _int(triple.get("tail_start")),
            str(triple.get("triple_id") or ""))


def _int(value: Any) -> int:
    return -1 if value is None else int(value)


def _score(value: Any) -> float | None:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    return float(value)


def build_record(paragraph: Mapping[str, Any], triples: Sequence[Mapping[str, Any]],
                 book: LabelBook, *, page_key: str, split: str,
                 mentions: Sequence[Mapping[str, Any]] = ()) -> dict[str, Any]:
    """The RECORDS row of one paragraph from its PARAGRAPHS, TRIPLES and typed mention rows.

    Triples whose label the theme does not have are the caller's to drop (and count) first:
    here they are an error, because a record must never carry a label outside its schema."""
    relations: dict[tuple[str, str, str], dict[str, str]] = {}
    entities: dict[tuple[str, str], dict[str, str]] = {}
    provenance = []
    for t in sorted(triples, key=_order):
        label_en = t["relation"]
        if label_en not in book.relations:
            raise ValueError(f"triple {t.get('triple_id')!r} has label {label_en!r}, not in theme "
                             f"{book.theme!r}")
        label = book.relations[label_en]
        relations.setdefault((t["head"], label, t["tail"]), {
            "head": t["head"], "head_type": book.category(t.get("head_type")), "relation": label,
            "tail": t["tail"], "tail_type": book.category(t.get("tail_type"))})
        for end in ("head", "tail"):
            category = t.get(f"{end}_type")
            if category in book.entity_categories:
                entities.setdefault((t[end], category), {
                    "entity": t[end], "entity_type": book.category(category),
                    "category": category, "_start": _int(t.get(f"{end}_start"))})
        provenance.append({
            "triple_id": t.get("triple_id"), "relation_en": label_en,
            **{k: t.get(k) for k in ("head", "head_start", "head_end", "head_qid", "tail",
                                     "tail_start", "tail_end", "tail_qid", "tail_value", "pid",
                                     "direction", "rule", "evidence_start", "evidence_end",
                                     "evidence_rule", "subject_ref_start", "subject_ref_end")},
            "nli_score": _score(t.get("nli_score"))})
    for m in mentions:
        category = typed_category(m)
        if category in book.entity_categories:
            entities.setdefault((m["surface"], category), {
                "entity": m["surface"], "entity_type": book.category(category),
                "category": category, "_start": _int(m.get("start"))})
    ordered_entities = sorted(entities.values(), key=lambda e: (e["_start"], e["entity"]))
    return {
        "record_id": paragraph["paragraph_id"], "paragraph_id": paragraph["paragraph_id"],
        "page_id": paragraph.get("page_id"), "page_key": page_key, "split": split,
        "lang": book.lang, "theme": book.theme, "cate": book.cate,
        "title": paragraph.get("title"), "rev_id": paragraph.get("rev_id"),
        "source": paragraph.get("source"), "text": paragraph["text"],
        "relation": list(relations.values()),
        "entity": [{"entity": e["entity"], "entity_type": e["entity_type"]}
                   for e in ordered_entities],
        "entity_category": [e["category"] for e in ordered_entities],
        "provenance": provenance,
    }


# Mention sources whose category comes from the value's datatype, not from a linked entity.
VALUE_SOURCES = frozenset({"time", "quantity"})


def typed_category(mention: Mapping[str, Any]) -> str | None:
    """The best category of a typed mention (LINKED_MENTIONS), None when it is not an entity the
    typing stage could type (unlinked, or typed only as the fallback)."""
    types = mention.get("types") or ()
    if not types or not (mention.get("qid") or mention.get("source") in VALUE_SOURCES):
        return None
    return types[0]


def records_table(rows: Iterable[Mapping[str, Any]]) -> pa.Table:
    rows = list(rows)
    return pa.Table.from_pylist(rows, schema=RECORDS) if rows else RECORDS.empty_table()


def record_triples(record: Mapping[str, Any]) -> list[Triple]:
    """The record's facts as the output formats carry them."""
    return [Triple.from_record(r) for r in record["relation"]]


def record_entities(record: Mapping[str, Any]) -> list[Entity]:
    return [Entity(e["entity"], e["entity_type"]) for e in record["entity"]]


def to_instructie(record: Mapping[str, Any]) -> dict[str, Any]:
    """The record as the InstructIE release writes it (plus its language)."""
    return {"id": record["record_id"], "cate": record["cate"], "text": record["text"],
            "relation": [dict(r) for r in record["relation"]],
            "entity": [dict(e) for e in record["entity"]], "lang": record["lang"]}


def from_instructie(obj: Mapping[str, Any], *, lang: str, theme: str, split: str = "train",
                    page_key: str | None = None) -> dict[str, Any]:
    """A RECORDS row from a released InstructIE record (no provenance: the release has none).

    Lets released or hand-made InstructIE data go through the same instruction builders."""
    rid = str(obj["id"])
    relation = [{"head": str(r["head"]), "head_type": str(r.get("head_type", "")),
                 "relation": str(r["relation"]), "tail": str(r["tail"]),
                 "tail_type": str(r.get("tail_type", ""))} for r in obj.get("relation", [])]
    entity = [{"entity": str(e.get("entity", e.get("name"))),
               "entity_type": str(e.get("entity_type", e.get("type")))}
              for e in obj.get("entity", [])]
    return {"record_id": rid, "paragraph_id": rid, "page_id": rid, "page_key": page_key or rid,
            "split": split, "lang": lang, "theme": theme, "cate": str(obj.get("cate", theme)),
            "title": None, "rev_id": None, "source": None, "text": str(obj["text"]),
            "relation": relation, "entity": entity,
            "entity_category": [e["entity_type"] for e in entity], "provenance": []}
