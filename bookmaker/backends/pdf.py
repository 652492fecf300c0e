"""The PDF format: the book as one HTML document, typeset by WeasyPrint."""

from __future__ import annotations

import hashlib
import os
import tempfile
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Mapping, Sequence

from lxml import etree

from .. import fonts
from ..atomic import atomic_path
from ..errors import BuildError
from ..model import Book, Chapter
from ..options import Options
from ..render import (RenderContext, book_view, read_stylesheet, render_article,
                      render_chapter_opener, render_page, render_template,
                      render_title_page, render_toc)
from ._pdf_assets import ASSET_SCHEME, asset_url, stage_images

if TYPE_CHECKING:  # WeasyPrint is imported only when a PDF is really written.
    import weasyprint

#: The stylesheets of the printed book, in cascade order.
STYLESHEETS = ("base.css", "print.css")

_XHTML = "{http://www.w3.org/1999/xhtml}"


@dataclass(frozen=True)
class PageGeometry:
    """One paper size: the sheet, the body type and how many characters fill a line."""

    width_mm: float
    height_mm: float
    #: Body font size; every other size in the stylesheets is relative to it.
    font_pt: float
    #: Characters of body text per line: the text block is exactly this many wide.
    columns: int
    top_mm: float
    bottom_mm: float

    def css(self) -> str:
        """The ``@page`` rule and base font size for this paper."""
        page_width_pt = self.width_mm * 72 / 25.4
        # A hair over n characters, so rounding never pushes the n-th one to the next line.
        text_width_pt = self.columns * self.font_pt + 0.25
        side_pt = (page_width_pt - text_width_pt) / 2
        text_height_mm = self.height_mm - self.top_mm - self.bottom_mm
        return (
            f"@page {{ size: {self.width_mm}mm {self.height_mm}mm; "
            f"margin: {self.top_mm}mm {side_pt:.3f}pt {self.bottom_mm}mm; }}\n"
            f"html {{ font-size: {self.font_pt}pt; }}\n"
            # Leave room for the caption under the tallest picture.
            f"img {{ max-height: {text_height_mm * 0.6:.1f}mm; }}\n"
        )


#: --page-size → geometry. The body sizes follow Chinese book practice (五号 ≈ 10.5pt).
PAGE_GEOMETRY: dict[str, PageGeometry] = {
    "A4": PageGeometry(210, 297, 10.5, 40, 24, 26),
    "A5": PageGeometry(148, 210, 9.5, 34, 17, 20),
    "B5": PageGeometry(176, 250, 10, 38, 20, 22),
    "letter": PageGeometry(215.9, 279.4, 10.5, 42, 23, 25),
}


class PdfBackend:
    """Write a book as a print-ready PDF with WeasyPrint."""

    #: Name of the format on the command line (``--format pdf``).
    name = "pdf"
    #: Suffix of the file written.
    suffix = ".pdf"

    def write(self, book: Book, target: Path, options: Options) -> Path:
        """Typeset ``book`` and write it to ``target`` atomically."""
        target = Path(target)
        if book.article_count == 0:
            raise BuildError(f"{target}: the book has no articles; nothing to print")
        fonts.require_cjk_font("serif")
        try:
            with tempfile.TemporaryDirectory(prefix="bookmaker-pdf-") as folder:
                asset_dir = Path(folder)
                context = print_context(book, stage_images(book.images, asset_dir))
                parts = front_matter(book, context)
                for chapter in book.chapters:
                    parts.extend(chapter_parts(chapter, context))
                html = document_html(book, parts)
                document = render_document(html, asset_dir, options.page_size)
                with atomic_path(target) as part:
                    write_document(document, part, book_identifier(book, options))
        except BuildError:
            raise
        except Exception as exc:  # WeasyPrint, lxml and the file system fail in many ways.
            raise BuildError(f"{target}: PDF rendering failed: {exc}") from exc
        return target


# The steps below are separable so that a book can also be typeset in parts (one
# HTML document per part) and the parts joined afterwards.

