"""Reading instruction datasets for training and prediction.

Two record shapes are accepted, one JSON object per line (JSONL, plain or gzip) or one row per
Parquet row:

- **IEPile style** ``{"id", "instruction", "output", "cate", "lang", "task"}``: ``instruction`` holds
  the whole task (for IEPile, a JSON string with instruction, schema and input); InstructIE's
  release form is this shape with fewer keys (train ``{"instruction", "output"}``, test
  ``{"id", "cate", "instruction", "label"}``);
- **Alpaca style** ``{"instruction", "input", "output"}``.

``output`` is required for training and optional for prediction (test files may carry only a gold
``label``). A path may be a file or a dataset folder; in a folder the split's files are found by
name (``<split>.jsonl``, ``<split>.jsonl.gz``, ``<split>.parquet``, also in sub-folders such as one
per theme, or one per task as an export's ``iepile/RE/`` and ``iepile/NER/``; one format only, JSONL
first, as an export writes the same rows in both). Several paths can be given, e.g. the
``instructie/`` and ``iepile/`` folders of an exported dataset version. The schema chunks of a
record share its id and keep their file order. Theme filters need every record's ``cate``: a
record without one (InstructIE's train form has none) is an error, never silently kept.

Bad records are rejected with the file and line (or Parquet row) that holds them, since a silently
skipped record would change what the model learns.
"""
from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from kg2instruction.errors import InputError
from kg2instruction.sources.compressed import open_text

SPLIT_SUFFIXES = (".jsonl", ".jsonl.gz", ".json", ".parquet")
_THEME_SEPARATORS = re.compile(r"[\s\-]+")


@dataclass(frozen=True)
class InstructionExample:
    """One instruction with its answer; `source` says where it came from, for error messages."""

    id: str
    instruction: str
    input: str
    output: str | None
    theme: str | None
    lang: str | None
    task: str | None
    source: str


def theme_key(theme: str) -> str:
    """Themes compare case- and spacing-insensitively: 'Natural Science' == 'natural_science'."""
    return _THEME_SEPARATORS.sub("_", theme.strip()).lower()


def split_files(path: str | Path, split: str) -> list[Path]:
    """The files of `split` under `path` (a file is taken as is); an error when there are none."""
    path = Path(path)
    if path.is_file():
        return [path]
    if not path.is_dir():
        raise InputError(path, "no such file or dataset folder")
    for pattern in (f"{split}{s}" for s in SPLIT_SUFFIXES):
        direct = path / pattern
        if direct.is_file():
            return [direct]
    for suffix in SPLIT_SUFFIXES:
        found = sorted(p for p in path.rglob(f"{split}{suffix}") if p.is_file())
        if found:
            return found
    raise InputError(path, f"no '{split}' split found (expected files named "
                           f"{', '.join(split + s for s in SPLIT_SUFFIXES)})")


DataPaths = str | Path | Sequence[str | Path]


def dataset_files(paths: DataPaths, split: str) -> list[Path]:
    """The files of `split` under each of `paths`, in the order given."""
    many = [paths] if isinstance(paths, str | Path) else list(paths)
    if not many:
        raise ValueError("no dataset path given")
    return [file for path in many for file in split_files(path, split)]


def load_examples(paths: DataPaths, split: str = "train", *, require_output: bool,
                  require_id: bool = False, exclude_themes: Iterable[str] = (),
                  only_themes: Iterable[str] = ()) -> list[InstructionExample]:
    """All examples of `split` under `paths`, minus excluded themes (or only the listed ones)."""
    excluded = {theme_key(t) for t in exclude_themes}
    only = {theme_key(t) for t in only_themes}
    examples = []
    for file in dataset_files(paths, split):
        for example in read_examples(file, require_output=require_output, require_id=require_id):
            if (excluded or only) and not example.theme:
                raise InputError(file, "expected a 'cate' (the theme) for the theme filter; "
                                       "leave this file out or use files that name the theme",
                                 line=int(example.source.rsplit(":", 1)[1]))
            key = theme_key(example.theme) if example.theme else None
            if key in excluded or (only and key not in only):
                continue
            examples.append(example)
    return examples


def read_examples(path: Path, *, require_output: bool,
                  require_id: bool = False) -> Iterator[InstructionExample]:
    """The examples of one file, in order."""
    for position, obj in _objects(path):
        yield _example(path, position, obj, require_output=require_output, require_id=require_id)


def fingerprint_files(paths: Iterable[Path]) -> str:
    """sha256 over the bytes of the files (sorted by name): what the adapter was trained on."""
    digest = hashlib.sha256()
    for path in sorted(Path(p) for p in paths):
        digest.update(path.name.encode() + b"\0")
        with open(path, "rb") as fh:
            for block in iter(lambda: fh.read(1 << 20), b""):
                digest.update(block)
    return digest.hexdigest()


def _objects(path: Path) -> Iterator[tuple[int, Any]]:
    """(line or row number, decoded object) pairs; blank lines are skipped."""
    if path.suffix == ".parquet":
        import pyarrow.parquet as pq

        for number, row in enumerate(pq.read_table(path).to_pylist(), start=1):
            yield number, row
        return
    with open_text(path) as fh:
        for number, line in enumerate(fh, start=1):
            if not line.strip():
                continue
            try:
                yield number, json.loads(line)
            except ValueError as exc:
                raise InputError(path, f"not valid JSON ({exc})", line=number) from None


def _example(path: Path, number: int, obj: Any, *, require_output: bool,
             require_id: bool) -> InstructionExample:
    if not isinstance(obj, dict):
        raise InputError(path, f"expected a JSON object, got {type(obj).__name__}", line=number)
    record_id = obj.get("id")
    if record_id is None or record_id == "":
        if require_id:
            raise InputError(path, "expected an 'id' (predictions are matched to gold by id)",
                             line=number)
        record_id = f"{path.name}:{number}"
    elif not isinstance(record_id, str | int) or isinstance(record_id, bool):
        raise InputError(path, f"expected 'id' to be a string or integer, got "
                               f"{type(record_id).__name__}", line=number)
    rid = str(record_id)
    instruction = obj.get("instruction")
    if not isinstance(instruction, str) or not instruction.strip():
        raise InputError(path, "expected 'instruction' to be a non-empty string", line=number,
                         record=rid)
    input_text = obj.get("input") or ""
    if not isinstance(input_text, str):
        raise InputError(path, "expected 'input' to be a string", line=number, record=rid)
    output = obj.get("output")
    if output is None and require_output:
        raise InputError(path, "expected an 'output' string (the answer to train on)",
                         line=number, record=rid)
    if output is not None and not isinstance(output, str):
        raise InputError(path, f"expected 'output' to be a string, got {type(output).__name__}",
                         line=number, record=rid)
    optional = {}
    for key in ("cate", "lang", "task"):
        value = obj.get(key)
        if value is not None and not isinstance(value, str):
            raise InputError(path, f"expected '{key}' to be a string", line=number, record=rid)
        optional[key] = value
    return InstructionExample(rid, instruction, input_text, output, optional["cate"],
                              optional["lang"], optional["task"], f"{path}:{number}")
