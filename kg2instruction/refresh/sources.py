"""Which dumps a refresh uses: a mirror's dated or latest dump (downloaded), or local files.

Downloaded dumps land in `<dumps_dir>/<kind>/<file name>` inside the project; local files must be
inside the project too (the same confinement as every configured path).
"""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from kg2instruction.config.pipeline import Pipeline
from kg2instruction.core.progress import RunProgress
from kg2instruction.refresh.discovery import resolve_dump, wikidata_layout, wikipedia_layout
from kg2instruction.refresh.downloader import download
from kg2instruction.refresh.transport import TransportPolicy

DEFAULT_MIRROR = "https://dumps.wikimedia.org"


@dataclass(frozen=True)
class DumpRequest:
    """What to refresh from. `wikidata_date`/`wikipedia_dates` ("YYYYMMDD" or "latest") are
    fetched from `mirror`; `*_file` take a local file instead; neither keeps the current one."""

    wikidata_date: str | None = None
    wikidata_file: Path | None = None
    # lang -> (wiki, date)
    wikipedia_dates: dict[str, tuple[str, str]] = field(default_factory=dict)
    wikipedia_files: dict[str, Path] = field(default_factory=dict)             # lang -> file
    mirror: str = DEFAULT_MIRROR
    dumps_dir: str = "dumps"

    def identity(self) -> dict[str, Any]:
        """A JSON-able description, compared to resume an interrupted refresh."""
        return {"wikidata_date": self.wikidata_date,
                "wikidata_file": None if self.wikidata_file is None else str(self.wikidata_file),
                "wikipedia_dates": {k: list(v) for k, v in sorted(self.wikipedia_dates.items())},
                "wikipedia_files": {k: str(v) for k, v in sorted(self.wikipedia_files.items())},
                "mirror": self.mirror, "dumps_dir": self.dumps_dir}


def fetch_dumps(request: DumpRequest, pipeline: Pipeline, policy: TransportPolicy,
                progress: RunProgress) -> dict[str, Any]:
    """Download or check every requested dump; returns {"wikidata": path?, "wikipedia":
    {lang: path}, "refs": {...}} with absolute paths inside the project."""
    dumps_dir = pipeline.confined(request.dumps_dir, ("dumps_dir",))
    out: dict[str, Any] = {"wikidata": None, "wikipedia": {}, "refs": {}}
    session = policy.session()
    if request.wikidata_file is not None:
        out["wikidata"] = str(_local(pipeline, request.wikidata_file, "--wikidata-file"))
    elif request.wikidata_date is not None:
        ref = resolve_dump(wikidata_layout(), request.wikidata_date, request.mirror, policy,
                           session)
        progress.note(f"downloading {ref.url}")
        path = download(ref.url, dumps_dir / "wikidata" / ref.file_name, ref.checksum, policy,
                        session=session)
        out["wikidata"] = str(path)
        out["refs"]["wikidata"] = {"date": ref.date, "url": ref.url, "md5": ref.checksum.hexdigest}
    for lang, path in sorted(request.wikipedia_files.items()):
        out["wikipedia"][lang] = str(_local(pipeline, path, f"--wikipedia-file {lang}="))
    for lang, (wiki, date) in sorted(request.wikipedia_dates.items()):
        if lang in out["wikipedia"]:
            continue
        ref = resolve_dump(wikipedia_layout(wiki), date, request.mirror, policy, session)
        progress.note(f"downloading {ref.url}")
        path = download(ref.url, dumps_dir / wiki / ref.file_name, ref.checksum, policy,
                        session=session)
        out["wikipedia"][lang] = str(path)
        out["refs"][wiki] = {"date": ref.date, "url": ref.url, "md5": ref.checksum.hexdigest}
    return out


def _local(pipeline: Pipeline, path: Path, option: str) -> Path:
    """A local dump given on the command line: must exist and lie inside the project."""
    relative = os.path.relpath(Path(path).absolute(), pipeline.base_dir)
    resolved = pipeline.confined(relative, (option,))
    if not resolved.is_file():
        from kg2instruction.errors import InputError

        raise InputError(resolved, "file not found")
    return resolved
