"""One typeset part of the book, taken apart into PDF objects that another PDF can adopt.

A part is rendered by WeasyPrint into a small PDF of its own. The assembler does not
merge those files page by page (pypdf would keep every page of the book in memory); it
copies their objects into one file, numbering them after the objects already written.
A :class:`Fragment` holds a part's objects with references in a form that stays safe to
renumber by text: every string is written in hexadecimal, so the only places where
``N 0 R`` can appear are real references.
"""

from __future__ import annotations

import io
import json
import re
from dataclasses import dataclass, field
from pathlib import Path

from ._pdf_fonts import ProgramUse, programs_of

#: The ``href`` scheme of links between parts of the book; the assembler turns each
#: into a named destination of the whole book.
LINK_SCHEME = "bookmaker-link"

_MAGIC = b"bookmaker-pdf-fragment 2\n"
_REFERENCE = re.compile(rb"(?<![\d.+-])(\d+) 0 R(?![A-Za-z0-9])")
_NAME_SAFE = re.compile(r"[!-~]")
_NAME_DELIMITERS = set("()<>[]{}/%#")


@dataclass
class ContentPage:
    """A page of the book: its dictionary without the entries the assembler rewrites."""

    #: ``/Key value`` pairs, everything but /Parent, /Resources and /Contents.
    entries: bytes
    #: Object numbers of its content streams, in order.
    contents: list[int]
    #: Object number of its resource dictionary.
    resources: int


@dataclass
class Fragment:
    """The objects of one part, its pages, its sheets turned into forms, its anchors."""

    #: Object number → (the object's text with references, raw stream data or None).
    objects: dict[int, tuple[bytes, bytes | None]] = field(default_factory=dict)
    pages: list[ContentPage] = field(default_factory=list)
    #: Resource dictionary number → (its entries but /XObject, the /XObject entries).
    resources: dict[int, tuple[bytes, bytes]] = field(default_factory=dict)
    #: Form XObjects made from the trailing sheet pages, in page order.
    forms: list[int] = field(default_factory=list)
    #: (name, page index, x, y) of every element id, as WeasyPrint placed it.
    anchors: list[tuple[str, int, float, float]] = field(default_factory=list)
    #: (title, page index, x, y) of every PDF bookmark on a content page, in order.
    bookmarks: list[tuple[str, int, float, float]] = field(default_factory=list)
    #: Object number of each font program the book may share → the face it is cut from
    #: (see ``_pdf_fonts``).
    programs: dict[int, str] = field(default_factory=dict)

    @property
    def size(self) -> int:
        """The highest object number in use (object numbers start at 1)."""
        return max(self.objects, default=0)


def renumber(text: bytes, numbers: dict[int, int]) -> bytes:
    """``text`` with every reference ``N 0 R`` turned into ``numbers[N] 0 R``; a
    reference to an object the fragment did not keep becomes ``null``, as PDF reads it."""
    def replace(match: re.Match) -> bytes:
        number = numbers.get(int(match[1]))
        return b"null" if number is None else b"%d 0 R" % number

    return _REFERENCE.sub(replace, text)


# -- from a WeasyPrint PDF ---------------------------------------------------------------

def fragment_from_pdf(data: bytes, content_pages: int) -> tuple[Fragment, list[ProgramUse]]:
    """Take a WeasyPrint PDF apart: its first ``content_pages`` pages stay pages, the
    others are sheets whose drawing becomes a form XObject each. Also says which font
    programs it embeds, and their glyphs."""
    import pypdf
    from pypdf.generic import IndirectObject

    reader = pypdf.PdfReader(io.BytesIO(data))
    programs = programs_of(reader)
    page_numbers = [page.indirect_reference.idnum for page in reader.pages]
    page_index = {number: index for index, number in enumerate(page_numbers)}
    fragment = Fragment()
    writer = _Writer(reader, fragment)
    for number in page_numbers[:content_pages]:
        page = reader.get_object(number)
        contents = page.raw_get("/Contents")
        contents = list(contents) if isinstance(contents, list) else [contents]
        resources = writer.reference(page.raw_get("/Resources"))
        if resources not in fragment.resources:
            fragment.resources[resources] = writer.split_resources(page["/Resources"])
        fragment.pages.append(ContentPage(
            entries=b" ".join(writer.entry(key, value) for key, value in page.items()
                              if key not in ("/Parent", "/Resources", "/Contents")),
            contents=[writer.reference(item) for item in contents],
            resources=resources))
    for number in page_numbers[content_pages:]:
        fragment.forms.append(writer.form(reader.get_object(number)))
    writer.copy_reachable()
    root = reader.trailer["/Root"]
    for found, into in ((_named_destinations(root), fragment.anchors),
                        (_outline(root.get("/Outlines")), fragment.bookmarks)):
        for name, target in found:
            page = target[0]
            index = page_index.get(page.idnum) if isinstance(page, IndirectObject) else None
            if index is not None and index < content_pages:
                into.append((name, index, _number(target[2]), _number(target[3])))
    fragment.programs = {use.number: use.face for use in programs
                         if use.number in fragment.objects}
    return fragment, programs


