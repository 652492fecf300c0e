"""The assets stage: every image of a book becomes a local, processed file or a warning."""

from __future__ import annotations

import dataclasses
import io
import sys
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterable, Sequence

from PIL import Image

from ..atomic import atomic_path
from ..model import Article, Book, LocalImage
from ..options import Options
from .addresses import AddressPolicy
from .cache import SUFFIX_MEDIA_TYPES, ImageCache, cache_root, sha256
from .fetch import Fetcher, FetchError, FetchLimits
from .process import ImageRefused, ProcessSettings, process_image
from .urls import cache_key, is_fetchable, routes

#: Downloads run side by side; a few are plenty for one origin server and its CDN.
WORKERS = 4

#: Called as ``progress(done, total)`` in the calling thread after each image.
Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class ImageReport:
    """What the assets stage did, for the build summary. Counts are distinct images."""

    #: The ``--images`` mode used: auto, offline or none.
    mode: str
    total: int = 0
    #: Resolved without the network (downloaded by an earlier build or fetch-images).
    from_cache: int = 0
    #: Downloaded by this run.
    fetched: int = 0
    #: Left out: refused, unreachable, not an image, or missing from the cache offline.
    failed: int = 0
    #: One line per failed image: ``image URL: reason``.
    warnings: tuple[str, ...] = ()

    @property
    def embedded(self) -> int:
        return self.from_cache + self.fetched

    @property
    def summary(self) -> str:
        """One line for the end-of-build summary."""
        if self.mode == "none":
            return f"images: {self.total} left out (--images none)."
        text = (f"images: {self.embedded} of {self.total} embedded "
                f"({self.from_cache} from cache, {self.fetched} fetched)")
        if self.failed:
            text += f", {self.failed} unavailable (captions kept)"
        return text + "."


@dataclass(frozen=True)
class _Outcome:
    image: LocalImage | None = None
    #: "cache", "fetched", or "" when the image failed.
    origin: str = ""
    reason: str = ""


def book_image_urls(articles: Iterable[Article]) -> list[str]:
    """Every image address of the articles, in reading order, without repeats."""
    return list(dict.fromkeys(url for article in articles for url in article.image_urls))


def prepare_images(book: Book, options: Options, workdir: Path,
                   progress: Progress | None = None, *,
                   limits: FetchLimits | None = None,
                   policy: AddressPolicy | None = None) -> tuple[Book, ImageReport]:
    """Resolve every image of ``book`` to a processed file in ``workdir``.

    Returns the book with ``images`` set (article URL → :class:`LocalImage`; failed
    images are absent, so backends show their captions only) and a report.
    ``options.images``: ``auto`` uses the cache and downloads what is missing,
    ``offline`` uses the cache only, ``none`` embeds nothing and reads nothing.
    ``limits`` and ``policy`` override the download limits and the address policy
    (tests use them for short timeouts and an exact allow-list).
    """
    urls = book_image_urls(book.articles)
    if options.images == "none":
        keys = {cache_key(url) for url in urls}
        return dataclasses.replace(book, images={}), ImageReport("none", total=len(keys))
    workdir = Path(workdir)
    workdir.mkdir(parents=True, exist_ok=True)
    online = options.images == "auto"
    outcomes = _resolve_images(urls, options, workdir, online=online, progress=progress,
                               limits=limits, policy=policy)
    images = {url: outcomes[cache_key(url)].image for url in urls
              if outcomes[cache_key(url)].image is not None}
    return (dataclasses.replace(book, images=images),
            _report(options.images, urls, outcomes))


def _resolve_images(urls: Sequence[str], options: Options, workdir: Path | None, *,
                    online: bool, progress: Progress | None = None,
                    limits: FetchLimits | None = None,
                    policy: AddressPolicy | None = None) -> dict[str, _Outcome]:
    """Cache key → outcome for each distinct image among ``urls``.

    With ``workdir`` ``None`` the images are only made ready in the cache.
    """
    first_url = {}
    for url in urls:
        first_url.setdefault(cache_key(url), url)
    cache = ImageCache(cache_root(options))
    settings = ProcessSettings(max_side=options.image_max_side,
                               max_pixels=options.image_max_pixels,
                               grayscale=options.grayscale)
    fetcher = None
    if online and first_url:
        fetcher = Fetcher(policy or AddressPolicy(allow_private=options.allow_private_hosts),
                          limits)
    outcomes: dict[str, _Outcome] = {}
    try:
        with ThreadPoolExecutor(max_workers=WORKERS,
                                thread_name_prefix="bookmaker-images") as pool:
            futures = {pool.submit(_resolve_one, url, cache, settings, fetcher, workdir): key
                       for key, url in first_url.items()}
            for done, future in enumerate(as_completed(futures), start=1):
                outcomes[futures[future]] = future.result()
                if progress is not None:
                    progress(done, len(futures))
    finally:
        if fetcher is not None:
            fetcher.close()
    return outcomes


