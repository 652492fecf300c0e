"""What the commands show people: a progress line, the article table, the end summary."""

from __future__ import annotations

import os
import sys
import threading
import unicodedata
from typing import TYPE_CHECKING, Any, TextIO
from zoneinfo import ZoneInfo

from .labels import section_name
from .model import Article, Book

if TYPE_CHECKING:
    from .collector import Collection
    from .pipeline import BuildResult, ReadResult


def display_width(text: str) -> int:
    """Columns ``text`` takes in a terminal: wide (CJK) characters count two."""
    width = 0
    for char in text:
        if unicodedata.combining(char) or unicodedata.category(char) in ("Mn", "Me", "Cf"):
            continue
        width += 2 if unicodedata.east_asian_width(char) in ("W", "F") else 1
    return width


def printable(text: str) -> str:
    """``text`` safe to show on a terminal: control and format characters (escape
    sequences, bidi overrides) from untrusted titles or file names become "?"."""
    return "".join("?" if unicodedata.category(char) in ("Cc", "Cf") else char
                   for char in text)


def fit(text: str, width: int) -> str:
    """``text`` cut with "…" to at most ``width`` columns, then padded to exactly that."""
    text = printable(" ".join(text.split()))
    if display_width(text) > width:
        kept, used = [], 0
        for char in text:
            char_width = display_width(char)
            if used + char_width > width - 1:
                break
            kept.append(char)
            used += char_width
        text = "".join(kept) + "…"
    return text + " " * (width - display_width(text))


def human_size(size: int) -> str:
    """1234567 → "1.2 MB" (powers of 1024, as file managers show them)."""
    if size < 1024:
        return f"{size} B"
    value = float(size)
    for unit in ("KB", "MB", "GB"):
        value /= 1024
        if value < 1024 or unit == "GB":
            return f"{value:.1f} {unit}"
    raise AssertionError("unreachable")


# -- the article table ---------------------------------------------------------------

_TIME_WIDTH = 16
_AUTHORS_WIDTH = 24
_IMAGES_WIDTH = 6
_GAP = "  "


def format_table(book: Book, width: int = 100) -> list[str]:
    """The book's table of contents: a heading per chapter, a row per article.

    Columns: local time (in the book's time zone), section, title, authors, images.
    """
    zone = ZoneInfo(book.timezone)
    def section(article: Article) -> str:
        return section_name(article.section_key, article.section, book.language)

    section_width = max([display_width("Section")] + [display_width(section(a))
                                                     for a in book.articles])
    section_width = min(section_width, 12)
    fixed = _TIME_WIDTH + section_width + _AUTHORS_WIDTH + _IMAGES_WIDTH + 4 * len(_GAP) + 2
    title_width = max(20, width - fixed)

    def row(time: str, section: str, title: str, authors: str, images: str) -> str:
        cells = [fit(time, _TIME_WIDTH), fit(section, section_width), fit(title, title_width),
                 fit(authors, _AUTHORS_WIDTH), images.rjust(_IMAGES_WIDTH)]
        return ("  " + _GAP.join(cells)).rstrip()

    lines = [row("Time", "Section", "Title", "Authors", "Images")]
    for chapter in book.chapters:
        lines.append(printable(f"{chapter.title}  ({_plural(len(chapter.articles), 'article')})"))
        for article in chapter.articles:
            local = article.published.astimezone(zone)
            lines.append(row(local.strftime("%Y-%m-%d %H:%M"), section(article),
                             article.title,
                             ", ".join(article.authors) or "—",
                             str(len(article.image_urls))))
    return lines


# -- the end summary -----------------------------------------------------------------

def _plural(count: int, word: str) -> str:
    return f"{count} {word}" if count == 1 else f"{count} {word}s"


#: Summary lines that say something was lost or failed: ``-q`` still prints them.
LOSS_PREFIXES = ("  skipped ", "  left out ", "Not written", "Failed")


