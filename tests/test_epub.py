"""The EPUB backend on hand-made books: package structure, metadata, navigation, safety."""

from __future__ import annotations

import dataclasses
import io
import os
import re
import subprocess
import sys
import xml.etree.ElementTree as ET
import zipfile
from datetime import datetime, timezone
from pathlib import Path

import pytest
from PIL import Image

from bookmaker.backends import load_backend
from bookmaker.backends.epub import EpubBackend, book_identifier
from bookmaker.errors import BuildError
from bookmaker.labels import section_name
from bookmaker.model import Book, Figure
from bookmaker.options import Options
from epub_support import (EPUB_TYPE, NS, XML_LANG, EpubPackage, build_epub, make_article,
                          make_book)

EPOCH = 1_700_000_000
ROOT = Path(__file__).resolve().parent.parent
HAN = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
HAN_SPACE_HAN = re.compile(f"[{HAN}]\\s+[{HAN}]")
#: Elements that hold other blocks; their text joined across children means nothing.
BLOCKS = {"html", "head", "body", "section", "article", "header", "footer", "nav", "div",
          "ol", "ul", "figure", "blockquote", "table", "tbody", "thead", "tr"}


def linked_book() -> Book:
    """30 articles in 3 chapters; article 5 links to article 2 by its public URL."""
    lead = Figure("https://images.example.com/lead.jpg", 1050, 700, "普京周二抵达北京。",
                  "Pool photo")
    articles = [make_article(i, language="zh-Hant" if i == 3 else "zh-Hans",
                             lead=lead if i % 3 == 0 else None)
                for i in range(30)]
    target = articles[2]
    articles[5] = make_article(
        5, body=f'<p>参见<a href="{target.url}?utm_source=x">此前报道</a>。</p>'
                '<p>另见<a href="https://example.com/elsewhere">外部网页</a>。</p>')
    return make_book(30, articles=articles)


@pytest.fixture(scope="module")
def book() -> Book:
    return linked_book()


@pytest.fixture(scope="module")
def epub(book: Book, tmp_path_factory: pytest.TempPathFactory) -> EpubPackage:
    package = build_epub(book, tmp_path_factory.mktemp("epub") / "book.epub", EPOCH)
    yield package
    package.close()


def local_name(element: ET.Element) -> str:
    return element.tag.rsplit("}", 1)[-1]


# --- the container -------------------------------------------------------------------

def test_backend_is_found_by_name() -> None:
    backend = load_backend("epub")
    assert isinstance(backend, EpubBackend)
    assert (backend.name, backend.suffix) == ("epub", ".epub")


def test_mimetype_is_the_first_entry_and_stored(epub: EpubPackage) -> None:
    first = epub.zip.infolist()[0]
    assert first.filename == "mimetype"
    assert first.compress_type == zipfile.ZIP_STORED
    assert first.extra == b""
    assert epub.zip.read("mimetype") == b"application/epub+zip"


def test_zip_entries_carry_source_date_epoch(epub: EpubPackage) -> None:
    expected = datetime.fromtimestamp(EPOCH, timezone.utc).timetuple()[:6]
    assert {info.date_time for info in epub.zip.infolist()} == {expected}


def test_rebuild_is_byte_identical(book: Book, epub: EpubPackage, tmp_path: Path) -> None:
    again = build_epub(book, tmp_path / "again.epub", EPOCH)
    again.close()
    assert again.path.read_bytes() == epub.path.read_bytes()


def test_without_source_date_epoch_the_newest_article_dates_the_build(
        book: Book, tmp_path: Path) -> None:
    first = build_epub(book, tmp_path / "one.epub", epoch=None)
    second = build_epub(book, tmp_path / "two.epub", epoch=None)
    newest = book.last_published.astimezone(timezone.utc)
    assert first.meta_property("dcterms:modified") == [newest.strftime("%Y-%m-%dT%H:%M:%SZ")]
    assert first.zip.infolist()[0].date_time == newest.timetuple()[:6]
    first.close(), second.close()
    assert first.path.read_bytes() == second.path.read_bytes()


# --- metadata ------------------------------------------------------------------------

def test_metadata(book: Book, epub: EpubPackage) -> None:
    assert epub.metadata("dc:title") == [book.title]
    assert epub.metadata("dc:language") == ["zh-Hans"]
    assert epub.metadata("dc:creator") == ["纽约时报中文网"]
    assert epub.metadata("dc:publisher") == ["纽约时报中文网"]
    assert epub.metadata("dc:date") == [
        book.last_published.strftime("%Y-%m-%dT%H:%M:%SZ")]
    assert epub.meta_property("dcterms:modified") == ["2023-11-14T22:13:20Z"]
    [description] = epub.metadata("dc:description")
    assert "2023年10月16日" in description and "30篇文章" in description
    assert epub.metadata("dc:subject") == ["国际", "中国", "商业与经济", "观点与评论", "科技"]
    [identifier] = epub.metadata("dc:identifier")
    assert re.fullmatch(r"urn:uuid:[0-9a-f-]{36}", identifier)
    unique = epub.opf.get("unique-identifier")
    assert epub.opf.find(f"opf:metadata/dc:identifier[@id='{unique}']", NS) is not None
    spine = epub.opf.find("opf:spine", NS)
    assert spine.get("page-progression-direction") == "ltr"


