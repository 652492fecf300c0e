"""Footnote areas measured by stacking notes give the pages WeasyPrint's own measure gives."""

from __future__ import annotations

import random
from pathlib import Path

import pytest
from weasyprint.formatting_structure import boxes
from weasyprint.layout import LayoutContext

from bookmaker.backends import pdf
from bookmaker.backends._pdf_footnotes import stack_footnotes
from pdf_support import pdftotext

_WORDS = "北京时间周二国务院发布了新的规定两国关系经济发展科技文化教育国际社会合作伙伴"


def _address(rng: random.Random, length: int) -> str:
    path = "".join(rng.choice("abcdefghijklmnopqrstuvwxyz0123456789-/") for _ in range(length))
    return f"https://www.example.com/{path}"


def _html(notes_per_paragraph: int, *, odd_note: bool = False, seed: int = 7) -> str:
    """Paragraphs dense with footnoted links, some long enough to wrap several times."""
    rng = random.Random(seed)
    paragraphs = []
    for index in range(40):
        text = "".join(rng.choice(_WORDS) for _ in range(rng.randint(40, 160)))
        calls = "".join(
            f'<a href="#">链接</a><span class="link-note">'
            f"{_address(rng, rng.choice((20, 60, 240)))}</span>{text[:12]}"
            for _ in range(rng.randint(0, notes_per_paragraph)))
        paragraphs.append(f"<p>{text}{calls}</p>")
    if odd_note:  # a note holding a block with margins: not a shape the stacking models
        paragraphs.insert(3, '<p>块<span class="link-note"><span style="display: block; '
                             'margin: 1em 0">https://www.example.com/odd</span></span></p>')
    english = ("<p lang='en'>The council met on Tuesday<span class='link-note'>"
               "https://www.example.com/en/council</span> and agreed.</p>")
    # Links where articles have them besides paragraphs: lists, quotes, tables, captions.
    note = '<span class="link-note">https://www.example.com/{}</span>'
    paragraphs[5:5] = [
        f"<ul><li>列表{note.format('list/1')}</li><li>{_WORDS}{note.format('list/2')}</li></ul>",
        f"<blockquote><p>引文{_WORDS}{note.format('quote')}</p></blockquote>",
        f"<table><tr><td>表格{note.format('cell/1')}</td><td>{note.format('cell/2')}数据</td>"
        "</tr></table>",
        f"<figure><figcaption>图说{note.format('caption')}</figcaption></figure>"]
    return ("<html lang='zh-Hans'><body><div class='article'><h1 class='article-title'>"
            f"今日要闻</h1>{english}{''.join(paragraphs)}</div></body></html>")


def _written(tmp_path: Path, html: str) -> bytes:
    return pdf.document_bytes(pdf.render_document(html, tmp_path, "A5"), b"notes")


def _weasyprints_own_measure(monkeypatch: pytest.MonkeyPatch) -> None:
    stack_footnotes()
    stacked = LayoutContext._update_footnote_area
    monkeypatch.setattr(LayoutContext, "_update_footnote_area", stacked.__wrapped__)


def _count_note_layouts(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """A footnote area is copied to be laid out with its notes: count the notes."""
    count = [0]
    copy = boxes.FootnoteAreaBox.deepcopy

    def counting(box):
        count[0] += len(box.children)
        return copy(box)

    monkeypatch.setattr(boxes.FootnoteAreaBox, "deepcopy", counting, raising=False)
    return count


def test_patched_once():
    assert stack_footnotes() is True
    assert stack_footnotes() is True
    own = LayoutContext._update_footnote_area.__wrapped__
    assert not hasattr(own, "__wrapped__")


@pytest.mark.parametrize("notes, odd", [(3, False), (8, False), (3, True)])
def test_same_pages_as_weasyprints_own_measure(tmp_path, monkeypatch, notes, odd):
    html = _html(notes, odd_note=odd)
    stacked = _written(tmp_path, html)
    with monkeypatch.context() as patch:
        _weasyprints_own_measure(patch)
        own = _written(tmp_path, html)
    assert stacked == own
    text = pdftotext_bytes(tmp_path, stacked)
    joined = text.replace("\n", "")
    for address in ("en/council", "list/2", "quote", "cell/1", "cell/2", "caption"):
        assert f"https://www.example.com/{address}" in joined
    assert text.count("\f") > 8  # many pages, many of them ending in a full footnote area


def test_each_note_is_laid_out_once_before_its_page(tmp_path, monkeypatch):
    html = _html(8)
    notes = html.count('class="link-note"') + html.count("class='link-note'")
    counted = _count_note_layouts(monkeypatch)
    pdf.render_document(html, tmp_path, "A5")
    stacked = counted[0]
    counted[0] = 0
    _weasyprints_own_measure(monkeypatch)
    pdf.render_document(html, tmp_path, "A5")
    own = counted[0]
    # Once alone, at its page's width, and once more in its page's final area.
    assert notes <= stacked // 2 <= notes * 1.1
    assert own > 3 * stacked


def pdftotext_bytes(folder: Path, data: bytes) -> str:
    target = folder / "notes.pdf"
    target.write_bytes(data)
    return pdftotext(target)
