"""A part embeds a one-glyph stand-in for each face the assembled book embeds once.

The assembler replaces the font programs of every part by one subset per face, cut
from the installed font with the glyphs of all the parts (``_pdf_fonts``). The subset
WeasyPrint cuts for each part is thrown away then, yet it is the costly part of writing
one: HarfBuzz cuts a Noto CJK face in about 50 ms, and the result, most of a megabyte
per face, is compressed, stored and read back. So while a part is written, a face the
book will share is cut to its first glyph only: that keeps the names and header the
face is known by, and the part's text still maps its glyphs. Each stand-in is noted in
the part's summary; the book is only written when every one of them has been replaced
(otherwise the build typesets the parts again with their own subsets).

A face is stood in for only when this process could cut it the way the assembler will
(``_pdf_fonts.can_share``: the same HarfBuzz binding, fontconfig lookup and checks), and
only on the WeasyPrint shape this was written for (its HarfBuzz subsetter, static faces
without colour or bitmap glyphs).
Anything else gets WeasyPrint's own subset, as without this module.
"""

from __future__ import annotations

import functools
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any, Iterator

from ._pdf_fonts import can_share, face_key, rewritten

#: Set on the Font class once patched, so that applying twice changes nothing.
_MARK = "_bookmaker_font_stubs"
#: The faces stood in for while a part is being written, or ``None`` outside.
_STUBBED: ContextVar[set[str] | None] = ContextVar("stubbed_faces", default=None)


@contextmanager
def stand_ins() -> Iterator[set[str]]:
    """While inside, shared faces are cut to a stand-in; yields their face keys."""
    stubbed: set[str] = set()
    token = _STUBBED.set(stubbed if _patch() else None)
    try:
        yield stubbed
    finally:
        _STUBBED.reset(token)


def _patch() -> bool:
    """Route WeasyPrint's font subsetting through :func:`_subsetting`; say whether it is."""
    try:
        from weasyprint.pdf import fonts
    except ImportError:
        return False
    font_class = getattr(fonts, "Font", None)
    if font_class is None:
        return False
    if getattr(font_class, _MARK, False):
        return True
    original = getattr(font_class, "subset", None)
    harfbuzz_cut = getattr(font_class, "_harfbuzz_subset", None)
    if not callable(original) or not callable(harfbuzz_cut):
        return False  # a WeasyPrint this was not written for
    font_class.subset = _subsetting(original, harfbuzz_cut, fonts)
    setattr(font_class, _MARK, True)
    return True


def _subsetting(original: Any, harfbuzz_cut: Any, module: Any) -> Any:
    """``Font.subset``, cutting a stand-in instead while :func:`stand_ins` asks for them."""

    @functools.wraps(original)
    def subset(font: Any, to_unicode: dict, hinting: bool) -> None:
        stubbed = _STUBBED.get()
        if stubbed is None or not to_unicode or not _plain(font, module):
            return original(font, to_unicode, hinting)
        before = dict(vars(font))
        harfbuzz_cut(font, {0: ""}, hinting)
        # WeasyPrint keeps a cut only when HarfBuzz made one: otherwise nothing changed.
        key = face_key(font.file_content) if vars(font) != before else None
        if key is not None and _shared(key):
            stubbed.add(key)
            return None
        # Not shared: the face as it was, and a subset of its own (or, should that fail
        # too, the whole face, as WeasyPrint does), never the stand-in.
        vars(font).clear()
        vars(font).update(before)
        return original(font, to_unicode, hinting)

    return subset


def _plain(font: Any, module: Any) -> bool:
    """Whether ``font`` is a face WeasyPrint subsets with HarfBuzz and rewrites no further
    (its colour, bitmap and variable tables are all among the rewritten ones)."""
    try:
        cuts_with_harfbuzz = bool(getattr(module, "harfbuzz_subset", None)) and bool(
            module.harfbuzz.hb_version_atleast(4, 1, 0))
        return cuts_with_harfbuzz and not rewritten(font.tables)
    except AttributeError:
        return False


@functools.lru_cache(maxsize=64)
def _shared(key: str) -> bool:
    """Whether the assembler will cut the face ``key`` (asked once a process)."""
    return can_share(key)