def test_identifier_follows_the_content_only(book: Book, epub: EpubPackage,
                                             tmp_path: Path) -> None:
    [identifier] = epub.metadata("dc:identifier")
    assert identifier == book_identifier(book) == book_identifier(linked_book())
    reordered = dataclasses.replace(book, chapters=tuple(reversed(book.chapters)))
    assert book_identifier(reordered) == identifier
    retitled = dataclasses.replace(book, title="另一个标题")
    assert book_identifier(retitled) != identifier
    other = make_book(30, seed=1)
    built = build_epub(other, tmp_path / "other.epub", EPOCH)
    assert built.metadata("dc:identifier") != [identifier]
    ncx_uid = built.ncx().find("ncx:head/ncx:meta[@name='dtb:uid']", NS).get("content")
    assert ncx_uid == built.metadata("dc:identifier")[0]
    built.close()


# --- structure and order -------------------------------------------------------------

def test_spine_is_cover_title_contents_then_chapters(book: Book, epub: EpubPackage) -> None:
    names = [name.removeprefix("EPUB/") for name in epub.spine]
    assert names[:3] == ["text/cover.xhtml", "text/title.xhtml", "text/toc.xhtml"]
    expected = []
    number = 0
    for n, chapter in enumerate(book.chapters, start=1):
        expected.append(f"text/c{n:03d}.xhtml")
        for article in chapter.articles:
            number += 1
            expected.append(f"text/a{number:04d}-{article.content_hash[:12]}.xhtml")
    assert names[3:] == expected
    assert all(re.fullmatch(r"[A-Za-z0-9/._-]+", name) for name in epub.zip.namelist())


def test_articles_are_in_time_order(book: Book, epub: EpubPackage) -> None:
    stamps = []
    for name in epub.article_documents:
        time = epub.xml(name).find(".//xhtml:time", NS)
        stamps.append(time.get("datetime"))
    assert len(stamps) == book.article_count
    assert stamps == sorted(stamps)


def test_nav_has_two_levels_matching_the_spine(book: Book, epub: EpubPackage) -> None:
    toc = epub.nav_toc()
    assert [title for title, _, _ in toc] == [c.title for c in book.chapters]
    flat = []
    for (_, chapter_target, articles), chapter in zip(toc, book.chapters):
        assert [title for title, _ in articles] == [a.title for a in chapter.articles]
        flat += [chapter_target] + [target for _, target in articles]
    assert flat == epub.spine[3:]


def test_nav_entries_carry_their_article_language(book: Book, epub: EpubPackage) -> None:
    nav_name = epub.item_with_property("nav")
    languages = {epub.resolve(a.get("href"), nav_name): a.get("lang") or ""
                 for a in epub.xml(nav_name).iter(f"{{{NS['xhtml']}}}a")}
    for name, article in zip(epub.article_documents, book.articles):
        expected = "" if article.language == book.language else article.language
        assert languages[name] == expected
    assert "zh-Hant" in languages.values()


def test_ncx_mirrors_the_nav(epub: EpubPackage) -> None:
    points = epub.ncx_points()
    nav = epub.nav_toc()
    expected = []
    for title, target, articles in nav:
        expected.append((1, title, target))
        expected += [(2, a_title, a_target) for a_title, a_target in articles]
    assert [(depth, label, target) for depth, label, target, _ in points] == expected
    assert [order for *_, order in points] == list(range(1, len(points) + 1))
    depth = epub.ncx().find("ncx:head/ncx:meta[@name='dtb:depth']", NS).get("content")
    assert depth == "2"


def test_an_untitled_book_is_named_by_its_dates(book: Book, tmp_path: Path) -> None:
    untitled = build_epub(dataclasses.replace(book, title="  "), tmp_path / "untitled.epub")
    assert untitled.metadata("dc:title") == ["2023年10月16日—10月24日"]
    untitled.close()


def test_landmarks_and_guide(epub: EpubPackage) -> None:
    marks = epub.landmarks()
    assert marks == {"cover": "EPUB/text/cover.xhtml", "toc": "EPUB/text/toc.xhtml",
                     "bodymatter": "EPUB/text/c001.xhtml"}
    guide = {ref.get("type"): epub.resolve(ref.get("href"))
             for ref in epub.opf.iterfind("opf:guide/opf:reference", NS)}
    assert guide == {"cover": marks["cover"], "toc": marks["toc"], "text": marks["bodymatter"]}
    nav = epub.xml(epub.item_with_property("nav"))
    headings = ["".join(h.itertext()) for h in nav.iter(f"{{{NS['xhtml']}}}h2")]
    assert headings == ["目录", "导览"]


