"""The PDF of the seed article, read back with pdftotext, pdffonts and pypdf."""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path

import pypdf
import pytest

from bookmaker.backends.pdf import PdfBackend
from bookmaker.collector import collect
from bookmaker.options import Options
from bookmaker.reader import parse_file

from pdf_support import (LogRecorder, expected_body_text, image_objects, make_jpeg, outline,
                         page_texts, pdffonts, reading_text, section_label, squeeze,
                         unexpected_warnings)

SEED = Path(__file__).resolve().parent.parent / "seeds" / "000_ecd4ffb1dd5f90be.txt"


@pytest.fixture(scope="module")
def seed_build(tmp_path_factory):
    """The seed as the pipeline reads it, its images stood in by generated JPEGs."""
    folder = tmp_path_factory.mktemp("seed-pdf")
    article = parse_file(SEED)
    book = collect([article], Options()).book
    sizes = [(1050, 700), (1050, 700), (700, 1050), (1050, 600)]
    images = {url: make_jpeg(folder / f"image-{n}.jpg", *sizes[n % len(sizes)])
              for n, url in enumerate(article.image_urls)}
    book = dataclasses.replace(book, images=images)
    target = folder / "seed.pdf"
    with LogRecorder() as log, pytest.MonkeyPatch.context() as patch:
        patch.delenv("SOURCE_DATE_EPOCH", raising=False)
        written = PdfBackend().write(book, target, Options(formats=("pdf",)))
    return book, written, log


def test_write_returns_the_target(seed_build):
    _, pdf, _ = seed_build
    assert pdf.name == "seed.pdf" and pdf.stat().st_size > 0
    assert pdf.read_bytes().startswith(b"%PDF-")


def test_seed_title_and_every_paragraph_read_back_unchanged(seed_build):
    book, pdf, _ = seed_build
    article = next(book.articles)
    pages = page_texts(pdf)
    assert squeeze(article.title) in squeeze("".join(pages))
    heads = {squeeze(book.title), squeeze(article.title)}
    running = {line for line in _first_lines(pages) if squeeze(line) in heads}
    body = squeeze(reading_text(pages, running))
    blocks = [squeeze(block) for block in expected_body_text(article)]
    assert len(blocks) > 20
    position = 0
    for block in blocks:
        found = body.find(block, position)
        assert found >= 0, f"paragraph missing or altered: {block[:40]}…"
        position = found + len(block)
    # Exactly the body, in order: nothing dropped, doubled or invented in between.
    start = body.find(blocks[0])
    assert body[start:position] == "".join(blocks)


def _first_lines(pages: list[str]) -> list[str]:
    return [next((line.strip() for line in page.splitlines() if line.strip()), "")
            for page in pages]


def test_footer_and_source_addresses_are_printed(seed_build):
    book, pdf, _ = seed_build
    article = next(book.articles)
    text = squeeze("".join(page_texts(pdf)))
    assert squeeze("Olivia Wang对本文有报道贡献。") in text
    assert squeeze("翻译：纽约时报中文网") in text
    # The sources are footnoted like the links of the text: "原文链接⁷", "英文版⁸" at the
    # end of the article, their addresses at the foot of the page.
    pages = "\n".join(page_texts(pdf))
    source, version = (re.search(rf"^{label}\s*(\d+)\s*$", pages, re.M)
                       for label in ("原文链接", "英文版"))
    assert source and version and int(version[1]) == int(source[1]) + 1
    assert re.search(rf"^{source[1]}\.\s*{re.escape(article.url)}\s*$", pages, re.M)
    assert re.search(rf"^{version[1]}\.\s*{re.escape(article.footer.original_url)}\s*$",
                     pages, re.M)


def test_external_links_become_numbered_footnotes(seed_build):
    book, pdf, _ = seed_build
    article = next(book.articles)
    links = re.findall(r'<a href="(https?://[^"]+)"', article.body)
    assert len(links) >= 5
    notes = re.findall(r"^(\d+)\.\s*(https?://\S+)", "\n".join(page_texts(pdf)), re.M)
    # Long addresses may wrap; each note starts with the whole beginning of its link.
    for (number, printed), link in zip(notes, links):
        assert link.startswith(printed) or printed.startswith(link[:40])
    assert [int(number) for number, _ in notes[:len(links)]] == list(range(1, len(links) + 1))


def test_fonts_are_embedded_subsets_and_cjk(seed_build):
    _, pdf, _ = seed_build
    fonts = pdffonts(pdf)
    assert fonts
    assert all(row["emb"] == "yes" and row["sub"] == "yes" for row in fonts), fonts
    assert any(re.search(r"Noto-(Serif|Sans)-CJK", row["name"]) for row in fonts)
    # Subsets, never whole CJK fonts (one Noto CJK face is over 10 MB).
    assert pdf.stat().st_size < 1_500_000


def test_no_missing_glyph_and_no_unexpected_warning(seed_build):
    _, _, log = seed_build
    assert not [m for m in log.messages() if "notdef" in m or "glyph" in m.lower()]
    assert unexpected_warnings(log) == []


def test_outline_is_chapter_then_article(seed_build):
    book, pdf, _ = seed_build
    tree = outline(pdf)
    assert [(chapter, [a for a, _ in articles]) for chapter, _, articles in tree] == [
        (chapter.title, [a.title for a in chapter.articles]) for chapter in book.chapters]


def test_cover_has_no_page_number_and_heads_run(seed_build):
    book, pdf, _ = seed_build
    pages = page_texts(pdf)
    cover = [line.strip() for line in pages[0].splitlines() if line.strip()]
    assert not any(line.isdigit() for line in cover)
    # The cover sets each " · " part of the title on a line of its own.
    assert squeeze(book.title.replace(" · ", "")) in squeeze("".join(cover))
    assert re.fullmatch(r"\d+篇文章", cover[-1])
    # Continuation pages of the article carry a running head; left pages the book's
    # title, right pages the article's.
    article = next(book.articles)
    first_lines = [squeeze(line) for line in _first_lines(pages)]
    start = next(i for i, page in enumerate(pages)
                 if squeeze(section_label(article) + article.title) in squeeze(page))
    continuation = range(start + 1, len(pages))
    assert continuation
    for index in continuation:
        expected = book.title if (index + 1) % 2 == 0 else article.title
        assert first_lines[index] == squeeze(expected), index


def test_images_are_embedded(seed_build):
    book, pdf, _ = seed_build
    assert len(image_objects(pdf)) == len(book.images)


def test_document_information_comes_from_the_book(seed_build):
    book, pdf, _ = seed_build
    info = pypdf.PdfReader(str(pdf)).metadata
    assert info["/Title"] == book.title
    assert info["/Author"] == "纽约时报中文网"
    newest = book.last_published
    assert info["/CreationDate"] == f"D:{newest:%Y%m%d%H%M%S}Z"
