"""Wikitext -> clean prose paragraphs with exact link and bold-mention offsets.

`mwparserfromhell.strip_code` is not used: it keeps `<ref>` contents, file captions and table cells,
and it loses where links were. Instead the parse tree is rendered node by node into plain text while
recording, at the moment each piece is written, where every internal link and every bold span
starts and ends. What a reader would not see as running prose is dropped with its contents:
templates (infoboxes, navboxes, citations) except a short configurable list of inline-text templates
(`{{lang|fr|...}}`, `{{nowrap|...}}`, `{{convert|...}}`), tables, references, files and images,
categories, interlanguage links, comments, math and other extension tags, and (by default) list
items, which are rarely sentences. Section headings become the paragraphs' section path.
"""
from __future__ import annotations

import bisect
import html
import re
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field

import mwparserfromhell
from mwparserfromhell.wikicode import Wikicode
from mwparserfromhell.nodes import (Argument, Comment, ExternalLink, Heading, HTMLEntity, Node, Tag,
                                    Template, Text, Wikilink)

from kg2instruction.sources.offset_text import Span, collapse_whitespace, delete_ranges
from kg2instruction.sources.wiki_titles import FILE_NS, MEDIA_NS, LinkKind, SiteInfo, classify_link
from kg2instruction.sources.wikitext_prune import prune_non_prose, template_name
from kg2instruction.text.normalize import normalize_name

# Extension and HTML tags whose contents are not prose.
_DROPPED_TAGS = frozenset({
    "ref", "references", "table", "tr", "td", "th", "caption", "gallery", "math", "chem", "ce",
    "score", "timeline", "graph", "imagemap", "syntaxhighlight", "source", "pre", "hiero",
    "templatedata", "templatestyles", "mapframe", "maplink", "inputbox", "categorytree", "noinclude",
    "includeonly", "indicator", "section", "charinsert", "phonos", "style", "script", "img",
})
_CONVERT_TEMPLATES = frozenset({"convert", "cvt"})  # {{convert|5|km|mi}} reads "5 km" in the prose
_LIST_MARKUP = frozenset({"*", "#", ";", ":"})
_BOLD_TAGS = frozenset({"b", "strong"})
_MAGIC_WORD = re.compile(r"__[A-Z]{2,}__")
_APOSTROPHE_RUN = re.compile(r"'{2,}")  # unbalanced bold/italic markup the parser left as text
# HTML tags the parser left as text (unclosed or malformed): their markup goes, their text stays.
_STRAY_HTML = re.compile(r"</?(?:div|span|small|big|center|font|b|i|u|s|sup|sub|br|p|blockquote|abbr|cite|"
                         r"code|em|strong|poem|nowiki|onlyinclude|tt|del|ins|mark|q|var|kbd|bdi)\b[^<>]*>",
                         re.IGNORECASE)
_PIPE_TRICK = re.compile(r"\s*\([^()]*\)\s*$")
# Leftovers of removed markup: "( )", "(; born", " ," before punctuation.
_CLEANUP = re.compile(r"(?=[\s(（,;:，；])(?:[(（]\s*[,;:，；]?\s*[)）]|(?<=[(（])\s*[,;:，；]\s*|\s*[,;，；]\s*(?=[)）])"
                      r"|\s+(?=[,.;:!?)](?:\s|$))|(?<=\()\s+)")


@dataclass(frozen=True)
class RenderOptions:
    """How one wiki's pages are rendered (built from the paragraph config and the dump's siteinfo)."""

    site: SiteInfo = field(default_factory=SiteInfo)
    lang: str = ""
    link_trail: re.Pattern[str] | None = re.compile(r"[a-z]+")  # MediaWiki's default `[[cat]]s`
    inline_templates: Mapping[str, int] = field(default_factory=dict)  # name (or "prefix*") -> param
    keep_list_items: bool = False
    excluded_sections: Collection[str] = frozenset()  # heading titles, as `normalize_name` gives them

    def shown_parameter(self, name: str) -> int | None:
        """Which parameter of template `name` (see `template_name`) shows in the prose, if any."""
        param = self.inline_templates.get(name)
        if param is None:
            param = next((p for key, p in self.inline_templates.items()
                          if key.endswith("*") and name.startswith(key[:-1])), None)
        return param

    def shows_template(self, name: str) -> bool:
        return name in _CONVERT_TEMPLATES or self.shown_parameter(name) is not None