def _resolve_one(url: str, cache: ImageCache, settings: ProcessSettings,
                 fetcher: Fetcher | None, workdir: Path | None) -> _Outcome:
    """One image, start to finish; whatever goes wrong becomes the outcome's reason."""
    try:
        return _resolve(url, cache, settings, fetcher, workdir)
    except OSError as exc:
        return _Outcome(reason=f"cannot write the image cache or asset folder: {exc}")
    except Exception as exc:  # noqa: BLE001 - one odd image must not end the build
        return _Outcome(reason=f"unexpected {type(exc).__name__}: {exc}")


def _resolve(url: str, cache: ImageCache, settings: ProcessSettings,
             fetcher: Fetcher | None, workdir: Path | None) -> _Outcome:
    key = cache_key(url)
    if not is_fetchable(key):
        return _Outcome(reason="refused: only http and https images are fetched")
    origin = "cache"
    digest = cache.source_digest(key)
    processed = cache.find_processed(digest, settings.signature) if digest else None
    if processed is None:
        source = cache.read_source(digest) if digest else None
        if source is None:
            if fetcher is None:
                return _Outcome(reason="not in the image cache (--images offline)")
            try:
                source = _download(url, fetcher)
            except FetchError as exc:
                return _Outcome(reason=str(exc))
            digest = cache.store_source(key, source)
            origin = "fetched"
        try:
            result = process_image(source, settings)
        except ImageRefused as exc:
            return _Outcome(origin=origin, reason=str(exc))
        processed = cache.store_processed(digest, settings.signature, result.data,
                                          result.suffix)
    return _Outcome(image=_local_image(processed, workdir), origin=origin)


def _download(url: str, fetcher: Fetcher) -> bytes:
    """The image from its first route that works; all the reasons when none does."""
    reasons = []
    for number, route in enumerate(routes(url)):
        try:
            return fetcher.fetch(route)
        except FetchError as exc:
            reasons.append(str(exc) if number == 0 else f"via the proxy: {exc}")
    raise FetchError("; ".join(reasons))


def _local_image(processed: Path, workdir: Path | None) -> LocalImage:
    """Place a processed image in the build's asset folder, named by its content."""
    data = processed.read_bytes()
    with Image.open(io.BytesIO(data)) as image:
        width, height = image.size
    media_type = SUFFIX_MEDIA_TYPES[processed.suffix]
    if workdir is None:
        return LocalImage(processed, media_type, width, height)
    target = workdir / f"{sha256(data)[:32]}{processed.suffix}"
    if not target.is_file():
        with atomic_path(target) as temporary:
            temporary.write_bytes(data)
    return LocalImage(target, media_type, width, height)


def _report(mode: str, urls: Sequence[str], outcomes: dict[str, _Outcome]) -> ImageReport:
    warnings = []
    seen = set()
    for url in urls:
        key = cache_key(url)
        outcome = outcomes[key]
        if outcome.image is None and key not in seen:
            warnings.append(f"image {url}: {outcome.reason}")
        seen.add(key)
    values = list(outcomes.values())
    return ImageReport(
        mode=mode,
        total=len(values),
        from_cache=sum(1 for o in values if o.image is not None and o.origin == "cache"),
        fetched=sum(1 for o in values if o.image is not None and o.origin == "fetched"),
        failed=sum(1 for o in values if o.image is None),
        warnings=tuple(warnings),
    )


def _read_articles(options: Options) -> tuple[list[Article], int]:
    """The selected articles of ``options.sources`` and how many inputs were skipped."""
    from ..pipeline import select

    read, collection = select(options)
    return list(collection.book.articles), len(read.skipped)


def fetch_command(options: Options) -> int:
    """``bookmaker fetch-images``: download and process every image into the cache.

    Prints fetched / cached / failed counts; returns 0, or 1 with ``--strict`` when
    an image or an input failed.
    """
    from ..summary import Progress as ProgressLine, progress_wanted

    articles, skipped = _read_articles(options)
    urls = book_image_urls(articles)
    progress = ProgressLine(enabled=progress_wanted(options.verbosity))
    outcomes = _resolve_images(urls, options, None, online=True, progress=progress.update)
    progress.finish()
    report = _report("auto", urls, outcomes)
    if options.verbosity >= 0:
        for warning in report.warnings:
            print(warning, file=sys.stderr)
        if skipped:
            print(f"{skipped} input file(s) skipped (not readable as articles)",
                  file=sys.stderr)
    print(f"fetch-images: {_count(len(articles), 'article')}, "
          f"{_count(report.total, 'image')}: "
          f"{report.fetched} fetched, {report.from_cache} already cached, "
          f"{report.failed} failed")
    return 1 if options.strict and (report.failed or skipped) else 0


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}" + ("" if number == 1 else "s")
