"""Typesetting a book in parts, in parallel and from the cache, then writing one PDF.

Parts (runs of articles) are typeset without page furniture, so their pages do not
depend on where they fall in the book: one pass over the parts, each cached by its
content, gives the length of every article. The front matter and the runs of chapter
openers, which print page numbers, are laid out once with placeholder numbers to learn
their length, then typeset with the real ones. A rebuild knows those lengths from the
last build (``_pdf_memory``; a few new articles are laid out alone to learn theirs), so
it typesets the navigation with the numbers they give while the parts are typeset, and
checks the numbers once the parts are done. The assembler lays the furniture over every
page: page numbers written like a typeset sample (``_pdf_folios``), running heads from
the head sheets at the end of each part. A part whose text prints a page number (a
link to another article) is typeset again once the numbers are known.
"""

from __future__ import annotations

import hashlib
import logging
from concurrent.futures import Future
from dataclasses import dataclass, field
from importlib.metadata import version
from pathlib import Path
from typing import Any, Callable, Mapping, Sequence

from ..article_cache import cache_root
from ..errors import BuildError
from ..model import Article, Book
from ..work_sharing import usable_cpus
from ..options import Options
from . import _pdf_documents as documents
from . import _pdf_folios as folios
from ._pdf_assemble import Furniture, write_book
from ._pdf_cache import PartCache, fingerprint
from ._pdf_fonts import (SharedProgram, face_name, share_programs, stand_ins_left,
                         uses_from_summaries)
from ._pdf_fragment import Fragment, read_fragment, read_metadata
from ._pdf_layout import (FOLIO_BLOCK, PageMap, Summary, anchor_pages, opener_runs,
                          split_articles)
from ._pdf_memory import Memory, guess_numbers, predicted_summary, recall, record
from ._pdf_parallel import Renderer, RenderTask, replay, result

LOGGER = logging.getLogger("bookmaker.pdf")

#: Rounds of typesetting again when printed numbers moved pages (almost never needed).
_ROUNDS = 4
#: New or changed articles a rebuild lays out alone to learn their length, so that the
#: navigation can be typeset beside the parts; with more, it waits for the parts.
_MEASURED_AT_MOST = 8

Progress = Callable[[int, int], None]


class StandInsKept(BuildError):
    """Fonts the parts stood in for that could not be embedded once for the book: the
    parts must be typeset again with their own subsets."""

    def __init__(self, faces: Sequence[str]) -> None:
        self.faces = tuple(faces)
        super().__init__("fonts not shared: " + ", ".join(map(face_name, faces)))


class ArticlesFailed(BuildError):
    """Articles WeasyPrint cannot typeset, each tried alone: (article, reason) pairs."""

    def __init__(self, failed: Sequence[tuple[Article, str]]) -> None:
        self.failed = tuple(failed)
        super().__init__("; ".join(f"{article.source_path}: {reason}"
                                   for article, reason in self.failed))


