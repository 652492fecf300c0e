"""EPUBs built from real article files (the seed, a 200-article corpus, the odd and hostile
fixtures) through the reader and collector: EPUBCheck and structural checks on each."""

from __future__ import annotations

import html
import re
from pathlib import Path

import pytest

from bookmaker import corpus
from bookmaker.collector import collect
from bookmaker.decoding import decode_text
from bookmaker.errors import ArticleError
from bookmaker.model import Book
from bookmaker.options import Options
from bookmaker.reader import iter_source_files, parse_file
from epub_support import NS, XML_LANG, build_epub
from epubcheck_util import assert_epubcheck_clean
from test_epub import BLOCKS, HAN_SPACE_HAN, local_name

ROOT = Path(__file__).resolve().parent.parent
ODD = Path(__file__).resolve().parent / "fixtures" / "odd"
SOURCES = ("seeds", "corpus", "odd")


def read_book(folder: Path) -> tuple[Book, str]:
    """The collected book of every readable file in ``folder``, and all their text
    (tags dropped, character references resolved, as a reader sees it)."""
    articles, texts = [], []
    for path in iter_source_files([folder]):
        try:
            articles.append(parse_file(path))
        except ArticleError:
            continue
        markup = decode_text(path.read_bytes())
        texts.append(html.unescape(re.sub(r"<[^>]*>", "", markup)))
    return collect(articles, Options(sources=(folder,))).book, "\n".join(texts)


@pytest.fixture(scope="module", params=SOURCES)
def built(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory):
    """(book, EPUB, source text) for one source folder, built once per module."""
    name = request.param
    if name == "seeds":
        folder = ROOT / "seeds"
    elif name == "corpus":
        folder = tmp_path_factory.mktemp("corpus")
        corpus.generate(folder, 200, seed=11)
    else:
        folder = ODD
        if not folder.is_dir():
            pytest.skip("tests/fixtures/odd/ is not there yet")
    book, text = read_book(folder)
    epub = build_epub(book, tmp_path_factory.mktemp("built") / f"{name}.epub")
    yield book, epub, text
    epub.close()


def test_epubcheck_finds_nothing(built) -> None:
    _, epub, _ = built
    assert_epubcheck_clean(epub.path)


def test_every_article_is_in_the_book_in_time_order(built) -> None:
    book, epub, _ = built
    assert len(epub.article_documents) == book.article_count > 0
    stamps = [epub.xml(name).find(".//xhtml:time", NS).get("datetime")
              for name in epub.article_documents]
    assert stamps == sorted(stamps)
    titles = [title for _, _, articles in epub.nav_toc() for title, _ in articles]
    assert titles == [" ".join(a.title.split()) for a in book.articles]


def test_languages_are_declared_everywhere(built) -> None:
    book, epub, _ = built
    assert epub.metadata("dc:language") == [book.language]
    assert book.language in ("zh-Hans", "zh-Hant")
    for name in epub.documents:
        root = epub.xml(name)
        assert root.get("lang") and root.get("lang") == root.get(XML_LANG), name


def test_nothing_remote_and_nothing_active(built) -> None:
    _, epub, _ = built
    for name in epub.documents:
        for element in epub.xml(name).iter():
            assert local_name(element) not in ("script", "iframe", "object", "embed"), name
            assert not (element.get("src") or "").startswith(("http:", "https:", "//", "file:"))
            href = (element.get("href") or "").strip().lower()
            assert not href.startswith(("javascript:", "file:", "data:")), (name, href)
            assert not any(key.startswith("on") for key in element.attrib), (name, element.attrib)


def test_no_space_between_chinese_characters_that_the_source_lacks(built) -> None:
    book, epub, source = built
    # Chapter titles are made by the collector ("2023年10月17日 星期二"), not taken
    # from the articles; their spaces are on purpose.
    made = "\n".join([book.title, *(chapter.title for chapter in book.chapters)])
    allowed = {re.sub(r"\s+", " ", m) for m in HAN_SPACE_HAN.findall(f"{source}\n{made}")}
    for name in epub.documents:
        for element in epub.xml(name).iter():
            if any(local_name(d) in BLOCKS for d in element.iter()):
                continue
            for match in HAN_SPACE_HAN.findall("".join(element.itertext())):
                assert re.sub(r"\s+", " ", match) in allowed, (name, match)
