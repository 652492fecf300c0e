"""Typesetting a book in parts, in parallel and from the cache, then writing one PDF.

Parts are typeset without page furniture, so a part's pages do not depend on where it
falls in the book: one pass over the parts (each cached by its content) gives the page
count of every article. The navigation (cover, title page, contents, chapter openers)
is laid out once with placeholder numbers to learn its length, then typeset with the
real numbers. Page numbers and running heads come from sheets typeset on their own and
laid over each page by the assembler. A part whose text prints page numbers (a link to
another article) is typeset again once the numbers are known.
"""

from __future__ import annotations

import os
from concurrent.futures import Future
from dataclasses import dataclass, field
from importlib.metadata import version
from pathlib import Path
from typing import Any, Callable, Mapping, Sequence

from ..errors import BuildError
from ..model import Article, Book
from ..options import Options
from ..render import RenderContext
from . import _pdf_documents as documents
from ._pdf_assemble import write_book
from ._pdf_cache import PartCache, cache_root, fingerprint
from ._pdf_fragment import read_fragment, read_metadata
from ._pdf_layout import FOLIO_BLOCK, PageMap, split_articles
from ._pdf_parallel import Renderer, RenderTask, replay, result

#: Rounds of typesetting again when printed numbers moved pages (almost never needed).
_ROUNDS = 4
#: Bytes of part HTML per page: a low guess, to start page-number sheets early.
_HTML_BYTES_PER_PAGE = 2400

Progress = Callable[[int, int], None]


@dataclass
class _Job:
    """A document to typeset (or find in the cache), and its summary once done."""

    key: str
    html: str
    future: Future | None = None
    summary: dict[str, Any] | None = None


