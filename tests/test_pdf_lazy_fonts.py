"""Writing a PDF no longer copies whole font files, and writes the same bytes as before."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from weasyprint.pdf import fonts as weasyprint_fonts

from bookmaker.backends import pdf
from bookmaker.backends._pdf_lazy_fonts import read_fonts_lazily
from bookmaker.fonts import find_cjk_font

#: Serif, bold serif and sans CJK faces, and a sign only DejaVu has.
_HTML = ("<html lang='zh-Hans'><body><h1>今日要闻</h1><p>北京时间周二，"
         "<b>国务院</b>发布了新的规定∮。</p><p style='font-family: sans-serif'>"
         "原文链接：https://cn.nytimes.com/world/</p></body></html>")
#: Latin text in a small face only, for the slow fontTools subsetter.
_LATIN = ("<html lang='en'><body style='font-family: DejaVu Sans'><h1>News</h1>"
          "<p>Tuesday, <b>the council</b> met ∮.</p></body></html>")

#: Writes the document above with WeasyPrint as it is, for comparison; argv[1]
#: chooses the subsetter ("fonttools" takes HarfBuzz's away).
_UNPATCHED = """
import sys
from pathlib import Path
from weasyprint.pdf import fonts
from bookmaker.backends import pdf
if sys.argv[1] == "fonttools":
    fonts.harfbuzz_subset = None
document = pdf.render_document(sys.argv[2], Path(sys.argv[3]), "A5")
sys.stdout.buffer.write(document.write_pdf(pdf_identifier=b"lazy", full_fonts=False,
                                           hinting=False, uncompressed_pdf=False))
"""


def _written(tmp_path: Path, html: str = _HTML) -> bytes:
    return pdf.document_bytes(pdf.render_document(html, tmp_path, "A5"), b"lazy")


def _unpatched(tmp_path: Path, subsetter: str, html: str) -> bytes:
    return subprocess.run([sys.executable, "-c", _UNPATCHED, subsetter, html, str(tmp_path)],
                          check=True, capture_output=True).stdout


def test_installed_weasyprint_is_patched_once():
    assert read_fonts_lazily() is True
    assert read_fonts_lazily() is True
    assert isinstance(vars(weasyprint_fonts.Font)["file_content"], property)


def test_no_whole_face_is_read_while_writing(tmp_path, monkeypatch):
    face_size = find_cjk_font("serif").path.stat().st_size
    assert face_size > 10_000_000  # a Noto CJK collection
    real = weasyprint_fonts.get_hb_object_data
    sizes: list[int] = []

    def spy(*args, **kwargs):
        blob = real(*args, **kwargs)
        sizes.append(len(blob or b""))
        return blob

    monkeypatch.setattr(weasyprint_fonts, "get_hb_object_data", spy)
    written = _written(tmp_path)
    assert written.startswith(b"%PDF")
    assert sizes, "the subsets were read through the spy"
    assert max(sizes) < 1_000_000  # subsets only, never a 19–27 MB collection


@pytest.mark.parametrize("subsetter", ["harfbuzz", "fonttools"])
def test_pdf_is_byte_identical_to_unpatched_weasyprint(tmp_path, monkeypatch, subsetter):
    # fontTools stamps the subsets it saves with this time (else with the clock).
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    html = _HTML
    if subsetter == "fonttools":
        # The fontTools subsetter reads the whole face: the lazy copy must give it one.
        monkeypatch.setattr(weasyprint_fonts, "harfbuzz_subset", None)
        html = _LATIN
    written = _written(tmp_path, html)
    assert written == _unpatched(tmp_path, subsetter, html)
