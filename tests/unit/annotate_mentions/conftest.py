"""Fixtures of the mention and linking tests: the real sample KG, real sample paragraphs, real
NER models (spaCy, LAC). Everything is loaded once per session: the models take seconds."""
from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pytest

from kg2instruction.kg.duckdb_kg import DuckDBKG
from kg2instruction.ner import NerModel, NerSpec, create_ner
from kg2instruction.sources.paragraphs import paragraphs_to_table, read_paragraphs


@pytest.fixture(scope="session")
def kg(sample_kg: Path) -> Iterator[DuckDBKG]:
    store = DuckDBKG(sample_kg)
    yield store
    store.close()


@pytest.fixture(scope="session")
def en_paragraphs(sample_dir: Path) -> pa.Table:
    """Every paragraph of the bundled enwiki sample (real links, offsets and subject spans)."""
    return paragraphs_to_table(read_paragraphs(sample_dir / "enwiki-sample.xml.bz2", "en"))


@pytest.fixture(scope="session")
def zh_paragraphs(sample_dir: Path) -> pa.Table:
    return paragraphs_to_table(read_paragraphs(sample_dir / "zhwiki-sample.xml", "zh"))


@pytest.fixture(scope="session")
def spacy_ner() -> NerModel:
    return create_ner(NerSpec(name="spacy"))


@pytest.fixture(scope="session")
def lac_ner() -> NerModel:
    return create_ner(NerSpec(name="lac"))


def pages(paragraphs: pa.Table, titles: list[str], first: int = 12) -> pa.Table:
    """The first `first` paragraphs of the named pages (keeps NER in the tests fast)."""
    mask = pc.and_(pc.is_in(paragraphs["title"], pa.array(titles)),
                   pc.less(paragraphs["index"], first))
    return paragraphs.filter(mask)


def paragraph_with(table: pa.Table, title: str, phrase: str) -> pa.Table:
    """The one-row table of the page's paragraph containing `phrase` (robust to reader changes
    in paragraph numbering)."""
    rows = table.filter(pc.equal(table["title"], title))
    rows = rows.filter(pc.match_substring(rows["text"], phrase))
    assert rows.num_rows >= 1, f"no paragraph of {title!r} contains {phrase!r}"
    return rows.slice(0, 1)
