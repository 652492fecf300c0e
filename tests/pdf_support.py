"""Hand-made books and PDF readers for the PDF tests."""

from __future__ import annotations

import hashlib
import logging
import random
import re
import subprocess
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any, Iterator, NamedTuple

from PIL import Image

from bookmaker.labels import section_name
from bookmaker.model import Article, Book, Figure, Footer, LocalImage
from book_support import chaptered_book

#: Common characters, all in Noto CJK; Traditional forms for zh-Hant articles.
_HANS = ("中国俄罗斯总统普京周二抵达北京参加论坛两国关系经济发展科技文化教育"
         "国际社会合作伙伴外交政策美国欧洲亚洲市场投资银行公司城市人口环境气候")
_HANT = "國際關係經濟發展臺灣香港澳門傳統與現代報導記者學者認為這個問題總統"
START = datetime(2023, 10, 16, 1, 30, tzinfo=timezone.utc)


def _sentence(rng: random.Random, alphabet: str, low: int, high: int) -> str:
    return "".join(rng.choice(alphabet) for _ in range(rng.randint(low, high))) + "。"


def make_article(index: int, *, language: str = "zh-Hans", body: str | None = None,
                 title: str | None = None, lead: Figure | None = None,
                 figures: tuple[Figure, ...] = (), paragraphs: int = 6,
                 url: str | None = None) -> Article:
    """A plausible article; the same arguments give the same article."""
    rng = random.Random(f"pdf-{index}-{language}")
    alphabet = _HANT if language == "zh-Hant" else _HANS
    if body is None:
        parts = [f"<p>{_sentence(rng, alphabet, 20, 70)}{_sentence(rng, alphabet, 8, 30)}</p>"
                 for _ in range(paragraphs)]
        parts.insert(1, f'<p>据<a href="https://www.nytimes.com/2023/10/{index:02d}/world/x.html">'
                        f"报道</a>，ABC 公司 2023 年收入增长{index}%。</p>")
        for figure in figures:
            parts.insert(3, f'<figure><img src="{figure.src}" alt=""/>'
                            f"<figcaption>{figure.caption}</figcaption></figure>")
        body = "".join(parts)
    if title is None:
        title = _sentence(rng, alphabet, 8, 22)[:-1] + f"（{index}）"
    published = START + timedelta(hours=5 * index, minutes=index % 60)
    footer = Footer(contributors=("Olivia Wang对本文有报道贡献。",),
                    translator="翻译：纽约时报中文网",
                    original_url=f"https://www.nytimes.com/2023/10/17/world/story-{index}.html",
                    original_label="点击查看本文英文版。")
    return Article(
        title=title, url=url or f"https://cn.nytimes.com/world/{published:%Y%m%d}/story-{index}/",
        published=published, authors=("DAVID PIERSON", "王明"),
        dateline_text=f"{published.year}年{published.month}月{published.day}日",
        dateline_value=f"{published:%Y-%m-%d %H:%M:%S}", lead_figure=lead, body=body,
        figures=figures, footer=footer, section="国际", section_key="world",
        language=language, source_path=Path(f"synthetic/{index:04d}.txt"),
        content_hash=hashlib.sha256(f"{title}\n{body}".encode()).hexdigest())


def make_book(articles: list[Article], *, per_chapter: int = 4,
              title: str = "纽约时报中文网 2023年10月",
              images: dict[str, LocalImage] | None = None) -> Book:
    """The articles in chapters of ``per_chapter``."""
    return chaptered_book(articles, per_chapter, title, images,
                          lambda n: (f"2023年10月{16 + n}日", f"d{n + 1}"))


def make_jpeg(path: Path, width: int, height: int, colour=(90, 120, 160)) -> LocalImage:
    """A processed image as the images stage leaves it."""
    Image.new("RGB", (width, height), colour).save(path, "JPEG", quality=80)
    return LocalImage(path=path, media_type="image/jpeg", width=width, height=height)


def pdftotext(pdf: Path, *, first: int | None = None, last: int | None = None,
              layout: bool = False) -> str:
    command = ["pdftotext", "-enc", "UTF-8"] + (["-layout"] if layout else [])
    if first:
        command += ["-f", str(first)]
    if last:
        command += ["-l", str(last)]
    return subprocess.run(command + [str(pdf), "-"], check=True, capture_output=True,
                          text=True).stdout


def page_texts(pdf: Path, *, layout: bool = False) -> list[str]:
    """The text of every page, in order (pdftotext separates pages by form feeds).

    ``layout`` keeps each printed line on one line of text, as a contents line with
    its leader and page number."""
    return pdftotext(pdf, layout=layout).split("\f")[:-1]


def squeeze(text: str) -> str:
    """Text without any whitespace: line breaks in a PDF say nothing about content."""
    return re.sub(r"\s+", "", text)


class WordBox(NamedTuple):
    """A word pdftotext found, and its box in points from the page's top left."""

    page: int
    text: str
    left: float
    top: float
    right: float
    bottom: float


