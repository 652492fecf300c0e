"""Images in the EPUB: embedded as manifest items with their media types, never remote."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from PIL import Image

from bookmaker.model import Book, Figure, LocalImage
from epub_support import NS, EpubPackage, build_epub, make_article, make_book
from epubcheck_util import assert_epubcheck_clean

BASE = "https://images.example.com/"
FORMATS = {"photo.jpg": ("JPEG", "image/jpeg"), "chart.png": ("PNG", "image/png"),
           "anim.gif": ("GIF", "image/gif"), "still.webp": ("WEBP", "image/webp"),
           "old.bmp": ("BMP", "image/bmp")}


def write_image(path: Path, fmt: str, colour: tuple[int, int, int]) -> LocalImage:
    image = Image.new("RGB", (320, 200), colour)
    image.paste((255, 255, 255), (40, 40, 120, 120))
    image.save(path, fmt)
    media = {"JPEG": "image/jpeg", "PNG": "image/png", "GIF": "image/gif",
             "WEBP": "image/webp", "BMP": "image/bmp"}[fmt]
    return LocalImage(path=path, media_type=media, width=320, height=200)


@pytest.fixture(scope="module")
def images(tmp_path_factory: pytest.TempPathFactory) -> dict[str, LocalImage]:
    folder = tmp_path_factory.mktemp("images")
    found = {BASE + name: write_image(folder / name, fmt, (30 * n, 90, 160))
             for n, (name, (fmt, _)) in enumerate(FORMATS.items())}
    # The same file reached through a second address (the weserv proxy form).
    found["https://images.weserv.nl/?url=images.example.com/photo.jpg"] = found[BASE + "photo.jpg"]
    # An image the assets stage listed but whose file has gone since.
    found[BASE + "gone.jpg"] = LocalImage(folder / "gone.jpg", "image/jpeg", 10, 10)
    return found


def figure(name: str, caption: str) -> Figure:
    return Figure(BASE + name if "://" not in name else name, caption=caption, credit="摄影")


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Book:
    """Two articles whose images went the real way: a local HTTP server, then the
    images stage (which refuses the corrupt PNG)."""
    from bookmaker.images import prepare_images
    from bookmaker.options import Options
    from imageserver import ImageServer, make_book as make_image_book

    base = tmp_path_factory.mktemp("served")
    with ImageServer() as server:
        book = make_image_book([server.url("/photo.jpg"), server.url("/alpha.png"),
                                server.url("/anim.gif"), server.url("/corrupt.png")],
                               [server.url("/photo.webp"), server.url("/big.jpg")])
        options = Options(cache_dir=base / "cache", allow_private_hosts=True)
        book, _ = prepare_images(book, options, base / "work")
    assert len(book.images) == 5
    return book


@pytest.fixture(scope="module")
def book(images: dict[str, LocalImage], served: Book) -> Book:
    articles = [
        make_article(0, lead=figure("photo.jpg", "照片说明"),
                     figures=(figure("chart.png", "图表说明"), figure("anim.gif", "动图说明"))),
        make_article(1, lead=figure("https://images.weserv.nl/?url=images.example.com/photo.jpg",
                                    "同一张照片"),
                     figures=(figure("still.webp", "静图说明"), figure("old.bmp", "位图说明"))),
        make_article(2, lead=figure("gone.jpg", "丢失的图片"),
                     figures=(figure("not-fetched.jpg", "未下载的图片"),)),
    ]
    # The served articles come last (they are newer), in a chapter of their own.
    return make_book(5, articles=articles + list(served.articles), per_chapter=3,
                     images={**images, **served.images})


@pytest.fixture(scope="module")
def epub(book: Book, tmp_path_factory: pytest.TempPathFactory) -> EpubPackage:
    package = build_epub(book, tmp_path_factory.mktemp("epub") / "images.epub")
    yield package
    package.close()


def crafted(epub: EpubPackage) -> set[str]:
    """The images of the three crafted articles."""
    return {src for document in epub.article_documents[:3]
            for src in image_sources(epub, document)}


def image_sources(epub: EpubPackage, document: str) -> list[str]:
    return [epub.resolve(img.get("src"), document)
            for img in epub.xml(document).iter(f"{{{NS['xhtml']}}}img")]


def embedded_images(epub: EpubPackage) -> dict[str, str]:
    """Zip name → media type of every image item except the cover."""
    return {name: media for name, media, props in epub.manifest.values()
            if media.startswith("image/") and "cover-image" not in props}


def test_embedded_images_have_their_media_types_and_bytes(
        epub: EpubPackage, images: dict[str, LocalImage], served: Book) -> None:
    embedded = embedded_images(epub)
    sources = {local.path.read_bytes(): local.media_type
               for local in [*images.values(), *served.images.values()]
               if local.path.exists() and local.media_type != "image/bmp"}
    # Four crafted files (the two photo addresses share one) and five served ones.
    assert len(embedded) == len(sources) == 9
    for name, media in embedded.items():
        data = epub.zip.read(name)
        assert sources[data] == media
        digest = hashlib.sha256(data).hexdigest()[:16]
        extension = {"image/jpeg": "jpg", "image/png": "png", "image/gif": "gif",
                     "image/webp": "webp"}[media]
        assert name == f"EPUB/images/{digest}.{extension}"


def test_articles_point_at_the_embedded_files(epub: EpubPackage) -> None:
    first, second, third, *served = epub.article_documents
    by_type = {media: name for name, media, props in epub.manifest.values()
               if "cover-image" not in props and name in crafted(epub)}
    # The lead figure first, then the body's (the factory puts later figures first).
    assert image_sources(epub, first) == [by_type["image/jpeg"], by_type["image/gif"],
                                          by_type["image/png"]]
    # One file for both addresses of the same photo; the BMP is left out.
    assert image_sources(epub, second) == [by_type["image/jpeg"], by_type["image/webp"]]
    assert image_sources(epub, third) == []
    assert [len(image_sources(epub, document)) for document in served] == [3, 2]
    for document in epub.article_documents:
        for img in epub.xml(document).iter(f"{{{NS['xhtml']}}}img"):
            assert img.get("src").startswith("../images/")
            assert img.get("alt") is not None


def test_images_left_out_keep_their_captions(epub: EpubPackage) -> None:
    _, second, third, *_ = epub.article_documents
    captions = {}
    for document in (second, third):
        for fig in epub.xml(document).iter(f"{{{NS['xhtml']}}}figure"):
            captions["".join(fig.find("xhtml:figcaption", NS).itertext())] = fig.get("class", "")
    missing = {text: classes for text, classes in captions.items()
               if "位图" in text or "丢失" in text or "未下载" in text}
    assert len(missing) == 3
    assert all("no-image" in classes for classes in missing.values())


def test_epubcheck_accepts_the_book_with_images(epub: EpubPackage) -> None:
    assert_epubcheck_clean(epub.path)

