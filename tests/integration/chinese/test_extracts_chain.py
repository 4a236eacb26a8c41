"""Real zhwiki lead extracts (no hyperlinks, page QID from the file name) through the pipeline's
own stages, with `pipelines/sample.yaml` configs and the bundled KG, to Chinese theme triples.

Only the page QID, KG names and LAC NER can find mentions here; the test checks that the chain
turns them into triples of a theme with Chinese labels and evidence inside the text. The NLI
verifier is left out (its model load alone takes minutes on CPU); `benchmarks/chinese.py` runs
it."""
from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pytest

from benchmarks.gold.stage_chain import StageChain
from kg2instruction.stages.build_kg import STORE_FILE

REPO = Path(__file__).resolve().parents[3]


@pytest.fixture(scope="module")
def chain_output(sample_kg: Path, fixtures_dir: Path, tmp_path_factory: pytest.TempPathFactory):
    kg_dir = tmp_path_factory.mktemp("kg_artifact")
    (kg_dir / STORE_FILE).symlink_to(sample_kg)
    chain = StageChain(REPO / "pipelines/sample.yaml", kg_dir, ["geographic_location", "works"],
                       until=("apply_schema",), languages=("en", "zh"))
    paragraphs = chain.read_source(fixtures_dir / "wikipedia" / "zh-extracts", "zh")
    return paragraphs, chain.run(paragraphs)


def test_extract_paragraphs_know_their_page(chain_output) -> None:
    paragraphs, _ = chain_output
    rows = paragraphs.to_pylist()
    assert {r["page_qid"] for r in rows} == {"Q150", "Q1183", "Q5119", "Q1025961", "Q2074737"}
    assert all(r["lang"] == "zh" and not r["links"] for r in rows)


def test_mentions_come_from_the_page_qid_kg_names_and_ner(chain_output) -> None:
    _, output = chain_output
    mentions = output.rows("link_entities")
    sources = {m["source"] for m in mentions}
    assert {"repeat", "ner"} <= sources and "link" not in sources
    # the page subject is found by its KG names and linked to the page's own QID
    subject = [m for m in mentions if m["paragraph_id"].startswith("zh:Q1183:")
               and m["qid"] == "Q1183"]
    assert subject and all(m["surface"] for m in subject)
    assert sum(m["qid"] is not None for m in mentions) > len(mentions) // 4


def test_chinese_theme_triples_with_evidence(chain_output) -> None:
    paragraphs, output = chain_output
    text = {r["paragraph_id"]: r["text"] for r in paragraphs.to_pylist()}
    triples = output.rows("apply_schema")
    assert triples, "no Chinese triple survived the schema"
    facts = {(t["paragraph_id"].split(":")[1], t["head_qid"], t["relation"], t["tail_qid"])
             for t in triples}
    # 日本首都: "现今实际上为东京" -- Tokyo is Japan's capital, named without any hyperlink
    assert ("Q1025961", "Q17", "capital", "Q1490") in facts
    # 首都 lists capitals: "英国的伦敦、法国的巴黎"
    assert {("Q5119", "Q145", "capital", "Q84"), ("Q5119", "Q142", "capital", "Q90")} <= facts
    for t in triples:
        body = text[t["paragraph_id"]]
        assert t["relation"] and t["theme"] in ("geographic_location", "works")
        if t["head_start"] is not None:
            assert body[t["head_start"]:t["head_end"]] == t["head"]
        assert body[t["tail_start"]:t["tail_end"]] == t["tail"]
        assert 0 <= t["evidence_start"] < t["evidence_end"] <= len(body)


def test_each_batch_is_one_language_and_its_stages_see_it(sample_kg: Path, fixtures_dir: Path,
                                                           tmp_path: Path, monkeypatch) -> None:
    """As in a pipeline shard: nli_filter applies a verifier's calibrated thresholds only to the
    language they were calibrated for, which it reads from the context."""
    (tmp_path / STORE_FILE).symlink_to(sample_kg)
    chain = StageChain(REPO / "pipelines/sample.yaml", tmp_path, [],
                       until=("identify_mentions",), languages=("en", "zh"))
    zh = chain.read_source(fixtures_dir / "wikipedia" / "zh-extracts", "zh")
    en = zh.set_column(zh.schema.get_field_index("lang"), "lang",
                       pa.array(["en"] * zh.num_rows))
    en = en.set_column(en.schema.get_field_index("paragraph_id"), "paragraph_id",
                       pa.array([f"en-copy:{p}" for p in zh.column("paragraph_id").to_pylist()]))
    seen: list[tuple[str, str | None]] = []
    original = StageChain._context

    def recording(self, name, theme, shard, lang=None):
        seen.append((shard, lang))
        return original(self, name, theme, shard, lang)

    monkeypatch.setattr(StageChain, "_context", recording)
    output = chain.run(pa.concat_tables([zh, en]))
    by_shard = {shard: lang for shard, lang in seen if shard}
    assert set(by_shard.values()) == {"en", "zh"}
    assert all(shard.startswith(f"batch-{lang}-") for shard, lang in by_shard.items())
    mentions = output.rows("identify_mentions")
    assert {m["paragraph_id"].split(":")[0] for m in mentions} >= {"zh", "en-copy"}