_WORD = re.compile(r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" '
                   r'yMax="([\d.]+)">([^<]*)</word>')


def word_boxes(pdf: Path, *, first: int | None = None, last: int | None = None
               ) -> list[WordBox]:
    """Every word of the pages (all, or ``first`` to ``last``) with its box."""
    command = ["pdftotext", "-bbox"] + (["-f", str(first)] if first else []) + (
        ["-l", str(last)] if last else []) + [str(pdf), "-"]
    pages = subprocess.run(command, check=True, capture_output=True,
                           text=True).stdout.split("<page ")[1:]
    return [WordBox(number, text, float(left), float(top), float(right), float(bottom))
            for number, page in enumerate(pages, start=first or 1)
            for left, top, right, bottom, text in _WORD.findall(page)]


def type0_fonts(pdf: Path, *, strict: bool = False) -> Iterator[Any]:
    """Every composite (Type0) font dictionary of the PDF, as pypdf reads it."""
    import pypdf

    reader = pypdf.PdfReader(pdf, strict=strict)
    for number in range(1, int(reader.trailer["/Size"])):
        font = reader.get_object(number)
        if hasattr(font, "get") and font.get("/Subtype") == "/Type0":
            yield font


def pdffonts(pdf: Path) -> list[dict[str, str]]:
    """The rows of ``pdffonts``: name, type, emb, sub."""
    lines = subprocess.run(["pdffonts", str(pdf)], check=True, capture_output=True,
                           text=True).stdout.splitlines()[2:]
    rows = []
    for line in lines:
        # The name column may hold spaces; the flags are the yes/no columns near the end.
        fields = line.split()
        flags = [f for f in fields if f in ("yes", "no")]
        rows.append({"name": fields[0], "emb": flags[0], "sub": flags[1],
                     "uni": flags[2], "line": line})
    return rows


class LogRecorder(logging.Handler):
    """Every record of the ``weasyprint`` and ``bookmaker`` loggers while active."""

    LOGGERS = ("weasyprint", "bookmaker")

    def __init__(self) -> None:
        super().__init__(level=logging.DEBUG)
        self.records: list[logging.LogRecord] = []
        self._levels: dict[str, int] = {}

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)

    def __enter__(self) -> "LogRecorder":
        for name in self.LOGGERS:
            logger = logging.getLogger(name)
            logger.addHandler(self)
            self._levels[name] = logger.level
            logger.setLevel(logging.INFO)
        return self

    def __exit__(self, *exc_info: object) -> None:
        for name in self.LOGGERS:
            logger = logging.getLogger(name)
            logger.removeHandler(self)
            logger.setLevel(self._levels[name])

    def messages(self, level: int = logging.WARNING) -> list[str]:
        return [f"{r.name}: {r.getMessage()}" for r in self.records if r.levelno >= level]


#: WeasyPrint ignores these properties of base.css, written for e-readers.
KNOWN_UNSUPPORTED = ("`line-break: strict`", "`hanging-punctuation: allow-end`")


def unexpected_warnings(recorder: LogRecorder) -> list[str]:
    """Warnings and errors, except WeasyPrint's notes on base.css's e-reader rules."""
    return [m for m in recorder.messages()
            if not (m.startswith("weasyprint: Ignored") and
                    any(known in m for known in KNOWN_UNSUPPORTED))]


_FOOTNOTE_LINE = re.compile(r"^\d+\.\s*https?://")


def reading_text(pages: list[str], running_heads: set[str]) -> str:
    """The pages' text without their furniture: running head, footnotes, page number.

    Footnotes and the page number close every page, so a page's text is cut at its
    first footnote line or, lacking one, loses its last line when that is a number.
    """
    kept = []
    for page in pages:
        lines = [line.strip() for line in page.splitlines() if line.strip()]
        if lines and lines[0] in running_heads:
            lines = lines[1:]
        cut = next((i for i, line in enumerate(lines) if _FOOTNOTE_LINE.match(line)), None)
        if cut is not None:
            lines = lines[:cut]
        elif lines and lines[-1].isdigit():
            lines = lines[:-1]
        kept.extend(lines)
    return "\n".join(kept)


def expected_body_text(article: Article, internal_urls: set[str] = frozenset()) -> list[str]:
    """The printed text of each paragraph and caption of the body, in order, with the
    footnote number that follows every external link."""
    from lxml import etree

    root = etree.fromstring(f"<div>{article.body}</div>".encode())
    counter = 0
    blocks = []

    def text_of(element) -> str:
        nonlocal counter
        parts = [element.text or ""]
        for child in element:
            parts.append(text_of(child))
            href = child.get("href", "") if child.tag == "a" else ""
            if href.startswith(("http:", "https:")) and href not in internal_urls:
                counter += 1
                parts.append(str(counter))
            parts.append(child.tail or "")
        return "".join(parts)

    for block in root.iter("p", "figcaption", "li", "h3", "h4", "blockquote"):
        if block.getparent() is not None and block.getparent().tag in ("p", "li", "blockquote"):
            continue
        blocks.append(text_of(block))
    return [b for b in blocks if squeeze(b)]


