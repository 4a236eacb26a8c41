"""The checksum files Wikimedia publishes beside every dump (`*-md5sums.txt`, `*-sha1sums.txt`).

Format, one file per line: `<hex digest>  <file name>`. A dump's own name is looked up there; a
file the checksum list does not mention is not considered finished on the server.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

from kg2instruction.errors import InputError

_DIGEST_LENGTH = {"md5": 32, "sha1": 40}


@dataclass(frozen=True)
class Checksum:
    algorithm: str      # "md5" | "sha1"
    hexdigest: str

    def new_hasher(self) -> "hashlib._Hash":
        return hashlib.new(self.algorithm)


def parse_checksums(text: str, algorithm: str, source: str) -> dict[str, Checksum]:
    """File name -> checksum; a malformed line is an InputError naming its line."""
    expected = _DIGEST_LENGTH[algorithm]
    table: dict[str, Checksum] = {}
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        digest, _, name = line.strip().partition(" ")
        name = name.strip().lstrip("*")     # `sha1sum -b` marks binary files with '*'
        digest = digest.lower()
        if len(digest) != expected or not all(c in "0123456789abcdef" for c in digest) or not name:
            raise InputError(source, f"expected '<{algorithm} hex>  <file name>'", line=number)
        table[name] = Checksum(algorithm, digest)
    return table


def file_digest(path: Path, algorithm: str, chunk: int = 1 << 20) -> str:
    hasher = hashlib.new(algorithm)
    with open(path, "rb") as fh:
        while block := fh.read(chunk):
            hasher.update(block)
    return hasher.hexdigest()
