"""One embedded copy of each font face in the assembled book, not one per part.

Each part is a PDF of its own, and WeasyPrint embeds in it a subset of every face the
part uses: a book of forty parts would carry forty subsets of the same Chinese font.
WeasyPrint subsets with HarfBuzz keeping glyph ids, so the text of every part still
draws right from one subset holding the glyphs of all the parts. A worker notes, for
each font program of its part, which face it comes from and which glyphs its text draws;
before assembling, the main process finds each face on disk through fontconfig, checks
that it is the very face the parts used, and subsets it once with HarfBuzz (the same
steps and flags as WeasyPrint). A face that cannot be found, checked or subset keeps
its per-part copies: the book is bigger, never wrong. (Parts usually carry only a
stand-in for a face shared this way, see ``_pdf_font_stubs``; a stand-in that cannot be
replaced has its parts typeset again.)
"""

from __future__ import annotations

import io
import logging
import re
import shutil
import subprocess
import zlib
from dataclasses import dataclass
from typing import Any, Iterable, Mapping

LOGGER = logging.getLogger("bookmaker.pdf")

#: Tables a subset carries no use for in a PDF (the ones WeasyPrint drops).
_DROPPED_TABLES = (b"BASE", b"DSIG", b"EBDT", b"EBLC", b"EBSC", b"GPOS", b"GSUB", b"JSTF",
                   b"LTSH", b"PCLT", b"SVG ")
#: Tables of faces WeasyPrint rewrites beyond subsetting (variable and colour fonts):
#: those keep their per-part programs.
_REWRITTEN_TABLES = {"fvar", "CBDT", "CBLC", "sbix", "SVG ", "COLR", "EBDT"}
_GLYPH = re.compile(rb"<([0-9a-fA-F]{4})>\s*<[0-9a-fA-F]*>")
_BFCHAR = re.compile(rb"beginbfchar(.*?)endbfchar", re.S)


@dataclass(frozen=True)
class ProgramUse:
    """An embedded font program of a part: its object number, the face it was cut from
    and the glyph ids its text draws with."""

    number: int
    face: str
    glyphs: tuple[int, ...]


# -- in the worker: what a part embeds ----------------------------------------------------

def programs_of(reader: Any) -> list[ProgramUse]:
    """The font programs of a WeasyPrint PDF (read by pypdf) that can be shared.

    Sharing only saves space: when any font of the part cannot be made sense of, nothing
    of the part is shared (a program missing the glyphs of one of its fonts would draw
    wrong), and its pages keep their own programs. Never an error.
    """
    try:
        return _programs(reader)
    except Exception:  # an unexpected structure: this part keeps its own programs
        return []


def _programs(reader: Any) -> list[ProgramUse]:
    found: dict[int, tuple[str, set[int]]] = {}
    faces: dict[int, str | None] = {}
    for font in _fonts(reader):
        if font.get("/Subtype") != "/Type0":
            continue
        descendant = font["/DescendantFonts"][0].get_object()
        descriptor = descendant["/FontDescriptor"].get_object()
        program = next((descriptor.raw_get(key) for key in ("/FontFile3", "/FontFile2")
                        if key in descriptor), None)
        if program is None or not hasattr(program, "idnum"):
            continue
        number = program.idnum
        if number not in faces:
            faces[number] = face_key(program.get_object().get_data())
        glyphs = _mapped_glyphs(font["/ToUnicode"].get_object().get_data())
        if faces[number] is not None:
            found.setdefault(number, (faces[number], set()))[1].update(glyphs)
    return [ProgramUse(number, face, tuple(sorted(glyphs)))
            for number, (face, glyphs) in sorted(found.items())]


def _fonts(reader: Any) -> list[Any]:
    """Every font dictionary the pages and the forms they draw name, each once."""
    fonts: dict[int, Any] = {}
    seen: set[int] = set()
    pending = [page.raw_get("/Resources") for page in reader.pages]
    while pending:
        reference = pending.pop()
        key = reference.idnum if hasattr(reference, "idnum") else id(reference)
        if reference is None or key in seen:
            continue
        seen.add(key)
        resources = reference.get_object()
        for font in (resources.get("/Font") or {}).values():
            fonts.setdefault(font.idnum if hasattr(font, "idnum") else id(font), font)
        for form in (resources.get("/XObject") or {}).values():
            form = form.get_object()
            if form.get("/Subtype") == "/Form":
                pending.append(form.raw_get("/Resources"))
    return [font.get_object() for _, font in sorted(fonts.items())]


