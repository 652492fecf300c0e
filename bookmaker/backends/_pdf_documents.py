"""The HTML documents a printed book is typeset from: its parts, its navigation, its sheets.

A book is typeset in parts: runs of articles, the front matter (cover, title page,
contents) and the chapter openers. Links between them use :data:`LINK_SCHEME` and carry
the page number they print in ``data-page``. Sheets are hidden pages whose only content
is page furniture: a running head, or a page number.
"""

from __future__ import annotations

import html
import os
from datetime import datetime, timezone
from typing import Callable, Mapping, Sequence

from lxml import etree

from ..model import Article, Book, Chapter
from ..render import (RenderContext, render_article, render_chapter_opener, render_page,
                      render_template, render_title_page, render_toc, book_view)
from ._pdf_assets import asset_url
from ._pdf_fragment import LINK_SCHEME

_XHTML = "{http://www.w3.org/1999/xhtml}"

#: Ids the navigation document gives its cover and title page (their templates have
#: none), so that the pages each one takes can be found in the rendered PDF.
COVER_ID = "bookmaker-cover"
TITLE_PAGE_ID = "bookmaker-title-page"

#: Parts carry no page furniture of their own: it depends on where the part falls in
#: the book, and is laid over each page when the book is assembled. These rules take
#: back, with the same selectors, every margin box of print-pages.css but the heads of
#: the sheets.
CONTENT_ONLY_CSS = """
@page :left { @bottom-left { content: none; } }
@page :right { @bottom-right { content: none; } }
@page article:left { @top-center { content: none; } }
@page article:right { @top-center { content: none; } }
.bookmaker-sheet { break-before: page; visibility: hidden; }
.bookmaker-sheet * { bookmark-level: none; }
.bookmaker-head-left { page: bookmaker-head-left; }
.bookmaker-head-right { page: bookmaker-head-right; }
"""

#: A page-number sheet: one empty page per number.
FOLIO_CSS = ".bookmaker-folio { break-before: page; }\n"


def print_context(book: Book, image_names: Mapping[str, str]) -> RenderContext:
    """How the printed book links: every target is an anchor of the book, reached
    through :data:`LINK_SCHEME` from whichever part it is in; an image is a file of
    the asset folder (``image_names``: URL → file name) or, absent there, its caption."""
    return RenderContext(
        book=book,
        article_href=lambda article: f"{LINK_SCHEME}:{article.slug}",
        chapter_href=lambda chapter: f"{LINK_SCHEME}:{chapter.key}",
        image_src=lambda url: asset_url(image_names[url]) if url in image_names else None,
        link_footnotes=True,
    )


def front_matter(book: Book, context: RenderContext) -> list[str]:
    """The cover, the title page and the table of contents, as HTML fragments."""
    return [render_template("print_cover.jinja", **book_view(book)),
            render_title_page(book), render_toc(book, context)]


def chapter_parts(chapter: Chapter, context: RenderContext) -> list[str]:
    """A chapter's opener and its articles, as HTML fragments."""
    return [render_chapter_opener(chapter, context)] + [
        render_article(article, context) for article in chapter.articles]


def front_document(book: Book, context: RenderContext,
                   page_of: Callable[[str], str]) -> str:
    """Cover, title page and contents, then the head sheet of left pages (the book's
    title: it changes with the book, so it is not kept with the parts)."""
    sheet = (f'<section class="bookmaker-sheet bookmaker-head-left">'
             f'<h1 class="book-title">{html.escape(book.title)}</h1></section>')
    return document_html(book, front_matter(book, context) + [sheet], page_of,
                         ids={"cover": COVER_ID, "title-page": TITLE_PAGE_ID},
                         part=True)


def openers_document(book: Book, chapters: Sequence[Chapter], context: RenderContext,
                     page_of: Callable[[str], str]) -> str:
    """The openers of ``chapters``, one after the other."""
    return document_html(book, [render_chapter_opener(chapter, context)
                                for chapter in chapters], page_of, part=True)


def articles_document(book: Book, articles: Sequence[Article], context: RenderContext,
                      page_of: Callable[[str], str]) -> str:
    """A run of articles, then one head sheet per article, with its title (the head of
    right pages). Nothing in it depends on the rest of the book but the page numbers
    its links print, so it is typeset again only when those or its articles change."""
    sheets = [f'<section class="bookmaker-sheet bookmaker-head-right">'
              f'<h2 class="article-title">{html.escape(article.title)}</h2></section>'
              for article in articles]
    return document_html(book, [render_article(a, context) for a in articles] + sheets,
                         page_of, part=True)


def folio_document(book: Book, count: int) -> str:
    """``count`` empty pages, for their page numbers."""
    return document_html(book, ['<div class="bookmaker-folio"></div>'] * count, part=True)


def folio_css(first_page: int) -> str:
    """Number a page-number sheet from ``first_page`` on (an odd number: a right page,
    as the first page of every document is)."""
    return FOLIO_CSS + f"@page :first {{ counter-reset: page {first_page}; }}\n"


def document_html(book: Book, parts: Sequence[str],
                  page_of: Callable[[str], str] | None = None,
                  ids: Mapping[str, str] | None = None, part: bool = False) -> str:
    """One HTML document of ``parts`` in the book's language; every link into the book
    gets the number of the page it leads to from ``page_of``.

    A whole book's document also carries the book's title and metadata; a ``part``
    does not (the assembled PDF gets them), so that it stays the same when they change.
    """
    page = render_page("\n".join(parts), title="" if part else book.title,
                       lang=book.language, stylesheets=[])
    return _as_html(page, {} if part else metadata(book), page_of, ids or {})


def metadata(book: Book) -> dict[str, str]:
    """What the PDF's document information says: from the book, never the clock."""
    moment = document_date(book).strftime("%Y-%m-%dT%H:%M:%SZ")
    return {
        "author": "、".join(book.publishers) if book.language.startswith("zh")
        else ", ".join(book.publishers),
        "generator": "bookmaker",
        "dcterms.created": moment,
        "dcterms.modified": moment,
    }


def document_date(book: Book) -> datetime:
    """``SOURCE_DATE_EPOCH`` when set (reproducible builds), else the newest article."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    if epoch.isdigit():
        return datetime.fromtimestamp(int(epoch), timezone.utc)
    newest = book.last_published
    assert newest is not None  # the backend refuses empty books
    return newest.astimezone(timezone.utc)


def _as_html(xhtml: str, meta: Mapping[str, str], page_of: Callable[[str], str] | None,
             ids: Mapping[str, str]) -> str:
    """Re-serialise the templates' XHTML as HTML, with the metadata in its head.

    WeasyPrint parses HTML, where ``<p/>`` or ``<a/>`` would open an element that
    never closes; lxml's HTML serialiser writes every element in HTML syntax.
    """
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False,
                             huge_tree=True)
    root = etree.fromstring(xhtml.encode("utf-8"), parser)
    prefix = LINK_SCHEME + ":"
    for element in root.iter():
        if not isinstance(element.tag, str):
            continue
        if element.tag.startswith(_XHTML):
            element.tag = element.tag[len(_XHTML):]
        if page_of and element.tag == "a" and element.get("href", "").startswith(prefix):
            element.set("data-page", page_of(element.get("href")[len(prefix):]))
        if ids and element.get("class") in ids and element.get("id") is None:
            element.set("id", ids[element.get("class")])
    etree.cleanup_namespaces(root)
    head = root.find("head")
    for name, content in meta.items():
        if content:
            etree.SubElement(head, "meta", name=name, content=content)
    return "<!DOCTYPE html>\n" + etree.tostring(root, method="html", encoding="unicode")
