"""Typesetting parts of the book in worker processes (or in this one, for one job).

A task is self-contained: an HTML document, its stylesheets and the asset folder. The
worker renders it with WeasyPrint, takes the PDF apart into a fragment and stores the
fragment in the part cache under the task's key; what comes back is a small summary.
Workers are started fresh (``spawn``) and replaced after a few tasks, so the memory a
WeasyPrint layout leaves behind is returned to the system.
"""

from __future__ import annotations

import gc
import logging
import multiprocessing
import os
import time
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator

from ..errors import BuildError

#: Tasks a worker runs before it is replaced by a fresh process. A worker's memory
#: does not grow from task to task (measured), and a fresh one costs a second or two
#: of starting Python, importing WeasyPrint and loading fonts, so this is generous.
TASKS_PER_WORKER = 24
#: Loggers whose warnings a worker sends back to the build.
FORWARDED_LOGGERS = ("weasyprint", "bookmaker")


@dataclass(frozen=True)
class RenderTask:
    """One document to typeset and store as the fragment of ``path``."""

    path: str
    html: str
    stylesheets: tuple[str, ...]
    asset_dir: str
    #: Trailing pages that are sheets: they become forms, not pages of the book.
    sheets: int = 0
    #: Only lay the document out and say where its anchors fall: no PDF.
    measure: bool = False
    #: The document is the page-number sample: say how to write any page number.
    folio_sample: bool = False
    #: Faces the book embeds once get a stand-in here (``_pdf_font_stubs``).
    font_stand_ins: bool = False


def render_part(task: RenderTask) -> dict[str, Any]:
    """Typeset ``task`` and store its fragment; return its summary (also stored)."""
    from . import pdf
    from ..atomic import atomic_path
    from ._pdf_folios import analyse
    from ._pdf_font_stubs import stand_ins
    from ._pdf_fragment import Fragment, fragment_from_pdf, write_fragment

    started = time.perf_counter()
    capture = _Capture()
    folio = None
    stubbed: set[str] = set()
    try:
        with capture, _collector_paused():
            document = pdf.render_document(task.html, Path(task.asset_dir), None,
                                           stylesheets=task.stylesheets)
            content_pages = len(document.pages) - task.sheets
            if content_pages < 0:
                raise BuildError(f"a part has fewer pages ({len(document.pages)}) than sheets")
            programs = []
            if task.measure:
                fragment = Fragment(anchors=[
                    (name, index, 0.0, 0.0) for index, page in enumerate(document.pages)
                    for name in sorted(page.anchors)])
            else:
                with stand_ins() if task.font_stand_ins else nullcontext(stubbed) as stubbed:
                    rendered = pdf.document_bytes(document, b"bookmaker-part")
                del document
                fragment, programs = fragment_from_pdf(rendered, content_pages)
                if task.folio_sample:
                    folio = analyse(rendered)
    except BuildError:
        raise
    except Exception as exc:  # WeasyPrint and pypdf fail in many ways; say how, in one line.
        raise BuildError(f"{type(exc).__name__}: {exc}") from None
    summary = {"pages": content_pages, "anchors": fragment.anchors, "bookmarks": fragment.bookmarks,
               "fonts": [[use.number, use.face, list(use.glyphs)] for use in programs],
               "stand_ins": sorted(stubbed),
               "logs": capture.records,
               "seconds": round(time.perf_counter() - started, 2), "process": os.getpid(),
               "folio": folio}
    with atomic_path(Path(task.path)) as temporary:
        write_fragment(fragment, temporary, summary)
    del fragment
    _return_memory()
    return summary


def get_ready(stylesheets: tuple[str, ...], asset_dir: str) -> int:
    """Import WeasyPrint and lay out one line with the book's stylesheets, so that a
    fresh worker's first part does not wait for that (about a second, measured);
    returns the worker's process id."""
    from . import pdf

    with _Capture():  # whatever this logs, the parts log again
        pdf.render_document("<p>预备 ready</p>", Path(asset_dir), None, stylesheets=stylesheets)
    return os.getpid()


