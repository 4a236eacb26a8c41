"""The streaming MediaWiki export reader on the real enwiki sample and on broken inputs."""
from __future__ import annotations

import bz2
import re

import pytest

from kg2instruction.errors import InputError
from kg2instruction.sources.wikipedia_xml import collect_redirects, iter_pages, redirect_target

ALL_NAMESPACES = frozenset(range(-2, 3000))


def test_sample_counts_articles_and_redirects(enwiki_pages, enwiki_sample):
    articles = [p for p in enwiki_pages if p.redirect is None]
    redirects = [p for p in enwiki_pages if p.redirect is not None]
    assert len(articles) == 106
    assert len(redirects) == 99  # the 100th redirect of the fragment is in the Wikipedia: namespace
    everything = list(iter_pages(enwiki_sample, ALL_NAMESPACES))
    assert len(everything) == 206
    assert sum(p.redirect is not None for p in everything) == 100
    assert {p.ns for p in everything} == {0, 4}
    assert all(p.ns == 0 for p in enwiki_pages)


def test_pages_carry_ids_and_siteinfo(enwiki_pages):
    anarchism = next(p for p in enwiki_pages if p.title == "Anarchism")
    assert anarchism.page_id == 12 and anarchism.rev_id and anarchism.rev_id > 0
    assert "anarchism" in anarchism.text.lower() and len(anarchism.text) > 50_000
    assert anarchism.site.lang == "en" and anarchism.site.dbname == "enwiki"
    assert anarchism.site.namespace_of("Category") == 14
    assert len({p.page_id for p in enwiki_pages}) == len(enwiki_pages)


def test_collect_redirects_gives_real_pairs(enwiki_redirects):
    assert len(enwiki_redirects) == 99
    assert enwiki_redirects["AccessibleComputing"] == "Computer accessibility"
    assert enwiki_redirects["AfghanistanHistory"] == "History of Afghanistan"
    assert enwiki_redirects["AmoeboidTaxa"] == "Amoeba"
    assert "Anarchism" not in enwiki_redirects


def test_any_export_schema_version(enwiki_sample, tmp_path):
    xml = bz2.decompress(enwiki_sample.read_bytes()).decode()
    for version in ("0.3", "0.11"):
        variant = tmp_path / f"export-{version}.xml"
        variant.write_text(xml.replace("export-0.10", f"export-{version}"), encoding="utf-8")
        assert len(collect_redirects(variant)) == 99
        assert sum(1 for p in iter_pages(variant) if p.redirect is None) == 106


def test_single_page_exports_without_ns_element(fixtures_dir):
    # 2012 single-page exports have no <mediawiki> root and no <ns>: the title decides the namespace
    pages = list(iter_pages(fixtures_dir / "wikipedia" / "enwiki-20120104-id12.xml"))
    assert [(p.title, p.page_id, p.ns) for p in pages] == [("Anarchism", 12, 0)]
    assert pages[0].rev_id == 469305320


def test_compressed_and_plain_give_the_same_pages(enwiki_sample, tmp_path, enwiki_pages):
    plain = tmp_path / "sample.xml"
    plain.write_bytes(bz2.decompress(enwiki_sample.read_bytes()))
    assert [(p.page_id, p.rev_id, p.title, p.text) for p in iter_pages(plain, threads=1)] == \
        [(p.page_id, p.rev_id, p.title, p.text) for p in enwiki_pages]


@pytest.mark.parametrize("content, expected", [
    ('<?xml version="1.0"?>\n<rss version="2.0"><channel><title>x</title></channel></rss>', "root element is <rss>"),
    ("<foo/>", "root element is <foo>"),
])
def test_non_mediawiki_xml_is_rejected(tmp_path, content, expected):
    path = tmp_path / "feed.xml"
    path.write_text(content)
    with pytest.raises(InputError, match=expected) as info:
        list(iter_pages(path))
    assert str(path) in str(info.value)


def test_malformed_xml_names_line_and_column(tmp_path):
    path = tmp_path / "broken.xml"
    path.write_text('<mediawiki xmlns="http://www.mediawiki.org/xml/export-0.10/">\n'
                    "<page><title>A</title><ns>0</ns><id>1</id>\n"
                    "<revision><id>2</id><text>x</text></revison></page>\n</mediawiki>\n")
    with pytest.raises(InputError) as info:
        list(iter_pages(path))
    assert info.value.line == 3 and "mismatched tag" in str(info.value) and "column" in str(info.value)
    assert str(path) in str(info.value)


def test_truncated_xml_is_an_error_not_a_silent_end(enwiki_sample, tmp_path):
    path = tmp_path / "cut.xml"
    path.write_bytes(bz2.decompress(enwiki_sample.read_bytes())[:300_000])
    with pytest.raises(InputError, match="no element found") as info:
        collect_redirects(path)
    assert info.value.line and info.value.line > 100


@pytest.mark.parametrize("threads", [1, 2])
def test_truncated_bz2_is_an_input_error(enwiki_sample, tmp_path, threads):
    path = tmp_path / "cut.xml.bz2"
    path.write_bytes(enwiki_sample.read_bytes()[:400_000])
    with pytest.raises(InputError) as info:
        list(iter_pages(path, threads=threads))
    assert str(path) in str(info.value) and "bz2" in str(info.value)


def test_missing_file(tmp_path):
    with pytest.raises(InputError, match="file not found") as info:
        collect_redirects(tmp_path / "nope.xml.bz2")
    assert "nope.xml.bz2" in str(info.value)


def test_redirects_of_old_exports_come_from_the_text(enwiki_sample, tmp_path, wikitext_files):
    """Exports before 0.5 mark redirects with an empty <redirect /> or not at all."""
    xml = bz2.decompress(enwiki_sample.read_bytes()).decode()
    old = re.sub(r'<redirect title="[^"]*" />', "<redirect />", xml)
    path = tmp_path / "old.xml"
    path.write_text(old, encoding="utf-8")
    assert collect_redirects(path) == collect_redirects(enwiki_sample)
    toronto = next(p for p in wikitext_files if p.name == "redirect.txt").read_text(encoding="utf-8")
    assert redirect_target(toronto) == "Toronto"
    assert redirect_target("#WEITERLEITUNG [[Berlin#Geschichte]]") == "Berlin"
    assert redirect_target("#重定向 [[数学]]") == "数学"
    assert redirect_target("# list item [[Not a redirect]]") is None


@pytest.mark.parametrize("threads", [1, 2])
def test_multistream_bz2(enwiki_sample, tmp_path, enwiki_pages, threads):
    """Wikipedia's multistream dumps are many bz2 streams (100 pages each) concatenated."""
    xml = bz2.decompress(enwiki_sample.read_bytes()).decode()
    starts = [m.start() for m in re.finditer(r"  <page>", xml)]
    cuts = [0, *starts[::20], len(xml)]
    path = tmp_path / "multistream.xml.bz2"
    path.write_bytes(b"".join(bz2.compress(xml[a:b].encode()) for a, b in zip(cuts, cuts[1:]) if b > a))
    assert [(p.page_id, p.text) for p in iter_pages(path, threads=threads)] == \
        [(p.page_id, p.text) for p in enwiki_pages]
