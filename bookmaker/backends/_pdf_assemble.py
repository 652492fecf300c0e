"""One PDF from the book's fragments, written as a stream with one fragment in memory.

Every object of every fragment is copied once, renumbered, except the font programs
the book shares (written once, first); the pages are put in book order under one page
tree, each with its furniture (page number, running head) laid over it as a form
XObject; then the outline, the named destinations, the document
information and the cross-reference stream are written. Objects other than streams
are packed into compressed object streams (PDF 1.5), as WeasyPrint itself does.
"""

from __future__ import annotations

import struct
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO, Callable, Mapping, Sequence

from ._pdf_fonts import SharedProgram
from ._pdf_fragment import Fragment, encode_text, pdf_real, renumber

#: Objects of the book itself; fragments are numbered after them.
_CATALOG, _PAGES, _INFO, _SAVE = 1, 2, 3, 4
_FIRST_FREE = 5
#: Objects packed together in one compressed object stream.
_OBJECTS_PER_STREAM = 200


@dataclass(frozen=True)
class Furniture:
    """A form XObject drawn over a page: form ``form`` of fragment ``source``."""

    source: int
    form: int


@dataclass(frozen=True)
class BookPage:
    """A page of the book: content page ``page`` of fragment ``source``, with the
    forms to draw over it."""

    source: int
    page: int
    furniture: tuple[Furniture, ...] = ()


@dataclass(frozen=True)
class Mark:
    """A place in the book: a page index and a point on it, in PDF units."""

    page: int
    x: float
    y: float


@dataclass
class OutlineItem:
    """A PDF bookmark and the bookmarks under it."""

    title: str
    mark: Mark
    children: list["OutlineItem"] = field(default_factory=list)


def assemble(handle: BinaryIO, fragments: Sequence[Callable[[], Fragment]],
             pages: Sequence[BookPage], outline: Sequence[OutlineItem],
             destinations: Mapping[str, Mark], info: Mapping[str, str], lang: str,
             identifier: bytes, fonts: Mapping[str, SharedProgram] | None = None) -> None:
    """Write the book to ``handle``. ``fragments`` load each fragment on demand (each
    is loaded once, in order); every content page of every fragment must appear in
    ``pages`` exactly once. A font program of a fragment whose face is in ``fonts`` is
    replaced by that face's one program for the whole book."""
    writer = _Writer(handle)
    placement: dict[tuple[int, int], int] = {}
    for index, page in enumerate(pages):
        placement[(page.source, page.page)] = index
    page_objects = [0] * len(pages)
    form_objects: dict[Furniture, int] = {}
    copies: list[tuple[int, bytes, bytes, list[Furniture]]] = []
    shared: dict[str, int] = {}
    for face, program in sorted((fonts or {}).items()):
        shared[face] = writer.take()
        writer.write(shared[face], b"<<" + program.entries + b">>", program.data)
    for source, load in enumerate(fragments):
        fragment = load()
        replaced = {old: shared[face] for old, face in fragment.programs.items()
                    if face in shared}
        kept = sorted(old for old in fragment.objects if old not in replaced)
        first = writer.take(len(kept))
        numbers = {old: first + i for i, old in enumerate(kept)}
        numbers.update(replaced)
        for old in kept:
            text, stream = fragment.objects[old]
            writer.write(numbers[old], renumber(text, numbers), stream)
        for form_index, form in enumerate(fragment.forms):
            form_objects[Furniture(source, form_index)] = numbers[form]
        copy_of = {number: writer.take() for number in sorted(fragment.resources)}
        used: dict[int, list[Furniture]] = {number: [] for number in copy_of}
        for page_index, page in enumerate(fragment.pages):
            book_index = placement.pop((source, page_index))
            furniture = pages[book_index].furniture
            used[page.resources].extend(f for f in furniture if f not in used[page.resources])
            closing = writer.take()
            writer.write(closing, b"<</Length %d>>" % len(_closing(furniture)),
                         _closing(furniture))
            contents = b" ".join(b"%d 0 R" % numbers[number] for number in page.contents)
            page_objects[book_index] = writer.take()
            writer.write(page_objects[book_index], b"<<" + renumber(page.entries, numbers)
                         + b" /Parent %d 0 R /Resources %d 0 R /Contents [%d 0 R %s %d 0 R]>>"
                         % (_PAGES, copy_of[page.resources], _SAVE, contents, closing))
        for number, (rest, xobjects) in sorted(fragment.resources.items()):
            copies.append((copy_of[number], renumber(rest, numbers),
                           renumber(xobjects, numbers), used[number]))
        del fragment
    if placement:
        raise ValueError(f"{len(placement)} page(s) of the book were not in any fragment")
    for number, rest, xobjects, furniture in copies:
        names = b"".join(b" /%s %d 0 R" % (_form_name(f), form_objects[f]) for f in furniture)
        writer.write(number, b"<<" + rest + b" /XObject <<" + xobjects + names + b">>>>")
    writer.write(_SAVE, b"<</Length 2>>", b"q\n")
    outline_root = _write_outline(writer, outline, page_objects)
    names = _write_destinations(writer, destinations, page_objects)
    writer.write(_PAGES, b"<</Type /Pages /Count %d /Kids [%s]>>" % (
        len(page_objects), b" ".join(b"%d 0 R" % number for number in page_objects)))
    catalog = b"<</Type /Catalog /Pages %d 0 R" % _PAGES
    if outline_root:
        catalog += b" /Outlines %d 0 R" % outline_root
    if names:
        catalog += b" /Names <</Dests %d 0 R>>" % names
    writer.write(_CATALOG, catalog + b" /Lang " + encode_text(lang) + b">>")
    writer.write(_INFO, b"<<" + b" ".join(
        b"/%s %s" % (key.encode(), encode_text(value)) for key, value in info.items()) + b">>")
    writer.finish(identifier)


