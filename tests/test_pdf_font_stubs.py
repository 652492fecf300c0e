"""Parts carry one-glyph stand-ins for the faces the book embeds once, and a stand-in
never reaches a book: the parts are typeset again with their own subsets instead."""

from __future__ import annotations

import io
import zlib
from pathlib import Path

import pytest
from fontTools.ttLib import TTFont
from weasyprint.pdf import fonts as weasyprint_fonts

from bookmaker.backends import _pdf_build, _pdf_font_stubs, _pdf_fonts
from bookmaker.backends._pdf_fonts import _mapped_glyphs
from bookmaker.backends._pdf_fragment import read_fragment
from bookmaker.collector import collect
from bookmaker.options import Options

from pdf_support import make_article, page_texts, part_backend, squeeze, type0_fonts

#: An article with signs no CJK face has (DejaVu, a TrueType face, draws them).
_SIGNS = "<p>倒置的和号⅋与字母ǅ出现在这篇报道里。</p>" * 2


@pytest.fixture(scope="module")
def book():
    articles = [make_article(index) for index in range(1, 5)]
    articles.append(make_article(7, body=_SIGNS, title="数学符号"))
    return collect(articles, Options(group_by="none")).book


def _write(book, folder: Path, stand_ins: bool = True) -> tuple[Path, object]:
    backend = part_backend()
    backend.font_stand_ins = stand_ins
    # What a process may share is remembered: the tests change it.
    _pdf_font_stubs._shared.cache_clear()
    try:
        written = backend.write(book, folder / "book.pdf",
                                Options(jobs=1, cache_dir=folder / "cache"))
    finally:
        _pdf_font_stubs._shared.cache_clear()
    assert backend.left_out == ()
    return written, backend


def _font_entries(folder: Path) -> list[tuple]:
    """(number, face, glyphs, stood in) of every program of every part in the cache."""
    return [(number, face, glyphs, face in summary.get("stand_ins", ()))
            for path in (folder / "cache").rglob("*.part")
            for summary in [read_fragment(path)[1]]
            for number, face, glyphs in summary.get("fonts", [])]


def _without_dejavu(monkeypatch) -> None:
    """DejaVu cannot be found on disk (by the workers nor by the assembler)."""
    found = _pdf_fonts.find_face
    monkeypatch.setattr(_pdf_fonts, "find_face", lambda face: None if face.startswith(
        "DejaVu") else found(face))


def _rounds(monkeypatch) -> list[int]:
    """Grows by one each time the book is typeset."""
    rounds: list[int] = []
    typeset = _pdf_build.Typesetter.write
    monkeypatch.setattr(_pdf_build.Typesetter, "write",
                        lambda self, *args: rounds.append(1) or typeset(self, *args))
    return rounds


def _glyph_counts(pdf: Path) -> list[tuple[str, int, int]]:
    """(font name, glyphs in its program, highest glyph its text draws) per font."""
    found = []
    for font in type0_fonts(pdf):
        descriptor = font["/DescendantFonts"][0].get_object()["/FontDescriptor"].get_object()
        key = "/FontFile3" if "/FontFile3" in descriptor else "/FontFile2"
        program = TTFont(io.BytesIO(descriptor[key].get_object().get_data()), lazy=True)
        drawn = _mapped_glyphs(font["/ToUnicode"].get_object().get_data())
        found.append((str(font["/BaseFont"]), program["maxp"].numGlyphs, max(drawn)))
    return found


