"""The generated cover: size, determinism, and line breaking that respects Chinese rules."""

from __future__ import annotations

import dataclasses
import io

import pytest
from PIL import Image, ImageChops, ImageFont

from bookmaker.cover import COVER_MEDIA_TYPE, COVER_SIZE, balanced_lines, render_cover, wrap_text
from bookmaker.fonts import require_cjk_font
from epub_support import make_book

NO_LINE_START = "，。、；：？！）》」”"
NO_LINE_END = "（《「“"


@pytest.fixture(scope="module")
def font() -> ImageFont.FreeTypeFont:
    face = require_cjk_font("serif", bold=True)
    return ImageFont.truetype(str(face.path), 120, index=face.index)


@pytest.fixture(scope="module")
def cover() -> bytes:
    return render_cover(make_book(12))


def test_cover_is_a_large_jpeg(cover: bytes) -> None:
    image = Image.open(io.BytesIO(cover))
    assert Image.MIME[image.format] == COVER_MEDIA_TYPE
    assert image.size == COVER_SIZE
    assert image.width >= 1600 and image.height >= 2560
    assert "exif" not in image.info


def test_same_book_same_bytes_and_the_title_shows(cover: bytes) -> None:
    book = make_book(12)
    assert render_cover(book) == cover
    assert render_cover(dataclasses.replace(book, title="另一本书")) != cover


def test_title_is_drawn_in_dark_ink(cover: bytes) -> None:
    image = Image.open(io.BytesIO(cover)).convert("L")
    # The title block sits below the band, in the upper half of the page.
    title_area = image.crop((140, 320, 1460, 1280))
    dark = sum(title_area.point(lambda value: 255 if value < 80 else 0).histogram()[255:])
    assert dark > 20_000


def test_lines_fit_and_keep_every_character(font: ImageFont.FreeTypeFont) -> None:
    title = "普京访华参加“一带一路”论坛，中俄寻求加强伙伴关系（下）：分析与评论"
    for width in (500, 800, 1320):
        lines = wrap_text(title, font, width)
        assert "".join(lines) == title
        assert all(font.getlength(line) <= width for line in lines)
        assert len(lines) > 1


def test_punctuation_rules_hold_at_every_break(font: ImageFont.FreeTypeFont) -> None:
    title = "“中国”，（美国）《经济》：「報導」。再说一遍，“中国”，（美国）《经济》。" * 2
    for width in range(400, 1400, 37):
        lines = wrap_text(title, font, width)
        assert "".join(lines) == title
        for line in lines[1:]:
            assert line[0] not in NO_LINE_START, (width, lines)
        for line in lines[:-1]:
            assert line[-1] not in NO_LINE_END, (width, lines)
        assert all(font.getlength(line) <= width for line in lines)


def test_latin_words_break_only_at_spaces(font: ImageFont.FreeTypeFont) -> None:
    title = "The New York Times Chinese Digest for October 2023"
    lines = wrap_text(title, font, 900)
    assert " ".join(lines) == title
    assert all(font.getlength(line) <= 900 for line in lines)


def test_a_word_longer_than_the_line_is_cut(font: ImageFont.FreeTypeFont) -> None:
    word = "Supercalifragilisticexpialidocious"
    lines = wrap_text(word, font, 600)
    assert "".join(lines) == word and len(lines) > 1
    assert all(font.getlength(line) <= 600 for line in lines)


def test_balanced_lines_prefer_spaces_and_even_lengths(font: ImageFont.FreeTypeFont) -> None:
    assert balanced_lines("纽约时报中文网 2023年10月", font, 1000) == ["纽约时报中文网", "2023年10月"]
    assert balanced_lines("纽约时报中文网 · 2023年10月17日", font, 1000) == [
        "纽约时报中文网", "2023年10月17日"]
    lines = balanced_lines("中" * 13, font, 1320)
    assert [len(line) for line in lines] == [7, 6]


def test_traditional_chinese_cover_uses_traditional_forms() -> None:
    """The same title drawn for a zh-Hant book takes the Traditional Chinese face: its
    characters differ in form (說, 骨, 户) from the Simplified face's."""
    book = dataclasses.replace(make_book(3), title="說骨戶與臺灣的報導")
    hant = render_cover(dataclasses.replace(book, language="zh-Hant"))
    hans = render_cover(dataclasses.replace(book, language="zh-Hans"))
    assert hant != hans
    assert render_cover(dataclasses.replace(book, language="zh-Hant")) == hant
    # The title's characters take other forms (not a faint JPEG difference).
    difference = ImageChops.difference(Image.open(io.BytesIO(hant)).convert("L"),
                                       Image.open(io.BytesIO(hans)).convert("L"))
    title_area = difference.crop((140, 320, 1460, 1600))
    assert title_area.point(lambda value: 255 if value > 60 else 0).getbbox() is not None
