"""Emoji and flags in articles print as emoji, in colour, never as empty or crossed boxes."""

from __future__ import annotations

import subprocess

import pytest
from PIL import Image, ImageChops

from bookmaker.collector import collect
from bookmaker.corpus import generate
from bookmaker.options import Options
from bookmaker.reader import parse_file

from pdf_support import LogRecorder, make_article, page_texts, part_backend, pdffonts, squeeze

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


def test_emoji_are_drawn_in_colour(emoji_book):
    pdf, _, folder = emoji_book
    pages = page_texts(pdf)
    number = next(i for i, page in enumerate(pages, 1) if "网友留言" in page)
    subprocess.run(["pdftoppm", "-r", "80", "-png", "-f", str(number), "-l", str(number),
                    str(pdf), str(folder / "page")], check=True)
    _, saturation, value = Image.open(next(folder.glob("page*.png"))).convert("HSV").split()
    # The text is black and the paper white: only emoji bring saturated colour.
    coloured = ImageChops.multiply(saturation.point(lambda s: 255 if s > 120 else 0),
                                   value.point(lambda v: 255 if v > 80 else 0))
    assert coloured.histogram()[255] > 200