@dataclass
class Typesetter:
    """Typesets one book into one PDF."""

    book: Book
    options: Options
    asset_dir: Path
    #: The book's stylesheets (shared, print, furniture, paper size), in cascade order.
    base_sheets: tuple[str, ...]
    #: The PDF's file identifier.
    identifier: bytes
    #: Fewest and most articles per part.
    part_articles: tuple[int, int]
    progress: Progress | None = None
    #: Keys of the documents this build used; they are kept in the cache.
    used: set[str] = field(default_factory=set)
    #: How many documents were typeset (not found in the cache), per kind.
    typeset: dict[str, int] = field(default_factory=dict)

    def write(self, target: Path, image_names: Mapping[str, str]) -> None:
        """Typeset the book and write its PDF to ``target``."""
        self.cache = PartCache(cache_root(self.options), fingerprint(), self.asset_dir)
        self.content_sheets = self.base_sheets + (documents.CONTENT_ONLY_CSS,)
        self._logged: set[tuple[str, int, str]] = set()
        context = documents.print_context(self.book, image_names)
        runs = split_articles(list(self.book.articles), *self.part_articles)
        jobs = self.options.jobs or os.cpu_count() or 1
        with Renderer(jobs if len(runs) > 1 else 1) as self.renderer:
            placeholder = "0" * len(str(self._estimate(runs)))
            measured = self._navigation(context, lambda name: placeholder, measure=True)
            parts, folios = self._parts(runs, context, lambda name: placeholder)
            page_map, navigation, parts = self._settle(
                runs, parts, context, self._finish(measured), folios)
            self._report(len(runs) + 1, len(runs) + 1)
            self._assemble(target, page_map, [navigation] + parts +
                           [folios[block] for block in range(page_map.folio_sources())])
        self.cache.prune(self.used)

    # -- one document ---------------------------------------------------------------

    def _request(self, kind: str, html: str, stylesheets: tuple[str, ...], sheets: int = 0,
                 measure: bool = False) -> _Job:
        """Find a document in the cache, or hand it to a worker."""
        job = _Job(self.cache.key(kind + ("-measure" if measure else ""), html, stylesheets),
                   html)
        self.used.add(job.key)
        if self.cache.hit(job.key):
            try:
                job.summary = read_metadata(self.cache.path(job.key))
                self._replay(job.summary["logs"])
                return job
            except (OSError, ValueError, KeyError):
                self.cache.forget(job.key)
        counted = kind + ("-measure" if measure else "")
        self.typeset[counted] = self.typeset.get(counted, 0) + 1
        job.future = self.renderer.submit(RenderTask(
            str(self.cache.path(job.key)), html, stylesheets, str(self.asset_dir), sheets,
            measure))
        return job

    def _finish(self, job: _Job) -> dict[str, Any]:
        if job.summary is None:
            job.summary = result(job.future)
            self._replay(job.summary["logs"])
        return job.summary

    def _replay(self, records: Sequence[Sequence[Any]]) -> None:
        """Log a part's warnings, each distinct one once per build."""
        fresh = [tuple(record) for record in records if tuple(record) not in self._logged]
        self._logged.update(fresh)
        replay(fresh)

    # -- the book's documents ---------------------------------------------------------

    def _navigation(self, context: RenderContext, page_of: Callable[[str], str],
                    measure: bool = False) -> _Job:
        html = documents.navigation_document(self.book, context, page_of)
        return self._request("navigation", html, self.content_sheets, measure=measure)

    def _articles(self, articles: tuple[Article, ...], context: RenderContext,
                  page_of: Callable[[str], str]) -> _Job:
        html = documents.articles_document(self.book, articles, context, page_of)
        return self._request("part", html, self.content_sheets, sheets=1 + len(articles))

    def _folios(self, block: int, pages: int = FOLIO_BLOCK) -> _Job:
        """The page-number sheet of pages ``block * FOLIO_BLOCK + 1`` on."""
        html = documents.folio_document(self.book, pages)
        sheets = self.base_sheets + (documents.folio_css(block * FOLIO_BLOCK + 1),)
        return self._request("folios", html, sheets, sheets=pages)

    def _parts(self, runs: Sequence[tuple[Article, ...]], context: RenderContext,
               page_of: Callable[[str], str]) -> tuple[list[_Job], dict[int, _Job]]:
        """Typeset every part; start page-number sheets as the book's length grows."""
        parts: list[_Job] = []
        folios: dict[int, _Job] = {}
        guessed = 0
        for articles in runs:
            parts.append(self._articles(articles, context, page_of))
            guessed += len(parts[-1].html.encode()) // _HTML_BYTES_PER_PAGE
            while (len(folios) + 1) * FOLIO_BLOCK <= guessed:
                folios[len(folios)] = self._folios(len(folios))
        for done, job in enumerate(parts, start=1):
            self._finish(job)
            self._report(done, len(runs) + 1)
        return parts, folios

    def _settle(self, runs: Sequence[tuple[Article, ...]], parts: list[_Job],
                context: RenderContext, navigation: dict[str, Any],
                folios: dict[int, _Job]) -> tuple[PageMap, _Job, list[_Job]]:
        """Typeset what prints page numbers with the real numbers, until no page moves."""
        parts = list(parts)
        for _ in range(_ROUNDS):
            page_map = PageMap(self.book, navigation,
                               [(a, job.summary) for a, job in zip(runs, parts)])
            numbers = page_map.numbers()

            def page_of(name: str) -> str:
                return str(numbers.get(name, 0))

            final = self._navigation(context, page_of)
            redone = {index: self._articles(articles, context, page_of)
                      for index, (articles, job) in enumerate(zip(runs, parts))
                      if "data-page=" in job.html}
            for block in range(page_map.folio_sources()):
                pages = page_map.folio_pages(block)
                if block not in folios or folios[block].html.count("bookmaker-folio") < pages:
                    folios[block] = self._folios(block, pages)
            moved = _shape(self._finish(final)) != _shape(navigation)
            navigation = final.summary
            for index, job in redone.items():
                moved |= _shape(self._finish(job)) != _shape(parts[index].summary)
                parts[index] = job
            for job in folios.values():
                self._finish(job)
            if not moved:
                return page_map, final, parts
        raise BuildError("page numbers did not settle: printing them kept moving pages")

    def _assemble(self, target: Path, page_map: PageMap, jobs: Sequence[_Job]) -> None:
        meta = documents.metadata(self.book)
        stamp = "D:" + "".join(c for c in meta["dcterms.created"] if c.isdigit()) + "Z"
        info = {"Title": self.book.title, "Author": meta["author"], "Creator": "bookmaker",
                "Producer": f"WeasyPrint {version('weasyprint')}",
                "CreationDate": stamp, "ModDate": stamp}
        write_book(
            target,
            fragments=[lambda job=job: read_fragment(self.cache.path(job.key))[0]
                       for job in jobs],
            pages=page_map.pages(), outline=page_map.outline(),
            destinations=page_map.destinations(),
            info={key: value for key, value in info.items() if value},
            lang=self.book.language, identifier=self.identifier)

    def _estimate(self, runs: Sequence[tuple[Article, ...]]) -> int:
        """A guess of the book's length in pages, for the width of placeholder numbers."""
        size = sum(len(a.body) + len(a.title) for a in self.book.articles)
        return max(9, size // _HTML_BYTES_PER_PAGE + len(runs))

    def _report(self, done: int, total: int) -> None:
        if self.progress is not None:
            self.progress(done, total)


def _shape(summary: Mapping[str, Any]) -> tuple:
    """What the page map reads from a document: its length and where its anchors are."""
    first: dict[str, int] = {}
    for name, page, _, _ in summary["anchors"]:
        first.setdefault(name, page)
    return summary["pages"], tuple(sorted(first.items()))
