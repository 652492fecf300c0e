"""A PDF of many articles: contents page numbers, outline, openers, internal links, TC fonts."""

from __future__ import annotations

import re

import pytest

from bookmaker.backends.pdf import PdfBackend
from bookmaker.collector import collect
from bookmaker.corpus import generate
from bookmaker.options import Options
from bookmaker.reader import parse_file

from pdf_support import (LogRecorder, article_page, assert_contents_match, fonts_drawn,
                         leader_entries, make_article, outline, page_texts, section_label,
                         squeeze, unexpected_warnings)


@pytest.fixture(scope="module")
def corpus_build(tmp_path_factory):
    """Ten generated articles as the reader parses them, plus two made by hand: one in
    Traditional Chinese, one linking to a generated article."""
    folder = tmp_path_factory.mktemp("book-pdf")
    articles = [parse_file(path) for path in generate(folder / "corpus", 10, seed=7, days=10)]
    target = sorted(articles, key=lambda a: a.published)[3]
    traditional = make_article(1, language="zh-Hant", title="臺灣與香港的經濟報導")
    linking = make_article(2, title="一篇提到另一篇文章的报道",
                           body=f'<p>此前的报道见<a href="{target.url}">这篇文章</a>。</p>'
                                "<h3>一个小标题</h3><p>中国经济发展与国际社会合作。</p>")
    book = collect(articles + [traditional, linking], Options(group_by="day")).book
    with LogRecorder() as log:
        pdf = PdfBackend().write(book, folder / "book.pdf", Options())
    return book, pdf, log, target, traditional, linking


def _is_opener(page: str) -> bool:
    return bool(re.search(r"^\s*\d+篇文章\s*$", page, re.M))


def _contents_numbers(layout_pages: list[str]) -> list[tuple[str, int]]:
    """(entry, page number) of every line of the table of contents, in order."""
    start = next(i for i, page in enumerate(layout_pages) if page.strip().startswith("目录"))
    text = ""
    for page in layout_pages[start:]:
        if _is_opener(page):  # the first chapter opener follows the contents
            break
        text += page
    return leader_entries(text.strip().removeprefix("目录"))


def test_no_missing_glyph_or_unexpected_warning(corpus_build):
    _, _, log, *_ = corpus_build
    assert unexpected_warnings(log) == []


def test_every_contents_number_is_the_page_of_its_title(corpus_build):
    book, pdf, *_ = corpus_build
    pages = page_texts(pdf)
    entries = _contents_numbers(page_texts(pdf, layout=True))
    assert_contents_match(book, entries, lambda article: article_page(pages, article))
    numbers = dict(entries)
    for chapter in book.chapters:
        page = pages[numbers[squeeze(chapter.title)] - 1]
        assert squeeze(page).startswith(squeeze(chapter.title))


def test_outline_is_chapters_then_their_articles(corpus_build):
    """Only chapters and articles: no entry for the title page, the contents or a
    heading inside an article body (the linking article has one)."""
    book, pdf, *_ = corpus_build
    pages = page_texts(pdf)
    tree = outline(pdf)
    assert [(chapter, [title for title, _ in articles]) for chapter, _, articles in tree] == [
        (chapter.title, [a.title for a in chapter.articles]) for chapter in book.chapters]
    by_title = {a.title: a for a in book.articles}
    for _, _, articles in tree:
        for title, page in articles:
            assert page == article_page(pages, by_title[title])


def test_every_article_starts_a_new_page(corpus_build):
    book, pdf, *_ = corpus_build
    pages = page_texts(pdf)
    for article in book.articles:
        page = pages[article_page(pages, article) - 1]
        assert squeeze(page).startswith(squeeze(section_label(article) + article.title))


def test_link_to_an_article_of_the_book_names_its_page(corpus_build):
    _, pdf, _, target, _, linking = corpus_build
    pages = page_texts(pdf)
    text = squeeze(pages[article_page(pages, linking) - 1])
    assert f"这篇文章（见第{article_page(pages, target)}页）" in text
    # An internal link is not a footnote: the page prints no address for it.
    assert target.url not in text


def test_traditional_article_is_set_in_a_traditional_font(corpus_build):
    book, pdf, _, _, traditional, linking = corpus_build
    pages = page_texts(pdf)

    def fonts_on(page: int) -> set[str]:
        return {name.partition("+")[2] for name in fonts_drawn(pdf, page)}

    hant = fonts_on(article_page(pages, traditional))
    hans = fonts_on(article_page(pages, linking))
    assert "Noto-Serif-CJK-TC" in hant and "Noto-Serif-CJK-SC" not in hant
    assert "Noto-Serif-CJK-SC" in hans and not any("TC" in name for name in hans)


def test_chapter_openers_list_their_articles_with_pages(corpus_build):
    book, pdf, *_ = corpus_build
    pages = page_texts(pdf)
    layout_pages = page_texts(pdf, layout=True)
    for chapter in book.chapters:
        opener = next(p for p in layout_pages
                      if squeeze(p).startswith(squeeze(chapter.title)) and _is_opener(p))
        listed = opener.split("篇文章", 1)[1]
        assert leader_entries(listed) == [
            (squeeze(a.title), article_page(pages, a)) for a in chapter.articles]
