"""The stages of a run in order: read sources, collect, prepare images, write formats."""

from __future__ import annotations

import inspect
import tempfile
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterator

from .article_cache import ArticleCache, cache_root, file_digest, with_path
from .backends import Backend, available_formats, load_backend
from .collector import Collection, collect
from .errors import ArticleError, BuildError, UsageError
from .model import Article, Book
from .options import Options
from .source_files import read_article_file
from .summary import Progress
from .work_sharing import helper_count, map_shared

#: Where outputs go when ``-o`` is not given: ``build/digest.<suffix>``.
DEFAULT_OUTPUT_DIR = Path("build")
DEFAULT_OUTPUT_STEM = "digest"


@dataclass(frozen=True)
class Skipped:
    """An input file that could not be read as an article."""

    path: Path
    reason: str


@dataclass(frozen=True)
class ReadResult:
    """The articles read, and the files skipped; unpacks as ``(articles, skipped)``."""

    articles: tuple[Article, ...]
    skipped: tuple[Skipped, ...] = ()
    #: Non-fatal problems, each naming its file.
    warnings: tuple[str, ...] = ()
    #: The thread still writing new articles to the cache, if any.
    cache_writer: threading.Thread | None = field(default=None, compare=False, repr=False)

    def __iter__(self) -> Iterator[Any]:
        return iter((self.articles, self.skipped))

    def wait_for_cache(self) -> None:
        """Return once the new articles are in the cache."""
        if self.cache_writer is not None:
            self.cache_writer.join()


@dataclass(frozen=True)
class Output:
    format: str
    path: Path
    size: int


@dataclass(frozen=True)
class Failure:
    """A format that failed, and why (one line): not written, or (``written``) written
    but failing the build under ``--strict``."""

    format: str
    reason: str
    written: bool = False


@dataclass(frozen=True)
class LeftOut:
    """An article a format could not render, and why (one line): the rest was written."""

    format: str
    path: Path
    reason: str


@dataclass(frozen=True)
class BuildResult:
    read: ReadResult
    collection: Collection
    outputs: tuple[Output, ...] = ()
    failures: tuple[Failure, ...] = ()
    #: What the images stage reported, or ``None`` when it did not run.
    image_report: Any = None
    #: The reader's warnings, then one per image left out.
    warnings: tuple[str, ...] = field(default=())
    left_out: tuple[LeftOut, ...] = ()

    @property
    def ok(self) -> bool:
        return not self.failures and bool(self.outputs)


def read_sources(options: Options, progress: Progress | None = None, *,
                 store_later: bool = False) -> ReadResult:
    """Parse every article file of ``options.sources``; a bad file is skipped, never fatal.

    A file whose bytes were parsed before comes from the article cache (unless
    ``options.cache`` is off); the others are parsed, shared with forked helper
    processes when there are many, and cached. With ``store_later`` the cache is
    written by a thread while the build goes on (:meth:`ReadResult.wait_for_cache`).
    Raises :class:`UsageError` only for the sources themselves (a missing path, a
    folder without article files).
    """
    from .source_files import iter_source_files

    if not options.sources:
        raise UsageError("no sources given (name article files or folders)")
    paths = iter_source_files(options.sources)
    if progress:
        progress.start("reading", len(paths))
    cache = ArticleCache(cache_root(options.cache_dir)) if options.cache else None
    outcomes: list[Article | Skipped | None] = [None] * len(paths)
    unparsed = list(range(len(paths)))
    if cache and not cache.empty():
        digests: dict[int, str] = {}
        for position, path in enumerate(paths):
            try:
                # Only the digest is kept: the parser reads the file again (from the
                # page cache) rather than this process holding every file until then.
                digests[position] = file_digest(read_article_file(path))
            except ArticleError as exc:
                outcomes[position] = Skipped(exc.path, exc.reason)
        known = cache.get_many(digests.values())
        unparsed = []
        for position, digest in digests.items():
            if digest in known:
                outcomes[position] = with_path(known[digest], paths[position])
            else:
                unparsed.append(position)
    reused = len(paths) - len(unparsed)
    report = (lambda done: progress.update(reused + done, len(paths), "reading")) \
        if progress else None
    helpers = helper_count(len(unparsed), options.jobs)
    if helpers:
        from . import reader  # noqa: F401 - imported once, before the helpers are forked
    parsed = map_shared(lambda index: _parse(paths[unparsed[index]], cache is not None),
                        len(unparsed), helpers, report)
    fresh = []
    for position, (outcome, digest) in zip(unparsed, parsed):
        outcomes[position] = outcome
        if isinstance(outcome, Article):
            fresh.append((digest, outcome))
    writer = None
    if cache and store_later:
        writer = threading.Thread(target=cache.put_many, args=(fresh,), name="article cache")
        writer.start()
    elif cache:
        cache.put_many(fresh)
    if progress:
        progress.finish()
    articles: list[Article] = []
    skipped: list[Skipped] = []
    warnings: list[str] = []
    for outcome in outcomes:
        if isinstance(outcome, Skipped):
            skipped.append(outcome)
        elif outcome is not None:
            articles.append(outcome)
            path = outcome.source_path
            warnings.extend(w if str(path) in w else f"{path}: {w}" for w in outcome.warnings)
    return ReadResult(tuple(articles), tuple(skipped), tuple(warnings), writer)


