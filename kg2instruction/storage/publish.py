"""Publish a finished local dataset version to an object store, where there is no rename.

Locally a version appears by an atomic folder rename. An object store has no rename and no folder,
so a version is published in three steps, each object written by one PUT (whole or absent):

    <root>/<version>/...              the version's files, uploaded one by one
    <root>/<version>.complete.json    the manifest: every file with its size and SHA-256,
                                      written only after the last file is up
    <root>/LATEST                     the version's name, written last

A reader trusts only a version whose manifest exists (`trusted_latest`), and LATEST never names a
version before its manifest is there, so a kill at any point leaves what was published before
untouched and readable. A re-run resumes: objects already up whose size and SHA-256 match the
local files are skipped (the SHA-256 is checked against a local journal of what this machine
uploaded and the object's ETag, or else by reading the object back), the rest are uploaded, and
the manifest and LATEST follow. A version whose manifest exists is never uploaded again: the
version name comes from the run's fingerprint, so the same name is the same data.
"""
from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from kg2instruction.errors import InputError, RemoteError
from kg2instruction.storage.location import filesystem, join

if TYPE_CHECKING:
    from fsspec import AbstractFileSystem

LATEST = "LATEST"
MANIFEST_SUFFIX = ".complete.json"
_CHUNK = 1 << 20


@dataclass(frozen=True)
class RemotePublished:
    """What one publish did: the version's URL and how many objects it uploaded or found up."""

    url: str
    uploaded: int
    skipped: int
    already_complete: bool


def publish_folder(folder: Path, root: str, options: Mapping[str, Any] | None = None, *,
                   on_uploaded: Callable[[str], None] | None = None) -> RemotePublished:
    """Upload the complete local version `folder` to `<root>/<folder.name>`, then its manifest,
    then LATEST (see the module docstring). `on_uploaded(relative path)` after each object."""
    fs, base = filesystem(root, options)
    version = folder.name
    url = str(join(root, version))
    try:
        fs.invalidate_cache()           # another process may have written since we last looked
        if fs.exists(f"{base}/{version}{MANIFEST_SUFFIX}"):
            _put_text(fs, f"{base}/{LATEST}", version + "\n")
            return RemotePublished(url, 0, 0, True)
        files = local_manifest(folder)
        journal = _Journal(folder.parent / f".{version}.uploads.{_digest(url)}.jsonl")
        remote = _listing(fs, f"{base}/{version}")
        uploaded = skipped = 0
        for entry in files:
            target = f"{base}/{version}/{entry['path']}"
            if _already_up(fs, target, entry, remote.get(entry["path"]), journal):
                skipped += 1
                continue
            fs.put_file(str(folder / entry["path"]), target)
            journal.record(entry, _etag(fs.info(target)))
            uploaded += 1
            if on_uploaded is not None:
                on_uploaded(entry["path"])
        manifest = {"version": version, "files": files}
        _put_text(fs, f"{base}/{version}{MANIFEST_SUFFIX}",
                  json.dumps(manifest, indent=2, ensure_ascii=False) + "\n")
        _put_text(fs, f"{base}/{LATEST}", version + "\n")
    except Exception as exc:
        if not is_storage_failure(exc):
            raise
        raise RemoteError(f"{url}: publishing failed ({exc}); run the same command again to "
                          "resume (objects already up are kept)") from None
    journal.remove()
    return RemotePublished(url, uploaded, skipped, False)


def set_latest(root: str, version: str, options: Mapping[str, Any] | None = None) -> str:
    """Point LATEST at a version already fully published (a refresh back to known dumps, the
    same run exported again); returns the version's URL."""
    if not is_complete(root, version, options):
        raise InputError(join(root, version), "not fully published (no manifest); LATEST unchanged")
    fs, base = filesystem(root, options)
    try:
        _put_text(fs, f"{base}/{LATEST}", version + "\n")
    except OSError as exc:
        raise RemoteError(f"{root}: {exc}") from None
    return str(join(root, version))


def trusted_latest(root: str, options: Mapping[str, Any] | None = None) -> str | None:
    """The URL of the version LATEST names, or None before the first publish.

    Raises if LATEST names a version without its manifest: that never happens through
    `publish_folder`, so it means someone wrote the store by hand."""
    fs, base = filesystem(root, options)
    try:
        fs.invalidate_cache()
        if not fs.exists(f"{base}/{LATEST}"):
            return None
        version = fs.cat_file(f"{base}/{LATEST}").decode("utf-8").strip()
        complete = fs.exists(f"{base}/{version}{MANIFEST_SUFFIX}")
    except OSError as exc:
        raise RemoteError(f"{root}: {exc}") from None
    if not complete:
        raise InputError(join(root, LATEST), f"names version {version!r}, which has no "
                         f"{version}{MANIFEST_SUFFIX} (an incomplete upload); not trusted")
    return str(join(root, version))