def _named_destinations(root) -> list[tuple[str, list]]:
    found: list[tuple[str, list]] = []
    names = (root.get("/Names") or {}).get("/Dests")
    nodes = [names] if names is not None else []
    while nodes:
        node = nodes.pop(0).get_object()
        pairs = node.get("/Names") or []
        found.extend((str(pairs[i]), pairs[i + 1].get_object()) for i in range(0, len(pairs), 2))
        nodes.extend(node.get("/Kids") or [])
    return found


def _outline(outlines) -> list[tuple[str, list]]:
    """Every outline item in reading order (depth first), with its destination."""
    found: list[tuple[str, list]] = []

    def walk(item) -> None:
        while item is not None:
            item = item.get_object()
            destination = item.get("/Dest")
            if destination is not None:
                found.append((str(item["/Title"]), destination.get_object()))
            walk(item.get("/First"))
            item = item.get("/Next")

    if outlines is not None:
        walk(outlines.get_object().get("/First"))
    return found


class _Writer:
    """Writes pypdf objects as PDF text, hex strings only, links between parts turned
    into named destinations."""

    def __init__(self, reader, fragment: Fragment) -> None:
        self.reader = reader
        self.fragment = fragment
        self.pending: list[int] = []
        self.seen: set[int] = set()
        self.next_number = int(reader.trailer["/Size"])

    def reference(self, value) -> int:
        """The object number of ``value``; a direct object gets a number of its own."""
        from pypdf.generic import IndirectObject

        if isinstance(value, IndirectObject):
            self.pending.append(value.idnum)
            return value.idnum
        number = self.next_number
        self.next_number += 1
        self.fragment.objects[number] = (self.value(value), None)
        self.seen.add(number)
        return number

    def split_resources(self, resources) -> tuple[bytes, bytes]:
        """A resource dictionary's entries but /XObject, and the /XObject entries."""
        resources = resources.get_object()
        xobjects = resources.get("/XObject")
        xobjects = xobjects.get_object() if xobjects is not None else {}
        return (b" ".join(self.entry(k, v) for k, v in resources.items() if k != "/XObject"),
                b" ".join(self.entry(k, v) for k, v in xobjects.items()))

    def form(self, page) -> int:
        """The drawing of ``page`` as a form XObject; returns its object number."""
        from pypdf.generic import StreamObject

        contents = page.raw_get("/Contents")
        if isinstance(contents, list):
            data = b"\n".join(item.get_object().get_data() for item in contents)
            filters = b""
            number = self.next_number
            self.next_number += 1
        else:
            stream = contents.get_object()
            data = StreamObject.get_data(stream)  # still encoded: copied as it is
            filters = b"".join(b" " + self.entry(k, v) for k, v in stream.items()
                               if k in ("/Filter", "/DecodeParms"))
            number = contents.idnum
        group = b" /Group " + self.value(page["/Group"]) if "/Group" in page else b""
        self.fragment.objects[number] = (
            b"<</Type /XObject /Subtype /Form /BBox " + self.value(page["/MediaBox"])
            + b" /Resources " + self.value(page.raw_get("/Resources")) + group + filters
            + b" /Length %d>>" % len(data), data)
        self.seen.add(number)
        return number

    def copy_reachable(self) -> None:
        """Write every object queued so far, and those they refer to."""
        from pypdf.generic import StreamObject

        while self.pending:
            number = self.pending.pop()
            if number in self.seen:
                continue
            self.seen.add(number)
            value = self.reader.get_object(number)
            if isinstance(value, StreamObject):
                data = StreamObject.get_data(value)
                entries = b"".join(self.entry(k, v) + b" " for k, v in value.items()
                                   if k != "/Length")
                self.fragment.objects[number] = (
                    b"<<" + entries + b"/Length %d>>" % len(data), data)
            else:
                self.fragment.objects[number] = (self.value(value), None)

    def entry(self, key, value) -> bytes:
        return _name(key) + b" " + self.value(value)

    def value(self, value) -> bytes:
        from pypdf import generic as g

        if isinstance(value, g.IndirectObject):
            self.pending.append(value.idnum)
            return b"%d 0 R" % value.idnum
        if isinstance(value, g.DictionaryObject):
            return b"<<" + b" ".join(self._entries(value)) + b">>"
        if isinstance(value, g.ArrayObject):
            return b"[" + b" ".join(self.value(item) for item in value) + b"]"
        if isinstance(value, g.NameObject):
            return _name(value)
        if isinstance(value, g.BooleanObject):
            return b"true" if value else b"false"
        if isinstance(value, g.NullObject) or value is None:
            return b"null"
        if isinstance(value, g.FloatObject):
            return pdf_real(float(value))
        if isinstance(value, int):
            return b"%d" % value
        if isinstance(value, g.TextStringObject):
            return b"<" + value.original_bytes.hex().encode() + b">"
        if isinstance(value, (g.ByteStringObject, bytes)):
            return b"<" + bytes(value).hex().encode() + b">"
        raise ValueError(f"unexpected PDF value {type(value).__name__}")

    def _entries(self, dictionary) -> list[bytes]:
        target = _link_target(dictionary)
        if target is None:
            return [self.entry(k, v) for k, v in dictionary.items()]
        # A link to another part of the book: a named destination of the whole book.
        return [self.entry(k, v) for k, v in dictionary.items() if k != "/A"] + [
            b"/Dest " + encode_text(target)]