def outline(pdf: Path) -> list[tuple[str, int, list[tuple[str, int]]]]:
    """The PDF outline as (chapter title, page, [(article title, page), ...])."""
    import pypdf

    reader = pypdf.PdfReader(str(pdf))
    result: list = []
    for item in reader.outline:
        if isinstance(item, list):
            result[-1][2].extend((child.title, reader.get_destination_page_number(child) + 1)
                                 for child in item)
        else:
            result.append((item.title, reader.get_destination_page_number(item) + 1, []))
    return result


def image_objects(pdf: Path) -> set[int]:
    """Object numbers of the distinct images the pages draw."""
    import pypdf

    found = set()
    for page in pypdf.PdfReader(str(pdf)).pages:
        for reference in (page["/Resources"].get("/XObject") or {}).values():
            if reference.get_object().get("/Subtype") == "/Image":
                found.add(reference.idnum)
    return found


def fonts_drawn(pdf: Path, page_number: int) -> set[str]:
    """Base names of the fonts a page's content stream really uses (WeasyPrint gives
    every page the same resources, so pdffonts cannot tell pages apart)."""
    import pypdf

    page = pypdf.PdfReader(str(pdf)).pages[page_number - 1]
    fonts = page["/Resources"]["/Font"]
    used = set(re.findall(rb"/([^\s/]+)\s+[\d.]+\s+Tf", page.get_contents().get_data()))
    return {str(fonts["/" + name.decode()].get_object()["/BaseFont"])[1:] for name in used}


def render_one_document(book, target: Path, page_size: str = "A4") -> Path:
    """The book typeset as one WeasyPrint document, the way it was before parts:
    numbers from ``target-counter``, page furniture from the margin boxes.

    The reference the assembled PDF is compared with."""
    import tempfile

    from bookmaker.backends import _pdf_documents as documents
    from bookmaker.backends._pdf_assets import asset_url, stage_images
    from bookmaker.backends.pdf import book_stylesheets, document_bytes, render_document
    from bookmaker.render import RenderContext

    with tempfile.TemporaryDirectory() as folder:
        images = stage_images(book.images, Path(folder))
        context = RenderContext(
            book=book, article_href=lambda article: f"#{article.slug}",
            chapter_href=lambda chapter: f"#{chapter.key}",
            image_src=lambda url: asset_url(images[url]) if url in images else None,
            link_footnotes=True)
        fragments = documents.front_matter(book, context)
        for chapter in book.chapters:
            fragments.extend(documents.chapter_parts(chapter, context))
        html = documents.document_html(book, fragments)
        # The same stylesheets, with every printed number counted by WeasyPrint itself.
        sheets = [sheet.replace("attr(data-page)", "target-counter(attr(href), page)")
                  for sheet in book_stylesheets(page_size)]
        document = render_document(html, Path(folder), None, stylesheets=sheets)
        target.write_bytes(document_bytes(document, b"one-document"))
    return target


def leader_entries(layout_text: str) -> list[tuple[str, int]]:
    """(entry, page number) of every line set with a leader (dots or ellipses), from
    pdftotext's layout mode (a long title may take a line of its own before the one
    with the leader)."""
    entries, title = [], ""
    for line in layout_text.splitlines():
        match = re.match(r"\s*(.*?)\s*(?:\.{4,}|…{2,})\s*(\d+)\s*$", line)
        if match:
            entries.append((squeeze(title + match.group(1)), int(match.group(2))))
            title = ""
        elif line.strip() and not line.strip().isdigit():
            title += line
    return entries


def assert_contents_match(book: Book, entries: list[tuple[str, int]], page_of) -> None:
    """The contents list every chapter and article of ``book`` in order, and each
    article's number is ``page_of(article)``, the page its title starts."""
    expected = []
    for chapter in book.chapters:
        expected.append(squeeze(chapter.title))
        expected.extend(squeeze(article.title) for article in chapter.articles)
    assert [title for title, _ in entries] == expected
    numbers = dict(entries)
    for article in book.articles:
        assert numbers[squeeze(article.title)] == page_of(article), article.title


#: Parts of two or three articles, so that a small book has several.
PART_ARTICLES = (2, 3)


def part_backend():
    """The PDF backend typesetting in parts of :data:`PART_ARTICLES`."""
    from bookmaker.backends.pdf import PdfBackend

    backend = PdfBackend()
    backend.part_articles = PART_ARTICLES
    return backend


def section_label(article) -> str:
    """The section as the article's page names it (in the article's language)."""
    return section_name(article.section_key, article.section, article.language)


def article_page(pages: list[str], article, byline: bool = True) -> int:
    """The one page (1-based) that begins with the article's header: its section, its
    title, then (with ``byline``) its byline."""
    header = section_label(article) + article.title
    if byline:
        header += "、".join(article.authors) or str(article.published.year)
    found = [n for n, page in enumerate(pages, 1) if squeeze(page).startswith(squeeze(header))]
    assert len(found) == 1, (article.title, found)
    return found[0]