@dataclass
class _Job:
    """A document to typeset (or find in the cache), and its summary once done."""

    key: str
    #: Its text prints page numbers (links to other articles): once the numbers are
    #: known, it is typeset again with them. (Only this is kept of its HTML: the HTML of
    #: every part of a large book would take tens of megabytes in this process.)
    prints_numbers: bool
    future: Future | None = None
    summary: dict[str, Any] | None = None
    #: The articles of a part (none for the other documents).
    articles: tuple[Article, ...] = ()

    @property
    def ready(self) -> bool:
        """Typeset (or found in the cache) already."""
        return self.summary is not None or (self.future is not None and self.future.done())


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
    #: Where the PDF goes: a book rebuilt to the same place reuses what its last build
    #: learnt about the length of its front matter and openers.
    destination: str = ""
    #: Parts carry stand-ins for the fonts the book embeds once (``_pdf_font_stubs``).
    font_stand_ins: bool = True
    #: Keys of the documents this build used; they are kept in the cache.
    used: set[str] = field(default_factory=set)
    #: How many documents were typeset (not found in the cache), per kind.
    typeset: dict[str, int] = field(default_factory=dict)
    #: Documents requested so far, by key: asking again for one being typeset waits
    #: for it instead of typesetting it twice.
    _jobs: dict[str, _Job] = field(default_factory=dict)

    def write(self, target: Path, image_names: Mapping[str, str]) -> None:
        """Typeset the book and write its PDF to ``target``."""
        # Without the cache, parts still travel from the workers through files: they go
        # to a folder of this build's own (its asset folder), removed with it, and a
        # retry without a failing article finds the other parts there.
        root = cache_root(self.options.cache_dir) if self.options.cache else (
            self.asset_dir / "uncached")
        self.cache = PartCache(root, fingerprint(), self.asset_dir)
        self.content_sheets = self.base_sheets + (documents.CONTENT_ONLY_CSS,)
        self._logged: set[tuple[str, int, str]] = set()
        self._parts_done = 0
        self._context = documents.print_context(self.book, image_names)
        runs = self._runs = split_articles(list(self.book.articles), *self.part_articles)
        self._opener_runs = opener_runs(self.book.chapters)
        jobs = self.options.jobs or usable_cpus()
        with Renderer(jobs if len(runs) > 1 else 1) as self.renderer:
            placeholder = guess_numbers(self.book, self.options.page_size).get

            def zeros(name: str) -> str:
                return placeholder(name, "0")

            memory_name = self._memory_name()
            memory = recall(self.cache.recall(memory_name), self._opener_runs)
            unknown = [article for article in self.book.articles if not memory.knows(article)]
            if unknown:
                # A new or changed article: something will be typeset, so the workers
                # get ready while this process makes HTML (before any request: the
                # first one handed out would start the pool unprepared).
                self.renderer.prepare(self.content_sheets, str(self.asset_dir))
            sample = self._request(
                "folio-sample", documents.folio_document(self.book, 2),
                self.base_sheets + (documents.folio_css(folios.SAMPLE_FIRST),), sheets=2,
                folio_sample=True)
            measured = [] if memory.navigation else self._navigation(zeros, measure=True)
            self._speculate(memory, unknown, zeros)
            new = set(map(id, unknown))
            parts = self._parts(zeros, first=lambda run: any(id(a) in new for a in run))
            page_map, navigation, parts = self._settle(
                parts, memory.navigation or [self._finish(job) for job in measured])
            self.cache.remember(memory_name, record(
                [job.summary for job in navigation], page_map))
            sources, numbers, summaries = self._page_numbers(
                page_map, self._finish(sample), sample)
            self._report(len(runs) + 1, len(runs) + 1)
        # The workers are gone by now: the fonts are cut and the book written without them.
        summaries = [s for s in summaries + [job.summary for job in navigation + parts] if s]
        try:
            fonts = share_programs(uses_from_summaries(summaries))
        except Exception as exc:  # sharing only saves space: each part keeps its own
            LOGGER.debug("fonts not shared: %s", exc)
            fonts = {}
        kept = stand_ins_left(summaries, fonts)
        if kept:
            raise StandInsKept(kept)
        self._assemble(target, page_map, [self._loader(job) for job in navigation + parts]
                       + sources, numbers, fonts)
        self.cache.prune(self.used)

    # -- one document ---------------------------------------------------------------

    def _request(self, kind: str, html: str, stylesheets: tuple[str, ...], sheets: int = 0,
                 measure: bool = False, folio_sample: bool = False) -> _Job:
        """Find a document in the cache, or hand it to a worker."""
        kind += "-measure" if measure else ""
        # Measuring writes no PDF, so no fonts: its layouts serve both kinds of build.
        own_fonts = not (self.font_stand_ins or measure)
        key = self.cache.key(kind + "-own-fonts" if own_fonts else kind, html, stylesheets)
        if key in self._jobs:
            return self._jobs[key]
        job = self._jobs[key] = _Job(key, "data-page=" in html)
        self.used.add(job.key)
        if self.cache.hit(job.key):
            try:
                job.summary = read_metadata(self.cache.path(job.key))
                self._replay(job.summary["logs"])
                return job
            except (OSError, ValueError, KeyError):
                self.cache.forget(job.key)
        self.typeset[kind] = self.typeset.get(kind, 0) + 1
        job.future = self.renderer.submit(RenderTask(
            str(self.cache.path(job.key)), html, stylesheets, str(self.asset_dir), sheets,
            measure, folio_sample, self.font_stand_ins))
        return job

    def _finish(self, job: _Job) -> dict[str, Any]:
        if job.summary is None:
            try:
                job.summary = result(job.future)
            except BuildError as failure:
                if not job.articles:
                    raise
                raise self._culprits(job.articles, failure) from None
            self._replay(job.summary["logs"])
            LOGGER.debug("typeset %s: %d pages in %.1f s by process %s", job.key[:12],
                         job.summary["pages"], job.summary["seconds"], job.summary["process"])
        return job.summary

    def _culprits(self, articles: tuple[Article, ...], failure: BuildError) -> BuildError:
        """The articles of a failed part that fail on their own, as :class:`ArticlesFailed`
        (the build leaves them out and tries again); the part's own error when none does."""
        if len(articles) == 1:
            return ArticlesFailed([(articles[0], str(failure))])
        alone = [(article, self._part((article,), lambda name: "0")) for article in articles]
        failed = []
        for article, job in alone:
            try:
                self._finish(job)
            except BuildError as exc:
                failed.append((article, str(exc)))
        return ArticlesFailed(failed) if failed else failure

    def _replay(self, records: Sequence[Sequence[Any]]) -> None:
        """Log a part's warnings, each distinct one once per build."""
        fresh = [tuple(record) for record in records if tuple(record) not in self._logged]
        self._logged.update(fresh)
        replay(fresh)

    # -- the book's documents ---------------------------------------------------------

    def _navigation(self, page_of: Callable[[str], str], measure: bool = False
                    ) -> list[_Job]:
        """The front matter, then each run of chapter openers (typeset side by side)."""
        front = self._request("navigation", documents.front_document(
            self.book, self._context, page_of), self.content_sheets, sheets=1,
            measure=measure)
        return [front] + [self._request("navigation", documents.openers_document(
            self.book, chapters, self._context, page_of), self.content_sheets,
            measure=measure) for chapters in self._opener_runs]

    def _page_map(self, navigation: Sequence[Summary], parts: Sequence[Summary]) -> PageMap:
        """The page map of the book from the summaries of its documents, in order."""
        return PageMap(self.book, navigation[0], list(zip(self._opener_runs, navigation[1:])),
                       list(zip(self._runs, parts)))

    def _part(self, articles: tuple[Article, ...], page_of: Callable[[str], str],
              measure: bool = False, of_book: bool = False) -> _Job:
        """The request for a document of ``articles`` (a part, or one article alone);
        a part ``of_book`` knows its articles, to find the culprits should it fail."""
        html = documents.articles_document(self.book, articles, self._context, page_of)
        job = self._request("part", html, self.content_sheets, sheets=len(articles),
                            measure=measure)
        if of_book:
            job.articles = articles
        return job

    def _folios(self, block: int, pages: int = FOLIO_BLOCK) -> _Job:
        """The page-number sheet of pages ``block * FOLIO_BLOCK + 1`` on."""
        html = documents.folio_document(self.book, pages)
        sheets = self.base_sheets + (documents.folio_css(block * FOLIO_BLOCK + 1),)
        return self._request("folios", html, sheets, sheets=pages)

    def _parts(self, page_of: Callable[[str], str],
               first: Callable[[tuple[Article, ...]], bool]) -> list[_Job]:
        """Typeset every part, reporting progress as they are done: the parts ``first``
        picks (those with new articles), then the others (most of them found in the
        cache), each group longest first so that no long part is left for one worker
        at the end."""
        runs = self._runs
        jobs: dict[int, _Job] = {}
        waiting: list[_Job] = []
        order = sorted(range(len(runs)), key=lambda index: (not first(runs[index]), -sum(
            len(article.body) for article in runs[index])))
        for index in order:
            jobs[index] = self._part(runs[index], page_of, of_book=True)
            waiting.append(jobs[index])
            for job in [job for job in waiting if job.ready]:
                self._part_done(job, waiting, len(runs))
        while waiting:
            self._part_done(waiting[0], waiting, len(runs))
        return [jobs[index] for index in range(len(runs))]

    def _speculate(self, memory: Memory, unknown: Sequence[Article],
                   page_of: Callable[[str], str]) -> None:
        """Hand out the navigation before any part, numbered from what the last build
        learnt; :meth:`_settle` then finds it typeset (or, when a number turned out
        otherwise, typesets it again).

        Every article is as long as last time; the few ``unknown`` to ``memory`` (new or
        changed) are laid out alone first (quick), so that the navigation, the longest document of a rebuild,
        is handed out before the parts and before this process makes their HTML. With
        one worker nothing runs side by side, so nothing is guessed.
        """
        if memory.navigation is None or self.renderer.jobs < 2:
            return
        last = self._runs[-1][-1]  # its length moves no printed number
        unknown = [article for article in unknown if article is not last]
        if len(unknown) > _MEASURED_AT_MOST:
            return
        lengths = dict(memory.lengths)
        try:
            measuring = [(article, self._part((article,), page_of, measure=True))
                         for article in unknown]
            for article, job in measuring:
                lengths[article.content_hash] = self._finish(job)["pages"]
        except BuildError:  # the part will say what is wrong with the article
            return
        predicted = [predicted_summary(run, lengths) for run in self._runs]
        numbers = self._page_map(memory.navigation, predicted).numbers()
        self._navigation(lambda name: str(numbers.get(name, 0)))

    def _part_done(self, job: _Job, waiting: list[_Job], parts: int) -> None:
        self._finish(job)
        waiting.remove(job)
        self._parts_done += 1
        self._report(self._parts_done, parts + 1)

    def _settle(self, parts: list[_Job], navigation: list[dict[str, Any]]
                ) -> tuple[PageMap, list[_Job], list[_Job]]:
        """Typeset what prints page numbers with the real numbers, until no page moves."""
        parts = list(parts)
        for _ in range(_ROUNDS):
            page_map = self._page_map(navigation, [job.summary for job in parts])
            numbers = page_map.numbers()

            def page_of(name: str) -> str:
                return str(numbers.get(name, 0))

            final = self._navigation(page_of)
            redone = {index: self._part(articles, page_of, of_book=True)
                      for index, (articles, job) in enumerate(zip(self._runs, parts))
                      if job.prints_numbers}
            moved = [_shape(self._finish(job)) for job in final] != [
                _shape(summary) for summary in navigation]
            navigation = [job.summary for job in final]
            for index, job in redone.items():
                moved |= _shape(self._finish(job)) != _shape(parts[index].summary)
                parts[index] = job
            if not moved:  # the map again, from where the documents really put things
                return self._page_map(navigation, [job.summary for job in parts]), final, parts
        raise BuildError("page numbers did not settle: printing them kept moving pages")

    def _page_numbers(self, page_map: PageMap, analysis: Mapping[str, Any], sample: _Job
                      ) -> tuple[list[Callable[[], Fragment]], list[Furniture],
                                 list[dict[str, Any]]]:
        """Whatever draws the page numbers: numbers composed from the sample, or (when
        it cannot be imitated) typeset sheets of numbers; with the documents' summaries."""
        if analysis.get("folio"):
            def composed() -> Fragment:
                fragment, _ = read_fragment(self.cache.path(sample.key))
                return folios.compose(fragment, analysis["folio"], page_map.total)

            first = len(page_map.parts) + page_map.first_part
            return ([composed], [Furniture(first, index) for index in range(page_map.total)],
                    [dict(analysis)])
        blocks = [self._folios(block, page_map.folio_pages(block))
                  for block in range(page_map.folio_sources())]
        summaries = [self._finish(job) for job in blocks]
        return [self._loader(job) for job in blocks], page_map.folio_blocks(), summaries

    def _loader(self, job: _Job) -> Callable[[], Fragment]:
        return lambda: read_fragment(self.cache.path(job.key))[0]

    def _assemble(self, target: Path, page_map: PageMap,
                  fragments: Sequence[Callable[[], Fragment]],
                  numbers: Sequence[Furniture], fonts: Mapping[str, SharedProgram]) -> None:
        meta = documents.metadata(self.book)
        stamp = "D:" + "".join(c for c in meta["dcterms.created"] if c.isdigit()) + "Z"
        info = {"Title": self.book.title, "Author": meta["author"], "Creator": "bookmaker",
                "Producer": f"WeasyPrint {version('weasyprint')}",
                "CreationDate": stamp, "ModDate": stamp}
        write_book(
            target, fragments=fragments, pages=page_map.pages(numbers),
            outline=page_map.outline(),
            destinations=page_map.destinations(),
            info={key: value for key, value in info.items() if value},
            lang=self.book.language, identifier=self.identifier, fonts=fonts)

    def _memory_name(self) -> str:
        self.used.add(name := "navigation-" + hashlib.sha256(
            f"{self.cache.fingerprint}\n{self.destination}\n{self.base_sheets}".encode()
        ).hexdigest()[:32])
        return name

    def _report(self, done: int, total: int) -> None:
        if self.progress is not None:
            self.progress(done, total)


def _shape(summary: Mapping[str, Any]) -> tuple:
    """What the page map reads from a document: its length and where its anchors are."""
    return summary["pages"], tuple(sorted(anchor_pages(summary).items()))
