"""A cheap, stable identity for a dump file, recorded in the KG's meta table.

Downstream caches and dataset cards cite the dump a KG came from. A full SHA-1 of a 130 GB
`latest-all.json.bz2` costs minutes of I/O on every build, so the identity is the file name, its size
and the SHA-1 of its first and last MiB: dated dumps differ in all of them, and a truncated or
re-downloaded file changes the size or the tail. (A full checksum against the published
`*-md5sums.txt` belongs to the download step, which reads the bytes anyway.)

A dump at a URL (`s3://...`) gets the same identity from two range reads and the object's size:
the content, not the location, so a dump copied to object storage keeps its fingerprints and
cached stages. (An ETag or mtime would change with the copy, and a multipart ETag with the part
size, although the bytes are the same.)
"""
from __future__ import annotations

import hashlib
from pathlib import Path

from kg2instruction.errors import InputError
from kg2instruction.storage.inputs import RemotePath, input_path

EDGE_BYTES = 1 << 20


def dump_identity(path: str | Path | RemotePath) -> dict[str, object]:
    """{"name", "size", "head_sha1", "tail_sha1"} of a dump file (compressed bytes as stored)."""
    path = input_path(path)
    try:
        size = path.stat().st_size
        if isinstance(path, RemotePath):         # two range requests, no read-ahead blocks
            head = hashlib.sha1(path.read_range(0, min(size, EDGE_BYTES))).hexdigest()
            tail = hashlib.sha1(path.read_range(max(0, size - EDGE_BYTES), size)).hexdigest()
        else:
            with open(path, "rb") as fh:
                head = hashlib.sha1(fh.read(EDGE_BYTES)).hexdigest()
                fh.seek(max(0, size - EDGE_BYTES))
                tail = hashlib.sha1(fh.read(EDGE_BYTES)).hexdigest()
    except FileNotFoundError:
        raise InputError(path, "file not found") from None
    except IsADirectoryError:
        raise InputError(path, "expected a file, found a directory") from None
    return {"name": path.name, "size": size, "head_sha1": head, "tail_sha1": tail}
