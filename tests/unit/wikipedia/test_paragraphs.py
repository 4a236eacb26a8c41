"""Dump -> PARAGRAPHS rows on the real enwiki sample and the real zhwiki 数学 page."""
from __future__ import annotations

import bz2
import re
from collections import Counter, defaultdict

import pyarrow as pa
import pytest
from pydantic import ValidationError

from kg2instruction.errors import InputError
from kg2instruction.schemas import PARAGRAPHS
from kg2instruction.sources.paragraph_length import count_tokens
from kg2instruction.sources.paragraphs import (ParagraphConfig, iter_paragraph_tables, page_to_paragraphs,
                                               paragraphs_to_table, read_paragraphs)

RESIDUE = ("{{", "}}", "{|", "|}", "<ref", "</ref", "[[", "]]", "[[File:", "thumb|", "&nbsp;", "<!--", "-{")


def test_every_anchor_is_exact_across_the_sample(enwiki_run):
    rows = enwiki_run.rows
    links = [(row, link) for row in rows for link in row["links"]]
    assert len(rows) > 3000 and len(links) > 15000
    for row, link in links:
        assert row["text"][link["start"]:link["end"]] == link["anchor"], row["paragraph_id"]
        assert link["anchor"] == link["anchor"].strip() != ""
        assert link["target"] and link["target"][0] == link["target"][0].upper() and "#" not in link["target"]
        assert not link["target"].startswith(("File:", "Category:", "Image:"))


def test_no_markup_residue_and_nothing_needed_filtering(enwiki_run):
    for row in enwiki_run.rows:
        assert not [r for r in RESIDUE if r in row["text"]], (row["paragraph_id"], row["text"][:120])
        assert row["text"] == " ".join(row["text"].split())
    # the cleaning itself produced clean text: the residue safety net dropped nothing on real pages
    assert enwiki_run.funnel["paragraphs_dropped_markup_residue"] == 0
    assert enwiki_run.funnel["pages"] == 106 and not enwiki_run.issues


def test_rows_fit_the_paragraphs_schema_and_ids(enwiki_run):
    rows = enwiki_run.rows
    table = paragraphs_to_table(rows)
    assert table.schema.equals(PARAGRAPHS) and table.num_rows == len(rows)
    assert len({r["paragraph_id"] for r in rows}) == len(rows)
    per_page = defaultdict(list)
    for row in rows:
        assert row["paragraph_id"] == f"en:{row['page_id']}:{row['index']}"
        assert row["source"] == "enwiki-sample.xml.bz2" and row["lang"] == "en" and row["rev_id"] > 0
        per_page[row["page_id"]].append(row["index"])
    assert all(indexes == list(range(len(indexes))) for indexes in per_page.values())
    batches = list(iter_paragraph_tables(rows, batch_rows=1000))
    assert [b.num_rows for b in batches[:-1]] == [1000] * (len(batches) - 1)
    assert pa.concat_tables(batches).equals(table)


def test_paragraph_lengths_within_configured_bounds(enwiki_run):
    assert all(50 <= count_tokens(row["text"]) <= 512 for row in enwiki_run.rows)
    assert enwiki_run.funnel["paragraphs_dropped_too_short"] > 0


def test_long_paragraphs_are_split_at_sentences_or_dropped(enwiki_pages, enwiki_redirects):
    pages = [p for p in enwiki_pages if p.redirect is None][:20]

    def run(config):
        funnel = Counter()
        rows = [r for p in pages for r in page_to_paragraphs(p, "en", enwiki_redirects, config, "s", funnel=funnel)]
        return rows, funnel

    split_rows, split_funnel = run(ParagraphConfig(min_tokens=20, max_tokens=60))
    dropped_rows, drop_funnel = run(ParagraphConfig(min_tokens=20, max_tokens=60, long_paragraphs="drop"))
    assert split_funnel["paragraphs_split"] > 10 and drop_funnel["paragraphs_dropped_too_long"] > 10
    assert len(split_rows) > len(dropped_rows)
    whole = [r["text"] for r, in zip(run(ParagraphConfig(min_tokens=1, max_tokens=10**6))[0])]
    unsplit = {r["text"] for r in dropped_rows}
    for row in split_rows:
        text = row["text"]
        assert 20 <= count_tokens(text) <= 60
        for link in row["links"]:
            assert text[link["start"]:link["end"]] == link["anchor"]
        if text in unsplit:
            continue
        [source] = [w for w in whole if text in w]
        at = source.index(text)
        assert at == 0 or re.search(r"[.!?][\"'”’)\]]* $", source[:at])  # starts a sentence
        assert source.endswith(text) or re.search(r"[.!?][\"'”’)\]]*$", text)  # ends one


