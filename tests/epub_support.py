"""EPUB test support: hand-made Books (no reader needed) and a built EPUB opened for
assertions with ElementTree."""

from __future__ import annotations

import hashlib
import os
import posixpath
import random
import xml.etree.ElementTree as ET
import zipfile
from datetime import datetime, timedelta, timezone
from pathlib import Path
from urllib.parse import unquote

from bookmaker.model import Article, Book, Figure, Footer
from book_support import chaptered_book

_HAN = ("中国俄罗斯总统普京周二抵达北京参加论坛两国关系经济发展科技文化教育"
        "国际社会合作伙伴外交政策美国欧洲亚洲市场投资银行公司城市人口环境气候")
_HANT = "國際關係經濟發展臺灣香港澳門傳統與現代報導記者學者認為這個問題"
_SECTIONS = (("world", "国际"), ("china", "中国"), ("business", "商业与经济"),
             ("opinion", "观点与评论"), ("technology", "科技"))
START = datetime(2023, 10, 16, 1, 30, tzinfo=timezone.utc)


def _sentence(rng: random.Random, alphabet: str, length: int) -> str:
    return "".join(rng.choice(alphabet) for _ in range(length)) + "。"


def make_article(index: int, *, seed: int = 0, language: str = "zh-Hans",
                 published: datetime | None = None, body: str | None = None,
                 title: str | None = None, figures: tuple[Figure, ...] = (),
                 lead: Figure | None = None, url: str | None = None) -> Article:
    """One plausible Chinese article; the same arguments give the same article."""
    rng = random.Random(f"{seed}-{index}")
    alphabet = _HANT if language == "zh-Hant" else _HAN
    key, section = _SECTIONS[index % len(_SECTIONS)]
    if body is None:
        paragraphs = [f"<p>{_sentence(rng, alphabet, rng.randint(30, 90))}"
                      f"{_sentence(rng, alphabet, rng.randint(10, 40))}</p>"
                      for _ in range(rng.randint(4, 9))]
        paragraphs.insert(2, '<p>据<a href="https://www.nytimes.com/2023/10/13/world/x.html">'
                             '报道</a>，ABC 公司 2023 年收入增长。</p>')
        for figure in figures:
            paragraphs.insert(3, f'<figure><img src="{figure.src}" alt=""/>'
                                 f"<figcaption>{figure.caption}</figcaption></figure>")
        body = "".join(paragraphs)
    title = title if title is not None else f"{_sentence(rng, alphabet, rng.randint(8, 24))[:-1]}{index}"
    when = published or START + timedelta(hours=7 * index, minutes=index % 60)
    url = url or f"https://cn.nytimes.com/{key}/{when:%Y%m%d}/story-{seed}-{index}/"
    footer = Footer(contributors=("Olivia Wang对本文有报道贡献。",),
                    notes=("David Pierson报道中国外交政策。",),
                    translator="翻译：纽约时报中文网",
                    original_url=f"https://www.nytimes.com/2023/10/17/world/story-{index}.html",
                    original_label="点击查看本文英文版。")
    digest = hashlib.sha256(f"{title}\n{body}\n{footer}".encode()).hexdigest()
    return Article(
        title=title, url=url, published=when, authors=("DAVID PIERSON", "王明"),
        dateline_text=f"{when.year}年{when.month}月{when.day}日",
        dateline_value=f"{when:%Y-%m-%d %H:%M:%S}", lead_figure=lead, body=body,
        figures=figures, footer=footer, section=section, section_key=key,
        language=language, source_path=Path(f"synthetic/{seed:03d}_{index:05d}.txt"),
        content_hash=digest)


def make_book(count: int, *, seed: int = 0, per_chapter: int = 10,
              title: str = "纽约时报中文网 2023年10月", images: dict | None = None,
              articles: list[Article] | None = None) -> Book:
    """A book of ``count`` synthetic articles in chapters of ``per_chapter``."""
    if articles is None:
        articles = [make_article(i, seed=seed,
                                 language="zh-Hant" if i % 7 == 3 else "zh-Hans",
                                 lead=Figure("https://images.example.com/lead-%d.jpg" % i,
                                             1050, 700, "普京周二抵达北京。", "Pool photo")
                                 if i % 3 == 0 else None)
                    for i in range(count)]
    return chaptered_book(articles, per_chapter, title, images,
                          lambda n: (f"第{n + 1}部分", f"part-{n + 1}"))


NS = {
    "opf": "http://www.idpf.org/2007/opf",
    "dc": "http://purl.org/dc/elements/1.1/",
    "xhtml": "http://www.w3.org/1999/xhtml",
    "epub": "http://www.idpf.org/2007/ops",
    "ncx": "http://www.daisy.org/z3986/2005/ncx/",
    "container": "urn:oasis:names:tc:opendocument:xmlns:container",
}
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
EPUB_TYPE = "{http://www.idpf.org/2007/ops}type"


