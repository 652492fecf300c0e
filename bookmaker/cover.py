"""The generated cover image: title, date range, article count and sources in a CJK font."""

from __future__ import annotations

import io
import re
from typing import Protocol

from PIL import Image, ImageDraw, ImageFont

from .fonts import FontFile, require_cjk_font
from .labels import section_name
from .model import Book
from .render import book_view

#: Pixel size of the cover; at least what the large e-reader stores ask for.
COVER_SIZE = (1600, 2560)
#: JPEG: at this quality and without chroma subsampling text edges stay clean, and it
#: encodes several times faster than PNG (a fixed cost of every build).
COVER_MEDIA_TYPE = "image/jpeg"

_PAPER = (244, 239, 230)
_BAND = (122, 31, 31)
_INK = (26, 26, 26)
_GREY = (85, 85, 85)
_LIGHT = (130, 130, 130)
_MARGIN = 140

#: Characters that must not begin a line, and those that must not end one
#: (the usual Chinese line-breaking rules, with their ASCII counterparts).
_NO_LINE_START = frozenset("，。、；：？！）》」』】〕〉”’…—·～％,.;:?!)]}%")
_NO_LINE_END = frozenset("（《「『【〔〈“‘([{")
#: A run of characters that breaks only at its ends: Latin words, numbers, URLs.
_UNBREAKABLE = re.compile(r"[0-9A-Za-z\u00C0-\u024F'’\-_./:@#&+]+")


class _Measurer(Protocol):
    def getlength(self, text: str) -> float: ...


def _units(text: str) -> list[str]:
    """Split ``text`` into pieces a line may break between, obeying the kinsoku rules."""
    pieces: list[str] = []
    position = 0
    while position < len(text):
        match = _UNBREAKABLE.match(text, position)
        if match:
            pieces.append(match.group())
            position = match.end()
        else:
            pieces.append(text[position])
            position += 1
    units: list[str] = []
    glue_next = False
    for piece in pieces:
        if units and (glue_next or piece[0] in _NO_LINE_START):
            units[-1] += piece
        else:
            units.append(piece)
        glue_next = piece[-1] in _NO_LINE_END
    return units


def wrap_text(text: str, font: _Measurer, width: float) -> list[str]:
    """Break ``text`` into lines no wider than ``width`` as measured by ``font``.

    Chinese breaks between any two characters except where punctuation forbids it;
    Latin words break at spaces, and only a word longer than a line is cut.
    """
    lines: list[str] = []
    line = ""
    for unit in _units(" ".join(text.split())):
        candidate = line + unit
        if not line or font.getlength(candidate.rstrip()) <= width:
            line = candidate
            continue
        lines.append(line.rstrip())
        line = unit.lstrip()
    if line.strip():
        lines.append(line.rstrip())
    return [piece for line in lines for piece in _cut_overlong(line, font, width)]


def _cut_overlong(line: str, font: _Measurer, width: float) -> list[str]:
    """Cut a single word wider than the line; a Chinese character with the punctuation
    glued to it may overhang instead, as hanging punctuation does."""
    if not _UNBREAKABLE.fullmatch(line) or font.getlength(line) <= width:
        return [line]
    pieces: list[str] = []
    while font.getlength(line) > width and len(line) > 1:
        cut = len(line) - 1
        while cut > 1 and font.getlength(line[:cut]) > width:
            cut -= 1
        pieces.append(line[:cut])
        line = line[cut:]
    return pieces + [line]


def balanced_lines(text: str, font: _Measurer, width: float) -> list[str]:
    """Like :func:`wrap_text`, but with lines of even length instead of a short last one,
    and broken only at spaces when every space-separated part fits on a line."""
    lines = _balance(wrap_text, text, font, width)
    words = text.split()
    if len(words) > 1 and all(font.getlength(word) <= width for word in words):
        at_spaces = _balance(_wrap_at_spaces, text, font, width)
        if len(at_spaces) <= len(lines) + 1:
            return at_spaces
    return lines


def _wrap_at_spaces(text: str, font: _Measurer, width: float) -> list[str]:
    words = text.split()
    lines = [words[0]]
    for word in words[1:]:
        if font.getlength(f"{lines[-1]} {word}") <= width:
            lines[-1] += f" {word}"
        else:
            lines.append(word)
    # "纽约时报中文网 · 2023年10月" broken at the dot reads better without it.
    return [_drop_trailing_separator(line) if n < len(lines) else line
            for n, line in enumerate(lines, start=1)]


_SEPARATORS = frozenset("·•|/-–—")


def _drop_trailing_separator(line: str) -> str:
    head, _, last = line.rpartition(" ")
    return head if head and last in _SEPARATORS else line


