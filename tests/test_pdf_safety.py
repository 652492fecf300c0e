"""Hostile books: the PDF reads nothing but its own asset folder and data: URIs."""

from __future__ import annotations

import http.server
import os
import threading
import zlib
from pathlib import Path

import pypdf
import pytest

from bookmaker.backends._pdf_assets import stage_images
from bookmaker.backends._pdf_assets import asset_url
from bookmaker.backends._pdf_fetcher import AssetFetcher, RefusedResource
from bookmaker.backends.pdf import PdfBackend, document_bytes, render_document
from bookmaker.model import Figure, LocalImage
from bookmaker.options import Options

from pdf_support import (LogRecorder, image_objects, make_article, make_book, make_jpeg,
                         pdftotext)

PASSWD = Path("/etc/passwd")
METADATA = "http://169.254.169.254/latest/meta-data/iam/security-credentials/"


class _Listener(http.server.ThreadingHTTPServer):
    """A real server on 127.0.0.1 that records every request and serves a small PNG."""

    def __init__(self) -> None:
        self.requests: list[str] = []
        super().__init__(("127.0.0.1", 0), _Handler)

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}{path}"


class _Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self) -> None:  # noqa: N802 (the http.server API)
        self.server.requests.append(self.path)
        body = zlib.compress(b"x")  # any bytes: nothing should ever ask for them
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture(scope="module")
def listener():
    server = _Listener()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


def _secret_lines() -> list[bytes]:
    """Lines of /etc/passwd long enough to be unmistakable in a PDF."""
    return [line for line in PASSWD.read_bytes().splitlines() if len(line) >= 12][:5]


def _all_bytes(pdf: Path) -> bytes:
    """The file and every decoded stream in it (PDF streams are compressed)."""
    reader = pypdf.PdfReader(str(pdf))
    numbers = set(reader.xref_objStm)
    for table in reader.xref.values():
        numbers.update(table)
    chunks = [pdf.read_bytes()]
    for number in sorted(numbers):
        obj = reader.get_object(number)
        if isinstance(obj, pypdf.generic.StreamObject):
            chunks.append(obj.get_data())
    return b"\n".join(chunks)


def _assert_clean(pdf: Path, listener: _Listener) -> None:
    data = _all_bytes(pdf)
    for line in _secret_lines():
        assert line not in data
    assert b"root:x:0:0" not in data and b"/bin/bash" not in data
    text = pdftotext(pdf)
    assert "root:" not in text
    assert listener.requests == []
    reader = pypdf.PdfReader(str(pdf))
    assert "/EmbeddedFiles" not in (reader.trailer["/Root"].get("/Names") or {})


@pytest.fixture(scope="module")
def hostile_build(tmp_path_factory, listener):
    """A Book whose markup names every kind of forbidden resource.

    The reader would have removed most of it; the book is made by hand to show that
    the fetcher stops what gets past the first line of defence.
    """
    folder = tmp_path_factory.mktemp("hostile")
    local = listener.url
    body = (
        f'<p>正文<img src="file:///etc/passwd" alt=""/><img src="{local("/inline.png")}" alt=""/></p>'
        f'<p style="background-image: url(file:///etc/passwd)">样式里的地址</p>'
        f'<p style="background: url({local("/style.png")})">样式里的本机地址</p>'
        f'<link rel="stylesheet" href="file:///etc/passwd"/>'
        f'<link rel="stylesheet" href="{local("/style.css")}"/>'
        f'<link rel="attachment" href="file:///etc/passwd"/>'
        f'<style>@import url("{local("/import.css")}"); p {{ background: url({METADATA}) }}</style>'
        f'<p><a rel="attachment" href="file:///etc/passwd">附件</a></p>'
        f'<object data="{local("/object.png")}"></object><embed src="{METADATA}"/>'
        f'<figure><img src="{METADATA}" alt=""/><figcaption>元数据地址</figcaption></figure>'
        f'<svg xmlns="http://www.w3.org/2000/svg" width="20" height="20">'
        f'<image href="{local("/svg.png")}" width="20" height="20"/></svg>'
        f'<p>结尾。</p>'
    )
    passwd_url = "https://images.example.com/passwd.png"
    link_url = "https://images.example.com/link.jpg"
    good_url = "https://images.example.com/good.jpg"
    body += (f'<figure><img src="{link_url}" alt=""/><figcaption>符号链接</figcaption></figure>'
             f'<figure><img src="{good_url}" alt=""/><figcaption>好图片</figcaption></figure>')
    (folder / "escape.jpg").symlink_to(PASSWD)
    images = {
        # The images stage never makes these; a Book made by hand can.
        passwd_url: LocalImage(PASSWD, "image/png", 10, 10),
        link_url: LocalImage(folder / "escape.jpg", "image/jpeg", 10, 10),
        good_url: make_jpeg(folder / "good.jpg", 400, 300),
    }
    article = make_article(
        1, body=body, lead=Figure(passwd_url, 10, 10, "不该出现的图片", ""),
        figures=(Figure(link_url, caption="符号链接"), Figure(good_url, caption="好图片")))
    book = make_book([article], images=images)
    with LogRecorder() as log:
        pdf = PdfBackend().write(book, folder / "hostile.pdf", Options())
    return pdf, log