def test_headings_are_section_context_not_text(enwiki_run):
    anarchism = [r for r in enwiki_run.rows if r["title"] == "Anarchism"]
    sections = {r["section"] for r in anarchism}
    assert "" in sections and "History > Origins" in sections
    assert "Anarchist schools of thought > Classical anarchist schools of thought > Individualist anarchism" in sections
    assert not any(r["text"].startswith(("History", "==")) for r in anarchism)
    every_section = {part for r in enwiki_run.rows for part in r["section"].split(" > ")}
    assert not every_section & {"References", "External links", "See also", "Further reading"}


def test_bold_subject_mentions_in_the_lead(enwiki_run):
    rows = enwiki_run.rows
    lead = next(r for r in rows if r["title"] == "Anarchism" and r["index"] == 0)
    assert [lead["text"][s["start"]:s["end"]] for s in lead["subject_spans"]] == ["Anarchism"]
    lincoln = next(r for r in rows if r["title"] == "Abraham Lincoln" and r["index"] == 0)
    assert lincoln["text"][lincoln["subject_spans"][0]["start"]:lincoln["subject_spans"][0]["end"]] == "Abraham Lincoln"
    leads_with_subject = {r["title"] for r in rows if r["section"] == "" and r["subject_spans"]}
    assert len(leads_with_subject) >= 70
    assert all(r["section"] == "" or r["text"][s["start"]:s["end"]].casefold() in r["title"].casefold()
               for r in rows for s in r["subject_spans"])


def test_links_resolve_through_redirects_that_come_later(enwiki_sample, tmp_path):
    xml = bz2.decompress(enwiki_sample.read_bytes()).decode()
    redirect_pages = [re.search(rf"<page>\s*<title>{t}</title>.*?</page>", xml, re.DOTALL).group()
                      for t in ("AccessibleComputing", "AfghanistanHistory")]
    article = ("<page><title>Accessibility notes</title><ns>0</ns><id>900001</id><revision><id>1</id>"
               "<text>'''Accessibility notes''' link to [[AccessibleComputing|accessible computing]] and "
               "[[AfghanistanHistory]], and to [[Anarchism]] which is no redirect.</text></revision></page>")
    dump = tmp_path / "mini.xml"
    dump.write_text(xml[:xml.index("<page>")] + article + "".join(redirect_pages) + "</mediawiki>", encoding="utf-8")
    [row] = read_paragraphs(dump, config=ParagraphConfig(min_tokens=1))
    assert [(l["anchor"], l["target"], l["resolved"]) for l in row["links"]] == [
        ("accessible computing", "AccessibleComputing", "Computer accessibility"),
        ("AfghanistanHistory", "AfghanistanHistory", "History of Afghanistan"),
        ("Anarchism", "Anarchism", "Anarchism"),
    ]
    assert row["source"] == "mini.xml" and row["lang"] == "en"


def test_oversized_pages_are_quarantined_and_reported(enwiki_pages, enwiki_redirects):
    issues, funnel = [], Counter()
    config = ParagraphConfig(max_wikitext_chars=150_000)
    rows = [r for p in enwiki_pages
            for r in page_to_paragraphs(p, "en", enwiki_redirects, config, "s", on_issue=issues.append, funnel=funnel)]
    big = {p.page_id for p in enwiki_pages if p.redirect is None and len(p.text) > 150_000}
    assert big and {i.page_id for i in issues} == big
    assert all(i.skipped and "max_wikitext_chars" in i.reason for i in issues)
    assert not {int(r["page_id"]) for r in rows} & big and rows
    assert funnel["pages_quarantined"] == len(big)