def _parse(path: Path, digest: bool) -> tuple[Article | Skipped, str]:
    """One file's article (or why it was skipped), and (for the cache) the digest of
    the bytes parsed."""
    from .reader import parse_bytes

    try:
        data = read_article_file(path)
        return parse_bytes(data, path), file_digest(data) if digest else ""
    except ArticleError as exc:
        return Skipped(exc.path, exc.reason), ""
    except Exception as exc:  # noqa: BLE001 - one odd file must not end the run
        return Skipped(path, f"unexpected {type(exc).__name__}: {exc}"), ""


def select(options: Options, progress: Progress | None = None) -> tuple[ReadResult, Collection]:
    """Read the sources and collect them into a book (what ``list`` shows)."""
    read = read_sources(options, progress)
    return read, collect(read.articles, options)


def resolve_backends(formats: tuple[str, ...]) -> tuple[dict[str, Backend], list[Failure]]:
    """Load the backend of every format.

    An unknown format is a usage error; a known format whose module cannot be loaded
    becomes a :class:`Failure` so the other formats are still built.
    """
    known = available_formats()
    for name in formats:
        if name not in known:
            raise UsageError(f"unknown format {name!r}; known formats: {', '.join(known)}")
    backends: dict[str, Backend] = {}
    failures: list[Failure] = []
    for name in formats:
        try:
            backends[name] = load_backend(name)
        except UsageError as exc:
            failures.append(Failure(name, f"format {name!r} is not available in this "
                                          f"installation ({_cause(exc, name)})"))
    return backends, failures


def _cause(exc: Exception, name: str) -> str:
    text = str(exc)
    prefix = f"format {name!r} is not available: "
    return text[len(prefix):] if text.startswith(prefix) else text


def output_targets(options: Options, backends: dict[str, Backend]) -> dict[str, Path]:
    """Where each format is written.

    Without ``-o``: ``build/digest.<suffix>``. With ``-o`` and one format: that file,
    or ``digest.<suffix>`` inside it when it is an existing folder. With ``-o`` and
    several formats: a path with a suffix has its suffix replaced per format
    (``-o out/news.epub`` → ``out/news.epub`` and ``out/news.pdf``); a path without a
    suffix, or an existing folder, is a folder that receives ``digest.<suffix>``.
    """
    output = options.output
    targets: dict[str, Path] = {}
    for name, backend in backends.items():
        if output is None:
            targets[name] = DEFAULT_OUTPUT_DIR / f"{DEFAULT_OUTPUT_STEM}{backend.suffix}"
        elif output.is_dir() or (len(options.formats) > 1 and not output.suffix):
            targets[name] = output / f"{DEFAULT_OUTPUT_STEM}{backend.suffix}"
        elif len(options.formats) > 1:
            targets[name] = output.with_suffix(backend.suffix)
        else:
            targets[name] = output
    return targets