def test_every_link_and_resource_resolves(epub: EpubPackage) -> None:
    names = set(epub.zip.namelist())
    assert {name for name, _, _ in epub.manifest.values()} <= names
    for document in epub.documents:
        root = epub.xml(document)
        ids = {el.get("id") for el in root.iter() if el.get("id")}
        for element in root.iter():
            for attribute in ("href", "src"):
                value = element.get(attribute)
                if not value or value.startswith(("http:", "https:", "mailto:")):
                    continue
                target = epub.resolve(value, document)
                assert target in names, f"{document}: {attribute}={value} does not resolve"
                if "#" in value and target == document:
                    assert value.split("#", 1)[1] in ids


def test_links_between_articles_stay_inside_the_book(book: Book, epub: EpubPackage) -> None:
    source, target = epub.article_documents[5], epub.article_documents[2]
    links = {"".join(a.itertext()): a.get("href")
             for a in epub.xml(source).iter(f"{{{NS['xhtml']}}}a")}
    assert epub.resolve(links["此前报道"], source) == target
    assert links["外部网页"] == "https://example.com/elsewhere"


# --- documents -----------------------------------------------------------------------

def test_every_document_declares_xml_and_language(book: Book, epub: EpubPackage) -> None:
    languages = {name: article.language
                 for name, article in zip(epub.article_documents, book.articles)}
    assert "zh-Hant" in languages.values()
    for name in epub.documents:
        data = epub.zip.read(name)
        assert re.match(rb"<\?xml version=.1\.0. encoding=.utf-8.\?>", data), name
        root = ET.fromstring(data)
        expected = languages.get(name, "zh-Hans")
        assert root.get("lang") == root.get(XML_LANG) == expected, name


def test_no_remote_resources_and_no_scripts(epub: EpubPackage) -> None:
    for name in epub.zip.namelist():
        if name.endswith((".xhtml", ".ncx", ".opf")):
            root = epub.xml(name)
            assert not [el for el in root.iter() if local_name(el) == "script"], name
            for element in root.iter():
                assert not (element.get("src") or "").startswith(("http:", "https:", "//"))
                if local_name(element) == "link":
                    assert not element.get("href", "").startswith(("http:", "https:", "//"))
        if name.endswith(".css"):
            css = epub.zip.read(name).decode()
            for url in re.findall(r"url\(\s*['\"]?([^'\")]*)", css):
                assert not re.match(r"(https?:)?//", url), f"{name}: {url}"
    for _, _, properties in epub.manifest.values():
        assert "remote-resources" not in properties


def test_no_space_is_added_between_chinese_characters(epub: EpubPackage) -> None:
    for name in epub.documents:
        for element in epub.xml(name).iter():
            if any(local_name(d) in BLOCKS for d in element.iter()):
                continue
            text = "".join(element.itertext())
            assert not HAN_SPACE_HAN.search(text), f"{name}: {text!r}"


def test_cover_page_shows_the_cover_image(epub: EpubPackage) -> None:
    image = epub.item_with_property("cover-image")
    cover_page = epub.landmarks()["cover"]
    root = epub.xml(cover_page)
    [img] = list(root.iter(f"{{{NS['xhtml']}}}img"))
    assert epub.resolve(img.get("src"), cover_page) == image
    assert img.get("alt")
    assert root.find("xhtml:body", NS).get(EPUB_TYPE) == "cover"
    metas = {m.get("name"): m.get("content") for m in epub.opf.iterfind("opf:metadata/opf:meta", NS)}
    assert epub.manifest[metas["cover"]][0] == image
    picture = Image.open(io.BytesIO(epub.zip.read(image)))
    assert picture.width >= 1600 and picture.height >= 2560
    assert Image.MIME[picture.format] == epub.manifest[metas["cover"]][1]


def test_stylesheets_are_packaged_and_linked(epub: EpubPackage) -> None:
    css = {name for name, media, _ in epub.manifest.values() if media == "text/css"}
    assert css == {"EPUB/styles/base.css", "EPUB/styles/epub.css"}
    assert b"page-break-before" in epub.zip.read("EPUB/styles/epub.css")
    for name in epub.documents:
        linked = [epub.resolve(link.get("href"), name)
                  for link in epub.xml(name).iter(f"{{{NS['xhtml']}}}link")]
        assert linked == ["EPUB/styles/base.css", "EPUB/styles/epub.css"], name