def _mapped_glyphs(cmap: bytes) -> set[int]:
    """The glyph ids a ToUnicode CMap maps (WeasyPrint writes one bfchar per glyph)."""
    return {int(glyph, 16) for block in _BFCHAR.findall(cmap) for glyph in _GLYPH.findall(block)}


def face_key(program: bytes) -> str | None:
    """What names a face and tells its versions apart: its PostScript name, revision,
    dates and units per em, read from a font program (or ``None`` when unreadable)."""
    from fontTools.ttLib import TTFont

    try:
        font = TTFont(io.BytesIO(program), lazy=True)
        return _key(font)
    except Exception:  # a program fontTools cannot read is simply not shared
        return None


def face_name(face: str) -> str:
    """The PostScript name in a face key (see :func:`face_key`)."""
    return face.split("|")[0]


def _key(font: Any) -> str | None:
    name = font["name"].getDebugName(6)
    head = font["head"]
    if not name:
        return None
    return f"{name}|{head.fontRevision:.5f}|{head.created}|{head.modified}|{head.unitsPerEm}"


# -- in the main process: one program per face ----------------------------------------------

@dataclass(frozen=True)
class SharedProgram:
    """A face's program for the whole book: the stream's dictionary entries and data."""

    entries: bytes
    data: bytes


def share_programs(uses: Iterable[ProgramUse]) -> dict[str, SharedProgram]:
    """One subset per face, holding the glyphs of every part: face key → program.
    Faces that cannot be shared safely are left out (their parts keep their own)."""
    glyphs: dict[str, set[int]] = {}
    for use in uses:
        glyphs.setdefault(use.face, set()).update(use.glyphs)
    harfbuzz = _HarfBuzz.load()
    if harfbuzz is None or not glyphs:
        return {}
    shared: dict[str, SharedProgram] = {}
    for face, wanted in sorted(glyphs.items()):
        source = find_face(face)
        program = harfbuzz.subset(*source, sorted(wanted)) if source else None
        if program is None:
            LOGGER.debug("font %s: each part keeps its own subset", face_name(face))
            continue
        kind = b"/Subtype /OpenType" if program[:4] == b"OTTO" else b"/Length1 %d" % len(program)
        data = zlib.compress(program)
        shared[face] = SharedProgram(kind + b" /Filter /FlateDecode /Length %d" % len(data), data)
    return shared


def can_share(face: str) -> bool:
    """Whether :func:`share_programs` finds ``face`` on disk and can cut it here."""
    return _HarfBuzz.load() is not None and find_face(face) is not None


def rewritten(tables: Iterable[str]) -> bool:
    """Whether a face with these tables is rewritten by WeasyPrint beyond subsetting."""
    return not _REWRITTEN_TABLES.isdisjoint(tables)


def find_face(face: str) -> tuple[str, int] | None:
    """The file and index of the installed face whose key is ``face``."""
    from fontTools.ttLib import TTFont

    postscript_name = face_name(face)
    if shutil.which("fc-list") is None or not re.fullmatch(r"[!-~]+", postscript_name):
        return None
    listed = subprocess.run(
        ["fc-list", "--format=%{file}\t%{index}\n", f":postscriptname={postscript_name}"],
        capture_output=True, text=True, check=False).stdout
    for line in sorted(set(listed.splitlines())):
        path, _, index = line.partition("\t")
        try:
            font = TTFont(path, fontNumber=int(index or 0), lazy=True)
            if _key(font) == face and not rewritten(font.keys()):
                return path, int(index or 0)
        except Exception:  # an unreadable candidate is no match
            continue
    return None