def _form_name(furniture: Furniture) -> bytes:
    return b"Bk%dx%d" % (furniture.source, furniture.form)


def _closing(furniture: Sequence[Furniture]) -> bytes:
    """Restore the graphics state the page content began with, then draw each form."""
    return b"Q\n" + b"".join(b"q /%s Do Q\n" % _form_name(f) for f in furniture)


def _write_outline(writer: "_Writer", outline: Sequence[OutlineItem],
                   page_objects: Sequence[int]) -> int | None:
    if not outline:
        return None
    root = writer.take()
    first, last, count = _write_items(writer, outline, root, page_objects)
    writer.write(root, b"<</Type /Outlines /First %d 0 R /Last %d 0 R /Count %d>>"
                 % (first, last, count))
    return root


def _write_items(writer: "_Writer", items: Sequence[OutlineItem], parent: int,
                 page_objects: Sequence[int]) -> tuple[int, int, int]:
    """Write ``items`` under ``parent``: (first number, last number, visible count).
    Every item is open, as WeasyPrint leaves them."""
    numbers = [writer.take() for _ in items]
    count = len(items)
    for position, item in enumerate(items):
        links = b" /Parent %d 0 R" % parent
        if position:
            links += b" /Prev %d 0 R" % numbers[position - 1]
        if position + 1 < len(items):
            links += b" /Next %d 0 R" % numbers[position + 1]
        if item.children:
            first, last, below = _write_items(writer, item.children, numbers[position],
                                              page_objects)
            links += b" /First %d 0 R /Last %d 0 R /Count %d" % (first, last, below)
            count += below
        writer.write(numbers[position], b"<</Title " + encode_text(item.title) + b" /Dest "
                     + _destination(item.mark, page_objects) + links + b">>")
    return numbers[0], numbers[-1], count


