"""Fixtures for the Wikipedia/corpus readers: the bundled enwiki sample is read once per session."""
from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from kg2instruction.sources.paragraphs import ParagraphConfig, PageIssue, read_paragraphs
from kg2instruction.sources.wikipedia_xml import Page, collect_redirects, iter_pages


@pytest.fixture(scope="session")
def enwiki_sample(sample_dir: Path) -> Path:
    return sample_dir / "enwiki-sample.xml.bz2"


@pytest.fixture(scope="session")
def zh_page_path(fixtures_dir: Path) -> Path:
    return fixtures_dir / "wikipedia" / "zhwiki-20150423-id13.xml"


@pytest.fixture(scope="session")
def wikitext_files(fixtures_dir: Path) -> list[Path]:
    files = sorted(p for p in (fixtures_dir / "wikipedia" / "wikitext").glob("*.txt") if p.name != "SOURCE.txt")
    assert len(files) >= 60
    return files


@pytest.fixture(scope="session")
def enwiki_pages(enwiki_sample: Path) -> list[Page]:
    return list(iter_pages(enwiki_sample))


@pytest.fixture(scope="session")
def enwiki_redirects(enwiki_sample: Path) -> dict[str, str]:
    return collect_redirects(enwiki_sample)


class SampleRun:
    def __init__(self, rows: list[dict], funnel: Counter, issues: list[PageIssue]) -> None:
        self.rows, self.funnel, self.issues = rows, funnel, issues


@pytest.fixture(scope="session")
def enwiki_run(enwiki_sample: Path) -> SampleRun:
    funnel: Counter = Counter()
    issues: list[PageIssue] = []
    rows = list(read_paragraphs(enwiki_sample, config=ParagraphConfig(), funnel=funnel, on_issue=issues.append))
    return SampleRun(rows, funnel, issues)
