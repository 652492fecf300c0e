"""EPUB 3 output through ebooklib: one XHTML file per article, two-level navigation."""

from __future__ import annotations

import functools
import hashlib
import logging
import os
import uuid
import zipfile
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable

import markupsafe
from ebooklib import epub

from .. import render
from ..article_cache import cache_root
from ..atomic import atomic_path
from ..cover import COVER_MEDIA_TYPE, render_cover
from ..errors import BuildError
from ..labels import is_chinese, labels_for, section_name
from ..model import Article, Book, Chapter, LocalImage
from ..options import Options
from ._epub_package import (DeflatedDocument, FileItem, NavLink, PackageWriter,
                            RenderedDocument)
from ._epub_page_cache import PageCache
from ._epub_pages import ArticlePages, RecordingContext

log = logging.getLogger(__name__)

#: Namespace of bookmaker's book identifiers: uuid5(namespace, title + content hashes).
BOOK_ID_NAMESPACE = uuid.UUID("5f0c4f7e-2b8a-5d8e-9a51-6b6f6f6b6d6b")

#: Raster image types every EPUB 3 reading system must show (core media types).
#: SVG is a core type too, but it can carry scripts and remote references, and the
#: images stage never produces it.
IMAGE_EXTENSIONS = {"image/jpeg": "jpg", "image/png": "png", "image/gif": "gif",
                    "image/webp": "webp"}

#: Stylesheets in cascade order: the shared typography, then the e-reader specifics.
STYLESHEETS = (*render.BASE_STYLESHEETS, "epub.css")

COVER_FILE = f"images/cover.{IMAGE_EXTENSIONS[COVER_MEDIA_TYPE]}"

#: Every content document sits in ``text/``; these are their paths from there.
_STYLE_LINKS = [f"../styles/{name}" for name in STYLESHEETS]


@dataclass(frozen=True)
class _Image:
    """An embedded image: where it goes in the package and where it comes from."""

    href: str
    uid: str
    source: LocalImage


class _Layout:
    """Where each document and image of the book goes inside the package.

    Names are ASCII and follow reading order (``text/c001.xhtml``,
    ``text/a0001-<hash>.xhtml``), so the same book always gives the same names.
    """

    def __init__(self, book: Book) -> None:
        articles = list(book.articles)
        chapter_digits = max(3, len(str(len(book.chapters))))
        article_digits = max(4, len(str(len(articles))))
        self.chapters = [f"c{n:0{chapter_digits}d}" for n in range(1, len(book.chapters) + 1)]
        self.articles = [f"a{n:0{article_digits}d}" for n in range(1, len(articles) + 1)]
        self.article_files = [f"text/{uid}-{article.content_hash[:12]}.xhtml"
                              for uid, article in zip(self.articles, articles)]
        self._article_index = {id(article): n for n, article in enumerate(articles)}
        self._chapter_index = {id(chapter): n for n, chapter in enumerate(book.chapters)}
        self.images = _embeddable_images(book)

    def article_file(self, article: Article) -> str:
        return self.article_files[self._article_index[id(article)]]

    def chapter_file(self, chapter: Chapter) -> str:
        return f"text/{self.chapters[self._chapter_index[id(chapter)]]}.xhtml"

    def image_src(self, url: str) -> str | None:
        return f"../{self.images[url].href}" if url in self.images else None

    def context(self, book: Book) -> RecordingContext:
        """How the shared templates link from one ``text/`` document to another."""
        return RecordingContext.create(
            book,
            article_href=lambda article: self.article_file(article).removeprefix("text/"),
            chapter_href=lambda chapter: self.chapter_file(chapter).removeprefix("text/"),
            embedded_src=self.image_src,
            labels=labels_for(book.language),
        )


def _embeddable_images(book: Book) -> dict[str, _Image]:
    """The images the articles use that can go into the book, by remote URL.

    Identical files share one entry; a missing file or a type that reading systems
    need not support is left out, and its figure keeps the caption only.
    """
    images: dict[str, _Image] = {}
    by_digest: dict[str, _Image] = {}
    for article in book.articles:
        for url in article.image_urls:
            local = book.images.get(url)
            if url in images or local is None:
                continue
            extension = IMAGE_EXTENSIONS.get(local.media_type)
            if extension is None:
                log.warning("%s: image type %s cannot go into an EPUB; caption kept",
                            url, local.media_type)
                continue
            try:
                with open(local.path, "rb") as handle:
                    digest = hashlib.file_digest(handle, "sha256").hexdigest()[:16]
            except OSError as exc:
                log.warning("%s: image file unreadable (%s); caption kept", url, exc)
                continue
            images[url] = by_digest.setdefault(
                digest, _Image(f"images/{digest}.{extension}", f"img-{digest}", local))
    return images


