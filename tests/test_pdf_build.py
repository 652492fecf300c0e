"""Building PDFs: paper sizes, byte-identical rebuilds, errors, lazy WeasyPrint import."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pypdf
import pytest

from bookmaker import fonts
from bookmaker.backends import load_backend
from bookmaker.backends.pdf import PAGE_GEOMETRY, PdfBackend
from bookmaker.errors import BuildError
from bookmaker.model import Book, Chapter, Figure
from bookmaker.options import PAGE_SIZES, Options

from pdf_support import make_article, make_book, make_jpeg, pdftotext, squeeze

#: Sheet sizes in points (1 pt = 1/72 in), as a PDF's MediaBox gives them.
SHEETS = {"A4": (595.28, 841.89), "A5": (419.53, 595.28), "B5": (498.90, 708.66),
          "letter": (612.0, 792.0)}


@pytest.fixture(scope="module")
def small_book(tmp_path_factory):
    folder = tmp_path_factory.mktemp("small-book")
    lead = "https://images.example.com/lead.jpg"
    images = {lead: make_jpeg(folder / "lead.jpg", 900, 600)}
    articles = [make_article(1, lead=Figure(lead, 900, 600, "说明文字。", "Photo credit"),
                             paragraphs=14),
                make_article(2, paragraphs=3)]
    return make_book(articles, images=images)


@pytest.fixture(scope="module")
def builds(tmp_path_factory, small_book):
    """The small book in every paper size, and A4 twice (two builds, two asset folders)."""
    folder = tmp_path_factory.mktemp("sizes")
    written = {}
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("SOURCE_DATE_EPOCH", "1700000000")
        for size in PAGE_SIZES:
            written[size] = PdfBackend().write(small_book, folder / f"{size}.pdf",
                                               Options(page_size=size))
        written["again"] = PdfBackend().write(small_book, folder / "again" / "A4.pdf",
                                              Options(page_size="A4"))
    return written


def test_every_page_size_has_its_geometry():
    assert set(PAGE_GEOMETRY) == set(PAGE_SIZES)


@pytest.mark.parametrize("size", PAGE_SIZES)
def test_pages_have_the_chosen_size(builds, size):
    reader = pypdf.PdfReader(str(builds[size]))
    width, height = SHEETS[size]
    for page in reader.pages:
        assert float(page.mediabox.width) == pytest.approx(width, abs=0.5)
        assert float(page.mediabox.height) == pytest.approx(height, abs=0.5)


def test_smaller_paper_takes_more_pages(builds):
    pages = {size: len(pypdf.PdfReader(str(path)).pages) for size, path in builds.items()}
    assert pages["A5"] > pages["A4"]


def test_rebuild_is_byte_identical(builds):
    assert builds["again"].read_bytes() == builds["A4"].read_bytes()


def test_dates_and_identifier_come_from_the_input(builds):
    reader = pypdf.PdfReader(str(builds["A4"]))
    assert reader.metadata["/CreationDate"] == "D:20231114221320Z"
    assert reader.metadata["/ModDate"] == "D:20231114221320Z"
    identifier = reader.trailer["/ID"]
    assert identifier[0] == pypdf.PdfReader(str(builds["again"])).trailer["/ID"][0]


def test_text_is_the_same_in_every_size(builds, small_book):
    for size in PAGE_SIZES:
        text = squeeze(pdftotext(builds[size]))
        for article in small_book.articles:
            assert squeeze(article.title) in text


def test_empty_book_is_a_build_error(tmp_path):
    book = Book(title="空", language="zh-Hans", chapters=(Chapter("空", "c1", ()),))
    with pytest.raises(BuildError, match="no articles"):
        PdfBackend().write(book, tmp_path / "empty.pdf", Options())
    assert not (tmp_path / "empty.pdf").exists()


def test_missing_cjk_font_stops_with_an_install_hint(tmp_path, small_book, monkeypatch):
    target = tmp_path / "digest.pdf"
    target.write_bytes(b"previous build")
    monkeypatch.setattr(fonts, "find_cjk_font", lambda *args, **kwargs: None)
    with pytest.raises(BuildError) as caught:
        PdfBackend().write(small_book, target, Options())
    message = str(caught.value)
    assert "CJK font" in message and "fonts-noto-cjk" in message and "\n" not in message
    assert target.read_bytes() == b"previous build"


def test_failed_write_is_a_build_error_and_leaves_no_file(tmp_path, small_book):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where a folder should be")
    with pytest.raises(BuildError, match="not-a-folder"):
        PdfBackend().write(small_book, blocker / "digest.pdf", Options())
    assert blocker.read_text() == "a file where a folder should be"


def test_failed_render_keeps_the_previous_file(tmp_path, tmp_path_factory, small_book,
                                               monkeypatch):
    import bookmaker.backends.pdf as pdf_module

    target = tmp_path / "digest.pdf"
    target.write_bytes(b"previous build")

    def broken(document, identifier):
        raise RuntimeError("disk full")

    monkeypatch.setattr(pdf_module, "document_bytes", broken)
    # An empty cache, so that the book is really typeset (in this process: one job).
    options = Options(cache_dir=tmp_path_factory.mktemp("cache"), jobs=1)
    with pytest.raises(BuildError, match="disk full"):
        PdfBackend().write(small_book, target, options)
    assert target.read_bytes() == b"previous build"
    assert [p.name for p in tmp_path.iterdir()] == ["digest.pdf"]


def test_backend_is_found_by_name():
    backend = load_backend("pdf")
    assert isinstance(backend, PdfBackend)
    assert (backend.name, backend.suffix) == ("pdf", ".pdf")


def test_importing_the_backend_does_not_import_weasyprint():
    code = ("import sys, bookmaker.backends.pdf, bookmaker.backends; "
            "bookmaker.backends.load_backend('pdf'); "
            "assert 'weasyprint' not in sys.modules, 'weasyprint imported'")
    subprocess.run([sys.executable, "-c", code], check=True, cwd=Path(__file__).parent)


def test_pdf_does_not_change_with_the_clock_without_harfbuzz_subsetting(tmp_path,
                                                                        monkeypatch):
    """Where HarfBuzz cannot subset fonts, fontTools does, and stamps each subset with the
    time of day unless SOURCE_DATE_EPOCH is set: the file must not change with it."""
    import os
    import time

    from weasyprint.pdf import fonts

    from bookmaker.backends import pdf

    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)
    monkeypatch.setattr(fonts, "harfbuzz_subset", None)
    html = "<html lang='en'><body style='font-family: DejaVu Sans'><p>Tuesday</p></body></html>"
    written = []
    for now in (1_700_000_000.0, 1_800_000_000.0):
        monkeypatch.setattr(time, "time", lambda now=now: now)
        written.append(pdf.document_bytes(pdf.render_document(html, tmp_path, "A5"), b"clock"))
    assert written[0] == written[1]
    assert "SOURCE_DATE_EPOCH" not in os.environ  # set while writing only
