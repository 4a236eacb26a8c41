"""Wiki page titles: normalisation, link-target classification and redirect resolution.

A link's target only identifies an entity once it is written the way MediaWiki stores titles
(spaces not underscores, first letter upper-cased on first-letter wikis, no `#fragment`), and only
when it points into the main namespace: `[[File:..]]`, `[[Category:..]]`, `[[de:..]]` (interlanguage)
and `[[wikt:..]]` (interwiki) look like links but name no article. The dump's own `<siteinfo>` lists
the wiki's localised namespace names; the built-in aliases below cover what siteinfo omits (English
canonical names and common localised aliases such as `Image:` or `图像:`), so fragments without a
siteinfo block (single-page exports) still classify correctly.
"""
from __future__ import annotations

import enum
import html
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from kg2instruction.text.normalize import to_simplified

FILE_NS = 6
MEDIA_NS = -2
CATEGORY_NS = 14

# Namespace names that a wiki accepts besides the localised ones its siteinfo lists. Keys are
# case-folded with '_' -> ' '. Only the namespaces whose links must be *dropped* (files, categories)
# or *not treated as entities* matter; the rest default to "another namespace".
_BUILTIN_NAMESPACES: dict[str, int] = {
    "media": -2, "special": -1, "talk": 1, "user": 2, "user talk": 3, "project": 4, "wikipedia": 4,
    "wp": 4, "file": 6, "image": 6, "file talk": 7, "image talk": 7, "mediawiki": 8, "template": 10,
    "t": 10, "template talk": 11, "help": 12, "category": 14, "category talk": 15, "portal": 100,
    "book": 108, "draft": 118, "timedtext": 710, "module": 828, "gadget": 2300,
    # Localised file/category/template/project names of large Wikipedias.
    "文件": 6, "檔案": 6, "档案": 6, "图像": 6, "圖像": 6, "图片": 6, "圖片": 6, "ファイル": 6, "画像": 6,
    "分类": 14, "分類": 14, "カテゴリ": 14, "模板": 10, "样板": 10, "樣板": 10, "テンプレート": 10,
    "维基百科": 4, "維基百科": 4, "wikipedia talk": 5, "主题": 100, "主題": 100, "帮助": 12, "幫助": 12,
    "用户": 2, "用戶": 2, "使用者": 2, "利用者": 2,
    "datei": 6, "bild": 6, "kategorie": 14, "vorlage": 10, "benutzer": 2,
    "fichier": 6, "catégorie": 14, "modèle": 10, "utilisateur": 2,
    "archivo": 6, "imagen": 6, "categoría": 14, "plantilla": 10, "usuario": 2,
    "ficheiro": 6, "arquivo": 6, "imagem": 6, "categoria": 14, "predefinição": 10,
    "bestand": 6, "afbeelding": 6, "categorie": 14, "sjabloon": 10,
    "plik": 6, "grafika": 6, "kategoria": 14, "szablon": 10,
    "файл": 6, "изображение": 6, "категория": 14, "шаблон": 10,
    "fil": 6, "kategori": 14, "mall": 10, "파일": 6, "분류": 14, "틀": 10,
    "lêer": 6, "tiedosto": 6, "luokka": 14, "dosya": 6, "soubor": 6, "fájl": 6, "kategória": 14,
    "tập tin": 6, "hình": 6, "thể loại": 14, "berkas": 6, "ملف": 6, "تصنيف": 14, "קובץ": 6,
    "קטגוריה": 14, "चित्र": 6, "श्रेणी": 14, "ไฟล์": 6, "หมวดหมู่": 14, "категорія": 14,
    "зображення": 6, "αρχείο": 6, "κατηγορία": 14,
}

# Interwiki prefixes of Wikimedia projects: links with them leave the wiki.
_PROJECT_PREFIXES = frozenset({
    "w", "wikipedia", "wikt", "wiktionary", "m", "meta", "metawikimedia", "commons", "c", "s",
    "wikisource", "q", "wikiquote", "n", "wikinews", "b", "wikibooks", "v", "wikiversity", "voy",
    "wikivoyage", "species", "wikispecies", "d", "wikidata", "mw", "mediawikiwiki", "foundation",
    "wmf", "phab", "gerrit", "doi", "outreach", "incubator", "wikimania", "iarchive", "google",
})
# Wikipedia language codes: "de", "zh", "zh-yue", "be-x-old", "simple", ... Written lowercase in
# interlanguage links; a main-namespace title never starts with a lowercase prefix and a colon
# because titles are stored with an upper-case first letter.
_LANGUAGE_CODE = re.compile(r"[a-z]{2,3}(?:-[a-z0-9]+)*|simple")
_SPACES = re.compile(r"[\s_]+")


