"""Wikipedia dump -> rows of the PARAGRAPHS table (the reader the paragraph stage calls).

The flow per page: size guard -> (zh) variant markup -> render wikitext to paragraphs with exact
link/bold offsets -> (zh) simplified script -> drop paragraphs with markup residue -> fit to the
token range (long ones cut at sentence ends) -> resolve link targets through redirects -> rows.

No files are written here: the caller (the DAG stage, a benchmark, a notebook) decides where rows go.
Pages that cannot be processed safely are *quarantined*: skipped and reported through a callback
with their id and reason (over `max_wikitext_chars`, over the per-page `page_time_budget`, or a
parser failure), so a 20-hour run is neither killed nor silently thinned by one
pathological revision. The `funnel` counter, when given, receives why paragraphs were dropped.
"""
from __future__ import annotations

import logging
import re
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import pyarrow as pa
from pydantic import BaseModel, ConfigDict, Field, model_validator

from kg2instruction.errors import InputError
from kg2instruction.storage.inputs import input_path
from kg2instruction.schemas import PARAGRAPHS
from kg2instruction.sources.chinese import resolve_variant_markup, simplify_with_spans
from kg2instruction.sources.offset_text import Span
from kg2instruction.sources.paragraph_length import count_tokens, fit_to_length
from kg2instruction.sources.paragraph_rows import ResolvedLink, chunk_rows
from kg2instruction.sources.time_budget import BudgetExceeded, time_budget
from kg2instruction.sources.wiki_titles import resolve_title
from kg2instruction.sources.wikipedia_xml import Page, collect_redirects, iter_pages
from kg2instruction.sources.wikitext import RawLink, RawParagraph, RenderOptions, render_paragraphs
from kg2instruction.sources.wikitext_prune import template_name
from kg2instruction.text.normalize import normalize_name, to_simplified

_log = logging.getLogger(__name__)
_RESIDUE = re.compile(r"\{\{|\}\}|\{\||\|\}|\[\[|\]\]|</?(?:ref|table|div|span|small|br|references|gallery)\b"
                      r"|&(?:nbsp|amp|lt|gt|quot|ndash|mdash);|__[A-Z]{2,}__|\bthumb\|", re.IGNORECASE)
_PARENTHETICAL = re.compile(r"\s*[(（][^()（）]*[)）]\s*$")

DEFAULT_INLINE_TEMPLATES: dict[str, int] = {
    "lang": 2, "lang-*": 1, "nowrap": 1, "nobr": 1, "nobreak": 1, "transl": 2, "small": 1,
    "smaller": 1, "big": 1, "em": 1, "strong": 1, "sic": 1, "nihongo": 1, "zh": 1, "ill": 1,
    "interlanguage link": 1, "linktext": 1, "abbr": 1, "vert": 1, "sub": 1, "sup": 1, "w": 1,
    "lang-zh": 1, "le": 1, "link-en": 1, "illm": 1, "tsl": 3,
}
DEFAULT_EXCLUDED_SECTIONS: dict[str, list[str]] = {
    "en": ["References", "External links", "See also", "Further reading", "Notes", "Bibliography",
           "Sources", "Citations", "Footnotes", "Notes and references", "Works cited", "Gallery"],
    "zh": ["参考文献", "参考资料", "参考", "外部链接", "外部连结", "参见", "参阅", "注释", "脚注",
           "延伸阅读", "相关条目", "扩展阅读", "注解", "图集"],
}
DEFAULT_LINK_TRAILS: dict[str, str] = {
    "en": "[a-z]+", "simple": "[a-z]+", "de": "[a-zäöüß]+", "fr": "[a-zàâçéèêîôûäëïöüùæœ]+",
    "es": "[a-záéíóúñü]+", "it": "[a-zàéèíîìóòúù]+", "pt": "[a-záâãàçéêíóôõúü]+", "nl": "[a-zäöüïëéèà]+",
    "zh": "", "ja": "", "ko": "",
}


