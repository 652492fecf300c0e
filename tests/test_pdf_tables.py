"""Tables, however wide, print whole and inside the text block of the page."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest

from bookmaker.backends.pdf import PAGE_GEOMETRY
from bookmaker.options import Options

from pdf_support import make_article, make_book, part_backend


def _table(columns: int, rows: int, cell) -> str:
    head = "".join(f"<th>第{column}列</th>" for column in range(columns))
    body = "".join("<tr>" + "".join(f"<td>{cell(row, column)}</td>" for column in range(columns))
                   + "</tr>" for row in range(rows))
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _short_cell(row: int, column: int) -> str:
    """Two digits, as many as a column of thirty fits on A5: "00" … "59"."""
    return f"{row * 30 + column:02d}"


def _words(pdf: Path) -> list[tuple[int, str, float, float]]:
    """(page, word, left, right) of every word, in points."""
    html = subprocess.run(["pdftotext", "-bbox", str(pdf), "-"], check=True,
                          capture_output=True, text=True).stdout
    words = []
    for number, page in enumerate(html.split("<page ")[1:], 1):
        for left, right, word in re.findall(
                r'<word xMin="([\d.]+)" yMin="[\d.]+" xMax="([\d.]+)" yMax="[\d.]+">([^<]*)</word>',
                page):
            words.append((number, word, float(left), float(right)))
    return words


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
    printed = {word for _, word, _, _ in _words(tables_pdf)}
    assert {_short_cell(row, column) for column in range(30) for row in range(2)} <= printed


def test_no_word_runs_past_the_text_block(tables_pdf):
    geometry = PAGE_GEOMETRY["A5"]
    page_width = geometry.width_mm * 72 / 25.4
    text_width = geometry.columns * geometry.font_pt + 0.25
    left_edge, right_edge = (page_width - text_width) / 2, (page_width + text_width) / 2
    table_pages = {page for page, word, _, _ in _words(tables_pdf) if word == _short_cell(0, 29)}
    assert table_pages
    outside = [(word, left, right) for page, word, left, right in _words(tables_pdf)
               if page in table_pages and (left < left_edge - 0.5 or right > right_edge + 0.5)]
    assert outside == []
