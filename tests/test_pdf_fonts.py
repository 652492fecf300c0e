"""The book embeds one program per font face, shared by all its parts, and still draws
every page exactly as it does with each part's own subsets."""

from __future__ import annotations

import subprocess

import pypdf
import pytest
from PIL import Image, ImageChops

from bookmaker.backends import _pdf_build
from bookmaker.backends._pdf_fonts import ProgramUse, face_key, programs_of, share_programs
from bookmaker.collector import collect
from bookmaker.corpus import generate
from bookmaker.options import Options
from bookmaker.reader import parse_file

from pdf_support import make_article, page_texts, part_backend, squeeze, type0_fonts


def _programs(pdf) -> dict[str, set[int]]:
    """Font name without its subset tag → object numbers of the programs it draws with."""
    found: dict[str, set[int]] = {}
    for font in type0_fonts(pdf, strict=True):
        descriptor = font["/DescendantFonts"][0].get_object()["/FontDescriptor"].get_object()
        key = "/FontFile3" if "/FontFile3" in descriptor else "/FontFile2"
        name = str(font["/BaseFont"]).split("+", 1)[-1]
        found.setdefault(name, set()).add(descriptor.raw_get(key).idnum)
    return found


@pytest.fixture(scope="module")
def books(tmp_path_factory):
    """A book of several parts (one of them in Traditional Chinese, whose faces sit in
    the same font files at other indexes), written with shared programs and without."""
    folder = tmp_path_factory.mktemp("fonts")
    articles = [parse_file(path) for path in generate(folder / "in", 7, seed=5, days=3)]
    articles.append(make_article(2, language="zh-Hant", title="臺灣與香港的經濟報導"))
    # Signs no CJK face has: another face (a TrueType one, DejaVu on Debian) draws them.
    articles.append(make_article(
        4, body="<p>积分符号∮、倒置的和号⅋与字母ǅ都不在思源字体里。</p>" * 3,
        title="数学符号与罕见字母"))
    book = collect(articles, Options(group_by="day")).book
    backend = part_backend()
    written = {}
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("SOURCE_DATE_EPOCH", "1700000000")
        written["shared"] = backend.write(book, folder / "shared.pdf",
                                          Options(jobs=1, cache_dir=folder / "cache"))
        assert backend.left_out == ()  # every article typeset, the odd signs too
        patch.setattr(_pdf_build, "share_programs", lambda uses: {})
        written["own"] = backend.write(book, folder / "own.pdf",
                                       Options(jobs=1, cache_dir=folder / "cache"))
    return written, folder


def test_each_face_is_embedded_once(books):
    written, _ = books
    shared, own = _programs(written["shared"]), _programs(written["own"])
    assert {"Noto-Serif-CJK-SC", "Noto-Serif-CJK-TC"} <= set(shared)
    assert squeeze("数学符号与罕见字母") in squeeze("".join(page_texts(written["shared"])))
    assert all(len(programs) == 1 for programs in shared.values()), shared
    # Without sharing, every part carries its own copy.
    assert max(len(programs) for programs in own.values()) >= 3
    assert written["shared"].stat().st_size < 0.6 * written["own"].stat().st_size


def test_shared_fonts_draw_every_page_the_same(books):
    written, folder = books
    assert page_texts(written["shared"]) == page_texts(written["own"])
    for name in ("shared", "own"):
        subprocess.run(["pdftoppm", "-r", "40", "-png", str(written[name]),
                        str(folder / name)], check=True)
    pages = sorted(folder.glob("shared-*.png"))
    assert len(pages) == len(page_texts(written["own"]))
    for page in pages:
        own = folder / page.name.replace("shared-", "own-")
        with Image.open(page) as a, Image.open(own) as b:
            assert ImageChops.difference(a.convert("RGB"), b.convert("RGB")).getbbox() is None, \
                page.name


def test_a_part_names_its_faces_and_glyphs(books):
    written, _ = books
    uses = programs_of(pypdf.PdfReader(written["own"]))
    faces = {use.face.split("|")[0] for use in uses}
    assert {"NotoSerifCJKsc-Regular", "NotoSerifCJKtc-Regular"} <= faces
    assert all(use.glyphs for use in uses)
    # The body face of a part holds hundreds of distinct characters.
    assert max(len(use.glyphs) for use in uses if "CJKsc-Regular" in use.face) > 200


def test_a_face_not_installed_or_of_another_version_is_not_shared(books):
    written, _ = books
    real = programs_of(pypdf.PdfReader(written["own"]))[0]
    name, revision, *rest = real.face.split("|")
    other_version = "|".join([name, f"{float(revision) + 1:.5f}", *rest])
    assert share_programs([ProgramUse(1, "NoSuchFontAnywhere-Regular|1.00000|0|0|1000",
                                      (1, 2, 3))]) == {}
    assert share_programs([ProgramUse(1, other_version, real.glyphs)]) == {}
    assert set(share_programs([real])) == {real.face}


def test_an_unreadable_program_has_no_face():
    assert face_key(b"not a font at all") is None


def test_a_part_that_makes_no_sense_shares_nothing(books):
    """Sharing only saves space: a part whose fonts cannot be read keeps its own."""
    written, _ = books
    reader = pypdf.PdfReader(written["own"])
    first_font = next(iter(reader.pages[0]["/Resources"]["/Font"].values())).get_object()
    del first_font["/ToUnicode"]  # a font dictionary missing what sharing reads
    assert programs_of(reader) == []
    assert programs_of(object()) == []