@dataclass
class RawLink:
    start: int
    end: int
    target: str  # normalised title


@dataclass
class RawParagraph:
    """A paragraph as rendered: whitespace-normalised, links and bold spans exact, not yet filtered."""

    section: str
    text: str
    links: list[RawLink]
    bold: list[Span]


@dataclass
class _Canvas:
    """Plain text being written, with everything recorded against its offsets."""

    parts: list[str] = field(default_factory=list)
    length: int = 0
    links: list[RawLink] = field(default_factory=list)
    link_starts: list[int] = field(default_factory=list)  # ascending: links are recorded in order
    bold: list[Span] = field(default_factory=list)
    list_marks: list[int] = field(default_factory=list)

    def write(self, text: str) -> None:
        if text:
            self.parts.append(text)
            self.length += len(text)

    def text(self) -> str:
        return "".join(self.parts)


class _Renderer:
    def __init__(self, options: RenderOptions) -> None:
        self.options = options
        self.canvas = _Canvas()
        self._link_depth = 0

    def render(self, nodes: Sequence[Node]) -> None:
        skip = 0  # characters of the next Text node already written as a link trail
        for i, node in enumerate(nodes):
            if isinstance(node, Text):
                self._text(node.value[skip:])
                skip = 0
            elif isinstance(node, Wikilink):
                following = nodes[i + 1] if i + 1 < len(nodes) else None
                skip = self._wikilink(node, following.value if isinstance(following, Text) else "")
            elif isinstance(node, Tag):
                self._tag(node)
            elif isinstance(node, Template):
                self._template(node)
            elif isinstance(node, ExternalLink):
                if node.brackets and node.title is not None:
                    self.render(node.title.nodes)
            elif isinstance(node, HTMLEntity):
                self.canvas.write(node.normalize())
            elif isinstance(node, Heading):  # only reached when nested inside another node
                self.canvas.write("\n\n")
            elif isinstance(node, (Comment, Argument)):
                continue

    def _text(self, value: str) -> None:
        if "__" in value:
            value = _MAGIC_WORD.sub("", value)
        if "''" in value:
            value = _APOSTROPHE_RUN.sub("", value)
        if "<" in value:
            value = _STRAY_HTML.sub("", value)
        self.canvas.write(value)

    def _wikilink(self, link: Wikilink, following_text: str) -> int:
        """Write the link's visible text; record it if it is an article link. Returns the number of
        characters of the following text consumed as link trail ("[[cat]]s" shows "cats")."""
        raw_title = str(link.title)
        target = classify_link(raw_title, self.options.site)
        if target.kind is LinkKind.DROP:
            return 0
        start = self.canvas.length
        self._link_depth += 1
        if link.text is None:
            self.canvas.write(html.unescape(raw_title).strip().lstrip(":").replace("_", " "))
        elif not str(link.text).strip():  # pipe trick: [[Foo (bar)|]] shows "Foo"
            shown = html.unescape(raw_title).strip().lstrip(":").split(":", 1)[-1]
            self.canvas.write(_PIPE_TRICK.sub("", shown.split(",", 1)[0]))
        else:
            self.render(link.text.nodes)
        self._link_depth -= 1
        trail = self.options.link_trail.match(following_text) if self.options.link_trail else None
        consumed = trail.end() if trail else 0
        self.canvas.write(following_text[:consumed])
        if target.kind is LinkKind.ARTICLE and self._link_depth == 0 and self.canvas.length > start:
            self.canvas.links.append(RawLink(start, self.canvas.length, target.title))
            self.canvas.link_starts.append(start)
        return consumed

    def _tag(self, tag: Tag) -> None:
        markup = tag.wiki_markup
        if markup in _LIST_MARKUP:
            self.canvas.list_marks.append(self.canvas.length)
            return
        name = str(tag.tag).strip().lower()
        if name in _DROPPED_TAGS or markup == "{|":
            return
        if name in ("br", "hr") or markup == "----":
            self.canvas.write("\n")
            return
        if name in ("p", "div", "blockquote"):
            self.canvas.write("\n\n")
        if tag.self_closing or tag.contents is None:
            return
        start = self.canvas.length
        self.render(tag.contents.nodes)
        if name in _BOLD_TAGS and self.canvas.length > start:
            self.canvas.bold.append((start, self.canvas.length))
        if name in ("p", "div", "blockquote"):
            self.canvas.write("\n\n")

    def _template(self, template: Template) -> None:
        name = template_name(str(template.name))
        if name.startswith("template:"):
            name = name[len("template:"):].strip()
        if name in _CONVERT_TEMPLATES:
            if template.has("1") and template.has("2"):
                self.render(template.get("1").value.nodes)
                self.canvas.write(" ")
                self.render(template.get("2").value.nodes)
            return
        param = self.options.shown_parameter(name)
        if param is not None and template.has(str(param)):
            self.render(template.get(str(param)).value.nodes)