def prepare_images(collection: Collection, options: Options, workdir: Path,
                   progress: Progress | None = None) -> tuple[Collection, Any]:
    """Run the images stage when it is installed and images are wanted."""
    if options.images == "none":
        return collection, None
    try:
        from .images import prepare_images as images_stage
    except ImportError:
        return collection, None
    book, report = images_stage(collection.book, options, workdir,
                                progress=progress.update if progress else None)
    return Collection(book, collection.duplicates, collection.filtered_out), report


def run_build(options: Options, progress: Progress | None = None) -> BuildResult:
    """Read, collect, prepare images and write every requested format.

    One format failing (or not being installed) does not stop the others. With
    ``strict``, a skipped input fails the build before anything is written.
    """
    backends, failures = resolve_backends(options.formats)
    # New articles go to the cache while the book is written, on the other core.
    read = read_sources(options, progress, store_later=True)
    try:
        return _build(read, collect(read.articles, options), backends, failures, options,
                      progress)
    finally:
        read.wait_for_cache()


def _build(read: ReadResult, collection: Collection, backends: dict[str, Backend],
           failures: list[Failure], options: Options,
           progress: Progress | None) -> BuildResult:
    if options.strict and read.skipped:
        reason = f"{len(read.skipped)} input file(s) skipped and --strict is set"
        return BuildResult(read, collection, failures=tuple(
            [*failures, Failure("strict", reason)]), warnings=read.warnings)
    if not backends:
        return BuildResult(read, collection, failures=tuple(failures), warnings=read.warnings)
    if not collection.book.chapters:
        return BuildResult(read, collection, failures=tuple(
            [*failures, Failure("input", "no articles to build a book from")]),
            warnings=read.warnings)
    targets = output_targets(options, backends)
    outputs: list[Output] = []
    left_out: list[LeftOut] = []
    with tempfile.TemporaryDirectory(prefix="bookmaker-") as workdir:
        collection, report = prepare_images(collection, options, Path(workdir), progress)
        if progress:
            progress.finish()
        warnings = read.warnings + tuple(getattr(report, "warnings", ()) or ())
        for name, backend in backends.items():
            if progress:
                progress.start(f"writing {name}", 0)
            try:
                written = Path(_write(backend, name, collection.book, targets[name], options,
                                      progress))
                outputs.append(Output(name, written, written.stat().st_size))
                lost = [LeftOut(name, path, reason)
                        for path, reason in getattr(backend, "left_out", ())]
                left_out.extend(lost)
                if lost and options.strict:
                    failures.append(Failure(name, f"{len(lost)} article(s) left out and "
                                                  "--strict is set", written=True))
            except (BuildError, OSError) as exc:
                failures.append(Failure(name, _one_line(exc)))
            finally:
                if progress:
                    progress.finish()
    return BuildResult(read, collection, tuple(outputs), tuple(failures), report, warnings,
                       tuple(left_out))


def _write(backend: Backend, name: str, book: Book, target: Path, options: Options,
           progress: Progress | None) -> Path:
    """``backend.write()``, reporting progress when the backend offers to (a
    ``progress(done, total)`` keyword argument)."""
    if progress is None or not progress.enabled or not _takes_progress(backend):
        return backend.write(book, target, options)
    label = f"writing {name}"
    return backend.write(book, target, options,  # type: ignore[call-arg]
                         progress=lambda done, total: progress.update(done, total, label))


def _takes_progress(backend: Backend) -> bool:
    try:
        return "progress" in inspect.signature(backend.write).parameters
    except (TypeError, ValueError):
        return False


def _one_line(exc: BaseException) -> str:
    if isinstance(exc, OSError) and exc.strerror:
        where = f"{exc.filename}: " if exc.filename else ""
        return f"{where}{exc.strerror}"
    return " ".join(str(exc).split()) or type(exc).__name__