class EpubPackage:
    """A built EPUB opened for assertions: its zip, package document, nav and NCX."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self.zip = zipfile.ZipFile(self.path)
        container = ET.fromstring(self.zip.read("META-INF/container.xml"))
        rootfile = container.find(".//container:rootfile", NS)
        self.opf_path = rootfile.get("full-path")
        self.base = posixpath.dirname(self.opf_path)
        self.opf = ET.fromstring(self.zip.read(self.opf_path))
        #: manifest id → (zip name, media type, properties)
        self.manifest = {
            item.get("id"): (self.resolve(item.get("href")), item.get("media-type"),
                             item.get("properties", ""))
            for item in self.opf.iterfind("opf:manifest/opf:item", NS)
        }
        self.spine = [self.manifest[ref.get("idref")][0]
                      for ref in self.opf.iterfind("opf:spine/opf:itemref", NS)]

    def resolve(self, href: str, relative_to: str | None = None) -> str:
        """The zip name ``href`` points at (without fragment), from the OPF or a document."""
        folder = posixpath.dirname(relative_to) if relative_to else self.base
        return posixpath.normpath(posixpath.join(folder, unquote(href.split("#")[0])))

    def metadata(self, name: str) -> list[str]:
        prefix, _, local = name.partition(":")
        return [el.text or "" for el in self.opf.iterfind(f"opf:metadata/{prefix}:{local}", NS)]

    def meta_property(self, prop: str) -> list[str]:
        return [el.text or "" for el in self.opf.iterfind("opf:metadata/opf:meta", NS)
                if el.get("property") == prop]

    def item_with_property(self, prop: str) -> str:
        [name] = [name for name, _, props in self.manifest.values() if prop in props.split()]
        return name

    def xml(self, name: str) -> ET.Element:
        return ET.fromstring(self.zip.read(name))

    @property
    def documents(self) -> list[str]:
        return [name for name, media, _ in self.manifest.values()
                if media == "application/xhtml+xml"]

    @property
    def article_documents(self) -> list[str]:
        return [name for name in self.spine if posixpath.basename(name).startswith("a")]

    def nav_toc(self) -> list[tuple[str, str, list[tuple[str, str]]]]:
        """(chapter title, chapter target, [(article title, article target)]) from the nav."""
        nav_name = self.item_with_property("nav")
        nav = self.xml(nav_name)
        [toc] = [n for n in nav.iter(f"{{{NS['xhtml']}}}nav") if n.get(EPUB_TYPE) == "toc"]
        entries = []
        for li in toc.findall("xhtml:ol/xhtml:li", NS):
            a = li.find("xhtml:a", NS)
            children = [("".join(c.find("xhtml:a", NS).itertext()).strip(),
                         self.resolve(c.find("xhtml:a", NS).get("href"), nav_name))
                        for c in li.findall("xhtml:ol/xhtml:li", NS)]
            entries.append(("".join(a.itertext()).strip(), self.resolve(a.get("href"), nav_name),
                            children))
        return entries

    def landmarks(self) -> dict[str, str]:
        nav_name = self.item_with_property("nav")
        nav = self.xml(nav_name)
        [marks] = [n for n in nav.iter(f"{{{NS['xhtml']}}}nav")
                   if n.get(EPUB_TYPE) == "landmarks"]
        return {a.get(EPUB_TYPE): self.resolve(a.get("href"), nav_name)
                for a in marks.iter(f"{{{NS['xhtml']}}}a")}

    def ncx_points(self) -> list[tuple[int, str, str, int]]:
        """(depth, label, target, playOrder) for every NCX navPoint, in document order."""
        [ncx_name] = [name for name, media, _ in self.manifest.values()
                      if media == "application/x-dtbncx+xml"]
        ncx = self.xml(ncx_name)
        points = []

        def walk(parent: ET.Element, depth: int) -> None:
            for point in parent.findall("ncx:navPoint", NS):
                points.append((depth, point.findtext("ncx:navLabel/ncx:text", "", NS),
                               self.resolve(point.find("ncx:content", NS).get("src"), ncx_name),
                               int(point.get("playOrder", "0"))))
                walk(point, depth + 1)

        walk(ncx.find("ncx:navMap", NS), 1)
        return points

    def ncx(self) -> ET.Element:
        [ncx_name] = [name for name, media, _ in self.manifest.values()
                      if media == "application/x-dtbncx+xml"]
        return self.xml(ncx_name)

    def close(self) -> None:
        self.zip.close()


def build_epub(book: Book, target: Path, epoch: int | None = 1_700_000_000) -> EpubPackage:
    """Build ``book`` with the real backend (``SOURCE_DATE_EPOCH=epoch``) and open it."""
    from bookmaker.backends.epub import EpubBackend
    from bookmaker.options import Options

    saved = os.environ.get("SOURCE_DATE_EPOCH")
    try:
        if epoch is None:
            os.environ.pop("SOURCE_DATE_EPOCH", None)
        else:
            os.environ["SOURCE_DATE_EPOCH"] = str(epoch)
        written = EpubBackend().write(book, target, Options())
    finally:
        if saved is None:
            os.environ.pop("SOURCE_DATE_EPOCH", None)
        else:
            os.environ["SOURCE_DATE_EPOCH"] = saved
    return EpubPackage(written)
