"""The reference tools the benchmark compares bookmaker with, and their inputs.

Also a script, run by the benchmark in its own process so its memory is measured
like a bookmaker build: ``python -P _bench_references.py ebooklib|weasyprint IN OUT``.
It imports nothing from bookmaker (``-P`` keeps this folder off ``sys.path``), so a
reference pays for its own libraries only.
"""

from __future__ import annotations

import html
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Sequence

#: The seed layout: stamp comment, ``[title](url)``, a rule, then the article HTML.
_LAYOUT = re.compile(r"<!--\d+-->\r?\n\[(?P<title>.*)\]\((?P<url>[^)\s]*)\)\r?\n-+\r?\n"
                     r"(?P<body>.*)", re.S)
#: Images are left out of every reference, as ``--images none`` leaves them out of ours
#: (and a reference must never reach the network).
_IMAGE = re.compile(r"<img\b[^>]*>", re.I)

#: The reference PDF's stylesheet: the book's paper and type (CJK serif body, an article
#: per page run, page numbers), not the project's print.css, whose rules target
#: bookmaker's own markup.
REFERENCE_CSS = """
@page {{ size: {page_size}; margin: 17mm 15mm 20mm;
        @bottom-center {{ content: counter(page); font-size: 0.8em; }} }}
html {{ font-family: "Noto Serif CJK SC", "Source Han Serif SC", serif;
        font-size: {font_pt}pt; line-height: 1.7; }}
article {{ break-before: page; }}
h1 {{ font-family: "Noto Sans CJK SC", sans-serif; font-size: 1.6em; line-height: 1.3; }}
address, time, figcaption, footer {{ font-size: 0.85em; color: #555; }}
"""
#: Body size per paper, as the PDF backend sets it.
_FONT_PT = {"A4": 10.5, "A5": 9.5, "B5": 10, "letter": 10.5}


def article_files(corpus: Path) -> list[Path]:
    """The corpus's article files in name order."""
    return sorted(corpus.glob("*.txt"))


def read_article(path: Path) -> tuple[str, str]:
    """(title, article HTML without images) of one file in the seed layout."""
    text = path.read_text(encoding="utf-8-sig")
    match = _LAYOUT.match(text)
    if not match:
        raise ValueError(f"{path}: not in the seed layout")
    return html.unescape(match["title"]), _IMAGE.sub("", match["body"]).strip()


def combined_html(corpus: Path) -> str:
    """Every article of ``corpus`` in one HTML document: a titled ``<article>`` each."""
    parts = ['<!DOCTYPE html>\n<html lang="zh-CN"><head><meta charset="utf-8">'
             "<title>bench</title></head><body>"]
    for path in article_files(corpus):
        title, body = read_article(path)
        parts.append(f"<article><h1>{html.escape(title)}</h1>{body}</article>")
    parts.append("</body></html>\n")
    return "\n".join(parts)


def reference_css(page_size: str) -> str:
    """The plain print stylesheet of the WeasyPrint reference."""
    return REFERENCE_CSS.format(page_size=page_size, font_pt=_FONT_PT.get(page_size, 10.5))


def script_command(tool: str, source: Path, target: Path, *extra: str) -> list[str]:
    """The command that runs one reference of this script in a fresh interpreter."""
    return [sys.executable, "-P", str(Path(__file__).resolve()), tool, str(source),
            str(target), *extra]


def pandoc_command(source_html: Path, target: Path) -> list[str] | None:
    """pandoc HTML → EPUB 3, or ``None`` when pandoc is not installed."""
    pandoc = shutil.which("pandoc")
    if pandoc is None:
        return None
    return [pandoc, "-f", "html", "-t", "epub3", "--metadata", "title=bench",
            "-o", str(target), str(source_html)]


def pandoc_version() -> str | None:
    """pandoc's version, or ``None`` when it is not installed."""
    pandoc = shutil.which("pandoc")
    if pandoc is None:
        return None
    result = subprocess.run([pandoc, "--version"], capture_output=True, text=True,
                            check=False)
    words = result.stdout.split()
    return words[1] if len(words) > 1 else None


def write_bare_epub(corpus: Path, target: Path) -> None:
    """The bare ebooklib reference: one chapter per article, its HTML, nothing else."""
    from ebooklib import epub

    book = epub.EpubBook()
    book.set_identifier("bookmaker-bench")
    book.set_title("bench")
    book.set_language("zh")
    chapters = []
    for number, path in enumerate(article_files(corpus)):
        title, body = read_article(path)
        chapter = epub.EpubHtml(title=title, file_name=f"a{number:05d}.xhtml", lang="zh")
        chapter.content = f"<h1>{html.escape(title)}</h1>{body}"
        book.add_item(chapter)
        chapters.append(chapter)
    book.toc = chapters
    book.spine = ["nav", *chapters]
    book.add_item(epub.EpubNcx())
    book.add_item(epub.EpubNav())
    epub.write_epub(str(target), book)


def write_one_document_pdf(source_html: Path, target: Path, page_size: str) -> None:
    """The WeasyPrint reference: the combined HTML laid out and written as one document."""
    import weasyprint

    document = weasyprint.HTML(filename=str(source_html))
    document.write_pdf(str(target), stylesheets=[weasyprint.CSS(string=reference_css(
        page_size))])


def main(argv: Sequence[str]) -> int:
    if len(argv) < 3 or argv[0] not in ("ebooklib", "weasyprint"):
        print("usage: _bench_references.py ebooklib CORPUS OUT.epub | "
              "weasyprint COMBINED.html OUT.pdf [PAGE_SIZE]", file=sys.stderr)
        return 2
    tool, source, target = argv[0], Path(argv[1]), Path(argv[2])
    if tool == "ebooklib":
        write_bare_epub(source, target)
    else:
        write_one_document_pdf(source, target, argv[3] if len(argv) > 3 else "A5")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