def summary_lines(read: "ReadResult", collection: "Collection",
                  build: "BuildResult | None" = None, verbosity: int = 0,
                  show_duplicates: bool = False) -> list[str]:
    """The end-of-run summary, one fact per line; skipped files are always listed,
    dropped duplicates with ``show_duplicates`` or ``-v``."""
    lines: list[str] = []
    files = len(read.articles) + len(read.skipped)
    lines.append(f"Read {_plural(len(read.articles), 'article')} from {_plural(files, 'file')}"
                 + (f"; skipped {len(read.skipped)}:" if read.skipped else "."))
    lines.extend(f"  skipped {s.path}: {s.reason}" for s in read.skipped)
    warnings = read.warnings
    if warnings:
        lines.append(_plural(len(warnings), "warning")
                     + (":" if verbosity > 0 else " (-v shows them)."))
        if verbosity > 0:
            lines.extend(f"  {w}" for w in warnings)
    if collection.filtered_out:
        lines.append(f"Outside --since/--until: {_plural(collection.filtered_out, 'article')}.")
    if collection.duplicates:
        show_duplicates = show_duplicates or verbosity > 0
        lines.append(f"Duplicates dropped: {len(collection.duplicates)}"
                     + (":" if show_duplicates else " (-v shows them)."))
        if show_duplicates:
            shown = collection.duplicates if verbosity > 0 else collection.duplicates[:20]
            lines.extend(f"  {d.dropped} ({d.reason} as {d.kept})" for d in shown)
            if len(shown) < len(collection.duplicates):
                lines.append(f"  … and {len(collection.duplicates) - len(shown)} more "
                             "(-v shows them all)")
    book = collection.book
    if book.chapters:
        lines.append(f"Book: {book.title} — {_plural(book.article_count, 'article')} in "
                     f"{_plural(len(book.chapters), 'chapter')}.")
    if build is not None:
        report = _image_line(build.image_report)
        if report:
            lines.append(report)
            if verbosity > 0:
                lines.extend(f"  {w}" for w in getattr(build.image_report, "warnings", ()))
        lines.extend(f"Wrote {o.path} ({human_size(o.size)})." for o in build.outputs)
        lines.extend(f"  left out of the {lost.format}: {lost.path}: {lost.reason}"
                     for lost in build.left_out)
        lines.extend(f"{'Failed' if f.written else 'Not written'} ({f.format}): {f.reason}"
                     for f in build.failures)
    return lines


def _image_line(report: Any) -> str:
    """One line about images, from whatever the images stage reported."""
    if report is None:
        return ""
    for name in ("summary_line", "summary"):
        value = getattr(report, name, None)
        value = value() if callable(value) else value
        if isinstance(value, str) and value:
            return value[0].upper() + value[1:]
    available = getattr(report, "available", None)
    unavailable = getattr(report, "unavailable", None)
    if isinstance(available, int) and isinstance(unavailable, int):
        return f"Images: {available} embedded, {unavailable} unavailable."
    return f"Images: {report}"


# -- progress ------------------------------------------------------------------------

def progress_wanted(verbosity: int, stream: TextIO | None = None) -> bool:
    """Progress only for a person watching: a terminal, not quiet, not CI."""
    stream = stream or sys.stderr
    if verbosity < 0 or os.environ.get("CI"):
        return False
    isatty = getattr(stream, "isatty", None)
    return bool(isatty and isatty())


class Progress:
    """A one-line counter on a terminal ("reading 120/1000"), redrawn in place.

    Thread-safe, so a worker pool may call :meth:`advance`. Disabled, it does nothing.
    """

    def __init__(self, stream: TextIO | None = None, enabled: bool = True) -> None:
        self._stream = stream or sys.stderr
        self.enabled = enabled
        self._lock = threading.Lock()
        self._label = ""
        self._total = 0
        self._done = 0
        self._shown = -1
        self._drawn_width = 0

    def start(self, label: str, total: int) -> None:
        """Begin a stage of ``total`` steps (0 when the count is unknown)."""
        with self._lock:
            self._label, self._total, self._done, self._shown = label, total, 0, -1
            self._draw()

    def advance(self, steps: int = 1) -> None:
        with self._lock:
            self._done += steps
            self._draw()

    def update(self, done: int, total: int, label: str = "images") -> None:
        """Show ``done`` of ``total`` (for stages that count for themselves)."""
        with self._lock:
            if label != self._label or total != self._total:
                self._label, self._total, self._shown = label, total, -1
            self._done = done
            self._draw()

    def finish(self) -> None:
        """Clear the line so the summary starts clean."""
        with self._lock:
            if self.enabled and self._drawn_width:
                self._stream.write("\r" + " " * self._drawn_width + "\r")
                self._stream.flush()
            self._drawn_width = 0

    def _draw(self) -> None:
        if not self.enabled:
            return
        if self._total:
            percent = 100 * self._done // self._total
            # Redraw only when the percentage moves: a thousand writes per stage is noise.
            if percent == self._shown and self._done != self._total:
                return
            self._shown = percent
            text = f"{self._label} {self._done}/{self._total} ({percent}%)"
        else:
            text = f"{self._label} {self._done}…" if self._done else f"{self._label}…"
        padding = " " * max(0, self._drawn_width - len(text))
        self._stream.write("\r" + text + padding)
        self._stream.flush()
        self._drawn_width = len(text)
