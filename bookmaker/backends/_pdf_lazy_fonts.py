"""WeasyPrint reads a whole font file only when it really needs it.

When it writes a PDF, WeasyPrint copies the whole file of every face it draws with
into memory (``Font.file_content``), and keeps each copy until the fonts are subset at
the end. A Noto CJK collection is 19 to 27 MB, a part uses three or four of them, and
reading one also pulls every page of the mapped file into memory: about 120 MB of a
worker's peak (measured), for bytes that are thrown away once HarfBuzz has subset the
face from its own handle. Here the copy is made on first use instead, which on the
usual path (HarfBuzz subsetting, static fonts without colour glyphs) is never. The PDF
is byte-identical either way (tested).

The change is made only to the WeasyPrint shape it was written for; any other
version is left as it is, and is merely hungrier.
"""

from __future__ import annotations

import functools
from typing import Any

#: Set on the Font class once patched, so that applying twice changes nothing.
_MARK = "_bookmaker_lazy_content"


def read_fonts_lazily() -> bool:
    """Make WeasyPrint copy a font's file on first use; say whether it now does."""
    try:
        from weasyprint.pdf import fonts
    except ImportError:
        return False
    font_class = getattr(fonts, "Font", None)
    read_blob = getattr(fonts, "get_hb_object_data", None)
    if font_class is None or read_blob is None:
        return False
    if getattr(font_class, _MARK, False):
        return True
    if "file_content" in vars(font_class) or not callable(read_blob):
        return False  # a WeasyPrint this was not written for
    font_class.__init__ = _deferring(font_class.__init__, fonts)
    font_class.file_content = property(_content, _set_content)
    setattr(font_class, _MARK, True)
    return True


def _deferring(initialise: Any, module: Any) -> Any:
    """``Font.__init__``, reading no blob of the face it describes."""

    @functools.wraps(initialise)
    def init(font: Any, *args: Any, **kwargs: Any) -> None:
        read_blob = module.get_hb_object_data
        # The only blob ``__init__`` reads is the whole face: later, on first use.
        module.get_hb_object_data = lambda *args, **options: None
        try:
            initialise(font, *args, **kwargs)
        finally:
            module.get_hb_object_data = read_blob

    return init


def _content(font: Any) -> bytes:
    content = font.__dict__.get("_content")
    if content is None:
        from weasyprint.pdf import fonts

        content = font.__dict__["_content"] = fonts.get_hb_object_data(font.hb_face)
    return content


def _set_content(font: Any, content: bytes | None) -> None:
    font.__dict__["_content"] = content
