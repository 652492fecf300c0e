"""The PDF format: the book typeset by WeasyPrint, in parts, into one PDF.

The steps are separable: ``_pdf_documents`` makes HTML, :func:`render_document` lays a
document out, :func:`document_bytes` writes it; ``_pdf_build`` typesets a book's parts (in
parallel and from a cache) and ``_pdf_assemble`` joins them into the book.
"""

from __future__ import annotations

import hashlib
import logging
import os
import re
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Callable, Sequence

from .. import fonts
from ..atomic import atomic_path
from ..errors import BuildError
from ..model import Book
from ..options import Options
from ..render import read_stylesheet
from ._pdf_assets import ASSET_SCHEME, stage_images
from ._pdf_documents import document_date

if TYPE_CHECKING:  # WeasyPrint is imported only when a PDF is really written.
    import weasyprint

__all__ = ["PAGE_GEOMETRY", "PdfBackend", "book_identifier", "book_stylesheets",
           "render_document", "document_bytes"]

LOGGER = logging.getLogger("bookmaker.pdf")

#: The stylesheets of the printed book, in cascade order: shared, print, furniture.
STYLESHEETS = ("base.css", "print.css", "print-pages.css")

#: Where HarfBuzz cannot subset fonts (no libharfbuzz-subset), WeasyPrint has fontTools
#: do it, which stamps every subset with the time of day unless SOURCE_DATE_EPOCH is
#: set; this fixed moment (2000-01-01) is set while a PDF is written, so that the file
#: does not change with the clock.
_FONT_STAMP = "946684800"

#: CSS that base.css declares for e-readers and WeasyPrint does not implement; its
#: "Ignored … unknown property" notice would only alarm the user on every build.
_KNOWN_UNSUPPORTED = ("line-break:strict", "hanging-punctuation:allow-end")


def _not_a_known_css_gap(record: logging.LogRecord) -> bool:
    match = _IGNORED_DECLARATION.match(record.getMessage())
    return not (match and f"{match[1]}:{match[2].strip()}" in _KNOWN_UNSUPPORTED)


_IGNORED_DECLARATION = re.compile(r"Ignored `([\w-]+):([^`]*)`")
logging.getLogger("weasyprint").addFilter(_not_a_known_css_gap)


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
    """Write a book as a print-ready PDF with WeasyPrint, typeset in parts."""

    #: Name of the format on the command line (``--format pdf``).
    name = "pdf"
    #: Suffix of the file written.
    suffix = ".pdf"
    #: Fewest and most articles typeset together as one part. Fewer per part means
    #: less memory per worker and less to typeset again when an article is added; more
    #: means less work repeated per part (starting a document, writing its file). With
    #: font stand-ins that work is small: at 1,000 articles, parts of 5 to 14 took 4%
    #: longer than parts of 20 to 50, for a quarter less memory (measured). Parts end
    #: where an article's hash says (see ``_pdf_layout``), so adding an article seldom
    #: moves the end of more than one or two parts.
    part_articles: tuple[int, int] = (5, 14)
    #: Parts carry one-glyph stand-ins for the fonts the book embeds once
    #: (``_pdf_font_stubs``); off, every part embeds its own subsets.
    font_stand_ins: bool = True

    def __init__(self) -> None:
        #: What the last :meth:`write` had to typeset (not found in the cache), per
        #: kind of document: "part", "navigation", "navigation-measure", "folios".
        self.last_typeset: dict[str, int] = {}
        #: Articles the last :meth:`write` left out because WeasyPrint could not
        #: typeset them: (source file, reason).
        self.left_out: tuple[tuple[Path, str], ...] = ()

    def write(self, book: Book, target: Path, options: Options,
              progress: Callable[[int, int], None] | None = None) -> Path:
        """Typeset ``book`` and write it to ``target`` atomically.

        ``progress(done, total)`` is called as parts of the book are typeset.
        """
        target = Path(target)
        if book.article_count == 0:
            raise BuildError(f"{target}: the book has no articles; nothing to print")
        fonts.require_cjk_font("serif")
        self.left_out = ()
        try:
            with tempfile.TemporaryDirectory(prefix="bookmaker-pdf-") as folder:
                asset_dir = Path(folder)
                image_names = stage_images(book.images, asset_dir)
                self._typeset(book, target, options, asset_dir, image_names, progress)
        except BuildError as exc:
            if str(target) in str(exc):
                raise
            raise BuildError(f"{target}: {exc}") from None
        except Exception as exc:  # WeasyPrint, lxml and the file system fail in many ways.
            raise BuildError(f"{target}: PDF rendering failed: {exc}") from exc
        return target

    def _typeset(self, book: Book, target: Path, options: Options, asset_dir: Path,
                 image_names: dict[str, str], progress: Callable[[int, int], None] | None
                 ) -> None:
        """Typeset and write the book; an article WeasyPrint fails on, even alone, is
        left out (logged and kept in :attr:`left_out`) and the rest is typeset again."""
        from ._pdf_build import ArticlesFailed, StandInsKept, Typesetter

        left_out: list[tuple[Path, str]] = []
        stand_ins = self.font_stand_ins
        while True:
            typesetter = Typesetter(book, options, asset_dir,
                                    tuple(book_stylesheets(options.page_size)),
                                    book_identifier(book, options), self.part_articles,
                                    progress, destination=str(target.resolve()),
                                    font_stand_ins=stand_ins)
            try:
                with atomic_path(target) as part:
                    typesetter.write(part, image_names)
                break
            except StandInsKept as failure:  # rare: a face found by the workers, not here
                if not stand_ins:
                    raise
                LOGGER.debug("%s; typesetting again with a subset per part", failure)
                stand_ins = False
            except ArticlesFailed as failure:
                for article, reason in failure.failed:
                    LOGGER.info("%s: left out of the PDF: %s", article.source_path, reason)
                    left_out.append((article.source_path, reason))
                book = book.without({article.slug for article, _ in failure.failed})
                if book.article_count == 0:
                    raise BuildError(f"no article could be typeset ({failure})") from None
            finally:
                self.left_out = tuple(left_out)
        self.last_typeset = dict(typesetter.typeset)


