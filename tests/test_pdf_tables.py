"""Tables, however wide, print whole and inside the text block of the page."""

from __future__ import annotations

import re

import pytest
from lxml import etree

from bookmaker.backends.pdf import PAGE_GEOMETRY
from bookmaker.options import Options
from bookmaker.render import RenderContext, render_article, table_columns

from pdf_support import make_article, make_book, part_backend, word_boxes


def _table(columns: int, rows: int, cell) -> str:
    head = "".join(f"<th>第{column}列</th>" for column in range(columns))
    body = "".join("<tr>" + "".join(f"<td>{cell(row, column)}</td>" for column in range(columns))
                   + "</tr>" for row in range(rows))
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _short_cell(row: int, column: int) -> str:
    """Two digits, as many as a column of thirty fits on A5: "00" … "59"."""
    return f"{row * 30 + column:02d}"


@pytest.fixture(scope="module")
def tables_pdf(tmp_path_factory):
    folder = tmp_path_factory.mktemp("tables")
    body = ("<p>下面是三个表格。</p>"
            + _table(30, 2, _short_cell)
            + "<p>九列：</p>" + _table(9, 3, lambda row, column: f"{row * 123456 + column}")
            + "<p>长地址：</p>" + _table(3, 2, lambda row, column: (
                f"https://www.example.com/reports/{row}/a-very-long-address-without-spaces"
                if column == 1 else "中国经济发展报告摘要与分析"))
            + "<p>表格之后的段落。</p>")
    book = make_book([make_article(1), make_article(2, body=body, title="宽表格")])
    target = folder / "tables.pdf"
    return part_backend().write(book, target, Options(page_size="A5", cache_dir=folder / "c"))


def test_every_cell_of_a_thirty_column_table_is_printed(tables_pdf):
    printed = {word.text for word in word_boxes(tables_pdf)}
    assert {_short_cell(row, column) for column in range(30) for row in range(2)} <= printed
    # The nine columns of numbers are set smaller, but no number is broken.
    assert {f"{row * 123456 + column}" for column in range(9) for row in range(3)} <= printed


def test_no_word_runs_past_the_text_block(tables_pdf):
    geometry = PAGE_GEOMETRY["A5"]
    page_width = geometry.width_mm * 72 / 25.4
    text_width = geometry.columns * geometry.font_pt + 0.25
    left_edge, right_edge = (page_width - text_width) / 2, (page_width + text_width) / 2
    words = [word for word in word_boxes(tables_pdf) if word.page > 1]  # after the cover
    assert any(word.text == _short_cell(1, 29) for word in words)
    outside = [word for word in words
               if word.left < left_edge - 0.5 or word.right > right_edge + 0.5]
    assert outside == []


def test_cells_do_not_run_into_each_other(tables_pdf):
    cells = [word for word in word_boxes(tables_pdf) if re.fullmatch(r"\d+", word.text)]
    assert len(cells) > 80
    overlapping = [(a.text, b.text) for a in cells for b in cells
                   if a is not b and a.page == b.page and a.left < b.left < a.right
                   and a.top < (b.top + b.bottom) / 2 < a.bottom]
    assert overlapping == []


@pytest.mark.parametrize("html, columns", [
    ("<table><tr><td>a</td><td>b</td></tr></table>", 2),
    ("<table><thead><tr><th colspan='14'>t</th></tr></thead>"
     "<tbody><tr><td>a</td></tr></tbody></table>", 14),
    ("<table><tr><td colspan='x'>a</td><td colspan='0'>b</td><td colspan='99999'>c</td>"
     "</tr></table>", 1002),
    # A table inside a cell counts for itself, not for the table around it.
    ("<table><tr><td><table><tr>" + "<td>1</td>" * 12 + "</tr></table></td><td>b</td>"
     "</tr></table>", 2),
    ("<table></table>", 0),
])
def test_columns_are_counted_per_table(html, columns):
    assert table_columns(etree.fromstring(html)) == columns


def test_wide_tables_are_marked_for_the_stylesheet():
    article = make_article(3, body="<table><tr><td><table><tr>" + "<td>1</td>" * 12
                           + "</tr></table></td>" + "<td>2</td>" * 7 + "</tr></table>")
    context = RenderContext(book=make_book([article]), article_href=lambda a: "#",
                            chapter_href=lambda c: "#", image_src=lambda url: None)
    html = render_article(article, context)
    assert re.findall(r'<table(?: class="([^"]*)")?', html) == ["wide-table", "very-wide-table"]