def _balance(wrap, text: str, font: _Measurer, width: float) -> list[str]:
    """The narrowest measure that keeps the line count of ``wrap`` at full ``width``."""
    lines = wrap(text, font, width)
    if len(lines) < 2:
        return lines
    low, high = width / 2, width
    while high - low > 4:
        middle = (low + high) / 2
        if len(wrap(text, font, middle)) <= len(lines):
            high = middle
        else:
            low = middle
    return wrap(text, font, high)


def _font(face: FontFile, size: int) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(str(face.path), size, index=face.index)


def _fit_title(title: str, face: FontFile, width: int) -> tuple[ImageFont.FreeTypeFont, list[str]]:
    """The largest size at which the title takes at most four lines (six when it must)."""
    for size in range(168, 95, -8):
        font = _font(face, size)
        lines = balanced_lines(title, font, width)
        if len(lines) <= 4:
            return font, lines
    font = _font(face, 96)
    lines = wrap_text(title, font, width)
    if len(lines) > 6:
        lines = lines[:6]
        lines[-1] = _ellipsize(lines[-1] + "…", font, width)
    return font, lines


def _ellipsize(text: str, font: _Measurer, width: float) -> str:
    while font.getlength(text) > width and len(text) > 1:
        text = text[:-2] + "…"
    return text


def render_cover(book: Book) -> bytes:
    """The cover of ``book`` as JPEG bytes (same book, same bytes: no timestamps)."""
    view = book_view(book)
    image = Image.new("RGB", COVER_SIZE, _PAPER)
    draw = ImageDraw.Draw(image)
    language = book.language
    _draw_band(draw, str(view["publishers"]), language)
    _draw_title_block(draw, book.title or str(view["count_line"]), str(view["date_range"]),
                      str(view["count_line"]), language)
    _draw_sections(draw, _sections(book), language)
    output = io.BytesIO()
    # Pillow writes no time, EXIF or software marker into a JPEG unless asked to.
    image.save(output, format="JPEG", quality=90, subsampling=0)
    return output.getvalue()


_BAND_HEIGHT = 300
_TEXT_WIDTH = COVER_SIZE[0] - 2 * _MARGIN


def _draw_band(draw: ImageDraw.ImageDraw, publishers: str, language: str) -> None:
    draw.rectangle((0, 0, COVER_SIZE[0], _BAND_HEIGHT), fill=_BAND)
    if publishers:
        font = _font(require_cjk_font("sans", True, language), 64)
        draw.text((_MARGIN, _BAND_HEIGHT / 2), _ellipsize(publishers, font, _TEXT_WIDTH),
                  font=font, fill=_PAPER, anchor="lm")


def _draw_title_block(draw: ImageDraw.ImageDraw, title: str, date_range: str,
                      count_line: str, language: str) -> None:
    """Title, a short rule, the date range and the count, centred a little above the
    middle of the page so that a short title does not leave the top half crowded."""
    title_font, lines = _fit_title(title, require_cjk_font("serif", True, language),
                                   _TEXT_WIDTH)
    sans = require_cjk_font("sans", False, language)
    line_height = round(title_font.size * 1.32)
    rule_gap, facts_gap, facts_line = 40, 160, 120
    block = (title_font.size + line_height * (len(lines) - 1) + rule_gap + facts_gap
             + (facts_line if date_range else 0))
    y = max(_BAND_HEIGHT + 200 + title_font.size,
            round(COVER_SIZE[1] * 0.40 - block / 2) + title_font.size)
    for line in lines:
        draw.text((_MARGIN, y), line, font=title_font, fill=_INK, anchor="ls")
        y += line_height
    y += rule_gap - line_height + round(title_font.size * 0.3)
    draw.rectangle((_MARGIN, y, _MARGIN + 180, y + 10), fill=_BAND)
    y += facts_gap
    if date_range:
        font = _font(sans, 76)
        draw.text((_MARGIN, y), _ellipsize(date_range, font, _TEXT_WIDTH), font=font,
                  fill=_GREY, anchor="ls")
        y += facts_line
    draw.text((_MARGIN, y), count_line, font=_font(sans, 64), fill=_GREY, anchor="ls")


def _draw_sections(draw: ImageDraw.ImageDraw, sections: str, language: str) -> None:
    if not sections:
        return
    font = _font(require_cjk_font("sans", False, language), 48)
    baseline = COVER_SIZE[1] - 220
    draw.line((_MARGIN, baseline - 90, COVER_SIZE[0] - _MARGIN, baseline - 90), fill=_LIGHT,
              width=2)
    draw.text((_MARGIN, baseline), _ellipsize(sections, font, _TEXT_WIDTH), font=font,
              fill=_LIGHT, anchor="ls")


def _sections(book: Book) -> str:
    """The sections the book draws from, in its language, most articles first (ties by
    name)."""
    counts: dict[str, int] = {}
    for article in book.articles:
        name = section_name(article.section_key, article.section, book.language)
        if name:
            counts[name] = counts.get(name, 0) + 1
    names = sorted(counts, key=lambda name: (-counts[name], name))
    return " · ".join(names)
