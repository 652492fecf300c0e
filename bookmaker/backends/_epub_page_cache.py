"""The page cache of the EPUB backend: deflated article pages of the last build of each output."""

from __future__ import annotations

import functools
import hashlib
import io
import os
import pickle
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterable

#: Deflate level of every compressed entry (zipfile's default, and ebooklib's).
COMPRESS_LEVEL = 6
#: The modules whose code decides what an article page says (besides the templates).
RENDERER_MODULES = ("render", "labels", "sections", "model", "nodes", "backends.epub",
                    "backends._epub_pages", "backends._epub_page_cache")
#: Bump when the pack layout changes.
PACK_FORMAT = 2
_MAGIC = b"bookmaker page pack\n"

#: A question the renderer asked the book while rendering a page, and the answer:
#: ``(kind, subject, answer)``, kind "link" (the in-book target of a link key, if any),
#: "url" (the same for an address without a link key) or "image" (the local src of an
#: image URL, if any).
Answer = tuple[str, str, "str | None"]


@dataclass(frozen=True)
class Deflated:
    """A document compressed as a zip entry stores it (raw deflate), with its CRC."""

    crc: int
    size: int
    data: bytes


def deflate(data: bytes) -> Deflated:
    """``data`` deflated the way zipfile would deflate it at :data:`COMPRESS_LEVEL`."""
    compressor = zlib.compressobj(COMPRESS_LEVEL, zlib.DEFLATED, -15)
    return Deflated(zlib.crc32(data), len(data), compressor.compress(data) + compressor.flush())


@functools.lru_cache(maxsize=1)
def renderer_fingerprint() -> str:
    """A hash of everything besides the article and the book that a page depends on:
    the templates and stylesheets, the code that renders and labels pages, and the
    versions of bookmaker, Jinja2, lxml and zlib (and MarkupSafe's escaping)."""
    import jinja2
    import lxml.etree
    import markupsafe

    from .. import __version__, render
    from ..article_cache import code_fingerprint

    # MarkupSafe's version is deprecated as an attribute: what it does is what matters.
    escaping = str(markupsafe.escape("<a href=\"'\">&\u00a0</a>"))
    return code_fingerprint(
        (PACK_FORMAT, COMPRESS_LEVEL, __version__, jinja2.__version__, escaping,
         lxml.etree.LXML_VERSION, lxml.etree.LIBXML_VERSION, zlib.ZLIB_RUNTIME_VERSION,
         render.template_fingerprint()), RENDERER_MODULES)


class PageCache:
    """The article pages of the last build of one output file, by page key.

    Stored as one pack, ``<cache>/epub/<hash of the output path>.pack``: a compressed
    index of plain values (fingerprint, then per page its key, CRC, size, length, the
    CRC of its deflated bytes and the recorded answers) followed by the deflated pages.
    A page is reused only when its key matches and every recorded answer is still the
    same: a link that now leads into the book, or an article that moved, makes it
    render again. A pack of another fingerprint, or one that cannot be read, is ignored.
    """

    def __init__(self, path: Path | None) -> None:
        self.path = path
        self._old: dict[str, tuple[tuple[Answer, ...], Deflated]] = {}
        self._kept: dict[str, tuple[tuple[Answer, ...], Deflated]] = {}
        self._rendered = False
        if path is not None:
            self._old = _read_pack(path, renderer_fingerprint())

    @classmethod
    def for_target(cls, cache_folder: Path | None, target: Path) -> "PageCache":
        """The pack of ``target`` in ``cache_folder``; ``None`` caches nothing."""
        if cache_folder is None:
            return cls(None)
        name = hashlib.sha256(str(Path(target).resolve()).encode()).hexdigest()[:32]
        return cls(Path(cache_folder) / "epub" / f"{name}.pack")

    @property
    def empty(self) -> bool:
        """Whether no page at all can be reused."""
        return not self._old

    def get(self, key: str, ask: Callable[[str, str], str | None]) -> Deflated | None:
        """The cached page of ``key`` if ``ask(kind, url)`` still gives every answer
        recorded when it was rendered."""
        found = self._old.get(key)
        if found is None:
            return None
        answers, page = found
        try:
            if any(ask(kind, subject) != answer for kind, subject, answer in answers):
                return None
        except (TypeError, ValueError):  # not answers at all: a damaged pack
            return None
        self._kept[key] = found
        return page

    def put(self, key: str, answers: Iterable[Answer], page: Deflated) -> None:
        self._kept[key] = (tuple(answers), page)
        self._rendered = True

    def save(self) -> None:
        """Write the pages of this build (only those) as the new pack; errors ignored."""
        if self.path is None or (not self._rendered and self._kept.keys() == self._old.keys()):
            return  # nothing new, nothing dropped: the pack on disk says it all
        entries = []
        blobs = []
        for key, (answers, page) in self._kept.items():
            entries.append((key, page.crc, page.size, len(page.data), zlib.crc32(page.data),
                            answers))
            blobs.append(page.data)
        index = zlib.compress(pickle.dumps(
            {"format": PACK_FORMAT, "fingerprint": renderer_fingerprint(), "entries": entries},
            pickle.HIGHEST_PROTOCOL), 1)
        temporary = self.path.with_name(f".{self.path.name}.{os.getpid()}.tmp")
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with open(temporary, "wb") as handle:
                handle.write(_MAGIC + len(index).to_bytes(8, "big") + index)
                handle.writelines(blobs)
            os.replace(temporary, self.path)
        except OSError:
            temporary.unlink(missing_ok=True)


def _read_pack(path: Path, fingerprint: str) -> dict[str, tuple[tuple[Answer, ...], Deflated]]:
    try:
        data = path.read_bytes()
        if not data.startswith(_MAGIC):
            return {}
        start = len(_MAGIC) + 8
        end = start + int.from_bytes(data[len(_MAGIC):start], "big")
        index = _PlainUnpickler(io.BytesIO(zlib.decompress(data[start:end]))).load()
        if index.get("format") != PACK_FORMAT or index.get("fingerprint") != fingerprint:
            return {}
        pages: dict[str, tuple[tuple[Answer, ...], Deflated]] = {}
        offset = end
        for key, crc, size, length, stored_crc, answers in index["entries"]:
            if not (isinstance(key, str) and isinstance(answers, tuple)
                    and all(type(n) is int for n in (crc, size, length, stored_crc))):
                return {}
            blob = data[offset:offset + length]
            offset += length
            if zlib.crc32(blob) != stored_crc:
                continue  # damaged: rendered again
            pages[key] = (answers, Deflated(crc, size, blob))
        return pages if offset == len(data) else {}
    except Exception:  # noqa: BLE001 - an unreadable pack only means rendering again
        return {}


class _PlainUnpickler(pickle.Unpickler):
    """Reads the index, which is plain lists, strings and numbers: anything that would
    construct an object of some class is refused."""

    def find_class(self, module: str, name: str) -> object:
        raise pickle.UnpicklingError(f"refused global {module}.{name} in a page pack")
