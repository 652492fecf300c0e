"""Shared rendering of books into XHTML through the Jinja2 templates, for every backend."""

from __future__ import annotations

import functools
import re
import hashlib
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Callable
from urllib.parse import urlsplit, urlunsplit

import jinja2
from lxml import etree

from .labels import (article_count, format_date_range, format_datetime, is_chinese,
                     labels_for, section_name)
from .model import Article, Book, Chapter
from .nodes import drop_keeping_tail

#: The stylesheets every backend uses, in cascade order, before its own.
BASE_STYLESHEETS = ("base.css",)


@dataclass(frozen=True)
class RenderContext:
    """How one backend wants links and images written."""

    book: Book
    #: Link target of an article from inside another document ("a1b2.xhtml", "#a1b2").
    article_href: Callable[[Article], str]
    #: Link target of a chapter opener.
    chapter_href: Callable[[Chapter], str]
    #: Local ``src`` for a remote image URL, or ``None`` to show its caption only.
    image_src: Callable[[str], str | None] = lambda url: None
    #: Print the address of every external link as a footnote (paper cannot click).
    link_footnotes: bool = False
    labels: dict[str, str] = field(default_factory=dict)

    @functools.cached_property
    def _articles_by_url(self) -> dict[str, Article]:
        return {link_key(a.url): a for a in self.book.articles}

    @functools.cached_property
    def _article_hosts(self) -> frozenset[str]:
        return frozenset(_link_host(key) for key in self._articles_by_url)

    def internal_href(self, url: str) -> str | None:
        """The in-book target of ``url`` when it is an article of this book."""
        # Most links lead to other sites; a host test spares them the full parse.
        if _link_host(url) not in self._article_hosts:
            return None
        article = self._articles_by_url.get(link_key(url))
        return self.article_href(article) if article else None


def _link_host(url: str) -> str:
    """The host part of ``url`` as :func:`link_key` writes it (lower case, no "www.")."""
    after_scheme = url.strip().partition("//")[2]
    return _HOST.match(after_scheme).group().lower().removeprefix("www.")


_HOST = re.compile(r"[^/?#]*")
#: An absolute address with nothing urlsplit would repair or refuse (no blanks or
#: controls, no brackets in the host): host and path, as urlsplit would split them.
_PLAIN_ADDRESS = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*://([^/?#\[\]]*)((?:/[^?#]*)?)(?:[?#].*)?")
_NOT_PLAIN = re.compile(r"[^!-~]")


def link_key(url: str) -> str:
    """A loose identity for article links: scheme, query and fragment do not matter."""
    plain = plain_link_key(url)
    if plain is not None:
        return plain
    parts = urlsplit(url.strip())
    path = parts.path.rstrip("/")
    return urlunsplit(("", parts.netloc.lower().removeprefix("www."), path, "", ""))


def plain_link_key(url: str) -> str | None:
    """:func:`link_key` of a plain absolute address (most links), computed without
    urlsplit; ``None`` for any other. For such an address, the host test of
    :meth:`RenderContext.internal_href` passes exactly when the key is an article's."""
    url = url.strip()
    plain = _PLAIN_ADDRESS.fullmatch(url)
    if plain is None or _NOT_PLAIN.search(url):
        return None
    host = plain.group(1).lower().removeprefix("www.")
    return f"//{host}{plain.group(2).rstrip('/')}" if host else None


def styles_dir() -> Path:
    """The ``styles/`` folder: packaged inside a wheel, or at the top of a checkout."""
    packaged = Path(str(resources.files("bookmaker"))) / "styles"
    if packaged.is_dir():
        return packaged
    return Path(__file__).resolve().parent.parent / "styles"


def read_stylesheet(name: str) -> str:
    """The text of ``styles/<name>``."""
    return (styles_dir() / name).read_text(encoding="utf-8")


