"""The dataset card (README.md of an exported dataset): what is in it, where it came from, licences.

Rendered from the same summary that `kg2i_summary.json` holds, so the card can never disagree with
the machine-readable numbers. Its YAML front matter carries the Hugging Face `configs:` (derived
from the files written, `hf_configs.data_configs`), so `datasets.load_dataset("<version folder>",
"iepile")` loads a format with its splits by name.
"""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import yaml

from kg2instruction.dataset.hf_configs import default_config

LICENCES = (
    "- **Text** (paragraphs, entity mentions): Wikipedia, licensed "
    "[CC BY-SA 4.0](https://creativecommons.org/licenses/by-sa/4.0/) (older revisions CC BY-SA "
    "3.0); attribution to the Wikipedia contributors, via the page titles and revision ids in "
    "`provenance.parquet`. Derived instruction data must be shared alike.\n"
    "- **Facts** (relations, entity types, labels): Wikidata, "
    "[CC0 1.0](https://creativecommons.org/publicdomain/zero/1.0/).\n")


def _table(header: tuple[str, ...], rows: list[tuple[Any, ...]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    return "\n".join(lines) + "\n"


def _split_counts(counts: Mapping[str, int], parts: tuple[str, ...]) -> list[tuple[Any, ...]]:
    return [tuple(key.split("/")) + (n,) for key, n in counts.items()
            if len(key.split("/")) == len(parts)]


def _source_rows(sources: list[Mapping[str, Any]]) -> list[tuple[Any, ...]]:
    rows = []
    for s in sources:
        ident = s.get("file") or {}
        rows.append((s.get("kind", ""), s.get("lang") or "", ident.get("name", s.get("name", "")),
                     ident.get("size", ""), str(ident.get("head_sha1", ""))[:12],
                     str(ident.get("tail_sha1", ""))[:12]))
    return rows


def front_matter(summary: Mapping[str, Any]) -> str:
    """The card's YAML header: licence, languages and the `configs:` `datasets` loads from."""
    languages = sorted({key.split("/")[1] for key in summary["records"]})
    meta: dict[str, Any] = {
        "license": "cc-by-sa-4.0", "language": languages,
        "pretty_name": f"KG2Instruction {summary['theme']} ({summary['version']})",
        "tags": ["information-extraction", "relation-extraction", "named-entity-recognition",
                 "instruction-tuning", "wikidata", "wikipedia"]}
    if summary.get("configs"):
        meta["configs"] = list(summary["configs"])
    return "---\n" + yaml.safe_dump(meta, sort_keys=False, allow_unicode=True) + "---\n\n"


def render_card(summary: Mapping[str, Any]) -> str:
    """Markdown of the card for an export summary (see `export.export_dataset`)."""
    parts = [
        f"# KG2Instruction dataset: theme `{summary['theme']}`, version `{summary['version']}`\n",
        "Theme-centric information-extraction instructions built from Wikipedia paragraphs "
        "distantly supervised by Wikidata (the InstructIE method), by the KG2Instruction "
        f"pipeline `{summary['pipeline']}` (seed {summary['seed']}).\n",
        "## Files\n",
        "- `records/<split>.jsonl|.parquet`: InstructIE records `{id, cate, text, relation, "
        "entity, lang}`\n"
        "- `instructie/`: InstructIE's release instruction form, relations: train/dev "
        "`{instruction, output}` with the theme's whole schema, test `{id, cate, instruction, "
        "label}` with the schema in chunks of 4 sharing the record's id\n"
        "- `iepile/RE/`, `iepile/NER/`: IEPile style, one task per file, `{instruction, schema, "
        "input}` in schema chunks sharing the record's id, JSON output; hard negatives in train "
        "only, dev/test list the whole schema\n"
        "- `alpaca/`: `{instruction, input, output}`, a pool of phrasings x 4 output formats "
        "(json, tuple, natural, colon), some in the W/ NAN variant\n"
        "- `instructuie/`: InstructUIE's IE INSTRUCTIONS form, RE and NER, `{id, Task, Dataset, "
        "subset, sentence, instruction, label, ground_truth}`: a task instruction, `Option:` "
        "the theme's labels, the text, `Answer:`; answers `relation: head, tail; ...` / "
        "`type: span; ...`, `None` without a fact\n"
        "- `yayi-uie/` (config `yayi_uie`): YAYI-UIE chats `{id, task, lang, messages}`, the "
        "user turn the text then task type, options and output format, the answer JSON\n"
        "- `ieinstruct/`: ADELIE IEInstruct chats `{id, task, lang, format, shots, messages}`, "
        "every record in each output format (triplet, natural, json), relation guidelines, "
        "demonstrations drawn from train records of the same theme and language\n"
        "- `provenance.parquet`: QIDs, P-id and direction, rule, offsets and NLI score of every "
        "triple\n\n"
        "Every data file is there as JSONL and as Parquet (same rows). Splits are by page (no page "
        f"in two splits); splits present: {', '.join(summary['splits']) or 'none'}.\n",
        "## Loading\n",
        "`datasets.load_dataset(\"<this folder>\", \"<config>\")` returns the config's splits by "
        f"name (default config: `{default_config(summary.get('configs', []))}`):\n",
        _table(("config", "split", "files"),
               [(c["config_name"], f["split"], ", ".join(
                   f"`{path}`" for path in ([f["path"]] if isinstance(f["path"], str)
                                            else f["path"])))
                for c in summary.get("configs", []) for f in c["data_files"]]),
        "## Records per split and language\n",
        _table(("split", "lang", "records"), _split_counts(summary["records"], ("s", "l"))),
        "## Records per theme\n",
        _table(("theme", "records"), list(summary["records_per_theme"].items())),
        "## Instructions per style, split, task and language\n",
        _table(("style", "split", "task", "lang", "instructions"),
               [(style,) + row for style, counts in summary["instructions"].items()
                for row in _split_counts(counts, ("s", "t", "l"))]),
        "## Relation labels (facts per language)\n",
        _table(("lang", "relation", "facts"),
               [(lang, rel, n) for lang, counts in summary["relations"].items()
                for rel, n in counts.items()]),
        "## Entity types (NER)\n",
        _table(("lang", "entity type", "entities"),
               _split_counts(summary["entity_types"], ("l", "t"))),
        "## Sources and dump ids\n",
        _table(("kind", "lang", "file", "bytes", "head sha1", "tail sha1"),
               _source_rows(list(summary["sources"]))),
        "## Licences\n",
        LICENCES,
    ]
    return front_matter(summary) + "\n".join(parts)