@contextmanager
def _collector_paused() -> Iterator[None]:
    """Pause Python's cycle collector while a part is typeset.

    A layout makes millions of objects and keeps nearly all of them to the end, so the
    collector's passes find little and cost about an eighth of the time (measured);
    what cycles a part leaves are collected once, when it is done.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _return_memory() -> None:
    """Give the memory a finished layout freed back to the system (glibc keeps it for
    the process otherwise), so an idle worker holds little more than its fonts."""
    gc.collect()
    try:
        import ctypes

        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):
        pass


class _Capture(logging.Handler):
    """Holds back the warnings logged while a part is typeset, as (logger, level,
    message): the build logs them once, whichever process typeset the part, and again
    whenever the part comes from the cache."""

    def __init__(self) -> None:
        super().__init__(level=logging.WARNING)
        self.records: list[tuple[str, int, str]] = []
        self._saved: list[tuple[logging.Logger, list[logging.Handler], bool]] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append((record.name, record.levelno, record.getMessage()))

    def __enter__(self) -> "_Capture":
        for name in FORWARDED_LOGGERS:
            logger = logging.getLogger(name)
            self._saved.append((logger, logger.handlers[:], logger.propagate))
            logger.handlers, logger.propagate = [self], False
        return self

    def __exit__(self, *exc_info: object) -> None:
        for logger, handlers, propagate in self._saved:
            logger.handlers, logger.propagate = handlers, propagate
        self._saved.clear()


def replay(records: list[tuple[str, int, str]]) -> None:
    """Log again, in this process, the warnings a part's typesetting logged."""
    for name, level, message in records:
        logging.getLogger(name).log(level, "%s", message)


def _quiet_worker() -> None:
    """A worker logs nothing itself: its warnings travel back with its results."""
    logging.getLogger().addHandler(logging.NullHandler())


class Renderer:
    """Runs render tasks in ``jobs`` worker processes, or in this process for one job.

    The pool starts with the first task (or when told to :meth:`prepare`), so a build
    that finds every part in the cache starts no process at all. No more tasks than
    workers are ever handed to the pool: on Python 3.11 to 3.13, a pool that recycles
    its workers (``max_tasks_per_child``) can stop replacing them while tasks wait in
    its queue (CPython issue 115634), and the build would hang.
    """

    def __init__(self, jobs: int) -> None:
        self.jobs = max(1, jobs)
        self._pool: ProcessPoolExecutor | None = None
        self._running: set[Future] = set()

    def prepare(self, stylesheets: tuple[str, ...], asset_dir: str) -> None:
        """Start the workers now and have each get ready to typeset (see
        :func:`get_ready`), while this process works out what they will typeset."""
        if self.jobs == 1 or self._pool is not None:
            return
        pool = self._start()
        try:
            self._running.update(pool.submit(get_ready, stylesheets, asset_dir)
                                 for _ in range(self.jobs))
        except BrokenProcessPool as exc:
            raise _worker_stopped(exc) from None

    def submit(self, task: RenderTask) -> Future:
        if self.jobs == 1:
            future: Future = Future()
            try:
                future.set_result(render_part(task))
            except BaseException as exc:  # delivered through the future, like a worker's
                future.set_exception(exc)
            return future
        pool = self._start()
        while len(self._running) >= self.jobs:
            _, self._running = wait(self._running, return_when=FIRST_COMPLETED)
        try:
            future = pool.submit(render_part, task)
        except BrokenProcessPool as exc:
            raise _worker_stopped(exc) from None
        self._running.add(future)
        return future

    def _start(self) -> ProcessPoolExecutor:
        if self._pool is None:
            self._pool = ProcessPoolExecutor(
                max_workers=self.jobs, mp_context=multiprocessing.get_context("spawn"),
                initializer=_quiet_worker, max_tasks_per_child=TASKS_PER_WORKER)
        return self._pool

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None
            self._running.clear()

    def __enter__(self) -> "Renderer":
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


def result(future: Future) -> dict[str, Any]:
    """The summary of a finished task; a crashed worker is a build error."""
    try:
        return future.result()
    except BrokenProcessPool as exc:
        raise _worker_stopped(exc) from None


def _worker_stopped(exc: BrokenProcessPool) -> BuildError:
    return BuildError(f"a PDF worker process stopped unexpectedly ({exc}); "
                      "try fewer --jobs if memory is short")
