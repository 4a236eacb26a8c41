"""Property: any wikitext, however broken, yields paragraphs or a quarantine report, never an
exception or a hang; and every link the reader emits points at its anchor text."""
from __future__ import annotations

from collections import Counter

from hypothesis import given
from hypothesis import strategies as st

from kg2instruction.sources.paragraphs import PageIssue, ParagraphConfig, page_to_paragraphs
from kg2instruction.sources.wikipedia_xml import Page

from .tally import tally

MARKUP = ["[[", "]]", "[[Paris|", "[[File:x.jpg|thumb|", "{{", "}}", "{{Infobox person|name=",
          "|", "=", "'''", "''", "<ref>", "</ref>", "<ref name=a/>", "{|", "|}", "|-", "\n",
          "\n\n", "== H ==", "===", "<!--", "-->", "<nowiki>", "</nowiki>", "&amp;", "&#x",
          "<div>", "</div>", "* ", "# ", ":", ";", "[http://x y]", "__TOC__", "-{", "}-",
          "zh-hans:", "Category:", "#REDIRECT", "<math>", "</math>", "\u0000", "\ufffd",
          "\U0001F600", "汉字"]
WORDS = st.text(st.characters(blacklist_categories=("Cs",)), min_size=0, max_size=12)
WIKITEXT = st.lists(st.one_of(st.sampled_from(MARKUP), WORDS), max_size=120).map("".join)
PROSE = " ".join(["The quick brown fox jumps over the lazy dog near [[Paris]]."] * 8)
CONFIG = ParagraphConfig(min_tokens=5, max_tokens=200, max_wikitext_chars=20_000)


def _page(text: str) -> Page:
    return Page(page_id=1, rev_id=2, title="Fuzz", ns=0, text=text, redirect=None)


def _check(text: str, lang: str) -> None:
    tally("wikitext page (random markup)")
    issues: list[PageIssue] = []
    funnel: Counter = Counter()
    rows = page_to_paragraphs(_page(text), lang, {}, CONFIG, "fuzz", on_issue=issues.append,
                              funnel=funnel)
    for row in rows:
        for link in row["links"]:
            assert row["text"][link["start"]:link["end"]] == link["anchor"]
    for issue in issues:
        assert issue.page_id == 1 and issue.reason       # quarantines name the page and why


@given(WIKITEXT)
def test_random_wikitext_never_crashes_en(text: str) -> None:
    _check(text, "en")


@given(WIKITEXT)
def test_random_wikitext_never_crashes_zh(text: str) -> None:
    _check(text, "zh")


@given(WIKITEXT, st.integers(0, len(PROSE)))
def test_markup_spliced_into_real_prose(text: str, at: int) -> None:
    _check(PROSE[:at] + text + PROSE[at:], "en")


def test_oversized_revision_is_quarantined_with_its_id() -> None:
    tally("wikitext page (oversized)")
    issues: list[PageIssue] = []
    rows = page_to_paragraphs(_page("{{" * 30_000), "en", {}, CONFIG, "fuzz",
                              on_issue=issues.append)
    assert rows == [] and issues and issues[0].skipped and "max_wikitext_chars" in issues[0].reason


def test_deeply_nested_templates_do_not_crash() -> None:
    tally("wikitext page (2,000 nested templates)")
    issues: list[PageIssue] = []
    text = "{{a|" * 2000 + "x" + "}}" * 2000 + "\n\n" + PROSE
    page_to_paragraphs(_page(text), "en", {}, CONFIG, "fuzz", on_issue=issues.append)