class ParagraphConfig(BaseModel):
    """How pages become paragraphs. Defaults follow the InstructIE paper (50-512 tokens)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    min_tokens: int = Field(50, ge=1, description="shorter paragraphs are dropped")
    max_tokens: int = Field(512, ge=1, description="longer ones are cut at sentence ends (or dropped)")
    long_paragraphs: Literal["split", "drop"] = "split"
    keep_list_items: bool = Field(False, description="list items become paragraphs of their own")
    excluded_sections: dict[str, list[str]] = Field(default_factory=lambda: dict(DEFAULT_EXCLUDED_SECTIONS),
                                                    description="per language: sections with no prose")
    inline_templates: dict[str, int] = Field(default_factory=lambda: dict(DEFAULT_INLINE_TEMPLATES),
                                             description="template (or 'prefix*') -> parameter shown in text")
    link_trails: dict[str, str] = Field(default_factory=lambda: dict(DEFAULT_LINK_TRAILS),
                                        description="per language: regex of letters glued to a link")
    default_link_trail: str = "[a-z]+"
    max_wikitext_chars: int = Field(2_000_000, ge=1, description="larger revisions are quarantined")
    page_time_budget: float = Field(30.0, gt=0,
                                    description="seconds per page; slower pages are quarantined")
    max_redirect_hops: int = Field(5, ge=0)

    @model_validator(mode="after")
    def _check_range(self) -> "ParagraphConfig":
        if self.min_tokens > self.max_tokens:
            raise ValueError(f"min_tokens ({self.min_tokens}) must not exceed max_tokens ({self.max_tokens})")
        for lang, pattern in self.link_trails.items():
            try:
                re.compile(pattern)
            except re.error as exc:
                raise ValueError(f"link_trails[{lang!r}] is not a valid regex: {exc}") from None
        return self


@dataclass(frozen=True)
class PageIssue:
    """A page the reader could not process normally. `skipped` says whether its paragraphs are
    missing from the output (quarantined) or were produced anyway (reported only, e.g. slow)."""

    page_id: int
    title: str
    reason: str
    skipped: bool


PageIssueHandler = Callable[[PageIssue], None]


def _render_options(lang: str, page: Page, config: ParagraphConfig) -> RenderOptions:
    trail = config.link_trails.get(lang, config.default_link_trail)
    excluded = frozenset(normalize_name(t, lang) for t in config.excluded_sections.get(lang, ()))
    return RenderOptions(site=page.site, lang=lang, link_trail=re.compile(trail) if trail else None,
                         inline_templates={template_name(k): v for k, v in config.inline_templates.items()},
                         keep_list_items=config.keep_list_items,
                         excluded_sections=excluded)


def _subject_spans(paragraph: RawParagraph, title: str, lang: str, is_lead: bool) -> list[Span]:
    """Bold mentions naming the page's subject: every bold span of the lead that is not a link to
    another page, and elsewhere bold spans that spell the title (without its disambiguator)."""
    linked = [(l.start, l.end) for l in paragraph.links]
    subject = normalize_name(_PARENTHETICAL.sub("", title), lang)
    spans = []
    for start, end in paragraph.bold:
        if any(s <= start and end <= e for s, e in linked):
            continue
        if is_lead or normalize_name(paragraph.text[start:end], lang) == subject:
            spans.append((start, end))
    return spans


def _simplified(paragraph: RawParagraph) -> RawParagraph:
    spans = [(l.start, l.end) for l in paragraph.links] + list(paragraph.bold)
    text, moved = simplify_with_spans(paragraph.text, spans)
    links = [RawLink(s, e, l.target) for l, (s, e) in zip(paragraph.links, moved)]
    return RawParagraph(to_simplified(paragraph.section), text, links, moved[len(links):])


def _rows_for(page: Page, lang: str, paragraph: RawParagraph, config: ParagraphConfig,
              redirects: Mapping[str, str], source: str, first_index: int,
              funnel: Counter) -> list[dict[str, Any]]:
    subject = _subject_spans(paragraph, page.title, lang, paragraph.section == "")
    spans = [(l.start, l.end) for l in paragraph.links]
    chunks = fit_to_length(paragraph.text, spans, config.min_tokens, config.max_tokens, config.long_paragraphs)
    if not chunks:
        too_short = count_tokens(paragraph.text) < config.min_tokens
        funnel["paragraphs_dropped_too_short" if too_short else "paragraphs_dropped_too_long"] += 1
    elif len(chunks) > 1 or chunks[0] != (0, len(paragraph.text)):
        funnel["paragraphs_split"] += 1
    links = [ResolvedLink(l.start, l.end, l.target,
                          resolve_title(l.target, redirects, lang=lang, max_hops=config.max_redirect_hops))
             for l in paragraph.links]
    columns = {"page_id": str(page.page_id), "rev_id": page.rev_id, "lang": lang, "title": page.title,
               "page_qid": None, "section": paragraph.section, "source": source}
    return chunk_rows(paragraph.text, links, subject, chunks, first_index=first_index,
                      paragraph_id=lambda index, _: f"{lang}:{page.page_id}:{index}", page_columns=columns)


def page_to_paragraphs(page: Page, lang: str, redirects: Mapping[str, str], config: ParagraphConfig,
                       source: str, *, on_issue: PageIssueHandler | None = None,
                       funnel: Counter | None = None) -> list[dict[str, Any]]:
    """PARAGRAPHS rows of one article (none for redirects and other namespaces)."""
    funnel = funnel if funnel is not None else Counter()
    if page.redirect or page.ns != 0:
        return []
    funnel["pages"] += 1

    def report(reason: str, skipped: bool = True) -> None:
        funnel["pages_quarantined" if skipped else "pages_reported"] += 1
        issue = PageIssue(page.page_id, page.title, reason, skipped)
        if on_issue is not None:
            on_issue(issue)
        else:
            _log.warning("page %s (%s): %s%s", page.page_id, page.title, reason, " (skipped)" if skipped else "")

    if len(page.text) > config.max_wikitext_chars:
        report(f"wikitext too large: {len(page.text)} chars > max_wikitext_chars={config.max_wikitext_chars}")
        return []
    started = time.perf_counter()
    page_funnel: Counter = Counter()    # merged only if the page is kept, so counts stay exact
    try:
        with time_budget(config.page_time_budget):
            rows = _page_rows(page, lang, redirects, config, source, page_funnel)
    except (RecursionError, ValueError, TypeError, IndexError) as exc:  # a parser failure on one revision
        report(f"wikitext could not be rendered: {exc.__class__.__name__}: {exc}")
        return []
    except BudgetExceeded as exc:
        report(f"page time budget: {exc} (page_time_budget={config.page_time_budget})")
        return []
    elapsed = time.perf_counter() - started
    if elapsed > config.page_time_budget:   # no timer could be armed (not the main thread)
        report(f"page time budget: took {elapsed:.1f} s > page_time_budget="
               f"{config.page_time_budget}")
        return []
    funnel.update(page_funnel)
    funnel["paragraphs"] += len(rows)
    funnel["links"] += sum(len(r["links"]) for r in rows)
    return rows


def _page_rows(page: Page, lang: str, redirects: Mapping[str, str], config: ParagraphConfig,
               source: str, funnel: Counter) -> list[dict[str, Any]]:
    wikitext = resolve_variant_markup(page.text) if lang.startswith("zh") else page.text
    rendered = render_paragraphs(wikitext, _render_options(lang, page, config))
    rows: list[dict[str, Any]] = []
    for paragraph in rendered:
        funnel["paragraphs_rendered"] += 1
        if lang.startswith("zh"):
            paragraph = _simplified(paragraph)
        if _RESIDUE.search(paragraph.text):
            funnel["paragraphs_dropped_markup_residue"] += 1
            continue
        rows.extend(_rows_for(page, lang, paragraph, config, redirects, source, len(rows), funnel))
    return rows


def read_paragraphs(path: str | Path, lang: str | None = None, config: ParagraphConfig | None = None,
                    source: str | None = None, *, redirects: Mapping[str, str] | None = None,
                    on_issue: PageIssueHandler | None = None, funnel: Counter | None = None,
                    threads: int | None = None) -> Iterator[dict[str, Any]]:
    """All PARAGRAPHS rows of a dump, in dump order.

    Two passes over the file: redirects first (unless `redirects` is given, e.g. from the KG store
    or an earlier pass), then articles. `lang` defaults to the dump's own (root `xml:lang` or
    dbname); `source` defaults to the file name.
    """
    path = input_path(path)
    config = config or ParagraphConfig()
    source = source or path.name
    if redirects is None:
        redirects = collect_redirects(path, threads=threads)
    for page in iter_pages(path, threads=threads):
        page_lang = lang or page.site.lang
        if not page_lang:
            raise InputError(path, "cannot tell the wiki's language (no xml:lang or dbname in the "
                                   "export); pass lang explicitly")
        yield from page_to_paragraphs(page, page_lang, redirects, config, source,
                                      on_issue=on_issue, funnel=funnel)


def paragraphs_to_table(rows: Iterable[dict[str, Any]]) -> pa.Table:
    """Rows (from `read_paragraphs` or `read_corpus_jsonl`) -> a table of exactly PARAGRAPHS."""
    return pa.Table.from_pylist(list(rows), schema=PARAGRAPHS)


def iter_paragraph_tables(rows: Iterable[dict[str, Any]], batch_rows: int = 10_000) -> Iterator[pa.Table]:
    """Batches of rows as PARAGRAPHS tables, so a whole dump never sits in memory at once."""
    batch: list[dict[str, Any]] = []
    for row in rows:
        batch.append(row)
        if len(batch) >= batch_rows:
            yield paragraphs_to_table(batch)
            batch = []
    if batch:
        yield paragraphs_to_table(batch)
