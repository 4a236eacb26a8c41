"""The plain JSONL corpus reader on the real T-REx dev sentences, and its errors."""
from __future__ import annotations

import bz2
import gzip
import json

import pytest

from kg2instruction.errors import InputError
from kg2instruction.schemas import PARAGRAPHS
from kg2instruction.sources.corpus_jsonl import read_corpus_jsonl
from kg2instruction.sources.paragraphs import ParagraphConfig, paragraphs_to_table


@pytest.fixture(scope="module")
def trex_path(fixtures_dir):
    return fixtures_dir / "wikidata" / "trex-gold-dev.jsonl.gz"


@pytest.fixture(scope="module")
def trex_head(trex_path) -> list[dict]:
    with gzip.open(trex_path, "rt", encoding="utf-8") as fh:
        return [json.loads(next(fh)) for _ in range(300)]


def test_trex_sentences_become_paragraph_rows(trex_path, trex_head):
    rows = list(read_corpus_jsonl(trex_path, limit=300))
    assert len(rows) == 300
    assert paragraphs_to_table(rows).schema.equals(PARAGRAPHS)
    for row, record in zip(rows, trex_head):
        assert row["paragraph_id"] == record["id"] and row["text"] == record["text"]
        assert row["page_qid"] == record.get("page_qid") and row["title"] == record.get("title", "")
        assert row["page_id"] == (record.get("page_qid") or record["id"]) and row["rev_id"] is None
        assert row["source"] == "trex-gold-dev.jsonl.gz" and row["links"] == []
    # the index counts a page's sentences in file order
    by_page: dict[str, list[int]] = {}
    for row in rows:
        by_page.setdefault(row["page_id"], []).append(row["index"])
    assert all(ix == list(range(len(ix))) for ix in by_page.values())


def test_links_are_validated_and_normalised(tmp_path, trex_head):
    record = dict(trex_head[0])
    text = record["text"]
    start = text.index("Sofia")
    record["links"] = [{"start": start, "end": start + 5, "target": "sofia", "anchor": "Sofia"}]
    path = tmp_path / "c.jsonl.bz2"
    path.write_bytes(bz2.compress((json.dumps(record) + "\n\n").encode()))
    [row] = read_corpus_jsonl(path)
    assert row["links"] == [{"start": start, "end": start + 5, "anchor": "Sofia", "target": "Sofia", "resolved": "Sofia"}]


def test_length_filter_only_when_configured(trex_path):
    all_rows = list(read_corpus_jsonl(trex_path, limit=200))
    kept = list(read_corpus_jsonl(trex_path, ParagraphConfig(min_tokens=30), limit=200))
    assert len(all_rows) == 200 and 0 < len(kept) < 200
    assert all(len(r["text"].split()) >= 30 for r in kept)


def test_chinese_records_are_simplified_with_offsets(tmp_path):
    text = "數學透過抽象化和邏輯推理的使用而產生。"
    record = {"id": "z1", "lang": "zh", "title": "數學", "text": text,
              "links": [{"start": 8, "end": 10, "target": "邏輯"}]}
    path = tmp_path / "zh.jsonl"
    path.write_text(json.dumps(record, ensure_ascii=False) + "\n", encoding="utf-8")
    [row] = read_corpus_jsonl(path)
    assert row["text"] == "数学透过抽象化和逻辑推理的使用而产生。"
    assert row["links"][0]["anchor"] == "逻辑" == row["text"][8:10]


@pytest.mark.parametrize("line, expected", [
    ('{"id": "x1", "lang": "en", "text": "ok"', "not valid JSON"),
    ('["id", "x1"]', "expected a JSON object"),
    ('{"id": "x1", "lang": "en"}', "text: Field required"),
    ('{"id": "x1", "lang": "en", "text": "abc", "links": [{"start": 0, "end": 9, "target": "A"}]}',
     "not inside the text"),
    ('{"id": "x1", "lang": "en", "text": "abc", "links": [{"start": 0, "end": 2, "target": "A", "anchor": "bc"}]}',
     "anchor"),
    ('{"id": "x1", "lang": "en", "text": "abc", "page_qid": "P31"}', "page_qid"),
])
def test_bad_line_names_file_and_line(tmp_path, trex_head, line, expected):
    path = tmp_path / "bad.jsonl"
    path.write_text(json.dumps(trex_head[0]) + "\n" + json.dumps(trex_head[1]) + "\n" + line + "\n")
    rows = read_corpus_jsonl(path)
    assert next(rows)["paragraph_id"] == trex_head[0]["id"]
    with pytest.raises(InputError, match=expected) as info:
        list(rows)
    assert info.value.line == 3 and str(path) in str(info.value)


def test_missing_corpus_file(tmp_path):
    with pytest.raises(InputError, match="file not found"):
        list(read_corpus_jsonl(tmp_path / "absent.jsonl.gz"))


def test_record_in_another_language_than_the_source_is_an_input_error(tmp_path):
    """Through the stage: a `wikipedia` JSONL source with `lang: en` holding a `de` record."""
    from kg2instruction.config.pipeline import SourceFile
    from kg2instruction.core import StageContext
    from kg2instruction.stages.read_wikipedia import ReadWikipedia

    path = tmp_path / "corpus.jsonl"
    path.write_text("\n".join(json.dumps(r) for r in (
        {"id": "e1", "lang": "en", "text": "An English sentence."},
        {"id": "d1", "lang": "de", "text": "Ein deutscher Satz."})) + "\n", encoding="utf-8")
    stage = ReadWikipedia(ReadWikipedia.Config(paragraphs={"min_tokens": 1}))
    ctx = StageContext(stage="read_wikipedia", shard_id=None, lang=None, languages=("en",),
                       seed=0, theme=None, artifacts={}, base_dir=tmp_path)
    with pytest.raises(InputError, match="record language 'de' differs from the source's lang: "
                                         "'en'") as info:
        list(stage.read(SourceFile(path=path.name, lang="en"), path, ctx))
    assert info.value.line == 2 and info.value.record == "d1" and str(path) in str(info.value)
    # without `lang:` the records' own languages are taken
    tables = list(stage.read(SourceFile(path=path.name), path, ctx))
    assert sorted(lang for t in tables for lang in t.column("lang").to_pylist()) == ["de", "en"]