def print_context(book: Book, image_names: Mapping[str, str]) -> RenderContext:
    """How the printed book links: every target is an anchor of the one document, and
    an image is a file of the asset folder (``image_names``: URL → file name) or,
    when absent there, its caption alone."""
    return RenderContext(
        book=book,
        article_href=lambda article: f"#{article.slug}",
        chapter_href=lambda chapter: f"#{chapter.key}",
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


def document_html(book: Book, parts: Sequence[str]) -> str:
    """One HTML document of ``parts``, with the book's title, language and metadata."""
    page = render_page("\n".join(parts), title=book.title, lang=book.language,
                       stylesheets=[])
    return _as_html(page, _metadata(book))


def _metadata(book: Book) -> dict[str, str]:
    """What the PDF's document information says: from the book, never the clock."""
    moment = _document_date(book).strftime("%Y-%m-%dT%H:%M:%SZ")
    return {
        "author": "、".join(book.publishers) if book.language.startswith("zh")
        else ", ".join(book.publishers),
        "generator": "bookmaker",
        "dcterms.created": moment,
        "dcterms.modified": moment,
    }


def _document_date(book: Book) -> datetime:
    """``SOURCE_DATE_EPOCH`` when set (reproducible builds), else the newest article."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    if epoch.isdigit():
        return datetime.fromtimestamp(int(epoch), timezone.utc)
    newest = book.last_published
    assert newest is not None  # write() refuses empty books
    return newest.astimezone(timezone.utc)


def _as_html(xhtml: str, metadata: Mapping[str, str]) -> str:
    """Re-serialise the templates' XHTML as HTML, with the metadata in its head.

    WeasyPrint parses HTML, where ``<p/>`` or ``<a/>`` would open an element that
    never closes; lxml's HTML serialiser writes every element in HTML syntax.
    """
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False,
                             huge_tree=True)
    root = etree.fromstring(xhtml.encode("utf-8"), parser)
    for element in root.iter():
        if isinstance(element.tag, str) and element.tag.startswith(_XHTML):
            element.tag = element.tag[len(_XHTML):]
    etree.cleanup_namespaces(root)
    head = root.find("head")
    for name, content in metadata.items():
        if content:
            etree.SubElement(head, "meta", name=name, content=content)
    return "<!DOCTYPE html>\n" + etree.tostring(root, method="html", encoding="unicode")


def stylesheets(page_size: str) -> list[str]:
    """The CSS texts of the printed book: the shared ones, then the paper size."""
    if page_size not in PAGE_GEOMETRY:
        raise BuildError(f"unknown page size {page_size!r}; "
                         f"known: {', '.join(PAGE_GEOMETRY)}")
    return [read_stylesheet(name) for name in STYLESHEETS] + [
        PAGE_GEOMETRY[page_size].css()]


def render_document(html: str, asset_dir: Path, page_size: str) -> "weasyprint.Document":
    """Lay out ``html`` into pages, reading nothing but ``asset_dir`` and data: URIs.

    One call per HTML document: a book rendered in parts calls it once per part.
    """
    import weasyprint
    from weasyprint.text.fonts import FontConfiguration

    from ._pdf_fetcher import AssetFetcher

    fetcher = AssetFetcher(asset_dir)
    font_config = FontConfiguration()
    base_url = f"{ASSET_SCHEME}:"
    sheets = [weasyprint.CSS(string=text, base_url=base_url, url_fetcher=fetcher,
                             font_config=font_config)
              for text in stylesheets(page_size)]
    document = weasyprint.HTML(string=html, base_url=base_url, url_fetcher=fetcher)
    return document.render(font_config=font_config, stylesheets=sheets,
                           presentational_hints=False)


def write_document(document: "weasyprint.Document", path: Path, identifier: bytes) -> None:
    """Write laid-out pages to ``path`` with subset fonts and a stable file identifier."""
    document.write_pdf(path, pdf_identifier=identifier, full_fonts=False, hinting=False,
                       uncompressed_pdf=False)


def book_identifier(book: Book, options: Options) -> bytes:
    """A PDF file identifier that depends on the content only (never random)."""
    digest = hashlib.sha256()
    digest.update(book.title.encode())
    digest.update(options.page_size.encode())
    digest.update(_document_date(book).isoformat().encode())
    for article in book.articles:
        digest.update(article.content_hash.encode())
    return digest.hexdigest()[:32].encode()
