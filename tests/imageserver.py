"""A real HTTP server on 127.0.0.1 for image tests: generated images and hostile answers.

Import it from any test (pytest puts ``tests/`` on ``sys.path``)::

    from imageserver import ImageServer, make_book

    @pytest.fixture(scope="module")
    def server():
        with ImageServer() as running:
            yield running

    def test_something(server, tmp_path):
        book = make_book([server.url("/photo.jpg"), server.url("/alpha.png")])
        ...
        assert server.hits("/photo.jpg") == 1

Every request is logged (``server.requests``, ``server.hits(path)``,
``server.clear()``), so a test can assert that a second build asked for nothing, or
that a forbidden target was never reached. ``ImageServer(host="127.0.0.2")`` starts a
second listener to play that forbidden target (Linux routes all of 127/8 to the
loopback device); it raises ``OSError`` where that address cannot be bound.

Routes (GET; the bytes of any fixed route are also available as ``sample(path)``):

=================  ==============================================================
/photo.jpg         1200×800 RGB JPEG
/big.jpg           3000×2000 RGB JPEG (wider than the default 1600 px box)
/square.jpg        2000×2000 RGB JPEG (inside 1600 px? no; and over 2 megapixels)
/rotated.jpg       600×400 JPEG, EXIF Orientation 6 (shows as 400×600), ICC profile
/gray.jpg          500×300 greyscale JPEG
/photo.png         640×480 opaque RGB PNG, many colours
/alpha.png         640×480 RGBA PNG with a transparency gradient
/chart.png         800×500 PNG in four flat colours
/anim.gif          320×240 GIF animation, three frames
/photo.webp        640×480 still WebP
/anim.webp         320×240 animated WebP, two frames
/bomb.png          a valid 1-bit PNG of 30000×30000 pixels, about 110 KB on disk
/huge.png          a PNG header declaring 9000×9000 pixels (81 MP: under Pillow's
                   own warning threshold), no usable pixel data
/corrupt.png       PNG signature and header, then garbage with a bad checksum
/garbage.jpg       random bytes served as image/jpeg
/truncated.jpg     /photo.jpg cut at 60 %
/truncated.png     /photo.png cut at 60 %
/truncated.gif     /anim.gif cut at 20 % (inside the first frame)
/page.html         an HTML page, status 200
/missing.jpg       404
/slow.jpg          answers only after ``server.slow_seconds`` (default 30; the wait
                   ends early when the server closes)
/drip.jpg          headers, then one byte every 50 ms, never finishing
/endless.jpg       a chunked body that never ends (64 KB chunks)
/liar.jpg          declares a Content-Length of 1 GB
/gzip.jpg          /photo.jpg with Content-Encoding: gzip
/redirect?to=URL   302 to URL (any URL: another listener, 169.254.169.254, file://)
/redirect/N        N chained redirects ending at /photo.jpg
/loop              a redirect to itself
/?url=URL          a stand-in for the weserv proxy: serves the fixed route named by
                   the last path segment of URL (``?url=example.com/x/photo.jpg``
                   serves /photo.jpg); tests point ``WESERV_HOSTS`` at "localhost"
=================  ==============================================================

``server.add(path, body, content_type="image/jpeg", status=200)`` adds a route.
``ImageServer(tls=context)`` serves https instead (see ``test_images_fetch.py`` for a
certificate made with the ``openssl`` command).
"""

from __future__ import annotations

import functools
import gzip
import hashlib
import io
import random
import ssl
import struct
import threading
import zlib
from dataclasses import dataclass
from datetime import datetime, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Callable, Iterable
from urllib.parse import parse_qs

from PIL import Image, ImageCms, ImageDraw

from bookmaker.model import Article, Book, Chapter, Figure, Footer

# ---------------------------------------------------------------- generated images


def _photo(width: int, height: int, mode: str = "RGB", seed: int = 1) -> Image.Image:
    """A deterministic picture with gradients and many colours, like a photo."""
    image = Image.linear_gradient("L").resize((width, height)).convert(mode)
    draw = ImageDraw.Draw(image)
    rng = random.Random(seed)
    for _ in range(150):
        x, y = rng.randrange(width), rng.randrange(height)
        size = rng.randrange(width // 40 + 2, width // 6 + 3)
        colour = tuple(rng.randrange(256) for _ in mode)
        draw.ellipse((x, y, x + size, y + size), fill=colour if len(colour) > 1 else colour[0])
    return image


def _encode(image: Image.Image, fmt: str, **options: object) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, fmt, **options)
    return buffer.getvalue()