def test_parts_carry_stand_ins_and_the_book_whole_faces(book, tmp_path, monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    written, _ = _write(book, tmp_path)
    parts = [read_fragment(path) for path in (tmp_path / "cache").rglob("*.part")]
    stood_in = {face.split("|")[0] for _, face, _, stand_in in _font_entries(tmp_path)
                if stand_in}
    assert "NotoSerifCJKsc-Regular" in stood_in
    assert any(name.startswith("DejaVu") for name in stood_in), stood_in
    for fragment, summary in parts:
        for number, face, glyphs in summary.get("fonts", []):
            if face not in summary["stand_ins"] or number not in fragment.objects:
                continue
            program = TTFont(io.BytesIO(zlib.decompress(fragment.objects[number][1])))
            assert program["maxp"].numGlyphs == 1 < len(glyphs), face
    # In the book, every font's program holds every glyph its text draws.
    counts = _glyph_counts(written)
    assert counts and all(glyphs > drawn for _, glyphs, drawn in counts), counts
    assert squeeze("倒置的和号⅋与字母ǅ出现在") in squeeze("".join(page_texts(written)))


def test_stand_ins_change_nothing_in_the_book(book, tmp_path, monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    with_stand_ins, _ = _write(book, tmp_path / "a")
    own_subsets, _ = _write(book, tmp_path / "b", stand_ins=False)
    assert with_stand_ins.read_bytes() == own_subsets.read_bytes()
    own_parts = sum(path.stat().st_size for path in (tmp_path / "b").rglob("*.part"))
    stand_in_parts = sum(path.stat().st_size for path in (tmp_path / "a").rglob("*.part"))
    assert stand_in_parts < 0.7 * own_parts


def test_a_face_that_cannot_be_found_keeps_its_own_subset(book, tmp_path, monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    _without_dejavu(monkeypatch)
    written, _ = _write(book, tmp_path)
    uses = _font_entries(tmp_path)
    assert any(face.startswith("DejaVu") and not stand_in for _, face, _, stand_in in uses)
    assert not any(face.startswith("DejaVu") and stand_in for _, face, _, stand_in in uses)
    assert any(face.startswith("NotoSerifCJK") and stand_in for _, face, _, stand_in in uses)
    assert all(glyphs > drawn for _, glyphs, drawn in _glyph_counts(written))


def test_a_stand_in_the_book_cannot_replace_means_typesetting_again(book, tmp_path,
                                                                    monkeypatch):
    """The workers found a face that the assembler then fails to cut: no stand-in may
    reach the book, so the parts are typeset again with their own subsets."""
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    monkeypatch.setattr(_pdf_fonts._HarfBuzz, "subset", lambda *args: None)
    rounds = _rounds(monkeypatch)
    written, _ = _write(book, tmp_path / "a")
    counts = _glyph_counts(written)
    assert counts and all(glyphs > drawn for _, glyphs, drawn in counts), counts
    assert len(rounds) == 2
    expected, _ = _write(book, tmp_path / "b", stand_ins=False)
    assert written.read_bytes() == expected.read_bytes()


def test_no_stand_ins_where_the_assembler_cannot_cut_fonts(book, tmp_path, monkeypatch):
    """Where bookmaker's HarfBuzz binding does not load (but WeasyPrint's does), a
    stand-in could never be replaced: none is made, and the book is typeset once."""
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    monkeypatch.setattr(_pdf_fonts._HarfBuzz, "load", classmethod(lambda cls: None))
    rounds = _rounds(monkeypatch)
    written, _ = _write(book, tmp_path)
    uses = _font_entries(tmp_path)
    assert uses and not any(stand_in for *_, stand_in in uses)
    assert len(rounds) == 1
    assert all(glyphs > drawn for _, glyphs, drawn in _glyph_counts(written))


def test_a_face_whose_subset_fails_is_embedded_whole_never_as_its_stand_in(
        book, tmp_path, monkeypatch):
    """WeasyPrint keeps the whole face when HarfBuzz cannot subset it; the stand-in cut
    just before must not be what stays."""
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    _without_dejavu(monkeypatch)
    cut = weasyprint_fonts.Font._harfbuzz_subset

    def failing_for_dejavu(font, to_unicode, hinting):
        if font.family.startswith("DejaVu") and len(to_unicode) > 1:
            return None  # as WeasyPrint after "Unable to subset": file_content unchanged
        return cut(font, to_unicode, hinting)

    monkeypatch.setattr(weasyprint_fonts.Font, "_harfbuzz_subset", failing_for_dejavu)
    written, _ = _write(book, tmp_path)
    counts = _glyph_counts(written)
    assert any("DejaVu" in name and glyphs > 1000 for name, glyphs, _ in counts), counts
    assert all(glyphs > drawn for _, glyphs, drawn in counts), counts


def test_stand_ins_a_part_does_not_list_mean_typesetting_again(book, tmp_path, monkeypatch):
    """Should reading a part's font programs fail, its stand-ins are still known (from
    the worker's own list) and never reach the book."""
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")

    def unreadable(reader):
        raise KeyError("/DescendantFonts")

    monkeypatch.setattr(_pdf_fonts, "_programs", unreadable)
    rounds = _rounds(monkeypatch)
    written, _ = _write(book, tmp_path)
    assert len(rounds) == 2
    counts = _glyph_counts(written)
    assert counts and all(glyphs > drawn for _, glyphs, drawn in counts), counts
