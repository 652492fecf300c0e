"""An article WeasyPrint cannot typeset is left out of the PDF, named in the summary,
and the rest of the book is printed; --strict turns that into a failing exit code.

WeasyPrint is made to fail, inside the real backend, on any document holding a marker
text: no input known today breaks it, and the next one will be a surprise."""

from __future__ import annotations

from pathlib import Path

import pytest

from bookmaker.backends import pdf
from bookmaker.backends.pdf import PdfBackend
from bookmaker.cli import main
from bookmaker.collector import collect
from bookmaker.corpus import generate
from bookmaker.errors import BuildError
from bookmaker.options import Options

from pdf_support import make_article, page_texts, part_backend, squeeze

MARKER = "排版故障标记"


@pytest.fixture
def failing_weasyprint(monkeypatch):
    """WeasyPrint raises, as it does on a pathological document, when the document
    holds :data:`MARKER`."""
    typeset = pdf.render_document

    def render_document(html: str, *args, **kwargs):
        if MARKER in html:
            raise RecursionError("maximum recursion depth exceeded")
        return typeset(html, *args, **kwargs)

    monkeypatch.setattr(pdf, "render_document", render_document)


def _book(bad: set[int]):
    articles = [make_article(index, paragraphs=3,
                             body=f"<p>{MARKER}，中国经济。</p>" if index in bad else None)
                for index in range(1, 8)]
    return articles, collect(articles, Options(group_by="day")).book


def test_the_article_is_left_out_and_the_rest_printed(failing_weasyprint, tmp_path):
    articles, book = _book({3})
    backend = part_backend()
    written = backend.write(book, tmp_path / "book.pdf", Options(jobs=1, cache_dir=tmp_path))
    text = squeeze("".join(page_texts(written)))
    assert squeeze(articles[2].title) not in text
    assert all(squeeze(a.title) in text for n, a in enumerate(articles) if n != 2)
    assert backend.left_out == ((articles[2].source_path,
                                 "RecursionError: maximum recursion depth exceeded"),)
    # The contents list the articles printed, with the right pages.
    assert "6篇文章" in text and "7篇文章" not in text


def test_a_later_clean_build_forgets_what_was_left_out(failing_weasyprint, tmp_path):
    _, book = _book({3})
    backend = part_backend()
    backend.write(book, tmp_path / "book.pdf", Options(jobs=1, cache_dir=tmp_path))
    assert backend.left_out  # the first build did leave the article out
    _, clean = _book(set())
    backend.write(clean, tmp_path / "book.pdf", Options(jobs=1, cache_dir=tmp_path))
    assert backend.left_out == ()


def test_a_book_of_failing_articles_is_not_written(failing_weasyprint, tmp_path):
    _, book = _book(set(range(1, 8)))
    with pytest.raises(BuildError, match="no article could be typeset"):
        PdfBackend().write(book, tmp_path / "book.pdf", Options(jobs=1, cache_dir=tmp_path))
    assert not (tmp_path / "book.pdf").exists()
    assert [path.name for path in tmp_path.iterdir() if path.suffix == ".pdf"] == []


def _archive(folder: Path) -> Path:
    """Six generated article files, the fourth holding the marker."""
    files = sorted(generate(folder, 6, seed=21, days=2))
    text = files[3].read_text(encoding="utf-8")
    files[3].write_text(text.replace("<p>", f"<p>{MARKER}", 1), encoding="utf-8")
    return files[3]


@pytest.mark.parametrize("strict", [False, True])
def test_the_summary_names_the_file_and_strict_fails(failing_weasyprint, tmp_path, capsys,
                                                      strict):
    bad = _archive(tmp_path / "archive")
    target = tmp_path / "out.pdf"
    code = main(["build", str(tmp_path / "archive"), "--format", "pdf", "-o", str(target),
                 "--jobs", "1", "--images", "none", "--cache-dir", str(tmp_path / "cache"),
                 "-q"] + (["--strict"] if strict else []))
    err = capsys.readouterr().err
    line = f"  left out of the pdf: {bad}: RecursionError: maximum recursion depth exceeded"
    assert line in err.splitlines()
    assert target.exists()  # the rest of the book is printed either way
    assert code == (1 if strict else 0)
    if strict:
        assert "1 article(s) left out and --strict is set" in err
        assert "Not written" not in err  # it was written: it fails the build, said so
        assert "Failed (pdf): 1 article(s) left out and --strict is set" in err
