"""The ebooklib side of the EPUB backend: lazy items and a reproducible zip writer."""

from __future__ import annotations

import zipfile
import zlib
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable

from ebooklib import epub
from lxml import etree

from ._epub_page_cache import COMPRESS_LEVEL, Deflated

#: The oldest moment a zip entry can carry (MS-DOS time starts in 1980).
_ZIP_EPOCH = datetime(1980, 1, 1, tzinfo=timezone.utc)

_XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
_COMPRESSED_SUFFIXES = (".png", ".jpg", ".jpeg", ".gif", ".webp")

#: ebooklib's writer options: no page-list scan (it re-parses every document), an NCX
#: with play order, and our own landmark heading.
WRITER_OPTIONS = {
    "epub2_guide": True,
    "epub3_landmark": True,
    "epub3_pages": False,
    "play_order": {"enabled": True, "start_from": 1},
    "spine_direction": True,
    "compresslevel": COMPRESS_LEVEL,
}


class RenderedDocument(epub.EpubItem):
    """An XHTML document rendered only when the writer asks for its bytes.

    ebooklib's own ``EpubHtml`` re-parses and re-serialises every document (and
    replaces its ``lang`` and ``<head>``); our pages arrive complete, so they pass
    through untouched, and only one of them is in memory at a time.
    """

    def __init__(self, uid: str, file_name: str, render: Callable[[], str]) -> None:
        super().__init__(uid=uid, file_name=file_name,
                         media_type="application/xhtml+xml")
        self._render = render

    def get_content(self, default: bytes | None = None) -> bytes:
        return self._render().encode("utf-8")


class DeflatedDocument(epub.EpubItem):
    """An XHTML document that arrives compressed (from the page cache, or rendered and
    deflated once); the writer stores its bytes as they are."""

    def __init__(self, uid: str, file_name: str, produce: Callable[[], Deflated]) -> None:
        super().__init__(uid=uid, file_name=file_name,
                         media_type="application/xhtml+xml")
        self.produce = produce

    def get_content(self, default: bytes | None = None) -> bytes:
        page = self.produce()
        return zlib.decompress(page.data, -15)


class FileItem(epub.EpubImage):
    """A file on disk (an image), read when the writer asks for it."""

    def __init__(self, uid: str, file_name: str, media_type: str, path: Path) -> None:
        super().__init__(uid=uid, file_name=file_name, media_type=media_type)
        self._path = path

    def get_content(self, default: bytes | None = None) -> bytes:
        return self._path.read_bytes()


class NavLink(epub.Link):
    """A navigation entry that knows the language of the document it opens."""

    def __init__(self, href: str, title: str, uid: str, lang: str) -> None:
        super().__init__(href, title, uid)
        self.lang = lang


class _FixedTimeZipFile(zipfile.ZipFile):
    """A zip whose entries carry one fixed time and fixed permissions, so that the same
    entries in the same order give the same bytes."""

    def __init__(self, file: Path, date_time: tuple[int, ...], compresslevel: int) -> None:
        super().__init__(file, "w", zipfile.ZIP_DEFLATED, compresslevel=compresslevel)
        self._date_time = date_time

    def writestr(self, zinfo_or_arcname, data, compress_type=None,  # type: ignore[override]
                 compresslevel=None) -> None:
        if isinstance(zinfo_or_arcname, str):
            info = self._info(zinfo_or_arcname)
            # Images are compressed already; deflating them again only costs time.
            stored = zinfo_or_arcname.lower().endswith(_COMPRESSED_SUFFIXES)
            info.compress_type = zipfile.ZIP_STORED if stored else self.compression
            zinfo_or_arcname = info
        super().writestr(zinfo_or_arcname, data, compress_type=compress_type,
                         compresslevel=compresslevel or self.compresslevel)

    def _info(self, name: str) -> zipfile.ZipInfo:
        """An entry with the book's fixed time, made on Unix, readable by all."""
        info = zipfile.ZipInfo(name, date_time=self._date_time)
        info.create_system = 3
        info.external_attr = 0o100644 << 16
        return info

    def write_deflated(self, name: str, page: Deflated) -> None:
        """Add an entry whose bytes are deflated already, as zipfile itself would add it."""
        info = self._info(name)
        info.compress_type = zipfile.ZIP_DEFLATED
        info.file_size, info.compress_size, info.CRC = page.size, len(page.data), page.crc
        if not all(hasattr(self, attribute) for attribute in ("_writecheck", "start_dir")):
            # zipfile has no public way to add deflated bytes; should its internals
            # change, deflating again at the same level gives the same bytes.
            self.writestr(info, zlib.decompress(page.data, -15))
            return
        with self._lock:
            self._writecheck(info)
            self._didModify = True
            self.fp.seek(self.start_dir)
            info.header_offset = self.start_dir
            self.fp.write(info.FileHeader(False))
            self.fp.write(page.data)
            self.start_dir = self.fp.tell()
            self.filelist.append(info)
            self.NameToInfo[info.filename] = info


