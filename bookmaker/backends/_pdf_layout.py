"""Where every page of a book typeset in parts goes, and what is printed over it.

The book is cut into runs of articles ("parts"), plus the front matter (cover, title
page, contents) and runs of chapter openers. Once each of them has been typeset, their
page counts give the page map: the page number of every article and chapter, the order
of all pages, and for each page its furniture (page number, running head), its
bookmarks and its link targets.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Mapping, Sequence

from ..model import Article, Book, Chapter
from ._pdf_assemble import BookPage, Furniture, Mark, OutlineItem
from ._pdf_documents import COVER_ID, TITLE_PAGE_ID

#: Pages per typeset page-number sheet (when numbers cannot be composed, see
#: ``_pdf_folios``); the last sheet of a book has only as many pages as it needs,
#: rounded up to :data:`FOLIO_STEP` so that a growing book rarely needs a new one.
FOLIO_BLOCK = 256
FOLIO_STEP = 32
#: A part ends after an article whose content hash is a multiple of this (once it has
#: the fewest articles a part may have), so the cuts depend on the articles, not on
#: their positions: adding or removing an article changes one part, not all after it.
_CUT_EVERY = 8
#: The contents is the navigation document's anchor "toc" (see templates/toc.jinja).
TOC_ID = "toc"
#: A run of chapter openers ends once it lists this many articles: a book that grows
#: at its end then changes only its last run, which is quick to typeset again.
OPENER_RUN_ARTICLES = 100

Summary = Mapping[str, Any]


def opener_runs(chapters: Sequence[Chapter]) -> list[tuple[Chapter, ...]]:
    """Consecutive chapters whose openers are typeset together, in book order."""
    runs: list[tuple[Chapter, ...]] = []
    current: list[Chapter] = []
    for chapter in chapters:
        current.append(chapter)
        if sum(len(c.articles) for c in current) >= OPENER_RUN_ARTICLES:
            runs.append(tuple(current))
            current = []
    if current:
        runs.append(tuple(current))
    return runs


def split_articles(articles: Sequence[Article], fewest: int, most: int
                   ) -> list[tuple[Article, ...]]:
    """Consecutive runs of ``fewest`` to ``most`` articles (the last run may be
    shorter), cut where an article's content hash says so."""
    parts: list[tuple[Article, ...]] = []
    current: list[Article] = []
    for article in articles:
        current.append(article)
        cut = int(article.content_hash[:8], 16) % _CUT_EVERY == 0
        if len(current) >= most or (len(current) >= fewest and cut):
            parts.append(tuple(current))
            current = []
    if current:
        parts.append(tuple(current))
    return parts


@dataclass(frozen=True)
class _Run:
    """Pages ``start`` to ``end`` (exclusive) of source ``source``, printed as ``kind``:
    "blank" (no furniture), "plain" (a page number) or "article"."""

    source: int
    start: int
    end: int
    kind: str
    #: For articles: the form (in ``source``) of the article's right-page head.
    head: int = 0