def book_stylesheets(page_size: str) -> list[str]:
    """The CSS texts of the printed book: the shared ones, then the paper size."""
    if page_size not in PAGE_GEOMETRY:
        raise BuildError(f"unknown page size {page_size!r}; "
                         f"known: {', '.join(PAGE_GEOMETRY)}")
    return [read_stylesheet(name) for name in STYLESHEETS] + [
        PAGE_GEOMETRY[page_size].css()]


def render_document(html: str, asset_dir: Path, page_size: str | None,
                    stylesheets: Sequence[str] | None = None) -> "weasyprint.Document":
    """Lay out ``html`` into pages, reading nothing but ``asset_dir`` and data: URIs.

    The stylesheets are the book's for ``page_size``, or ``stylesheets`` when given.
    One call per HTML document: a book typeset in parts calls it once per part.
    """
    import weasyprint
    from weasyprint.text.fonts import FontConfiguration

    from ._pdf_fetcher import AssetFetcher
    from ._pdf_footnotes import stack_footnotes

    stack_footnotes()
    fetcher = AssetFetcher(asset_dir)
    font_config = FontConfiguration()
    base_url = f"{ASSET_SCHEME}:"
    texts = stylesheets if stylesheets is not None else book_stylesheets(page_size or "A4")
    sheets = [weasyprint.CSS(string=text, base_url=base_url, url_fetcher=fetcher,
                             font_config=font_config) for text in texts]
    document = weasyprint.HTML(string=html, base_url=base_url, url_fetcher=fetcher)
    return document.render(font_config=font_config, stylesheets=sheets,
                           presentational_hints=False)


def document_bytes(document: "weasyprint.Document", identifier: bytes) -> bytes:
    """The PDF of laid-out pages, with subset fonts and a stable file identifier."""
    from ._pdf_lazy_fonts import read_fonts_lazily

    read_fonts_lazily()
    stamp = "SOURCE_DATE_EPOCH" not in os.environ
    if stamp:
        os.environ["SOURCE_DATE_EPOCH"] = _FONT_STAMP
    try:
        return document.write_pdf(pdf_identifier=identifier, full_fonts=False,
                                  hinting=False, uncompressed_pdf=False)
    finally:
        if stamp:
            del os.environ["SOURCE_DATE_EPOCH"]


def book_identifier(book: Book, options: Options) -> bytes:
    """A PDF file identifier that depends on the content only (never random)."""
    digest = hashlib.sha256()
    digest.update(book.title.encode())
    digest.update(options.page_size.encode())
    digest.update(document_date(book).isoformat().encode())
    for article in book.articles:
        digest.update(article.content_hash.encode())
    return digest.hexdigest()[:32].encode()