class PackageWriter(epub.EpubWriter):
    """ebooklib's writer (container, OPF, nav, NCX, items), into a reproducible zip.

    The steps are ebooklib's; only the zip file is ours: ebooklib stamps every entry
    with the current time.
    """

    def __init__(self, target: Path, book: epub.EpubBook, modified: datetime,
                 options: dict | None = None) -> None:
        super().__init__(str(target), book, {**WRITER_OPTIONS, "mtime": modified,
                                             **(options or {})})
        self._target = target
        self._date_time = zip_date_time(modified)

    def write(self) -> None:
        with _FixedTimeZipFile(self._target, self._date_time,
                               self.options["compresslevel"]) as self.out:
            # 1. mimetype: first, stored, no extra field (OCF).
            self.out.writestr("mimetype", "application/epub+zip",
                              compress_type=zipfile.ZIP_STORED)
            # 2. META-INF/container.xml, 3. the package document, 4. every item
            # (documents, stylesheets, images, nav and NCX) in manifest order.
            self._write_container()
            self._write_opf()
            self._write_items()

    def _write_items(self) -> None:
        # ebooklib's loop, with one more kind of item: pages that arrive deflated.
        folder = self.book.FOLDER_NAME
        for item in self.book.get_items():
            if isinstance(item, DeflatedDocument):
                self.out.write_deflated(f"{folder}/{item.file_name}", item.produce())
            elif isinstance(item, epub.EpubNcx):
                self.out.writestr(f"{folder}/{item.file_name}", self._get_ncx())
            elif isinstance(item, epub.EpubNav):
                self.out.writestr(f"{folder}/{item.file_name}", self._get_nav(item))
            elif item.manifest:
                self.out.writestr(f"{folder}/{item.file_name}", item.get_content())
            else:
                self.out.writestr(item.file_name, item.get_content())

    def _get_nav(self, item: epub.EpubNav) -> bytes:
        # ebooklib's nav has only the book's language; a title in another language
        # (a zh-Hant article in a zh-Hans book) needs its own so readers pick its font.
        foreign = {link.href: link.lang for _, links in self.book.toc for link in links
                   if isinstance(link, NavLink) and link.lang != self.book.language}
        nav = super()._get_nav(item)
        if not foreign:
            return nav
        root = etree.fromstring(nav)
        for anchor in root.iter(f"{{{epub.NAMESPACES['XHTML']}}}a"):
            lang = foreign.get(anchor.get("href", ""))
            if lang:
                anchor.set("lang", lang)
                anchor.set(_XML_LANG, lang)
        return etree.tostring(root.getroottree(), encoding="utf-8", xml_declaration=True)

    def _get_ncx(self) -> bytes:
        # ebooklib always says depth 0; readers use it to size their TOC view.
        ncx = etree.fromstring(super()._get_ncx())
        namespace = {"ncx": epub.NAMESPACES["DAISY"]}
        for meta in ncx.iterfind("ncx:head/ncx:meta[@name='dtb:depth']", namespace):
            meta.set("content", str(_ncx_depth(ncx.find("ncx:navMap", namespace))))
        ncx.set(_XML_LANG, self.book.language)
        return etree.tostring(ncx.getroottree(), encoding="utf-8", xml_declaration=True,
                              pretty_print=True)


def _ncx_depth(element: etree._Element | None) -> int:
    if element is None:
        return 0
    points = [child for child in element if etree.QName(child).localname == "navPoint"]
    return max((1 + _ncx_depth(point) for point in points), default=0)


def zip_date_time(moment: datetime) -> tuple[int, int, int, int, int, int]:
    """``moment`` as a zip entry time: UTC, whole seconds, never before 1980."""
    moment = max(moment.astimezone(timezone.utc), _ZIP_EPOCH)
    return (moment.year, moment.month, moment.day, moment.hour, moment.minute,
            moment.second)