def _plain(wikicode: Wikicode) -> str:
    renderer = _Renderer(RenderOptions())
    renderer.render(wikicode.nodes)
    return " ".join(renderer.canvas.text().split())


def _finish(section: str, canvas: _Canvas, options: RenderOptions) -> list[RawParagraph]:
    """Cut one section's text into paragraphs at blank lines and list items, then tidy each."""
    text = canvas.text()
    list_marks = set(canvas.list_marks)
    blocks: list[Span] = []
    block_start: int | None = None
    pos = 0
    for line in text.splitlines(keepends=True):
        line_start, pos = pos, pos + len(line)
        indent = len(line) - len(line.lstrip())
        is_list = any(p in list_marks for p in range(line_start, line_start + indent + 1))
        if not line.strip() or is_list:
            if block_start is not None:
                blocks.append((block_start, line_start))
            block_start = None
            if is_list and options.keep_list_items:  # each item is a block of its own, as rendered
                blocks.append((line_start, pos))
        elif block_start is None:
            block_start = line_start
    if block_start is not None:
        blocks.append((block_start, len(text)))
    return [p for start, end in blocks if (p := _tidy(section, text, start, end, canvas))]


def _tidy(section: str, text: str, start: int, end: int, canvas: _Canvas) -> RawParagraph | None:
    body = text[start:end]
    first = bisect.bisect_left(canvas.link_starts, start)
    last = bisect.bisect_left(canvas.link_starts, end)
    links = [l for l in canvas.links[first:last] if l.end <= end]
    bold = [(s, e) for s, e in canvas.bold if start <= s and e <= end]
    spans = [(l.start - start, l.end - start) for l in links] + [(s - start, e - start) for s, e in bold]
    ranges = [m.span() for m in _CLEANUP.finditer(body)]
    body, spans = delete_ranges(body, ranges, spans)
    kept = [s for s in spans if s is not None]
    body, collapsed = collapse_whitespace(body, kept)
    it = iter(collapsed)
    spans = [None if s is None else next(it) for s in spans]
    if not body:
        return None
    new_links = [RawLink(s[0], s[1], l.target) for l, s in zip(links, spans[:len(links)]) if s]
    new_bold = [s for s in spans[len(links):] if s]
    return RawParagraph(section, body, new_links, new_bold)


def render_paragraphs(wikitext: str, options: RenderOptions) -> list[RawParagraph]:
    """All prose paragraphs of a page, in page order, each with its section path."""
    wikitext = prune_non_prose(wikitext, options.site.names_of((FILE_NS, MEDIA_NS)), options.shows_template)
    tree = mwparserfromhell.parse(wikitext)
    sections: list[tuple[int, str]] = []  # (level, title) stack
    paragraphs: list[RawParagraph] = []
    renderer = _Renderer(options)
    section_path = ""

    def flush() -> None:
        excluded = any(normalize_name(title, options.lang) in options.excluded_sections
                       for _, title in sections)
        if not excluded:
            paragraphs.extend(_finish(section_path, renderer.canvas, options))
        renderer.canvas = _Canvas()

    run: list[Node] = []
    for node in tree.nodes:
        if isinstance(node, Heading):
            renderer.render(run)
            run = []
            flush()
            while sections and sections[-1][0] >= node.level:
                sections.pop()
            sections.append((node.level, _plain(node.title)))
            section_path = " > ".join(title for _, title in sections)
        else:
            run.append(node)
    renderer.render(run)
    flush()
    return paragraphs
