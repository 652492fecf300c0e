"""Emoji and flags in articles print as emoji, in colour, never as empty or crossed boxes."""

from __future__ import annotations

import subprocess

import pytest
from PIL import Image, ImageChops

from bookmaker.collector import collect
from bookmaker.corpus import generate
from bookmaker.options import Options
from bookmaker.reader import parse_file

from pdf_support import (LogRecorder, make_article, page_texts, part_backend, pdffonts,
                         squeeze, type0_fonts, word_boxes)

#: Faces, hands, hearts, flags (pairs of regional indicators), objects, marks.
EMOJI = "😀👍❤️🔥✅🇨🇳🇺🇸📱🌍🎉"


@pytest.fixture(scope="module")
def emoji_book(tmp_path_factory):
    """A book of several parts, two of its articles (in different parts) full of emoji."""
    folder = tmp_path_factory.mktemp("emoji")
    articles = [parse_file(path) for path in generate(folder / "in", 8, seed=11, days=3)]
    articles += [make_article(n, title=f"网友表情{EMOJI[:2]}（{n}）",
                              body=f"<p>网友留言：{EMOJI}，支持！</p>" * 4)
                 for n in (1, 40)]
    book = collect(articles, Options(group_by="day")).book
    target = folder / "emoji.pdf"
    with LogRecorder() as log:
        written = part_backend().write(book, target, Options(jobs=2, cache_dir=folder / "c"))
    return written, log, folder


def test_every_emoji_has_a_glyph(emoji_book):
    pdf, log, _ = emoji_book
    assert not [r.getMessage() for r in log.records if "notdef" in r.getMessage()
                or "glyphs missing" in r.getMessage()]
    assert any("Emoji" in font["name"] for font in pdffonts(pdf))
    text = squeeze("".join(page_texts(pdf)))
    assert text.count("网友留言：") == 8
    for sign in ("😀", "👍", "🔥", "✅", "📱", "🌍", "🎉"):
        assert text.count(sign) >= 8, sign


def test_flags_are_one_sign_each(emoji_book):
    """A flag is a pair of regional indicators drawn as one glyph; two separate tiles
    would each map one indicator in the font's ToUnicode."""
    pdf, _, _ = emoji_book
    maps = [font["/ToUnicode"].get_object().get_data().decode("latin-1").upper()
            for font in type0_fonts(pdf) if "Emoji" in str(font["/BaseFont"])]
    assert maps
    for flag in ("🇨🇳", "🇺🇸"):
        assert any(f"<{flag.encode('utf-16-be').hex().upper()}>" in cmap for cmap in maps)


def test_emoji_are_drawn_in_colour(emoji_book):
    pdf, _, folder = emoji_book
    pages = page_texts(pdf)
    number = next(i for i, page in enumerate(pages, 1) if "网友留言" in page)
    lines = [(word.top, word.bottom) for word in word_boxes(pdf, first=number, last=number)
             if word.text.startswith("网友留言")]
    assert len(lines) == 4
    subprocess.run(["pdftoppm", "-r", "72", "-png", "-f", str(number), "-l", str(number),
                    str(pdf), str(folder / "page")], check=True)
    page = Image.open(next(folder.glob("page*.png"))).convert("HSV")
    # Only the lines of emoji: the section label and footnote calls are red too.
    band = page.crop((0, int(min(top for top, _ in lines)), page.width,
                      int(max(bottom for _, bottom in lines)) + 1))
    _, saturation, value = band.split()
    coloured = ImageChops.multiply(saturation.point(lambda s: 255 if s > 120 else 0),
                                   value.point(lambda v: 255 if v > 80 else 0))
    assert coloured.histogram()[255] > 1000