@dataclass(frozen=True)
class SiteInfo:
    """What a dump's `<siteinfo>` says about its wiki (defaults: an English-style wiki)."""

    dbname: str = ""
    lang: str = ""
    case: str = "first-letter"
    namespaces: Mapping[str, int] = field(default_factory=dict)

    def names_of(self, namespace_ids: Iterable[int]) -> frozenset[str]:
        """Every known name (siteinfo and built-in aliases, case-folded) of these namespaces."""
        wanted = set(namespace_ids)
        return frozenset(name for table in (_BUILTIN_NAMESPACES, self.namespaces)
                         for name, key in table.items() if key in wanted)

    def namespace_of(self, prefix: str) -> int | None:
        key = _SPACES.sub(" ", prefix).strip().casefold()
        found = self.namespaces.get(key)
        return found if found is not None else _BUILTIN_NAMESPACES.get(key)


class LinkKind(enum.Enum):
    ARTICLE = "article"        # an entity link into the main namespace
    DROP = "drop"              # rendered nowhere in the prose: file/image, category, interlanguage
    TEXT_ONLY = "text_only"    # shows its text but names no article: other namespaces, interwiki, `#section`


@dataclass(frozen=True)
class LinkTarget:
    kind: LinkKind
    title: str = ""        # normalised title for ARTICLE links
    namespace: int = 0


def normalize_title(raw: str, case: str = "first-letter") -> str:
    """MediaWiki's stored form: entities decoded, '_'/whitespace runs -> one space, trimmed,
    `#fragment` removed, leading ':' removed, first letter upper-cased on first-letter wikis."""
    title = html.unescape(raw).split("#", 1)[0]
    title = _SPACES.sub(" ", title).strip().lstrip(":").strip()
    if title and case == "first-letter":
        first = title[0].upper()
        if len(first) == 1:  # 'ß'.upper() == 'SS': MediaWiki keeps such letters as they are
            title = first + title[1:]
    return title


def classify_link(raw_target: str, site: SiteInfo) -> LinkTarget:
    """Decide what a `[[raw_target|...]]` link is (see LinkKind)."""
    raw = html.unescape(raw_target).strip()
    colon_prefixed = raw.startswith(":")
    raw = raw.lstrip(":").strip()
    page_part = raw.split("#", 1)[0].strip()
    if not page_part:
        return LinkTarget(LinkKind.TEXT_ONLY)  # [[#Section]]: a jump inside the same page
    if ":" in page_part:
        prefix = page_part.split(":", 1)[0]
        namespace = site.namespace_of(prefix)
        if namespace is not None:
            inline_only = colon_prefixed or namespace not in (FILE_NS, MEDIA_NS, CATEGORY_NS)
            kind = LinkKind.TEXT_ONLY if inline_only else LinkKind.DROP
            return LinkTarget(kind, namespace=namespace)
        stripped = prefix.strip()
        if stripped in _PROJECT_PREFIXES or stripped.casefold() in _PROJECT_PREFIXES:
            return LinkTarget(LinkKind.TEXT_ONLY, namespace=-1)
        if _LANGUAGE_CODE.fullmatch(stripped):
            return LinkTarget(LinkKind.TEXT_ONLY if colon_prefixed else LinkKind.DROP, namespace=-1)
    title = normalize_title(page_part, site.case)
    return LinkTarget(LinkKind.ARTICLE, title=title) if title else LinkTarget(LinkKind.TEXT_ONLY)


def resolve_title(title: str, redirects: Mapping[str, str], *, lang: str = "", max_hops: int = 5) -> str:
    """Follow redirects from `title` (at most `max_hops`, stopping on a cycle).

    On Chinese wikis a link written in traditional script reaches a simplified-titled page
    without any redirect (MediaWiki's variant conversion); the simplified spelling is tried when
    the written one is not a redirect.
    """
    if title not in redirects and lang.startswith("zh"):
        simplified = to_simplified(title)
        if simplified in redirects:
            title = simplified
    seen = {title}
    for _ in range(max_hops):
        nxt = redirects.get(title)
        if nxt is None or nxt in seen:
            break
        seen.add(nxt)
        title = nxt
    return title
