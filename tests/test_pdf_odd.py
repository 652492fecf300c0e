"""The PDF of the odd and hostile fixture folder, built through the command line."""

from __future__ import annotations

from pathlib import Path

import pypdf
import pytest

from bookmaker.cli import main
from bookmaker.collector import collect
from bookmaker.options import Options
from bookmaker.reader import iter_source_files, parse_file
from bookmaker.errors import ArticleError

from pdf_support import page_texts, pdffonts, squeeze


@pytest.fixture(scope="module")
def odd_pdf(tmp_path_factory, odd_dir):
    folder = tmp_path_factory.mktemp("odd-pdf")
    target = folder / "odd.pdf"
    code = main(["build", str(odd_dir), "--format", "pdf", "-o", str(target),
                 "--images", "none", "--cache-dir", str(folder / "cache"), "-q"])
    return code, target


def _readable_articles(odd_dir: Path):
    articles = []
    for path in iter_source_files([odd_dir]):
        try:
            articles.append(parse_file(path))
        except ArticleError:
            pass
    return collect(articles, Options()).book


def test_odd_folder_builds_a_pdf(odd_pdf):
    code, target = odd_pdf
    assert code == 0
    assert target.is_file()
    assert len(pypdf.PdfReader(target).pages) > 10


def test_every_readable_article_is_in_the_pdf(odd_pdf, odd_dir):
    _, target = odd_pdf
    text = squeeze("".join(page_texts(target)))
    book = _readable_articles(odd_dir)
    assert book.article_count >= 12
    for article in book.articles:
        assert squeeze(article.title)[:12] in text, article.source_path.name


def test_hostile_markup_leaves_no_trace(odd_pdf):
    _, target = odd_pdf
    data = target.read_bytes()
    assert b"root:x:0:0" not in data
    assert b"/JavaScript" not in data and b"/JS " not in data
    fonts = pdffonts(target)
    assert fonts and all(font["emb"] == "yes" and font["sub"] == "yes" for font in fonts)


def test_a_korean_book_speaks_korean(tmp_path, odd_dir):
    """A book of the EUC-KR file alone: Korean words, dates and page references in both
    formats, and the EPUB still validates."""
    from epubcheck_util import assert_epubcheck_clean

    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "euc-kr.txt").write_bytes((odd_dir / "euc-kr.txt").read_bytes())
    code = main(["build", str(tmp_path / "in"), "--format", "epub,pdf", "-o",
                 str(tmp_path / "out"), "--images", "none", "--cache-dir",
                 str(tmp_path / "cache"), "-q"])
    assert code == 0
    text = squeeze("".join(page_texts(tmp_path / "out" / "digest.pdf")))
    assert "목차" in text and squeeze("2023년 10월 17일 화요일") in text
    assert squeeze("기사 1건") in text and "Contents" not in text
    assert_epubcheck_clean(tmp_path / "out" / "digest.epub")