def _write_destinations(writer: "_Writer", destinations: Mapping[str, Mark],
                        page_objects: Sequence[int]) -> int | None:
    if not destinations:
        return None
    # A name tree is sorted by the bytes of its keys.
    entries = sorted((encode_text(name), mark) for name, mark in destinations.items())
    number = writer.take()
    writer.write(number, b"<</Names [" + b" ".join(
        name + b" " + _destination(mark, page_objects) for name, mark in entries) + b"]>>")
    return number


def _destination(mark: Mark, page_objects: Sequence[int]) -> bytes:
    return b"[%d 0 R /XYZ %s %s 0]" % (page_objects[mark.page], pdf_real(mark.x),
                                       pdf_real(mark.y))


class _Writer:
    """Numbers objects and writes them: streams as they come, every other object packed
    with others into compressed object streams; then a cross-reference stream."""

    def __init__(self, handle: BinaryIO) -> None:
        self.handle = handle
        #: Object number → offset in the file (streams, object streams, the xref).
        self.offsets: dict[int, int] = {}
        #: Object number → (object stream number, index in it).
        self.packed: dict[int, tuple[int, int]] = {}
        self.position = 0
        self.next_number = _FIRST_FREE
        self._batch: list[tuple[int, bytes]] = []
        # A binary comment tells file-transfer tools the file is not text.
        self._put(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")

    def take(self, count: int = 1) -> int:
        """Reserve ``count`` consecutive object numbers; return the first."""
        first = self.next_number
        self.next_number += count
        return first

    def write(self, number: int, text: bytes, stream: bytes | None = None) -> None:
        if stream is None:
            self._batch.append((number, text))
            if len(self._batch) >= _OBJECTS_PER_STREAM:
                self._pack()
            return
        self.offsets[number] = self.position
        self._put(b"%d 0 obj\n%s\nstream\n" % (number, text))
        self._put(stream)
        self._put(b"\nendstream\nendobj\n")

    def _pack(self) -> None:
        """Write the objects held back as one compressed object stream."""
        if not self._batch:
            return
        number = self.take()
        header, bodies, offset = [], [], 0
        for index, (packed, text) in enumerate(self._batch):
            header.append(b"%d %d" % (packed, offset))
            bodies.append(text)
            offset += len(text) + 1
            self.packed[packed] = (number, index)
        first = b" ".join(header) + b"\n"
        data = zlib.compress(first + b"\n".join(bodies) + b"\n")
        self.write(number, b"<</Type /ObjStm /N %d /First %d /Filter /FlateDecode /Length %d>>"
                   % (len(self._batch), len(first), len(data)), data)
        self._batch = []

    def finish(self, identifier: bytes) -> None:
        """Write the cross-reference stream and the end of the file."""
        self._pack()
        xref = self.take()
        self.offsets[xref] = self.position
        size = self.next_number
        rows = [struct.pack(">BIH", 0, 0, 65535)]
        for number in range(1, size):
            if number in self.packed:
                rows.append(struct.pack(">BIH", 2, *self.packed[number]))
            else:
                rows.append(struct.pack(">BIH", 1, self.offsets[number], 0))
        data = zlib.compress(b"".join(rows))
        identity = b"<" + identifier.hex().encode() + b">"
        self._put(b"%d 0 obj\n<</Type /XRef /Size %d /W [1 4 2] /Root %d 0 R /Info %d 0 R "
                  b"/ID [%s %s] /Filter /FlateDecode /Length %d>>\nstream\n"
                  % (xref, size, _CATALOG, _INFO, identity, identity, len(data)))
        self._put(data)
        self._put(b"\nendstream\nendobj\nstartxref\n%d\n%%%%EOF\n" % self.offsets[xref])

    def _put(self, data: bytes) -> None:
        self.handle.write(data)
        self.position += len(data)


def write_book(path: Path, **parts: object) -> None:
    """:func:`assemble` into the file at ``path``."""
    with open(path, "wb") as handle:
        assemble(handle, **parts)  # type: ignore[arg-type]