def complete_versions(root: str, options: Mapping[str, Any] | None = None) -> list[str]:
    """Names of the versions under `root` whose manifest exists (fully published)."""
    fs, base = filesystem(root, options)
    try:
        fs.invalidate_cache()
        names = fs.ls(base, detail=False) if fs.exists(base) else []
    except OSError as exc:
        raise RemoteError(f"{root}: {exc}") from None
    return sorted(n.rsplit("/", 1)[-1][:-len(MANIFEST_SUFFIX)] for n in names
                  if n.endswith(MANIFEST_SUFFIX))


def is_complete(root: str, version: str, options: Mapping[str, Any] | None = None) -> bool:
    """True when `<root>/<version>` was fully published (its manifest exists)."""
    fs, base = filesystem(root, options)
    try:
        return fs.exists(f"{base}/{version}{MANIFEST_SUFFIX}")
    except OSError as exc:
        raise RemoteError(f"{root}: {exc}") from None


def remove_version(root: str, version: str, options: Mapping[str, Any] | None = None) -> None:
    """Delete one published version: its manifest first, so from that instant no reader trusts
    it and a crash mid-delete leaves only untrusted objects (a later removal finishes them)."""
    fs, base = filesystem(root, options)
    try:
        fs.invalidate_cache()
        if fs.exists(f"{base}/{version}{MANIFEST_SUFFIX}"):
            fs.rm_file(f"{base}/{version}{MANIFEST_SUFFIX}")
        if fs.exists(f"{base}/{version}"):
            fs.rm(f"{base}/{version}", recursive=True)
    except OSError as exc:
        raise RemoteError(f"{root}: removing {version} failed ({exc})") from None


def local_manifest(folder: Path) -> list[dict[str, Any]]:
    """Every file under `folder` (relative POSIX path, size, SHA-256), in path order."""
    return [{"path": path.relative_to(folder).as_posix(), "size": path.stat().st_size,
             "sha256": _sha256(_file_chunks(path))}
            for path in sorted(p for p in folder.rglob("*") if p.is_file())]


def _already_up(fs: AbstractFileSystem, target: str, entry: Mapping[str, Any],
                info: Mapping[str, Any] | None, journal: _Journal) -> bool:
    if info is None or info.get("size") != entry["size"]:
        return False
    etag = _etag(info)
    if etag is not None and journal.matches(entry, etag):
        return True
    with fs.open(target, "rb") as fh:           # not uploaded from here: read it back
        return _sha256(iter(lambda: fh.read(_CHUNK), b"")) == entry["sha256"]


def _listing(fs: AbstractFileSystem, prefix: str) -> dict[str, dict[str, Any]]:
    found = fs.find(prefix, detail=True) if fs.exists(prefix) else {}
    return {name[len(prefix) + 1:]: info for name, info in found.items()
            if info.get("type") != "directory"}


def _put_text(fs: AbstractFileSystem, path: str, text: str) -> None:
    fs.pipe_file(path, text.encode("utf-8"))


def is_storage_failure(exc: BaseException) -> bool:
    """An I/O or service error of the store (s3fs raises OSError; botocore's credential and
    endpoint errors are its own classes), as opposed to a bug."""
    return isinstance(exc, OSError) or type(exc).__module__.split(".")[0] in (
        "botocore", "aiobotocore", "aiohttp")


def _etag(info: Mapping[str, Any]) -> str | None:
    etag = info.get("ETag") or info.get("etag")
    return None if etag is None else str(etag).strip('"')


def _digest(text: str) -> str:
    return hashlib.sha1(text.encode("utf-8")).hexdigest()[:12]


def _sha256(chunks: Iterator[bytes]) -> str:
    digest = hashlib.sha256()
    for chunk in chunks:
        digest.update(chunk)
    return digest.hexdigest()


def _file_chunks(path: Path) -> Iterator[bytes]:
    with open(path, "rb") as fh:
        yield from iter(lambda: fh.read(_CHUNK), b"")


class _Journal:
    """What this machine uploaded for one version and destination: path, SHA-256, size and the
    object's ETag after the upload. A line is fsynced before the next upload starts, so after a
    kill every listed object is known to hold the listed bytes (unless its ETag changed since)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.entries: dict[tuple[str, str, int], str] = {}
        if path.is_file():
            for line in path.read_text(encoding="utf-8").splitlines():
                try:
                    row = json.loads(line)
                except json.JSONDecodeError:        # the line a kill cut short
                    continue
                self.entries[(row["path"], row["sha256"], row["size"])] = row["etag"]

    def matches(self, entry: Mapping[str, Any], etag: str) -> bool:
        return self.entries.get((entry["path"], entry["sha256"], entry["size"])) == etag

    def record(self, entry: Mapping[str, Any], etag: str | None) -> None:
        if etag is None:
            return
        with open(self.path, "a", encoding="utf-8") as fh:
            fh.write(json.dumps({**entry, "etag": etag}) + "\n")
            fh.flush()
            os.fsync(fh.fileno())

    def remove(self) -> None:
        self.path.unlink(missing_ok=True)