def test_article_page_carries_the_article(book: Book, epub: EpubPackage) -> None:
    article = next(iter(book.articles))
    root = epub.xml(epub.article_documents[0])
    text = "".join(root.itertext())
    assert article.title in text
    assert "DAVID PIERSON" in text and "翻译：纽约时报中文网" in text
    links = [a.get("href") for a in root.iter(f"{{{NS['xhtml']}}}a")]
    assert article.url in links and article.footer.original_url in links
    # The lead image is not embedded (no images in this book): its caption stays.
    figure = root.find(".//xhtml:figure", NS)
    assert "no-image" in figure.get("class") and "普京周二抵达北京" in "".join(figure.itertext())


# --- failures ------------------------------------------------------------------------

def test_an_empty_book_is_refused(tmp_path: Path) -> None:
    empty = Book(title="空", language="zh-Hans", chapters=())
    with pytest.raises(BuildError, match="no articles to build"):
        EpubBackend().write(empty, tmp_path / "empty.epub", Options())
    assert list(tmp_path.iterdir()) == []


def test_a_failed_build_leaves_the_previous_file(tmp_path: Path) -> None:
    target = tmp_path / "book.epub"
    target.write_bytes(b"previous")
    broken = make_book(3, articles=[make_article(0), make_article(1, body="<p>未闭合")])
    with pytest.raises(BuildError, match="000_00001.txt"):
        EpubBackend().write(broken, target, Options())
    assert target.read_bytes() == b"previous"
    assert [p.name for p in tmp_path.iterdir()] == ["book.epub"]


def test_an_unwritable_target_is_a_build_error(tmp_path: Path) -> None:
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("x")
    with pytest.raises(BuildError, match="cannot write"):
        EpubBackend().write(make_book(2), blocker / "book.epub", Options())
    occupied = tmp_path / "occupied.epub"
    occupied.mkdir()
    with pytest.raises(BuildError, match="cannot write"):
        EpubBackend().write(make_book(2), occupied, Options())
    assert occupied.is_dir() and list(occupied.iterdir()) == []
    assert sorted(p.name for p in tmp_path.iterdir()) == ["not-a-folder", "occupied.epub"]


def test_separate_processes_write_identical_files(tmp_path: Path) -> None:
    """No set or hash order leaks into the file: two runs with different hash seeds."""
    outputs = []
    for seed in ("1", "2"):
        target = tmp_path / f"run{seed}.epub"
        env = {**os.environ, "PYTHONHASHSEED": seed, "SOURCE_DATE_EPOCH": str(EPOCH)}
        subprocess.run([sys.executable, "-m", "bookmaker", "build", str(ROOT / "seeds"),
                        "--format", "epub", "-o", str(target), "--images", "none", "-q"],
                       check=True, env=env, cwd=tmp_path, timeout=120)
        outputs.append(target.read_bytes())
    assert outputs[0] == outputs[1]
    assert zipfile.ZipFile(tmp_path / "run1.epub").namelist()[0] == "mimetype"


def test_one_article_is_counted_in_the_singular(tmp_path):
    """English books say "1 article" on the title page and the chapter opener."""
    article = make_article(1, language="en")
    book = dataclasses.replace(make_book(1, articles=[article]), title="A digest",
                               language="en")
    with zipfile.ZipFile(build_epub(book, tmp_path / "one.epub").path) as epub:
        text = " ".join(epub.read(name).decode() for name in epub.namelist()
                        if name.endswith(".xhtml"))
    assert "1 article<" in text and "1 articles" not in text


def test_sections_are_named_in_the_language_of_the_book_and_page(tmp_path):
    """An English book names its sections in English: on the article pages, in the
    metadata and on the cover's list; a Chinese article in it keeps 国际 on its page."""
    from bookmaker.cover import _sections

    english = [make_article(index, language="en") for index in range(1, 4)]
    chinese = make_article(4)
    book = dataclasses.replace(make_book(4, articles=english + [chinese]), title="A digest",
                               language="en")
    package = build_epub(book, tmp_path / "sections.epub")
    with zipfile.ZipFile(package.path) as epub:
        pages = {name: epub.read(name).decode() for name in epub.namelist()
                 if name.endswith(".xhtml")}
    english_names = {section_name(a.section_key, a.section, "en") for a in english}
    assert english_names and not any(re.search(r"[\u4e00-\u9fff]", n) for n in english_names)
    for article in english:
        label = section_name(article.section_key, article.section, "en")
        assert any(f'class="article-section">{label}<' in page for page in pages.values())
    assert any(f'class="article-section">{chinese.section}<' in page
               for page in pages.values())
    assert set(package.metadata("dc:subject")) == english_names | {
        section_name(chinese.section_key, chinese.section, "en")}
    assert not re.search(r"[\u4e00-\u9fff]", _sections(book))
