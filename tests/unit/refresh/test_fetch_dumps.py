"""`fetch_dumps`: the refresh's first step against the local mirror, into a project folder."""
from __future__ import annotations

from pathlib import Path

import pytest

from kg2instruction.config.pipeline import load_pipeline
from kg2instruction.core.progress import RunProgress
from kg2instruction.errors import ConfigError
from kg2instruction.refresh.sources import DumpRequest, fetch_dumps
from kg2instruction.refresh.transport import TransportPolicy
from kg2instruction.sources.wikidata_dump import WikidataDumpReader

from .conftest import DATE


@pytest.fixture
def project(tmp_path: Path):
    (tmp_path / "pipelines").mkdir()
    (tmp_path / "pipelines" / "p.yaml").write_text("base_dir: ..\n")
    return load_pipeline(tmp_path / "pipelines" / "p.yaml")


def test_latest_dump_lands_in_the_dumps_folder(project, mirror, loopback_policy):
    fetched = fetch_dumps(DumpRequest(wikidata_date="latest", mirror=mirror.url), project,
                          loopback_policy, RunProgress())
    path = Path(fetched["wikidata"])
    assert path == project.base_dir / "dumps" / "wikidata" / f"wikidata-{DATE}-all.json.bz2"
    assert fetched["refs"]["wikidata"]["date"] == DATE
    assert sum(1 for _ in WikidataDumpReader(path)) == 49
    again = fetch_dumps(DumpRequest(wikidata_date=DATE, mirror=mirror.url), project,
                        loopback_policy, RunProgress())
    assert again["wikidata"] == fetched["wikidata"]
    dump_requests = [p for p, _ in mirror.faults.requests if p.endswith(".json.bz2")]
    assert len(dump_requests) == 1          # the verified file is not fetched again


def test_local_file_outside_the_project_is_refused(project, tmp_path_factory):
    outside = tmp_path_factory.mktemp("elsewhere") / "dump.json"
    outside.write_text("[\n]\n")
    with pytest.raises(ConfigError, match="leaves the project"):
        fetch_dumps(DumpRequest(wikidata_file=outside), project, TransportPolicy(),
                    RunProgress())


def test_download_folder_outside_the_project_is_refused(project, mirror, loopback_policy):
    with pytest.raises(ConfigError, match="dumps_dir"):
        fetch_dumps(DumpRequest(wikidata_date="latest", mirror=mirror.url,
                                dumps_dir="../../var/dumps"), project, loopback_policy,
                    RunProgress())
    assert mirror.faults.requests == []