class PageMap:
    """The book's pages, from the summaries of its typeset documents.

    Source 0 is the front matter (cover, title page, contents), sources 1 to k the runs
    of chapter openers, then the parts in order from :attr:`first_part`; whatever draws
    the page numbers comes after them.
    """

    def __init__(self, book: Book, front: Summary,
                 openers: Sequence[tuple[tuple[Chapter, ...], Summary]],
                 parts: Sequence[tuple[tuple[Article, ...], Summary]]) -> None:
        self.book = book
        self.front, self.openers = front, openers
        self.parts = parts
        #: The source number of the first part.
        self.first_part = 1 + len(openers)
        at = anchor_pages(front)
        runs = [_Run(0, at[COVER_ID], at[TITLE_PAGE_ID], "blank"),
                _Run(0, at[TITLE_PAGE_ID], at[TOC_ID], "blank"),
                _Run(0, at[TOC_ID], front["pages"], "plain")]
        where: dict[str, tuple[int, int, int]] = {}  # slug → (source, start, end)
        #: Pages each article takes, by its content hash.
        self.lengths: dict[str, int] = {}
        for source, (articles, summary) in enumerate(parts, start=self.first_part):
            for article, (start, end) in zip(articles, _spans(articles, summary)):
                where[article.slug] = (source, start, end)
                self.lengths[article.content_hash] = end - start
        opener: dict[str, tuple[int, int, int]] = {}  # chapter key → the same
        for source, (chapters, summary) in enumerate(openers, start=1):
            for chapter, (start, end) in zip(chapters, _spans(
                    [chapter.key for chapter in chapters], summary)):
                opener[chapter.key] = (source, start, end)
        for chapter in book.chapters:
            runs.append(_Run(*opener[chapter.key], "plain"))
            for article in chapter.articles:
                source, start, end = where[article.slug]
                head = parts[source - self.first_part][0].index(article)
                runs.append(_Run(source, start, end, "article", head))
        self.runs = runs
        #: (source, page index) → index of the page in the book.
        self.position: dict[tuple[int, int], int] = {}
        for run in runs:
            for page in range(run.start, run.end):
                self.position[(run.source, page)] = len(self.position)
        #: Total number of pages in the book.
        self.total = len(self.position)

    def numbers(self) -> dict[str, int]:
        """The page number (from 1) of every anchor of the book, the first one of a name
        winning."""
        return {name: mark.page + 1 for name, mark in self.destinations().items()}

    def folio_sources(self) -> int:
        """How many page-number sheets the book needs."""
        return -(-self.total // FOLIO_BLOCK)

    def folio_pages(self, block: int) -> int:
        """How many pages page-number sheet ``block`` needs."""
        needed = min(FOLIO_BLOCK, self.total - block * FOLIO_BLOCK)
        return min(FOLIO_BLOCK, -(-needed // FOLIO_STEP) * FOLIO_STEP)

    def folio_blocks(self) -> list[Furniture]:
        """Page numbers from typeset sheets: sheet ``i`` is the source after the parts
        plus ``i``."""
        base = len(self.parts) + self.first_part
        return [Furniture(base + index // FOLIO_BLOCK, index % FOLIO_BLOCK)
                for index in range(self.total)]

    def pages(self, folios: Sequence[Furniture]) -> list[BookPage]:
        """Every page in book order, with its furniture; ``folios[i]`` draws the number
        of page ``i + 1``."""
        pages: list[BookPage] = []
        for run in self.runs:
            for page in range(run.start, run.end):
                index = len(pages)  # the page number is index + 1
                furniture: list[Furniture] = []
                if run.kind != "blank":
                    furniture.append(folios[index])
                if run.kind == "article" and page != run.start:
                    # Page numbers start at 1 on a right page: an odd index is a left page,
                    # headed with the book's title (the front matter's only sheet).
                    furniture.append(Furniture(0, 0) if index % 2 else
                                     Furniture(run.source, run.head))
                pages.append(BookPage(run.source, page, tuple(furniture)))
        return pages

    def destinations(self) -> dict[str, Mark]:
        """Every anchor as a place in the book, the first one of a name winning."""
        found: dict[str, tuple[int, Mark]] = {}
        for source, summary in self._sources():
            for name, page, x, y in summary["anchors"]:
                index = self.position.get((source, page))
                if index is not None and (name not in found or index < found[name][0]):
                    found[name] = (index, Mark(index, x, y))
        return {name: mark for name, (_, mark) in found.items()}

    def outline(self) -> list[OutlineItem]:
        """Chapters, each with its articles, pointing where WeasyPrint's bookmarks do."""
        article_marks: dict[str, OutlineItem] = {}
        for source, (articles, summary) in enumerate(self.parts, start=self.first_part):
            marks = [self._bookmark(source, entry) for entry in summary["bookmarks"]]
            if len(marks) != len(articles):  # a title that made no bookmark: use anchors
                marks = [self._anchor_item(source, summary, a) for a in articles]
            article_marks.update((a.slug, mark) for a, mark in zip(articles, marks))
        chapters: list[OutlineItem] = []
        for source, (run, summary) in enumerate(self.openers, start=1):
            marks = [self._bookmark(source, entry) for entry in summary["bookmarks"]]
            if len(marks) != len(run):
                marks = [self._anchor_item(source, summary, c.key, c.title) for c in run]
            chapters += marks
        for item, chapter in zip(chapters, self.book.chapters):
            item.children = [article_marks[a.slug] for a in chapter.articles]
        return chapters

    def _bookmark(self, source: int, entry: Sequence[Any]) -> OutlineItem:
        title, page, x, y = entry
        return OutlineItem(title, Mark(self.position[(source, page)], x, y))

    def _anchor_item(self, source: int, summary: Mapping[str, Any], target: Any,
                     title: str | None = None) -> OutlineItem:
        name = target if isinstance(target, str) else target.slug
        for anchor, page, x, y in summary["anchors"]:
            if anchor == name:
                return OutlineItem(title or target.title,
                                   Mark(self.position[(source, page)], x, y))
        raise ValueError(f"no anchor {name!r} in a typeset part")

    def _sources(self):
        yield 0, self.front
        for source, (_, summary) in enumerate(self.openers, start=1):
            yield source, summary
        for source, (_, summary) in enumerate(self.parts, start=self.first_part):
            yield source, summary


def _spans(items: Sequence[Article] | Sequence[str], summary: Summary
           ) -> list[tuple[int, int]]:
    """The pages (start, end) each article or chapter (by anchor) takes in a document
    that holds them in this order, each starting a page."""
    starts = anchor_pages(summary)
    bounds = [starts[item if isinstance(item, str) else item.slug] for item in items]
    return list(zip(bounds, bounds[1:] + [summary["pages"]]))


def anchor_pages(summary: Mapping[str, Any]) -> dict[str, int]:
    """Anchor name → page index within one typeset document (the first occurrence)."""
    found: dict[str, int] = {}
    for name, page, _, _ in summary["anchors"]:
        found.setdefault(name, page)
    return found
