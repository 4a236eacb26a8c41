"""Remove comments, references, templates, tables and file embeds from raw wikitext before parsing.

These are never prose, and they are where real revisions are most often malformed: an unbalanced
`''` inside a `<ref>` or a file caption, or a table opened with broken attribute quotes, makes
mwparserfromhell give up on the whole construct and return it as plain text (`<ref>...</ref>`,
`{| class=...`, `[[File:...|thumb|...` would then leak into paragraphs). Cutting them out with
simple, bracket-aware scans first follows MediaWiki's own precedence (comments and extension tags
are handled before wikitext), is robust to such errors, and leaves the parser less to do: templates
that show no prose (infoboxes, citations, navboxes) are most of a page's markup and most of
mwparserfromhell's time, and the deeply nested ones are what makes it slow on pathological pages.
"""
from __future__ import annotations

import functools
import html
import re
from collections.abc import Callable, Iterable

_COMMENT = re.compile(r"<!--.*?(?:-->|\Z)", re.DOTALL)
_REF = re.compile(r"<ref\b(?:[^>/]|/(?!>))*/>"                      # <ref name="x" />
                  r"|<ref\b[^>]*>(?:(?!<ref\b).)*?</ref\s*>"          # <ref ...>...</ref>
                  r"|<references\b[^>]*>.*?</references\s*>|<references\b[^>]*/>",
                  re.DOTALL | re.IGNORECASE)
_TABLE_OPEN = re.compile(r"^[ \t]*(?::[ \t]*)*\{\|")
_TABLE_CLOSE = re.compile(r"^[ \t]*\|\}(?!\})")
_BRACKETS = re.compile(r"\[\[|\]\]")
_BRACES = re.compile(r"\{\{|\}\}")
_TEMPLATE_NAME = re.compile(r"\s*(?:template\s*:)?\s*([^|{}]*)", re.IGNORECASE)


def template_name(raw: str) -> str:
    """How templates are keyed in configuration: case-folded, '_' -> ' ', no `Template:` prefix."""
    return " ".join(raw.replace("_", " ").split()).casefold()


def _without_templates(wikitext: str, is_shown: Callable[[str], bool]) -> str:
    """Drop every outermost `{{...}}` whose name `is_shown` rejects (infoboxes, citations,
    navboxes: most of a page's markup). Unbalanced braces are left to the parser."""
    if "{{" not in wikitext:
        return wikitext
    pieces: list[str] = []
    pos, depth, start = 0, 0, 0
    for brace in _BRACES.finditer(wikitext):
        if brace.group() == "{{":
            if not depth:
                start = brace.start()
            depth += 1
        elif depth:
            depth -= 1
            if not depth:
                name = _TEMPLATE_NAME.match(wikitext, start + 2).group(1)
                if not is_shown(template_name(name)):
                    pieces.append(wikitext[pos:start])
                    pos = brace.end()
    pieces.append(wikitext[pos:])
    return "".join(pieces)


def _without_tables(wikitext: str) -> str:
    """Drop every line from a line-initial `{|` to its matching `|}` (tables nest)."""
    if "{|" not in wikitext:
        return wikitext
    kept: list[str] = []
    depth = 0
    for line in wikitext.splitlines(keepends=True):
        if _TABLE_OPEN.match(line):
            depth += 1
        elif depth and _TABLE_CLOSE.match(line):
            depth -= 1
            if not depth:
                kept.append("\n")
            continue
        if not depth:
            kept.append(line)
    return "".join(kept)


@functools.lru_cache(maxsize=64)
def _embed_pattern(prefixes: tuple[str, ...]) -> re.Pattern[str]:
    names = "|".join(re.escape(p).replace(r"\ ", r"[ _]+") for p in sorted(prefixes, key=len, reverse=True))
    return re.compile(rf"\[\[[ \t]*(?:{names})[ \t]*:", re.IGNORECASE)


def _without_embeds(wikitext: str, file_prefixes: Iterable[str]) -> str:
    """Drop `[[File:...]]` embeds including captions with nested links; an unclosed one ends at the
    end of its line. `[[:File:x]]` (a link to the file page) is not an embed and stays."""
    if "[[" not in wikitext:
        return wikitext
    pattern = _embed_pattern(tuple(sorted(set(file_prefixes))))
    pieces: list[str] = []
    pos = 0
    for match in pattern.finditer(wikitext):
        if match.start() < pos:
            continue  # inside an embed already removed
        depth, end = 0, None
        for bracket in _BRACKETS.finditer(wikitext, match.start()):
            depth += 1 if bracket.group() == "[[" else -1
            if not depth:
                end = bracket.end()
                break
        if end is None:
            newline = wikitext.find("\n", match.start())
            end = len(wikitext) if newline < 0 else newline
        pieces.append(wikitext[pos:match.start()])
        pos = end
    pieces.append(wikitext[pos:])
    return "".join(pieces)


def undo_double_escaping(wikitext: str) -> str:
    """Wikitext that went through an XML/HTML escaper twice (`&lt;ref&gt;` and no literal `<`
    anywhere, as some export tools produce) is unescaped once; real wikitext is left alone."""
    if "&lt;" in wikitext and "<" not in wikitext:
        return html.unescape(wikitext)
    return wikitext


def prune_non_prose(wikitext: str, file_prefixes: Iterable[str],
                    is_shown_template: Callable[[str], bool] = lambda name: False) -> str:
    """Wikitext without comments, references, tables, file embeds (`file_prefixes`: the wiki's
    names of the File and Media namespaces, e.g. "File", "Image", "文件") and the templates whose
    (normalised) name `is_shown_template` rejects."""
    wikitext = undo_double_escaping(wikitext)
    if "<!--" in wikitext:
        wikitext = _COMMENT.sub("", wikitext)
    if "<ref" in wikitext.lower():
        wikitext = _REF.sub("", wikitext)
    wikitext = _without_templates(wikitext, is_shown_template)
    return _without_embeds(_without_tables(wikitext), file_prefixes)