@functools.lru_cache(maxsize=1)
def _environment() -> jinja2.Environment:
    environment = jinja2.Environment(
        loader=jinja2.PackageLoader("bookmaker", "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        # Templates are package data: checking them for changes on every render costs
        # a stat per page (a tenth of a 1,000-article EPUB build).
        auto_reload=False,
    )
    return environment


def template_fingerprint() -> str:
    """A hash of every template and stylesheet, for caches of rendered output."""
    digest = hashlib.sha256()
    roots = [Path(str(resources.files("bookmaker"))) / "templates", styles_dir()]
    for root in roots:
        for path in sorted(root.glob("*")):
            digest.update(path.name.encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()


def preload_templates(*names: str) -> None:
    """Compile templates now (forked workers then inherit them compiled)."""
    for name in names:
        _environment().get_template(name)


def render_template(name: str, **values: object) -> str:
    """Render ``templates/<name>`` with ``values``."""
    return _environment().get_template(name).render(**values)


def _rewrite_body(html: str, context: RenderContext) -> str:
    """Point images at local files (or drop them) and links at the book or footnotes."""
    if not html:
        return ""
    root = etree.fromstring(f"<div>{html}</div>".encode())  # strict: no recovery
    for img in list(root.iter("img")):
        src = context.image_src(img.get("src", "")) if img.get("src") else None
        if src is None:
            parent = img.getparent()
            drop_keeping_tail(img)
            if parent.tag == "figure":
                if len(parent) == 0 and not (parent.text or "").strip():
                    drop_keeping_tail(parent)
                else:
                    _add_class(parent, "no-image")
        else:
            img.set("src", src)
            img.set("alt", img.get("alt", ""))
    # A figure the reader kept without a usable image shows its caption only.
    for figure in root.iter("figure"):
        if figure.find(".//img") is None:
            _add_class(figure, "no-image")
    for table in root.iter("table"):
        columns = table_columns(table)
        if columns >= VERY_WIDE_TABLE:
            _add_class(table, "very-wide-table")
        elif columns >= WIDE_TABLE:
            _add_class(table, "wide-table")
    for link in root.iter("a"):
        href = link.get("href", "")
        internal = context.internal_href(href) if href.startswith("http") else None
        if internal:
            link.set("href", internal)
            link.set("class", "internal")
        elif context.link_footnotes and href.startswith(("http:", "https:")):
            note = etree.Element("span", {"class": "link-note"})
            note.text = href
            note.tail = link.tail
            link.tail = None
            link.addnext(note)
    _close_empty_elements(root)
    text = etree.tostring(root, encoding="unicode")
    return text[len("<div>"):-len("</div>")]


#: Columns from which a table is marked wide (set smaller in print), and very wide
#: (its columns share the text block equally): see print.css.
WIDE_TABLE = 7
VERY_WIDE_TABLE = 12
#: HTML's largest column span; a larger ``colspan`` counts as this.
_MAX_SPAN = 1000


def table_columns(table: etree._Element) -> int:
    """The columns of a table's widest row of its own (not of tables inside it)."""
    rows = [child for child in table if child.tag == "tr"] + [
        row for part in table if part.tag in ("thead", "tbody", "tfoot")
        for row in part if row.tag == "tr"]
    return max((sum(_span(cell) for cell in row if cell.tag in ("td", "th")) for row in rows),
               default=0)


def _span(cell: etree._Element) -> int:
    span = cell.get("colspan", "1").strip()
    return min(max(int(span), 1), _MAX_SPAN) if span.isdigit() else 1


def _add_class(element: etree._Element, name: str) -> None:
    classes = element.get("class", "").split()
    if name not in classes:
        element.set("class", " ".join([*classes, name]))


#: Elements that HTML allows to be self-closing; every other one needs an end tag, or
#: an HTML parser (WeasyPrint's) would read ``<td/>`` as an unclosed ``<td>``.
_VOID_ELEMENTS = frozenset({"br", "hr", "img", "wbr", "col", "source"})


def _close_empty_elements(root: etree._Element) -> None:
    for element in root.iter():
        if element.text is None and len(element) == 0 and element.tag not in _VOID_ELEMENTS:
            element.text = ""


def _figure_view(figure, context: RenderContext) -> dict[str, object] | None:
    if figure is None:
        return None
    src = context.image_src(figure.src) if figure.src else None
    local = context.book.images.get(figure.src) if figure.src else None
    return {
        "src": src,
        "width": local.width if local else None,
        "height": local.height if local else None,
        "caption": figure.caption,
        "credit": figure.credit,
    }


def _version_label(label: str) -> str | None:
    """"点击查看本文英文版。" → "英文版": the name of the version, not the call to click."""
    match = re.search(r"(?:查看|查看本文|閱讀|阅读)?本?文?([^\s，。、]{1,6}版)", label)
    return match.group(1) if match else None


def _sources(article: Article, labels: dict[str, str]) -> list[tuple[str, str]]:
    """(label, address) of the article's page and of its version in the original
    language, when there is one."""
    sources = [(labels["original"], article.url)]
    if article.footer.original_url:
        label = _version_label(article.footer.original_label)
        sources.append((label or labels["original_language"], article.footer.original_url))
    return sources


def article_view(article: Article, context: RenderContext) -> dict[str, object]:
    """Everything the article template shows, computed once."""
    book = context.book
    footer = article.footer
    labels = labels_for(article.language)
    return {
        "article": article,
        "id": article.slug,
        "lang": article.language,
        "title": article.title,
        "section": section_name(article.section_key, article.section, article.language),
        "authors": ("、" if is_chinese(article.language) else ", ").join(article.authors),
        "published_iso": article.published.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "published_local": format_datetime(article.published, book.timezone,
                                           article.language),
        "lead": _figure_view(article.lead_figure, context),
        "body": _rewrite_body(article.body, context),
        "contributors": [_rewrite_body(line, context) for line in footer.contributors],
        "notes": [_rewrite_body(line, context) for line in footer.notes],
        "translator": footer.translator,
        "sources": _sources(article, labels),
        "labels": labels,
        "footnotes": context.link_footnotes,
    }


def render_article(article: Article, context: RenderContext) -> str:
    """An ``<article>`` element for one article."""
    return render_template("article.jinja", **article_view(article, context))


def render_chapter_opener(chapter: Chapter, context: RenderContext) -> str:
    """The opener of a chapter: its title and the list of its articles."""
    labels = context.labels or labels_for(context.book.language)
    return render_template(
        "chapter.jinja", chapter=chapter, id=chapter.key,
        entries=[(a, context.article_href(a)) for a in chapter.articles],
        count_line=article_count(labels, len(chapter.articles)),
    )


def book_view(book: Book) -> dict[str, object]:
    """The book-level facts shown on the cover, title page and table of contents."""
    labels = labels_for(book.language)
    return {
        "title": book.title,
        "lang": book.language,
        "date_range": format_date_range(book.first_published, book.last_published,
                                        book.timezone, book.language),
        "count_line": article_count(labels, book.article_count),
        "publishers": "、".join(book.publishers) if is_chinese(book.language)
        else ", ".join(book.publishers),
        "labels": labels,
    }


def render_title_page(book: Book) -> str:
    """The title page: title, sources, date range and article count."""
    return render_template("title.jinja", **book_view(book))


def render_toc(book: Book, context: RenderContext) -> str:
    """The table of contents: chapters, and the articles of each."""
    chapters = [
        {
            "title": chapter.title,
            "href": context.chapter_href(chapter),
            "articles": [
                {"title": a.title, "href": context.article_href(a), "lang": a.language}
                for a in chapter.articles
            ],
        }
        for chapter in book.chapters
    ]
    return render_template("toc.jinja", chapters=chapters, **book_view(book))


def render_page(body: str, *, title: str, lang: str, stylesheets: list[str],
                body_class: str = "", epub_type: str | None = None) -> str:
    """A complete XHTML document around ``body`` (for formats with one file per page)."""
    return render_template("page.jinja", body=body, title=title, lang=lang,
                           stylesheets=stylesheets, body_class=body_class,
                           epub_type=epub_type)
