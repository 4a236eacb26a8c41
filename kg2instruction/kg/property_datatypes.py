"""Property datatypes from a side CSV (`property_id,datatype`), for dumps without property entities.

Filtered dumps (like the bundled sample) carry no property entities, and a statement's own
`datatype` field only covers properties that are used; a published P-id -> datatype list fills the
rest. Rows are checked, because a wrong column order would silently mislabel every property.
"""
from __future__ import annotations

import csv
import re
from pathlib import Path

from kg2instruction.errors import InputError

_PID = re.compile(r"P[1-9][0-9]*\Z")
REQUIRED_COLUMNS = ("property_id", "datatype")


def read_datatypes_csv(path: str | Path) -> dict[str, str]:
    """P-id -> datatype; InputError naming the line for a malformed row or a missing column."""
    path = Path(path)
    try:
        fh = open(path, newline="", encoding="utf-8")
    except FileNotFoundError:
        raise InputError(path, "file not found") from None
    with fh:
        reader = csv.DictReader(fh)
        missing = [c for c in REQUIRED_COLUMNS if c not in (reader.fieldnames or ())]
        if missing:
            raise InputError(path, f"missing column(s) {', '.join(missing)}; expected a header "
                                   f"'{','.join(REQUIRED_COLUMNS)}'", line=1)
        datatypes: dict[str, str] = {}
        for row in reader:
            pid, datatype = (row["property_id"] or "").strip(), (row["datatype"] or "").strip()
            if not _PID.match(pid) or not datatype:
                raise InputError(path, f"expected a P-id and a datatype, got {pid!r}, {datatype!r}",
                                 line=reader.line_num)
            datatypes[pid] = datatype
    return datatypes
