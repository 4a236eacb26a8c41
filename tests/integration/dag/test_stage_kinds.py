"""Source, map, artifact and multi-input stages on a plain text source (no dump needed)."""
from __future__ import annotations

from pathlib import Path

import pyarrow.parquet as pq
import pytest

from kg2instruction.core.runner import plan_run
from kg2instruction.errors import ConfigError
from tests.integration.dag import toy_stages
from tests.integration.dag.conftest import manifest
from tests.integration.dag.project import make_project, run

TEXT = ["the cat of the house", "a dog", "", "of mice and men", "the end of the line",
        "one", "two words", "the the the", "x"]


def test_artifact_reaches_downstream_stage_through_the_context(tmp_path: Path) -> None:
    lines = tmp_path / "lines.txt"
    lines.write_text("\n".join(TEXT) + "\n", encoding="utf-8")
    pipeline = make_project(
        tmp_path / "p",
        {"toy_lines": {"lines_per_shard": 4}, "toy_upper": {"min_tokens": 1},
         "toy_lexicon": {"words": ["the", "of"]}, "toy_hits": {}},
        {"lines": [{"path": "data/lines.txt", "name": "a"},
                   {"path": "data/lines.txt", "name": "b"}]},
        {"lines.txt": lines})
    opened_before = toy_stages.ToyLexicon.opened
    assert run(pipeline) == 0
    stages = manifest(tmp_path / "p")["stages"]

    # two files x ceil(9/4) shards, ids prefixed by the source name, map keeps the shard ids
    out = tmp_path / "p" / stages["toy_hits"]["output"]
    assert sorted(p.name for p in out.glob("*.parquet")) == \
        [f"shard-{s}-{i:05d}.parquet" for s in "ab" for i in range(3)]
    hits = {}
    for path in sorted(out.glob("*.parquet")):
        hits.update(zip(*pq.read_table(path).to_pydict().values()))
    expected = {f"{s}:{i:06d}": sum(w in ("the", "of") for w in text.split())
                for s in "ab" for i, text in enumerate(TEXT) if text.split()}
    assert hits == expected
    assert stages["toy_upper"]["funnel"]["dropped"] == {"few_tokens": 2}
    assert stages["toy_lines"]["counters"] == {"lines": 18}
    assert stages["toy_lexicon"]["counters"] == {"words": 2}
    assert toy_stages.ToyLexicon.opened == opened_before + 1   # once per worker process


def test_config_named_files_are_fingerprinted_and_confined(tmp_path: Path) -> None:
    lines = tmp_path / "lines.txt"
    lines.write_text("\n".join(TEXT) + "\n", encoding="utf-8")
    stop = tmp_path / "stop.txt"
    stop.write_text("the\n", encoding="utf-8")
    pipeline = make_project(tmp_path / "p", {"toy_lines": {}, "toy_stopwords": {}},
                            {"lines": {"path": "data/lines.txt", "name": "a"}},
                            {"lines.txt": lines, "stop.txt": stop})
    assert run(pipeline) == 0
    first = manifest(tmp_path / "p")["stages"]["toy_stopwords"]
    stop.write_text("the\nof\n", encoding="utf-8")
    assert run(pipeline) == 0
    second = manifest(tmp_path / "p")["stages"]["toy_stopwords"]
    assert second["fingerprint"] != first["fingerprint"] and second["shards_computed"] == 3
    texts = [t for p in sorted((tmp_path / "p" / second["output"]).glob("*.parquet"))
             for t in pq.read_table(p)["text"].to_pylist()]
    assert texts[0] == "cat house"

    text = pipeline.read_text("utf-8").replace("toy_stopwords: {}",
                                               "toy_stopwords: {stopwords_file: ../../etc/hosts}")
    pipeline.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError, match="leaves the project"):
        plan_run(pipeline, "person")