class _HarfBuzz:
    """The few HarfBuzz calls a subset takes, through cffi (WeasyPrint's own binding
    does not open font files)."""

    _DECLARATIONS = """
        typedef struct hb_blob_t hb_blob_t;
        typedef struct hb_face_t hb_face_t;
        typedef struct hb_set_t hb_set_t;
        typedef struct hb_subset_input_t hb_subset_input_t;
        typedef uint32_t hb_codepoint_t;
        typedef uint32_t hb_tag_t;
        hb_blob_t *hb_blob_create_from_file_or_fail(const char *file_name);
        void hb_blob_destroy(hb_blob_t *blob);
        const char *hb_blob_get_data(hb_blob_t *blob, unsigned int *length);
        hb_face_t *hb_face_create(hb_blob_t *blob, unsigned int index);
        hb_blob_t *hb_face_reference_blob(hb_face_t *face);
        void hb_face_destroy(hb_face_t *face);
        hb_tag_t hb_tag_from_string(const char *str, int len);
        void hb_set_add(hb_set_t *set, hb_codepoint_t codepoint);
        hb_subset_input_t *hb_subset_input_create_or_fail(void);
        void hb_subset_input_destroy(hb_subset_input_t *input);
        hb_set_t *hb_subset_input_glyph_set(hb_subset_input_t *input);
        hb_set_t *hb_subset_input_set(hb_subset_input_t *input, int set_type);
        void hb_subset_input_set_flags(hb_subset_input_t *input, unsigned value);
        hb_face_t *hb_subset_or_fail(hb_face_t *source, const hb_subset_input_t *input);
    """
    NO_HINTING, RETAIN_GIDS, DESUBROUTINIZE = 0x01, 0x02, 0x04
    PASSTHROUGH_UNRECOGNIZED, NOTDEF_OUTLINE = 0x20, 0x40
    DROP_TABLE_TAG = 3

    def __init__(self, ffi: Any, core: Any, subsetter: Any) -> None:
        self.ffi, self.core, self.subsetter = ffi, core, subsetter

    @classmethod
    def load(cls) -> "_HarfBuzz | None":
        try:
            import cffi

            ffi = cffi.FFI()
            ffi.cdef(cls._DECLARATIONS)
            return cls(ffi, ffi.dlopen("libharfbuzz.so.0"), ffi.dlopen("libharfbuzz-subset.so.0"))
        except (ImportError, OSError, AttributeError) as exc:
            LOGGER.debug("HarfBuzz subsetting unavailable (%s): fonts are not shared", exc)
            return None

    def subset(self, path: str, index: int, glyphs: list[int]) -> bytes | None:
        """``glyphs`` of face ``index`` of ``path``, glyph ids kept, as WeasyPrint cuts
        them: first every glyph not asked for is emptied, then the tail is dropped."""
        blob = self.core.hb_blob_create_from_file_or_fail(path.encode())
        if blob == self.ffi.NULL:
            return None
        face = self.core.hb_face_create(blob, index)
        self.core.hb_blob_destroy(blob)
        try:
            kept = self._cut(face, glyphs, self.RETAIN_GIDS)
            if kept is None:
                return None
            try:
                whole = self._cut(kept, range(max(glyphs) + 1), self.NO_HINTING)
            finally:
                self.core.hb_face_destroy(kept)
            if whole is None:
                return None
            try:
                return self._bytes(whole)
            finally:
                self.core.hb_face_destroy(whole)
        finally:
            self.core.hb_face_destroy(face)

    def _cut(self, face: Any, glyphs: Iterable[int], flag: int) -> Any:
        subset = self.subsetter.hb_subset_input_create_or_fail()
        if subset == self.ffi.NULL:
            return None
        try:
            chosen = self.subsetter.hb_subset_input_glyph_set(subset)
            for glyph in glyphs:
                self.core.hb_set_add(chosen, glyph)
            dropped = self.subsetter.hb_subset_input_set(subset, self.DROP_TABLE_TAG)
            for tag in _DROPPED_TABLES:
                self.core.hb_set_add(dropped, self.core.hb_tag_from_string(tag, 4))
            self.subsetter.hb_subset_input_set_flags(
                subset, flag | self.DESUBROUTINIZE | self.PASSTHROUGH_UNRECOGNIZED
                | self.NOTDEF_OUTLINE)
            result = self.subsetter.hb_subset_or_fail(face, subset)
            return None if result == self.ffi.NULL else result
        finally:
            self.subsetter.hb_subset_input_destroy(subset)

    def _bytes(self, face: Any) -> bytes | None:
        blob = self.core.hb_face_reference_blob(face)
        try:
            length = self.ffi.new("unsigned int *")
            data = self.core.hb_blob_get_data(blob, length)
            return bytes(self.ffi.buffer(data, length[0])) if length[0] else None
        finally:
            self.core.hb_blob_destroy(blob)


def stand_ins_left(summaries: Iterable[Mapping[str, Any]],
                   shared: Mapping[str, SharedProgram]) -> list[str]:
    """The faces a part stood in for (``_pdf_font_stubs``) whose stand-ins the book would
    keep: faces not shared, and faces a part's program list does not name (the assembler
    replaces programs it knows of only)."""
    left: set[str] = set()
    for summary in summaries:
        listed = {face for _, face, _ in summary.get("fonts", ())}
        left |= {face for face in summary.get("stand_ins", ())
                 if face not in listed or face not in shared}
    return sorted(left)


def uses_from_summaries(summaries: Iterable[Mapping[str, Any]]) -> list[ProgramUse]:
    """The program uses that workers stored in their parts' summaries."""
    return [ProgramUse(number, face, tuple(glyphs))
            for summary in summaries for number, face, glyphs in summary.get("fonts", [])]
