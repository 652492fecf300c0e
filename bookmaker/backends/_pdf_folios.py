"""Page numbers for every page of the book, composed from one typeset sample.

Typesetting a page that shows nothing but its number still costs WeasyPrint a few
milliseconds (page styles, sixteen margin boxes, drawing), seconds for a long book.
So two pages are typeset once, numbered 1023456789 and 1023456790 (every digit, on a
right and a left page), and every other number is written like them: the same drawing
with the digits' glyphs in the sample's font and, on a right page where the number is
set flush right, the text moved by the width of the digits it lacks. This needs the
sample to be one plain run of glyphs without kerning; when it is not (another font,
another WeasyPrint), the backend typesets page-number sheets instead.
"""

from __future__ import annotations

import io
import re
import zlib
from typing import Any

from ._pdf_fragment import Fragment, pdf_real

#: The number of the sample's first page: odd (a right page), with every digit.
SAMPLE_FIRST = 1023456789
_SIDES = (("right", SAMPLE_FIRST), ("left", SAMPLE_FIRST + 1))
_TEXT = re.compile(rb"(?P<before>.*\bBT\s+1 0 0 -1 )(?P<x>-?[\d.]+)"
                   rb"(?P<between> -?[\d.]+ Tm\s+/(?P<font>\S+) (?P<size>[\d.]+) Tf\s+)"
                   rb"\[(?P<glyphs>[^\]]*)\] TJ(?P<after>\s+ET\b.*)", re.S)
_GLYPH = re.compile(rb"<([0-9A-Fa-f]+)>(-?[\d.]+)")


def analyse(pdf: bytes) -> dict[str, Any] | None:
    """What writing any page number takes, read from the typeset sample; ``None`` when
    the sample is not the plain run of glyphs this module knows how to imitate."""
    import pypdf

    reader = pypdf.PdfReader(io.BytesIO(pdf))
    if len(reader.pages) < 2:
        return None
    found: dict[str, Any] = {"codes": {}}
    for (side, number), page in zip(_SIDES, reader.pages):
        match = _TEXT.fullmatch(page.get_contents().get_data())
        if match is None or match[0].count(b" Tj") or match[0].count(b" TJ") != 1:
            return None
        glyphs = _GLYPH.findall(match["glyphs"])
        if len(glyphs) != len(str(number)) or any(float(kern) for _, kern in glyphs):
            return None
        for digit, (code, _) in zip(str(number), glyphs):
            if found["codes"].setdefault(digit, code.decode()) != code.decode():
                return None
        found[side] = {key: match[key].decode("latin-1")
                       for key in ("before", "between", "after")}
        found[side]["x"] = float(match["x"])
        found["size"] = float(match["size"])
        font = page["/Resources"]["/Font"][f"/{match['font'].decode()}"].get_object()
        found["widths"] = _widths(font, found["codes"])
    return found if len(found["codes"]) == 10 else None


def _widths(font, codes: dict[str, str]) -> dict[str, float]:
    """The advance width (thousandths of an em) of each digit's glyph."""
    cid_font = font["/DescendantFonts"][0].get_object()
    widths: dict[int, float] = {}
    table = list(cid_font.get("/W", []))
    index = 0
    while index < len(table):
        first, second = int(table[index]), table[index + 1]
        if isinstance(second, list):  # first [w1 w2 ...]
            widths.update((first + n, float(w)) for n, w in enumerate(second))
            index += 2
        else:  # first last w
            widths.update((gid, float(table[index + 2])) for gid in range(first, int(second) + 1))
            index += 3
    default = float(cid_font.get("/DW", 1000))
    return {digit: widths.get(int(code, 16), default) for digit, code in codes.items()}


def compose(sample: Fragment, analysis: dict[str, Any], count: int) -> Fragment:
    """The sample's objects, plus ``count`` forms: form ``i`` draws page number ``i + 1``."""
    composed = Fragment(objects=dict(sample.objects), programs=dict(sample.programs))
    template, _ = sample.objects[sample.forms[0]]
    compressed = b"/FlateDecode" in template
    number = max(sample.objects) + 1
    full_width = _width(SAMPLE_FIRST, analysis)
    for page in range(1, count + 1):
        side = "right" if page % 2 else "left"
        parts = analysis[side]
        x = parts["x"]
        if side == "right":  # flush right: the shorter the number, the further right
            x += (full_width - _width(page, analysis)) * analysis["size"] / 1000
        glyphs = "".join(f"<{analysis['codes'][digit]}>0" for digit in str(page))
        drawing = (parts["before"] + pdf_real(x).decode() + parts["between"]
                   + f"[{glyphs}] TJ"
                   + parts["after"]).encode("latin-1")
        data = zlib.compress(drawing) if compressed else drawing
        composed.objects[number] = (re.sub(rb"/Length \d+", b"/Length %d" % len(data),
                                           template), data)
        composed.forms.append(number)
        number += 1
    return composed


def _width(number: int, analysis: dict[str, Any]) -> float:
    return sum(analysis["widths"][digit] for digit in str(number))