def book_identifier(book: Book) -> str:
    """``urn:uuid:`` of a uuid5 of the title and the sorted article content hashes."""
    hashes = sorted(article.content_hash for article in book.articles)
    name = "\n".join([book.title, *hashes])
    return f"urn:uuid:{uuid.uuid5(BOOK_ID_NAMESPACE, name)}"


def book_title(book: Book) -> str:
    """The title, on one line; a book without one is named by its dates."""
    view = render.book_view(book)
    return " ".join(book.title.split()) or str(view["date_range"]) or "bookmaker"


def modification_time(book: Book) -> datetime:
    """``SOURCE_DATE_EPOCH`` when set, else the newest article's time; never "now"."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    if epoch:
        try:
            return datetime.fromtimestamp(int(epoch), timezone.utc)
        except (ValueError, OverflowError, OSError):
            raise BuildError(f"SOURCE_DATE_EPOCH must be a whole number of seconds, "
                             f"got {epoch!r}") from None
    newest = book.last_published
    assert newest is not None, "an empty book has no modification time"
    return newest.astimezone(timezone.utc)


class EpubBackend:
    """Writes a book as an EPUB 3 file (with an NCX for older readers)."""

    #: ``--format`` value that selects this backend.
    name = "epub"
    #: Suffix of the file written.
    suffix = ".epub"

    def write(self, book: Book, target: Path, options: Options,
              progress: Callable[[int, int], None] | None = None) -> Path:
        """Write ``book`` to ``target`` atomically; a failure leaves ``target`` as it was.

        Article pages of the previous build of ``target`` are reused from the cache
        (unless ``options.cache`` is off) when nothing they depend on has changed.
        ``progress(done, total)`` is called as article pages are written.
        """
        if book.article_count == 0:
            raise BuildError("no articles to build")
        target = Path(target)
        cache = PageCache.for_target(
            cache_root(options.cache_dir) if options.cache else None, target)
        package = assemble(book, cache, options.jobs, progress)
        modified = modification_time(book)
        try:
            with atomic_path(target) as temporary:
                writer = PackageWriter(temporary, package, modified, {
                    "landmark_title": labels_for(book.language)["landmarks"]})
                writer.process()
                writer.write()
        except (OSError, zipfile.LargeZipFile) as exc:
            raise BuildError(f"{target}: cannot write the EPUB: {exc}") from exc
        cache.save()
        return target


def assemble(book: Book, cache: PageCache, jobs: int,
             progress: Callable[[int, int], None] | None) -> epub.EpubBook:
    """The ebooklib book, step by step. Article pages are made first (deflated, so they
    take little memory); the other pages are rendered as the writer stores them."""
    layout = _Layout(book)
    context = layout.context(book)
    pages = ArticlePages(book, context, cache, _STYLE_LINKS)
    pages.prepare([(article, _plain(article.title, article.url))
                   for article in book.articles], jobs, progress)
    package = epub.EpubBook()
    # 1. metadata, 2. stylesheets, 3. cover image and front matter, 4. chapter openers
    # and articles, 5. images, 6. nav, NCX and landmarks, 7. spine in reading order.
    _add_metadata(package, book)
    _add_stylesheets(package)
    front = _add_front_matter(package, book, context)
    toc = _add_chapters(package, book, layout, context, pages)
    for image in dict.fromkeys(layout.images.values()):
        package.add_item(FileItem(image.uid, image.href, image.source.media_type,
                                  image.source.path))
    _add_navigation(package, book, toc, front)
    package.spine = [item for item in package.items
                     if isinstance(item, (RenderedDocument, DeflatedDocument))]
    return package


def _add_stylesheets(package: epub.EpubBook) -> None:
    for name in STYLESHEETS:
        package.add_item(epub.EpubItem(uid=f"style-{name.removesuffix('.css')}",
                                       file_name=f"styles/{name}", media_type="text/css",
                                       content=render.read_stylesheet(name).encode("utf-8")))


def _add_front_matter(package: epub.EpubBook, book: Book,
                      context: render.RenderContext) -> dict[str, RenderedDocument]:
    """Cover image and page, title page and contents page, by landmark name."""
    labels = labels_for(book.language)
    package.set_cover(COVER_FILE, render_cover(book), create_page=False)
    return {
        "cover": _page(package, "cover", "text/cover.xhtml", labels["cover"],
                       book.language, lambda: _cover_body(book), body_class="cover-page",
                       epub_type="cover"),
        "title": _page(package, "title-page", "text/title.xhtml", labels["title_page"],
                       book.language, lambda: render.render_title_page(book),
                       body_class="title-page-body", epub_type="titlepage"),
        "toc": _page(package, "toc-page", "text/toc.xhtml", labels["contents"],
                     book.language, lambda: render.render_toc(book, context),
                     body_class="toc-page"),
    }


def _add_chapters(package: epub.EpubBook, book: Book, layout: _Layout,
                  context: render.RenderContext,
                  pages: ArticlePages) -> list[tuple[epub.Section, list[NavLink]]]:
    """An opener per chapter followed by its articles; returns the two-level TOC."""
    toc = []
    article_names = iter(enumerate(zip(layout.articles, layout.article_files)))
    for chapter_uid, chapter in zip(layout.chapters, book.chapters):
        chapter_title = _plain(chapter.title, chapter.key)
        opener = _page(package, chapter_uid, layout.chapter_file(chapter), chapter_title,
                       book.language, _chapter_renderer(chapter, context),
                       body_class="chapter-page", epub_type="bodymatter chapter")
        links = []
        for article in chapter.articles:
            index, (uid, file_name) = next(article_names)
            title = _plain(article.title, article.url)
            package.add_item(DeflatedDocument(uid, file_name,
                                              functools.partial(pages.page, index)))
            links.append(NavLink(file_name, title, f"nav-{uid}",
                                 article.language or book.language))
        toc.append((epub.Section(chapter_title, opener.file_name), links))
    return toc


def _add_navigation(package: epub.EpubBook, book: Book,
                    toc: list[tuple[epub.Section, list[NavLink]]],
                    front: dict[str, RenderedDocument]) -> None:
    """The EPUB 3 nav document and the NCX (both from ``toc``), and the landmarks."""
    labels = labels_for(book.language)
    nav = epub.EpubNav(title=labels["contents"])
    for name in STYLESHEETS:
        nav.add_link(href=f"styles/{name}", rel="stylesheet", type="text/css")
    package.add_item(nav)
    package.add_item(epub.EpubNcx())
    package.toc = toc
    package.guide = [
        {"type": "cover", "href": front["cover"].file_name, "title": labels["cover"]},
        {"type": "toc", "href": front["toc"].file_name, "title": labels["contents"]},
        {"type": "text", "href": toc[0][0].href, "title": labels["start"]},
    ]


def _add_metadata(package: epub.EpubBook, book: Book) -> None:
    view = render.book_view(book)
    package.set_identifier(book_identifier(book))
    package.set_title(book_title(book))
    package.set_language(book.language)
    package.set_direction("ltr")
    for n, publisher in enumerate(book.publishers):
        package.add_author(publisher, uid=f"creator{n}")
        package.add_metadata("DC", "publisher", publisher)
    package.add_metadata("DC", "date", book.last_published.astimezone(timezone.utc)
                         .strftime("%Y-%m-%dT%H:%M:%SZ"))
    separator = "，" if is_chinese(book.language) else "; "
    package.add_metadata("DC", "description",
                         f"{view['date_range']}{separator}{view['count_line']}")
    for section in dict.fromkeys(section_name(a.section_key, a.section, book.language)
                                 for a in book.articles):
        if section:
            package.add_metadata("DC", "subject", section)


def _page(package: epub.EpubBook, uid: str, file_name: str, title: str, lang: str,
          body: Callable[[], str], *, body_class: str,
          epub_type: str | None = None) -> RenderedDocument:
    """Add one XHTML document, rendered from ``body()`` when it is written."""
    def document() -> str:
        return render.render_page(body(), title=title, lang=lang,
                                  stylesheets=_STYLE_LINKS, body_class=body_class,
                                  epub_type=epub_type)

    return package.add_item(RenderedDocument(uid, file_name, document))


def _chapter_renderer(chapter: Chapter,
                      context: render.RenderContext) -> Callable[[], str]:
    return lambda: render.render_chapter_opener(chapter, context)


def _cover_body(book: Book) -> str:
    return (f'<div class="cover"><img class="cover-image" src="../{COVER_FILE}" '
            f'alt="{markupsafe.escape(book_title(book))}"/></div>')


def _plain(title: str, fallback: str) -> str:
    """A title on one line; navigation entries and page titles need text, so an
    untitled item shows its address or key."""
    return " ".join(title.split()) or fallback
