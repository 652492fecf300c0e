"""Footnote areas measured by stacking notes give the pages WeasyPrint's own measure gives."""

from __future__ import annotations

import random
import re
from pathlib import Path

import pytest
from weasyprint.formatting_structure import boxes
from weasyprint.layout import LayoutContext

from bookmaker.backends import pdf
from bookmaker.backends._pdf_footnotes import _MEASURES, stack_footnotes
from pdf_support import pdftotext

#: Footnote styles beyond the book's: (extra CSS, whether the stacking models it).
_STYLES = {
    "book": ("", True),
    "note margins": (".link-note { margin: 0.4em 0 0.2em; }", True),
    "area padded below": ("@page { @footnote { padding-bottom: 0.6em; } }", True),
    "area capped": ("@page { @footnote { max-height: 25mm; } }", True),
    "area narrower": ("@page { @footnote { width: 70%; } }", True),
    "left pages wider": ("@page :left { margin-left: 8mm; margin-right: 8mm; }", True),
    "area of fixed height": ("@page { @footnote { height: 30mm; } }", False),
    "notes moved": (".link-note { position: relative; top: 2px; }", False),
    "notes empty": (".link-note { font-size: 0; line-height: 0; margin: 0.3em 0; }", False),
}

_WORDS = "北京时间周二国务院发布了新的规定两国关系经济发展科技文化教育国际社会合作伙伴"


def _address(rng: random.Random, length: int) -> str:
    path = "".join(rng.choice("abcdefghijklmnopqrstuvwxyz0123456789-/") for _ in range(length))
    return f"https://www.example.com/{path}"


def _html(notes_per_paragraph: int, *, odd_note: bool = False, seed: int = 7,
          paragraphs_wanted: int = 40) -> str:
    """Paragraphs dense with footnoted links, some long enough to wrap several times."""
    rng = random.Random(seed)
    paragraphs = []
    for index in range(paragraphs_wanted):
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


def _measure_both_ways(monkeypatch: pytest.MonkeyPatch) -> tuple[list, list]:
    """Every update of a footnote area done WeasyPrint's way, then by stacking, from the
    same state; returns the updates that disagreed and the layout contexts seen.

    An area of automatic height holds all its notes, yet WeasyPrint compares the bottom
    of the last note with the area's exactly, and may call that an overflow on rounding
    alone (seen with top margins on notes: 16.403333333333308 against ...35). The
    stacking never does; the overflows compared are those of an area with a maximum
    height, where they are real."""
    stack_footnotes()
    stacked = LayoutContext._update_footnote_area
    own = stacked.__wrapped__
    disagreements: list[tuple] = []
    contexts: list = []

    def both(context) -> bool:
        area = context.current_footnote_area
        state = (context.page_bottom, area.height)
        own_overflow = own(context)
        own_state = (context.page_bottom, area.height)
        context.page_bottom, area.height = state
        overflow = stacked(context)
        new_state = (context.page_bottom, area.height)
        capped = area.max_height != float("inf")
        if (capped and overflow != own_overflow) or any(
                abs(a - b) > 1e-6 for a, b in zip(new_state, own_state)):
            disagreements.append((own_state, own_overflow, new_state, overflow))
        if context not in contexts:
            contexts.append(context)
        return overflow

    monkeypatch.setattr(LayoutContext, "_update_footnote_area", both)
    return disagreements, contexts


def _count_note_layouts(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """A footnote area is copied to be laid out with its notes: count the notes."""
    count = [0]
    copy = boxes.FootnoteAreaBox.deepcopy

    def counting(box):
        count[0] += len(box.children)
        return copy(box)

    monkeypatch.setattr(boxes.FootnoteAreaBox, "deepcopy", counting, raising=False)
    return count


def _note_count(html: str) -> int:
    return len(re.findall(r"""class=["']link-note["']""", html))


def _pdf_text(folder: Path, data: bytes) -> str:
    target = folder / "notes.pdf"
    target.write_bytes(data)
    return pdftotext(target)


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
    text = _pdf_text(tmp_path, stacked)
    joined = text.replace("\n", "")
    for address in ("en/council", "list/2", "quote", "cell/1", "cell/2", "caption"):
        assert f"https://www.example.com/{address}" in joined
    assert text.count("\f") > 8  # many pages, many of them ending in a full footnote area


@pytest.mark.parametrize("page_size", ["A5", "A4"])
@pytest.mark.parametrize("style", list(_STYLES))
def test_every_update_agrees_with_weasyprints_own(tmp_path, monkeypatch, style, page_size):
    css, modelled = _STYLES[style]
    disagreements, contexts = _measure_both_ways(monkeypatch)
    sheets = pdf.book_stylesheets(page_size) + [css]
    document = pdf.render_document(_html(8, paragraphs_wanted=14), tmp_path, None,
                                   stylesheets=sheets)
    assert len(document.pages) >= 3 and contexts
    assert disagreements == []
    # Stacked where modelled; WeasyPrint's own measure (nothing measured) elsewhere.
    measured = sum(measure is not None for context in contexts
                   for _, measure in vars(context).get(_MEASURES, {}).values())
    assert (measured > 0) is modelled


def test_each_note_is_laid_out_once_before_its_page(tmp_path, monkeypatch):
    html = _html(8)
    notes = _note_count(html)
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
