"""Stream pages out of a MediaWiki XML export (`.xml`, `.xml.bz2`, multistream `.bz2`, `.gz`).

A full dump is tens of GB of XML, so it is read with `iterparse` and every `<page>` element is
cleared as soon as it has been turned into a `Page`: memory stays flat whatever the dump size. The
export schema version (0.3 ... 0.11) only changes the XML namespace, which is taken from the root
element. Single-page exports whose root is a bare `<page>` are accepted too (they are how pages
are usually shared and tested). Anything else — an RSS file, malformed XML, a truncated archive —
raises `InputError` naming the file and the line/column (or decompressed byte offset).

Redirects can come after the articles that link through them, so resolving link targets needs the
redirect table first: `collect_redirects` is the cheap first pass, `iter_pages` the second.
"""
from __future__ import annotations

import re
from collections.abc import Iterator, Set
from dataclasses import dataclass, field
from pathlib import Path
from xml.etree import ElementTree as ET

from kg2instruction.errors import InputError
from kg2instruction.storage.inputs import input_path
from kg2instruction.sources.compressed import open_binary
from kg2instruction.sources.wiki_titles import SiteInfo, normalize_title

MAIN_NAMESPACE = frozenset({0})
_REDIRECT_TEXT = re.compile(r"\s*#\s*(?:REDIRECT|WEITERLEITUNG|REDIRECTION|REDIRECCIÓN|RINVIA|RINVIO|DOORVERWIJZING|"
                            r"PATRZ|PRZEKIERUJ|ПЕРЕНАПРАВЛЕНИЕ|重定向|重新導向|転送|リダイレクト|넘겨주기)\s*:?\s*"
                            r"\[\[([^\]|#\n]+)", re.IGNORECASE)
_DBNAME_LANG = re.compile(r"^([a-z][a-z0-9_]*?)(?:wiki|wiktionary|wikisource|wikiquote|wikibooks|wikinews|wikivoyage|wikiversity)$")


@dataclass(frozen=True)
class Page:
    """One page of the export (its latest revision when the export holds several)."""

    page_id: int
    rev_id: int | None
    title: str
    ns: int
    text: str
    redirect: str | None              # normalised redirect target, None for articles
    site: SiteInfo = field(default_factory=SiteInfo, repr=False, compare=False)


def redirect_target(wikitext: str, case: str = "first-letter") -> str | None:
    """Target of a `#REDIRECT [[Target]]` page. Exports before 0.5 have an empty `<redirect />`
    (or none at all) and the target only in the text; the magic word is localised per wiki."""
    match = _REDIRECT_TEXT.match(wikitext)
    return (normalize_title(match.group(1), case) or None) if match else None


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _site_from(siteinfo: ET.Element, ns: str, xml_lang: str) -> SiteInfo:
    dbname = (siteinfo.findtext(f"{ns}dbname") or "").strip()
    case = (siteinfo.findtext(f"{ns}case") or "first-letter").strip()
    namespaces: dict[str, int] = {}
    for item in siteinfo.iter(f"{ns}namespace"):
        name = (item.text or "").strip()
        key = item.get("key")
        if name and key is not None and key.lstrip("-").isdigit():
            namespaces[name.replace("_", " ").casefold()] = int(key)
    lang = xml_lang
    if not lang:
        match = _DBNAME_LANG.match(dbname)
        lang = match.group(1).replace("_", "-") if match else ""
    return SiteInfo(dbname=dbname, lang=lang, case=case, namespaces=namespaces)


def _infer_namespace(title: str, site: SiteInfo) -> int:
    """Old exports (< 0.5) have no `<ns>`: the namespace is the title's known prefix, if any."""
    if ":" not in title:
        return 0
    found = site.namespace_of(title.split(":", 1)[0])
    return 0 if found is None else found


def _int_or_none(text: str | None) -> int | None:
    text = (text or "").strip()
    return int(text) if text.lstrip("-").isdigit() else None


def _page_from(elem: ET.Element, ns: str, site: SiteInfo, path: Path) -> Page:
    title = (elem.findtext(f"{ns}title") or "").strip()
    page_id = _int_or_none(elem.findtext(f"{ns}id"))
    if not title or page_id is None:
        raise InputError(path, f"MediaWiki <page> {title!r} without a <title> or a numeric <id>")
    ns_text = elem.findtext(f"{ns}ns")
    namespace = _int_or_none(ns_text) if ns_text is not None else _infer_namespace(title, site)
    revisions = elem.findall(f"{ns}revision")
    revision = revisions[-1] if revisions else None
    rev_id = None if revision is None else _int_or_none(revision.findtext(f"{ns}id"))
    text = "" if revision is None else (revision.findtext(f"{ns}text") or "")
    redirect_elem = elem.find(f"{ns}redirect")
    redirect = None
    if redirect_elem is not None:
        redirect = normalize_title(redirect_elem.get("title") or "", site.case) or None
    if redirect is None and (redirect_elem is not None or text.lstrip().startswith("#")):
        redirect = redirect_target(text, site.case)
    return Page(page_id=page_id, rev_id=rev_id, title=title, ns=namespace or 0, text=text,
                redirect=redirect, site=site)


def iter_pages(path: str | Path, namespaces: Set[int] = MAIN_NAMESPACE, *,
               threads: int | None = None) -> Iterator[Page]:
    """Yield the pages of `namespaces` (default: articles and redirects of the main namespace).

    `Page.site` carries the wiki's siteinfo (language, case rule, namespace names), which link
    classification needs. `threads` is passed to the bzip2 decoder.
    """
    path = input_path(path)
    with open_binary(path, threads=threads) as stream:
        events = ET.iterparse(stream, events=("start", "end"))
        try:
            yield from _walk(events, path, namespaces)
        except ET.ParseError as exc:
            line, column = exc.position
            reason = str(exc).rsplit(": line ", 1)[0]
            raise InputError(path, f"malformed XML ({reason}) at column {column} of the decompressed "
                                   "text", line=line) from None


def _walk(events: Iterator[tuple[str, ET.Element]], path: Path, namespaces: Set[int]) -> Iterator[Page]:
    root: ET.Element | None = None
    ns = ""
    site = SiteInfo()
    for event, elem in events:
        if root is None:
            root = elem
            name = _local(elem.tag)
            if name not in ("mediawiki", "page"):
                raise InputError(path, f"not a MediaWiki XML export: the root element is <{name}>, "
                                       "expected <mediawiki> (or a single <page>)")
            ns = elem.tag[: -len(name)]
            xml_lang = elem.get("{http://www.w3.org/XML/1998/namespace}lang", "")
            site = SiteInfo(lang=xml_lang)
            if name == "page":
                continue
        if event != "end":
            continue
        tag = elem.tag
        if tag == f"{ns}siteinfo":
            site = _site_from(elem, ns, site.lang)
            elem.clear()
        elif tag == f"{ns}page":
            page = _page_from(elem, ns, site, path)
            elem.clear()
            if root is not elem:
                root.clear()  # drop the references the root keeps to finished pages
            if page.ns in namespaces:
                yield page


def collect_redirects(path: str | Path, *, threads: int | None = None) -> dict[str, str]:
    """First pass: main-namespace redirect title -> normalised target title (fragment dropped)."""
    return {page.title: page.redirect for page in iter_pages(path, MAIN_NAMESPACE, threads=threads)
            if page.redirect}