def _link_target(dictionary) -> str | None:
    """The anchor a link annotation of a part points at through :data:`LINK_SCHEME`."""
    if dictionary.get("/Subtype") != "/Link":
        return None
    action = dictionary.get("/A")
    uri = str(action.get_object().get("/URI", "")) if action is not None else ""
    prefix = LINK_SCHEME + ":"
    return uri[len(prefix):] if uri.startswith(prefix) else None


def encode_text(text: str) -> bytes:
    """A PDF text string in hexadecimal: PDFDocEncoding when ASCII, else UTF-16BE."""
    raw = text.encode("ascii") if text.isascii() else b"\xfe\xff" + text.encode("utf-16-be")
    return b"<" + raw.hex().encode() + b">"


def _name(name: str) -> bytes:
    body = name[1:] if name.startswith("/") else name
    return b"/" + "".join(
        char if _NAME_SAFE.fullmatch(char) and char not in _NAME_DELIMITERS
        else "".join(f"#{byte:02x}" for byte in char.encode()) for char in body).encode()


def _number(value) -> float:
    try:
        return float(value)
    except (TypeError, ValueError):
        return 0.0


def pdf_real(number: float) -> bytes:
    """A number as PDF writes it: no exponent, no trailing zeros."""
    if number == int(number):
        return b"%d" % int(number)
    return (b"%.6f" % number).rstrip(b"0").rstrip(b".")


# -- files ----------------------------------------------------------------------------

def write_fragment(fragment: Fragment, path: Path, metadata: dict) -> None:
    """Store ``fragment`` and ``metadata`` (plain JSON values) in one file at ``path``."""
    blob = io.BytesIO()

    def put(data: bytes | None) -> list[int] | None:
        if data is None:
            return None
        start = blob.tell()
        blob.write(data)
        return [start, len(data)]

    table = {
        "objects": [[number, put(text), put(stream)]
                    for number, (text, stream) in sorted(fragment.objects.items())],
        "pages": [[put(page.entries), page.contents, page.resources] for page in fragment.pages],
        "resources": [[number, put(rest), put(xobjects)]
                      for number, (rest, xobjects) in sorted(fragment.resources.items())],
        "forms": fragment.forms,
        "anchors": fragment.anchors,
        "bookmarks": fragment.bookmarks,
        "programs": sorted(fragment.programs.items()),
        "metadata": metadata,
    }
    header = json.dumps(table, ensure_ascii=False, separators=(",", ":")).encode()
    with open(path, "wb") as handle:
        handle.write(_MAGIC + b"%d\n" % len(header) + header)
        handle.write(blob.getvalue())


def read_metadata(path: Path) -> dict:
    """The metadata stored with a fragment, without reading its objects."""
    with open(path, "rb") as handle:
        return _read_table(handle)["metadata"]


def read_fragment(path: Path) -> tuple[Fragment, dict]:
    """The fragment and metadata stored at ``path`` by :func:`write_fragment`."""
    with open(path, "rb") as handle:
        table = _read_table(handle)
        blob = handle.read()

    def get(span: list[int] | None) -> bytes | None:
        return None if span is None else blob[span[0]:span[0] + span[1]]

    fragment = Fragment(
        objects={number: (get(text), get(stream)) for number, text, stream in table["objects"]},
        pages=[ContentPage(get(entries), contents, resources)
               for entries, contents, resources in table["pages"]],
        resources={number: (get(rest), get(xobjects))
                   for number, rest, xobjects in table["resources"]},
        forms=table["forms"],
        anchors=[tuple(anchor) for anchor in table["anchors"]],
        bookmarks=[tuple(bookmark) for bookmark in table["bookmarks"]],
        programs={number: face for number, face in table["programs"]},
    )
    return fragment, table["metadata"]


def _read_table(handle) -> dict:
    if handle.readline() != _MAGIC:
        raise ValueError("not a bookmaker PDF fragment")
    length = int(handle.readline())
    return json.loads(handle.read(length))