def test_output_is_deterministic(enwiki_pages, enwiki_redirects):
    pages = [p for p in enwiki_pages if p.redirect is None][:15]
    once = [page_to_paragraphs(p, "en", enwiki_redirects, ParagraphConfig(), "s") for p in pages]
    again = [page_to_paragraphs(p, "en", enwiki_redirects, ParagraphConfig(), "s") for p in pages]
    assert once == again and sum(map(len, once)) > 100


TRADITIONAL = set("數學歐幾裡們與對為從選義嚴導該計觀運說謂這種來達")


def test_zh_page_is_simplified_with_exact_offsets(zh_page_path):
    rows = list(read_paragraphs(zh_page_path, "zh"))
    assert len(rows) >= 25
    text = "".join(r["text"] for r in rows)
    assert not TRADITIONAL & set(text)
    lead = rows[0]
    assert lead["text"].startswith("数学（Mathematics）是利用符号语言研究数量、结构、变化以及空间等概念的一门学科")
    assert "数学透过抽象化和逻辑推理的使用" in lead["text"]          # 數學透過…邏輯 in the source
    assert [lead["text"][s["start"]:s["end"]] for s in lead["subject_spans"]] == ["数学"]
    # [[域 (數學)|-{zh-cn:域;zh-tw:體}-]]: variant markup resolved to the mainland choice, inside a link
    assert "-{" not in text and "zh-cn" not in text
    assert any((l["anchor"], l["target"]) == ("域", "域 (數學)") for r in rows for l in r["links"])
    for row in rows:
        assert row["paragraph_id"].startswith("zh:13:") and row["title"] == "数学"
        assert not TRADITIONAL & set(row["section"])
        for link in row["links"]:
            assert row["text"][link["start"]:link["end"]] == link["anchor"]
            assert not TRADITIONAL & set(link["anchor"])
    lead_links = [(l["anchor"], l["target"]) for l in lead["links"]]
    assert ("逻辑", "逻辑") in lead_links and ("计数", "計數") in lead_links  # target: the title as linked
    assert all(count_tokens(r["text"]) >= 50 for r in rows)


def test_language_must_be_known(zh_page_path):
    with pytest.raises(InputError, match="pass lang"):
        list(read_paragraphs(zh_page_path))


def test_config_is_strict():
    with pytest.raises(ValidationError, match="extra"):
        ParagraphConfig(min_token=10)
    with pytest.raises(ValidationError, match="must not exceed"):
        ParagraphConfig(min_tokens=600, max_tokens=512)
    with pytest.raises(ValidationError, match="not a valid regex"):
        ParagraphConfig(link_trails={"en": "[a-z"})


def test_pages_over_the_time_budget_are_quarantined_and_the_next_page_is_unaffected(
        enwiki_pages, enwiki_redirects):
    """A budget no real page can meet interrupts the parse (SIGALRM) and quarantines the page;
    the timer is disarmed afterwards, so the following page is read normally."""
    articles = sorted((p for p in enwiki_pages if p.redirect is None), key=lambda p: -len(p.text))
    big, small = articles[0], articles[len(articles) // 2]
    issues, funnel = [], Counter()
    tight = ParagraphConfig(page_time_budget=0.001)
    assert page_to_paragraphs(big, "en", enwiki_redirects, tight, "s",
                              on_issue=issues.append, funnel=funnel) == []
    assert [i.page_id for i in issues] == [big.page_id]
    assert issues[0].skipped and "page time budget" in issues[0].reason
    assert funnel["pages_quarantined"] == 1 and funnel["paragraphs_rendered"] == 0
    rows = page_to_paragraphs(small, "en", enwiki_redirects, ParagraphConfig(), "s",
                              on_issue=issues.append)
    assert rows and len(issues) == 1
    assert page_to_paragraphs(big, "en", enwiki_redirects, ParagraphConfig(), "s")
