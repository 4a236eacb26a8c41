"""The refresh's pipeline file: the operator's, with the named Wikipedia sources replaced."""
from __future__ import annotations

from pathlib import Path

import pytest

from kg2instruction.config.pipeline import load_pipeline
from kg2instruction.errors import ConfigError
from kg2instruction.refresh.derived_pipeline import write_derived_pipeline

PIPELINE = """\
name: p
base_dir: ..
languages: [en, zh]
sources:
  wikipedia:
    - {path: dumps/enwiki-1.xml, lang: en}
    - {path: dumps/zhwiki-1.xml, lang: zh}
    - {path: dumps/zh-extracts-1.zip, lang: zh, name: zh_extracts, format: extracts}
  wikidata:
    path: dumps/wikidata-1.json
"""


@pytest.fixture
def project(tmp_path: Path) -> Path:
    (tmp_path / "pipelines").mkdir()
    (tmp_path / "dumps").mkdir()
    (tmp_path / "pipelines" / "p.yaml").write_text(PIPELINE)
    return tmp_path


def _paths(pipeline) -> dict[str, str]:
    return {s.shard_prefix: Path(s.path).name for s in pipeline.source_files("wikipedia")}


def test_sources_are_replaced_by_shard_prefix_not_by_language(project):
    base = load_pipeline(project / "pipelines" / "p.yaml")
    derived = write_derived_pipeline(base, project / "cache" / "derived.yaml", None,
                                     {"zh": project / "dumps" / "zhwiki-2.xml"})
    assert _paths(derived) == {"en": "enwiki-1.xml", "zh": "zhwiki-2.xml",
                               "zh_extracts": "zh-extracts-1.zip"}
    derived = write_derived_pipeline(base, project / "cache" / "derived.yaml", None,
                                     {"zh_extracts": project / "dumps" / "zh-extracts-2.zip"})
    assert _paths(derived)["zh_extracts"] == "zh-extracts-2.zip"
    assert _paths(derived)["zh"] == "zhwiki-1.xml"


def test_an_unknown_source_key_is_refused(project):
    base = load_pipeline(project / "pipelines" / "p.yaml")
    with pytest.raises(ConfigError, match="no Wikipedia source with lang or name"):
        write_derived_pipeline(base, project / "cache" / "derived.yaml", None,
                               {"fr": project / "dumps" / "frwiki.xml"})
