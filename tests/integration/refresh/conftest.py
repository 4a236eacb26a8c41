"""A small real project for refresh tests: 8 real enwiki pages (3 shards), the real
wikidata-mini dump as KG version 1, and a version 2 made by editing three real entity lines."""
from __future__ import annotations

import os
import shutil
from dataclasses import dataclass
from pathlib import Path

import pytest

from kg2instruction.errors import ConfigError
from kg2instruction.nli.verifier.bundled import resolve_model

from .dump_edits import (ClaimRef, add_claim, remove_claim, set_label, write_edited_dump,
                         write_page_subset)

REPO = Path(__file__).parents[3]
# Aristotle, Einstein, Schopenhauer, Rand, ... and science pages the edits should not reach.
PAGES = {39, 308, 330, 332, 339, 340, 344, 612, 639, 655, 673, 700, 736, 772}
# Version 2 of the KG: one claim removed (Einstein's Copley Medal), one added (Aristotle as a
# politician), one label changed ("philosopher" -> "lover of wisdom").
EDITS = {"Q937": [remove_claim(ClaimRef("Q937", "P166", "Q28003"))],
         "Q868": [add_claim(ClaimRef("Q868", "P106", "Q82955"))],
         "Q4964182": [set_label("en", "lover of wisdom")]}
# The NLI stage needs a trained verifier: the bundled one, or KG2I_TEST_NLI_MODEL (a local dir).
NLI_MODEL = os.environ.get("KG2I_TEST_NLI_MODEL", "bundled:minilm-relation-verifier-en")

PIPELINE = """\
name: rf
base_dir: ..
seed: 13
languages: [en]
sources:
  wikipedia:
    - {{path: pipelines/sample/enwiki-subset.xml, lang: en}}
  wikidata:
    path: {wikidata}
stages:
  read_wikipedia: {{pages_per_shard: 3, paragraphs: {{min_tokens: 50, max_tokens: 512}}}}
  build_kg: {{store: {{languages: [en]}}, resources: {{memory_limit: 1GB}}}}
  identify_mentions: null
  link_entities: null
  type_entities: null
  route_themes: null
  match_relations: null
  apply_schema: null
  nli_filter: null
  score_nli: {{model: "{model}", cpu_threads: 1}}
  sample_paragraphs: null
  build_records: null
  make_instructions: null
"""


@dataclass(frozen=True)
class Dumps:
    v1: Path           # real wikidata-mini (bz2)
    v2: Path           # the same with three entity lines edited (gzip)
    wikipedia: Path    # 8 real enwiki pages


def nli_model() -> str:
    try:
        return resolve_model(NLI_MODEL)
    except ConfigError as exc:
        pytest.skip(f"no NLI verifier for the end-to-end refresh: {exc}")


@pytest.fixture(scope="session")
def refresh_dumps(tmp_path_factory, sample_dir) -> Dumps:
    folder = tmp_path_factory.mktemp("dumps")
    v1 = folder / "wikidata-v1.json.bz2"
    shutil.copy(sample_dir / "wikidata-mini.json.bz2", v1)
    v2 = folder / "wikidata-v2.json.gz"
    assert write_edited_dump(v1, v2, EDITS) == 3
    wikipedia = folder / "enwiki-subset.xml"
    assert write_page_subset(sample_dir / "enwiki-sample.xml.bz2", wikipedia, PAGES) == len(PAGES)
    return Dumps(v1, v2, wikipedia)


def make_project(root: Path, dumps: Dumps, wikidata: Path, model: str) -> Path:
    """A project folder: themes, the page subset, the given KG dump under dumps/, a pipeline."""
    (root / "pipelines" / "sample").mkdir(parents=True)
    (root / "dumps").mkdir()
    shutil.copytree(REPO / "themes", root / "themes")
    # Keep every triple the NLI stage scores (the test is about the refresh, not the verifier's
    # calibration): the dataset then has rows whatever verifier is installed.
    theme = root / "themes" / "person.yaml"
    theme.write_text(theme.read_text().replace("nli_threshold: 0.5", "nli_threshold: 0.0", 1))
    shutil.copy(dumps.wikipedia, root / "pipelines" / "sample" / "enwiki-subset.xml")
    shutil.copy(wikidata, root / "dumps" / wikidata.name)
    (root / "pipelines" / "rf.yaml").write_text(
        PIPELINE.format(wikidata=f"dumps/{wikidata.name}", model=model))
    return root / "pipelines" / "rf.yaml"
