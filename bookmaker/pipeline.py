"""The stages of a run in order: read sources, collect, prepare images, write formats."""

from __future__ import annotations

import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterator

from .backends import Backend, available_formats, load_backend
from .collector import Collection, collect
from .errors import ArticleError, BuildError, UsageError
from .model import Article
from .options import Options
from .summary import Progress

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

    def __iter__(self) -> Iterator[Any]:
        return iter((self.articles, self.skipped))


@dataclass(frozen=True)
class Output:
    format: str
    path: Path
    size: int


@dataclass(frozen=True)
class Failure:
    """A format that was not written, and why (one line)."""

    format: str
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

    @property
    def ok(self) -> bool:
        return not self.failures and bool(self.outputs)


def read_sources(options: Options, progress: Progress | None = None) -> ReadResult:
    """Parse every article file of ``options.sources``; a bad file is skipped, never fatal.

    Raises :class:`UsageError` only for the sources themselves (a missing path, a
    folder without article files).
    """
    from .reader import iter_source_files, parse_file

    if not options.sources:
        raise UsageError("no sources given (name article files or folders)")
    paths = iter_source_files(options.sources)
    articles: list[Article] = []
    skipped: list[Skipped] = []
    warnings: list[str] = []
    if progress:
        progress.start("reading", len(paths))
    for path in paths:
        try:
            article = parse_file(path)
        except ArticleError as exc:
            skipped.append(Skipped(exc.path, exc.reason))
        except OSError as exc:
            skipped.append(Skipped(path, exc.strerror or str(exc)))
        except Exception as exc:  # noqa: BLE001 - one odd file must not end the run
            skipped.append(Skipped(path, f"unexpected {type(exc).__name__}: {exc}"))
        else:
            articles.append(article)
            warnings.extend(w if str(path) in w else f"{path}: {w}" for w in article.warnings)
        if progress:
            progress.advance()
    if progress:
        progress.finish()
    return ReadResult(tuple(articles), tuple(skipped), tuple(warnings))


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
    read, collection = select(options, progress)
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
    with tempfile.TemporaryDirectory(prefix="bookmaker-") as workdir:
        collection, report = prepare_images(collection, options, Path(workdir), progress)
        if progress:
            progress.finish()
        warnings = read.warnings + tuple(getattr(report, "warnings", ()) or ())
        for name, backend in backends.items():
            if progress:
                progress.start(f"writing {name}", 0)
            try:
                written = Path(backend.write(collection.book, targets[name], options))
                outputs.append(Output(name, written, written.stat().st_size))
            except (BuildError, OSError) as exc:
                failures.append(Failure(name, _one_line(exc)))
            finally:
                if progress:
                    progress.finish()
    return BuildResult(read, collection, tuple(outputs), tuple(failures), report, warnings)


def _one_line(exc: BaseException) -> str:
    if isinstance(exc, OSError) and exc.strerror:
        where = f"{exc.filename}: " if exc.filename else ""
        return f"{where}{exc.strerror}"
    return " ".join(str(exc).split()) or type(exc).__name__

