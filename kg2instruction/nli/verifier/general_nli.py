"""Readers for the public NLI corpora the verifier trains on, reduced to binary labels.

Every corpus ships in its own layout (unified JSONL, SICK's TSV, DocNLI's label-first TSV, CLUE
JSON, CSTS TSV). The verifier only needs "does the premise entail the hypothesis", so 3-way labels
collapse to entailment vs not; pairs without a gold label ("-") are skipped, anything else
unexpected is an InputError naming the file and line.
"""
from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import orjson

from kg2instruction.errors import InputError
from kg2instruction.sources.compressed import open_text

Layout = Literal["jsonl", "sick", "docnli", "clue", "csts"]

ENTAILMENT, NOT_ENTAILMENT = 1, 0
_LABELS = {"entailment": ENTAILMENT, "neutral": NOT_ENTAILMENT, "contradiction": NOT_ENTAILMENT,
           "not_entailment": NOT_ENTAILMENT}
_UNLABELLED = {"-", ""}


@dataclass(frozen=True)
class NliPair:
    """One premise/hypothesis pair with a binary label (1 = entailed)."""

    premise: str
    hypothesis: str
    label: int
    source: str
    lang: str


@dataclass(frozen=True)
class NliCorpus:
    """A corpus file, its layout and its licence (the model card lists these)."""

    name: str
    lang: str
    path: str                # relative to the NLI data directory
    layout: Layout
    licence: str
    non_commercial: bool


def _binary(raw: str, path: Path, line: int) -> int | None:
    label = raw.strip().lower()
    if label in _UNLABELLED:
        return None
    if label not in _LABELS:
        raise InputError(str(path), f"unknown NLI label {raw!r}; expected one of "
                                    f"{sorted(_LABELS)} or '-'", line=line)
    return _LABELS[label]


def _fields(layout: Layout, text: str, path: Path, line: int) -> tuple[str, str, str] | None:
    """(premise, hypothesis, label) of one line, None for a header line."""
    if layout in ("jsonl", "clue"):
        try:
            row = orjson.loads(text)
        except orjson.JSONDecodeError as exc:
            raise InputError(str(path), f"not JSON: {exc}", line=line) from exc
        keys = ("premise", "hypothesis") if layout == "jsonl" else ("sentence1", "sentence2")
        if "gold_label" in row and "label" not in row:
            row["label"] = row["gold_label"]
        missing = [k for k in (*keys, "label") if k not in row]
        if missing:
            raise InputError(str(path), f"record lacks {missing}", line=line)
        return row[keys[0]], row[keys[1]], str(row["label"])
    cols = text.rstrip("\n").split("\t")
    if layout == "sick":
        if cols[0] == "pair_ID":
            return None
        if len(cols) < 4:
            raise InputError(str(path), "expected pair_ID, sentence_A, sentence_B, label",
                             line=line)
        return cols[1], cols[2], cols[3]
    if len(cols) != 3:
        raise InputError(str(path), f"expected 3 tab-separated columns, got {len(cols)}", line=line)
    if layout == "docnli":
        return cols[1], cols[2], cols[0]
    return cols[0], cols[1], cols[2]


def read_corpus(corpus: NliCorpus, data_dir: str | Path) -> Iterator[NliPair]:
    """The labelled pairs of one corpus, binary, in file order."""
    path = Path(data_dir) / corpus.path
    with open_text(path) as handle:
        for number, text in enumerate(handle, start=1):
            if not text.strip():
                continue
            fields = _fields(corpus.layout, text, path, number)
            if fields is None:
                continue
            premise, hypothesis, raw = fields
            label = _binary(raw, path, number)
            if label is None or not premise.strip() or not hypothesis.strip():
                continue
            yield NliPair(premise.strip(), hypothesis.strip(), label, corpus.name, corpus.lang)


# The copies in tests/fixtures/nli/ (see tests/fixtures/SOURCE.md); paths relative to that folder.
DEFAULT_CORPORA: tuple[NliCorpus, ...] = (
    NliCorpus("snli_dev", "en", "snli_dev/dev.jsonl.gz", "jsonl", "CC BY-SA 4.0", False),
    NliCorpus("mnli_dev_matched", "en", "mnli_dev_matched/dev_matched.jsonl.gz", "jsonl",
              "OANC free use; CC BY-SA 3.0 / CC BY 3.0 for some genres", False),
    NliCorpus("sick", "en", "sick/SICK.txt.gz", "sick", "CC BY-NC-SA 3.0", True),
    NliCorpus("rte", "en", "rte/rte_train_dev.jsonl.gz", "jsonl",
              "RTE via GLUE: research use, no explicit licence", True),
    NliCorpus("scitail_test", "en", "scitail_test/test.jsonl.gz", "jsonl", "Apache-2.0", False),
    NliCorpus("docnli_binary_fever", "en", "docnli_binary_fever/dev.tsv.gz", "docnli",
              "BSD-3-Clause; FEVER/Wikipedia CC BY-SA 3.0", False),
    NliCorpus("ocnli_train", "zh", "ocnli/train.10k.json.gz", "clue", "CC BY-NC 2.0", True),
    NliCorpus("ocnli_dev", "zh", "ocnli/dev.json.gz", "clue", "CC BY-NC 2.0", True),
    NliCorpus("cmnli_dev", "zh", "cmnli_dev/dev.tsv.gz", "csts", "CLUE CMNLI: academic use only",
              True),
    NliCorpus("chinese_snli_dev", "zh", "chinese_snli/dev.tsv.gz", "csts",
              "CNSD (translated SNLI): academic use only", True),
    NliCorpus("chinese_snli_test", "zh", "chinese_snli/test.tsv.gz", "csts",
              "CNSD (translated SNLI): academic use only", True),
)


def corpora_for(lang: str) -> list[NliCorpus]:
    return [c for c in DEFAULT_CORPORA if c.lang == lang]