def test_hostile_book_reads_nothing_forbidden(hostile_build, listener):
    pdf, log = hostile_build
    _assert_clean(pdf, listener)
    refused = " ".join(m for m in log.messages() if "refused to read" in m)
    for address in ("file:///etc/passwd", listener.url("/style.png"),
                    listener.url("/style.css"), listener.url("/import.css"),
                    listener.url("/object.png"), listener.url("/svg.png"),
                    "169.254.169.254"):
        assert address in refused


def test_hostile_book_still_prints_its_text_and_good_image(hostile_build):
    pdf, log = hostile_build
    text = pdftotext(pdf)
    for words in ("正文", "样式里的地址", "结尾。", "好图片", "元数据地址"):
        assert words in text
    assert len(image_objects(pdf)) == 1  # the good JPEG; not passwd, not the symlink
    left_out = " ".join(m for m in log.messages() if "left out of the PDF" in m)
    assert "passwd.png" in left_out and "link.jpg" in left_out


def test_raw_html_with_forbidden_images_is_refused_by_the_fetcher(tmp_path, listener):
    """Straight to WeasyPrint, past render's own clean-up: only the fetcher stands."""
    html = (
        '<!DOCTYPE html><html lang="zh-Hans"><head>'
        '<link rel="stylesheet" href="file:///etc/passwd"></head><body><p>测试'
        f'<img src="file:///etc/passwd"><img src="{listener.url("/raw.png")}">'
        f'<img src="{METADATA}"><img src="../../../../etc/passwd">'
        f'<img src="file://localhost/etc/passwd"><img src="ftp://127.0.0.1/x.png">'
        f'<img src="{asset_url("../passwd")}"><img src="{asset_url("escape.png")}">'
        '</p></body></html>')
    (tmp_path / "escape.png").symlink_to(PASSWD)
    with LogRecorder() as log:
        document = render_document(html, tmp_path, "A4")
        (tmp_path / "raw.pdf").write_bytes(document_bytes(document, b"raw"))
    _assert_clean(tmp_path / "raw.pdf", listener)
    refused = [m for m in log.messages() if "refused to read" in m]
    assert len(refused) >= 8


def test_fetcher_serves_data_and_asset_files_only(tmp_path):
    asset = tmp_path / "assets"
    asset.mkdir()
    (asset / "photo.jpg").write_bytes(b"\xff\xd8\xffjpeg")
    (asset / "inner").mkdir()
    (asset / "link.jpg").symlink_to(asset / "photo.jpg")
    (tmp_path / "outside.jpg").write_bytes(b"\xff\xd8\xffsecret")
    fetcher = AssetFetcher(asset)

    response = fetcher.fetch(asset_url("photo.jpg"))
    assert response.read() == b"\xff\xd8\xffjpeg" and response.content_type == "image/jpeg"
    response.close()
    assert fetcher.fetch("data:text/plain;base64,aGk=").read() == b"hi"
    refused = [asset_url("../outside.jpg"), asset_url("inner"), asset_url("link.jpg"),
               asset_url("missing.jpg"), asset_url(""), (asset / "photo.jpg").as_uri(),
               "file:///etc/passwd", "http://127.0.0.1:9/x.jpg", "https://example.com/x.jpg",
               "ftp://example.com/x.jpg", "photo.jpg", "javascript:alert(1)"]
    for url in refused:
        with pytest.raises(RefusedResource):
            fetcher.fetch(url)
    assert fetcher.refused == refused


def test_staging_links_only_real_images(tmp_path):
    good = make_jpeg(tmp_path / "good.jpg", 40, 30)
    png_named_jpeg = LocalImage(good.path, "image/png", 40, 30)
    (tmp_path / "link.jpg").symlink_to(good.path)
    images = {
        "https://x.test/good.jpg": good,
        "https://x.test/again.jpg": good,
        "https://x.test/passwd.png": LocalImage(PASSWD, "image/png", 1, 1),
        "https://x.test/link.jpg": LocalImage(tmp_path / "link.jpg", "image/jpeg", 1, 1),
        "https://x.test/missing.jpg": LocalImage(tmp_path / "nope.jpg", "image/jpeg", 1, 1),
        "https://x.test/dir.jpg": LocalImage(tmp_path, "image/jpeg", 1, 1),
        "https://x.test/mislabelled.png": png_named_jpeg,
        "https://x.test/svg.svg": LocalImage(good.path, "image/svg+xml", 1, 1),
    }
    asset = tmp_path / "assets"
    asset.mkdir()
    staged = stage_images(images, asset)
    assert set(staged) == {"https://x.test/good.jpg", "https://x.test/again.jpg"}
    assert staged["https://x.test/good.jpg"] == staged["https://x.test/again.jpg"]
    (only,) = os.listdir(asset)
    assert (asset / only).read_bytes() == good.path.read_bytes()
    assert not (asset / only).is_symlink()