def _png_chunk(kind: bytes, data: bytes, crc: int | None = None) -> bytes:
    checksum = zlib.crc32(kind + data) if crc is None else crc
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", checksum)


def _png_header(width: int, height: int, depth: int, colour_type: int) -> bytes:
    ihdr = struct.pack(">IIBBBBB", width, height, depth, colour_type, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + _png_chunk(b"IHDR", ihdr)


def _bomb() -> bytes:
    side = 30000
    row = bytes(1 + side // 8)  # filter byte + 1-bit pixels, all zero
    packer = zlib.compressobj(9)
    block = row * 1000
    data = b"".join(packer.compress(block) for _ in range(side // 1000)) + packer.flush()
    return (_png_header(side, side, 1, 0) + _png_chunk(b"IDAT", data)
            + _png_chunk(b"IEND", b""))


def _huge_header() -> bytes:
    first_row = zlib.compress(bytes(1 + 9000))[:-4]  # an unfinished stream
    return (_png_header(9000, 9000, 8, 0) + _png_chunk(b"IDAT", first_row)
            + _png_chunk(b"IEND", b""))


def _corrupt_png() -> bytes:
    garbage = random.Random(7).randbytes(4000)
    return _png_header(100, 100, 8, 2) + _png_chunk(b"IDAT", garbage, crc=12345)


def _rotated_jpeg() -> bytes:
    exif = Image.Exif()
    exif[0x0112] = 6  # Orientation: rotate 90° clockwise to display
    exif[0x010F] = "Test Camera Maker"
    profile = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    return _encode(_photo(600, 400, seed=4), "JPEG", quality=90, exif=exif.tobytes(),
                   icc_profile=profile)


def _alpha_png() -> bytes:
    image = _photo(640, 480, "RGBA", seed=5)
    image.putalpha(Image.linear_gradient("L").rotate(90).resize((640, 480)))
    return _encode(image, "PNG")


def _chart_png() -> bytes:
    image = Image.new("RGB", (800, 500), "white")
    draw = ImageDraw.Draw(image)
    for index, colour in enumerate(("#1f77b4", "#ff7f0e", "#2ca02c")):
        draw.rectangle((100 + index * 220, 450 - 120 * (index + 1), 260 + index * 220, 450),
                       fill=colour)
    return _encode(image, "PNG")


def _gif() -> bytes:
    frames = [_photo(320, 240, seed=10 + n).convert("P", palette=Image.Palette.ADAPTIVE)
              for n in range(3)]
    return _encode(frames[0], "GIF", save_all=True, append_images=frames[1:],
                   duration=100, loop=0)


def _anim_webp() -> bytes:
    frames = [_photo(320, 240, seed=20 + n) for n in range(2)]
    return _encode(frames[0], "WEBP", save_all=True, append_images=frames[1:],
                   duration=100, loop=0, quality=80)


def _cut(data: bytes, fraction: float = 0.6) -> bytes:
    return data[: int(len(data) * fraction)]


_SAMPLES: dict[str, tuple[str, Callable[[], bytes]]] = {
    "/photo.jpg": ("image/jpeg", lambda: _encode(_photo(1200, 800), "JPEG", quality=90)),
    "/big.jpg": ("image/jpeg", lambda: _encode(_photo(3000, 2000, seed=2), "JPEG")),
    "/square.jpg": ("image/jpeg", lambda: _encode(_photo(2000, 2000, seed=3), "JPEG")),
    "/rotated.jpg": ("image/jpeg", _rotated_jpeg),
    "/gray.jpg": ("image/jpeg", lambda: _encode(_photo(500, 300, "L", seed=6), "JPEG")),
    "/photo.png": ("image/png", lambda: _encode(_photo(640, 480, seed=8), "PNG")),
    "/alpha.png": ("image/png", _alpha_png),
    "/chart.png": ("image/png", _chart_png),
    "/anim.gif": ("image/gif", _gif),
    "/photo.webp": ("image/webp", lambda: _encode(_photo(640, 480, seed=9), "WEBP")),
    "/anim.webp": ("image/webp", _anim_webp),
    "/bomb.png": ("image/png", _bomb),
    "/huge.png": ("image/png", _huge_header),
    "/corrupt.png": ("image/png", _corrupt_png),
    "/garbage.jpg": ("image/jpeg", lambda: random.Random(3).randbytes(5000)),
    "/truncated.jpg": ("image/jpeg", lambda: _cut(sample("/photo.jpg"))),
    "/truncated.png": ("image/png", lambda: _cut(sample("/photo.png"))),
    "/truncated.gif": ("image/gif", lambda: _cut(sample("/anim.gif"), 0.2)),
    "/page.html": ("text/html; charset=utf-8",
                   lambda: b"<!doctype html><title>Not an image</title><p>Hello</p>"),
}


@functools.cache
def sample(path: str) -> bytes:
    """The bytes a fixed route serves, generated once per test session."""
    return _SAMPLES[path][1]()


# ---------------------------------------------------------------- books for tests


def make_article(image_urls: Iterable[str], name: str = "a1") -> Article:
    """A small article whose lead figure is the first URL and body figures the rest."""
    urls = list(image_urls)
    figures = tuple(Figure(src=url, caption=f"图{n}", credit="Photo")
                    for n, url in enumerate(urls[1:], start=2))
    body = "".join(f'<figure><img src="{f.src}" alt=""/><figcaption>{f.caption}'
                   "</figcaption></figure>" for f in figures)
    return Article(
        title=f"测试文章 {name}", url=f"https://cn.nytimes.com/world/2023/{name}/",
        published=datetime(2023, 10, 17, 4, 0, tzinfo=timezone.utc),
        authors=("测试作者",), dateline_text="2023年10月17日",
        dateline_value="2023-10-17 04:00:00",
        lead_figure=Figure(src=urls[0], caption="图1", credit="Photo") if urls else None,
        body=f"<p>正文。</p>{body}", figures=figures, footer=Footer(),
        section="国际", section_key="world", language="zh-Hans",
        source_path=Path(f"{name}.txt"),
        content_hash=hashlib.sha256(name.encode() + repr(urls).encode()).hexdigest())


def make_book(image_urls: Iterable[str], *more_articles: Iterable[str]) -> Book:
    """A one-chapter book with one article per list of image URLs."""
    articles = tuple(make_article(urls, f"a{n}")
                     for n, urls in enumerate((image_urls, *more_articles), start=1))
    return Book(title="测试", language="zh-Hans",
                chapters=(Chapter(title="2023年10月17日", key="d2023-10-17",
                                  articles=articles),))


# ---------------------------------------------------------------- the server


@dataclass(frozen=True)
class Request:
    """One request as the server saw it."""

    method: str
    path: str
    #: The Host header (what the client said it was talking to).
    host: str
    user_agent: str


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: "_Listener"

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        pass

    def do_GET(self) -> None:  # noqa: N802 - the name http.server dispatches to
        owner = self.server.owner
        owner._record(Request("GET", self.path, self.headers.get("Host", ""),
                              self.headers.get("User-Agent", "")))
        self.close_connection = True
        try:
            owner._answer(self)
        except (BrokenPipeError, ConnectionResetError, ConnectionAbortedError, TimeoutError):
            pass  # the client gave up, which is what several routes are for

    def send_body(self, status: int, body: bytes, content_type: str,
                  headers: Iterable[tuple[str, str]] = ()) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Connection", "close")
        for name, value in headers:
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)

    def redirect(self, location: str) -> None:
        self.send_body(302, b"", "text/plain", [("Location", location)])


class _Listener(ThreadingHTTPServer):
    daemon_threads = True
    owner: "ImageServer"


class ImageServer:
    """A threaded HTTP server on a random port; use it as a context manager."""

    def __init__(self, host: str = "127.0.0.1", tls: ssl.SSLContext | None = None) -> None:
        """``tls``: a server-side SSL context; the server then speaks https only."""
        # Every payload is made before the first request, so generating one (the bomb
        # takes a moment) never counts against a client's read timeout.
        for path in _SAMPLES:
            sample(path)
        self.host = host
        self.scheme = "https" if tls else "http"
        self.slow_seconds = 30.0
        self._requests: list[Request] = []
        self._lock = threading.Lock()
        self._closing = threading.Event()
        self._extra: dict[str, tuple[int, str, bytes]] = {}
        self._listener = _Listener((host, 0), _Handler)
        self._listener.owner = self
        if tls is not None:
            self._listener.socket = tls.wrap_socket(self._listener.socket, server_side=True)
        self.port = self._listener.server_address[1]
        self._thread = threading.Thread(target=self._listener.serve_forever,
                                        kwargs={"poll_interval": 0.05}, daemon=True,
                                        name=f"imageserver-{host}:{self.port}")
        self._thread.start()

    def __enter__(self) -> "ImageServer":
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def close(self) -> None:
        self._closing.set()
        self._listener.shutdown()
        self._listener.server_close()
        self._thread.join(timeout=5)

    @property
    def base(self) -> str:
        return f"{self.scheme}://{self.host}:{self.port}"

    def url(self, path: str) -> str:
        return self.base + path

    def add(self, path: str, body: bytes, content_type: str = "image/jpeg",
            status: int = 200) -> None:
        self._extra[path] = (status, content_type, body)

    @property
    def requests(self) -> list[Request]:
        with self._lock:
            return list(self._requests)

    def hits(self, path: str | None = None) -> int:
        """Requests for ``path`` (query included when given), or all requests."""
        return sum(1 for r in self.requests if path is None or r.path == path)

    def clear(self) -> None:
        with self._lock:
            self._requests.clear()

    def _record(self, request: Request) -> None:
        with self._lock:
            self._requests.append(request)

    def _answer(self, handler: _Handler) -> None:
        path, _, query = handler.path.partition("?")
        if path in self._extra:
            status, content_type, body = self._extra[path]
            handler.send_body(status, body, content_type)
        elif path in _SAMPLES:
            handler.send_body(200, sample(path), _SAMPLES[path][0])
        elif path == "/redirect":
            handler.redirect(parse_qs(query).get("to", ["/photo.jpg"])[0])
        elif path.startswith("/redirect/") and path[10:].isdigit():
            left = int(path[10:]) - 1
            handler.redirect(f"/redirect/{left}" if left > 0 else "/photo.jpg")
        elif path == "/" and "url" in parse_qs(query):
            name = "/" + parse_qs(query)["url"][0].rsplit("/", 1)[-1]
            if name in _SAMPLES:
                handler.send_body(200, sample(name), _SAMPLES[name][0])
            else:
                handler.send_body(404, b"not found", "text/plain")
        elif path == "/loop":
            handler.redirect("/loop")
        elif path == "/slow.jpg":
            self._closing.wait(self.slow_seconds)
            handler.send_body(200, sample("/photo.jpg"), "image/jpeg")
        elif path == "/drip.jpg":
            self._drip(handler)
        elif path == "/endless.jpg":
            self._endless(handler)
        elif path == "/liar.jpg":
            handler.send_response(200)
            handler.send_header("Content-Type", "image/jpeg")
            handler.send_header("Content-Length", str(1 << 30))
            handler.end_headers()
            handler.wfile.write(sample("/photo.jpg"))
        elif path == "/gzip.jpg":
            handler.send_body(200, gzip.compress(sample("/photo.jpg"), mtime=0),
                              "image/jpeg", [("Content-Encoding", "gzip")])
        else:
            handler.send_body(404, b"not found", "text/plain")

    def _drip(self, handler: _Handler) -> None:
        handler.send_response(200)
        handler.send_header("Content-Type", "image/jpeg")
        handler.send_header("Content-Length", str(100_000))
        handler.end_headers()
        while not self._closing.wait(0.05):
            handler.wfile.write(b"\xff")
            handler.wfile.flush()

    def _endless(self, handler: _Handler) -> None:
        handler.send_response(200)
        handler.send_header("Content-Type", "image/jpeg")
        handler.send_header("Transfer-Encoding", "chunked")
        handler.end_headers()
        chunk = bytes(64 * 1024)
        frame = f"{len(chunk):x}\r\n".encode() + chunk + b"\r\n"
        while not self._closing.is_set():
            handler.wfile.write(frame)
