"""Title normalisation, link classification and redirect resolution."""
from __future__ import annotations

import pytest

from kg2instruction.sources.wiki_titles import LinkKind, SiteInfo, classify_link, normalize_title, resolve_title

SITE = SiteInfo(lang="en", namespaces={"category": 14, "file": 6, "wikipedia": 4})


@pytest.mark.parametrize("raw, expected", [
    ("anarchism", "Anarchism"),
    ("  Abraham_Lincoln  ", "Abraham Lincoln"),
    ("Simon Critchley#Infinitely Demanding", "Simon Critchley"),
    (":Anarchism", "Anarchism"),
    ("AT&amp;T", "AT&T"),
    ("ßeta", "ßeta"),          # no one-letter upper case: kept as MediaWiki does
    ("iPod", "IPod"),
])
def test_normalize_title(raw, expected):
    assert normalize_title(raw) == expected


def test_case_sensitive_wikis_keep_the_first_letter():
    assert normalize_title("iPod_touch", case="case-sensitive") == "iPod touch"


@pytest.mark.parametrize("raw, kind, title", [
    ("political philosophy", LinkKind.ARTICLE, "Political philosophy"),
    ("Star Wars: Episode I", LinkKind.ARTICLE, "Star Wars: Episode I"),
    ("File:Euclid.jpg", LinkKind.DROP, ""),
    ("Image:Euclid.jpg", LinkKind.DROP, ""),      # alias missing from siteinfo
    ("文件:Euclid.jpg", LinkKind.DROP, ""),        # zhwiki's local name
    ("Datei:Euclid.jpg", LinkKind.DROP, ""),
    ("Category:Anarchism", LinkKind.DROP, ""),
    (":Category:Anarchism", LinkKind.TEXT_ONLY, ""),
    ("de:Anarchismus", LinkKind.DROP, ""),        # interlanguage link
    ("zh-yue:無政府主義", LinkKind.DROP, ""),
    (":fr:Anarchisme", LinkKind.TEXT_ONLY, ""),
    ("wikt:anarchy", LinkKind.TEXT_ONLY, ""),
    ("Wikipedia:Nupedia and Wikipedia", LinkKind.TEXT_ONLY, ""),
    ("#History", LinkKind.TEXT_ONLY, ""),
])
def test_classify_link(raw, kind, title):
    target = classify_link(raw, SITE)
    assert target.kind is kind
    assert target.title == title


def test_resolve_follows_chains_and_survives_cycles():
    redirects = {"A": "B", "B": "C", "Loop1": "Loop2", "Loop2": "Loop1"}
    assert resolve_title("A", redirects) == "C"
    assert resolve_title("A", redirects, max_hops=1) == "B"
    assert resolve_title("Loop1", redirects) in {"Loop1", "Loop2"}
    assert resolve_title("Elsewhere", redirects) == "Elsewhere"


def test_resolve_tries_the_simplified_spelling_on_chinese_wikis():
    redirects = {"数学家": "数学"}
    assert resolve_title("數學家", redirects, lang="zh") == "数学"
    assert resolve_title("數學家", redirects, lang="en") == "數學家"
