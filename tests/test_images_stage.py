"""The assets stage end to end: a real HTTP server, a real cache, real files."""

from __future__ import annotations

import dataclasses
import hashlib
import ipaddress
import re
from pathlib import Path

import pytest
from PIL import Image

from bookmaker.images import ImageReport, fetch_command, prepare_images, urls
from bookmaker.images.addresses import AddressPolicy
from bookmaker.images.cache import cache_root
from bookmaker.images.fetch import FetchLimits
from bookmaker.options import Options
from imageserver import ImageServer, make_book

LIMITS = FetchLimits(connect_timeout=2.0, read_timeout=1.5, total_timeout=3.0,
                     max_bytes=2 * 1024 * 1024)
GOOD = ["/photo.jpg", "/big.jpg", "/alpha.png", "/anim.gif", "/photo.webp", "/chart.png"]


@pytest.fixture(scope="module")
def server():
    with ImageServer() as running:
        yield running


def options_for(cache: Path, **changes) -> Options:
    return Options(cache_dir=cache, allow_private_hosts=True).replace(**changes)


def weserv(server: ImageServer, path: str) -> str:
    return f"https://images.weserv.nl/?url={server.url(path)}"


@dataclasses.dataclass
class Build:
    book: object
    report: ImageReport
    workdir: Path
    cache: Path
    urls: list[str]
    #: Paths the server saw during this build.
    requested: list[str]


@pytest.fixture(scope="module")
def first(server, tmp_path_factory) -> Build:
    """One build of a book with every good image, one via weserv, one used twice."""
    base = tmp_path_factory.mktemp("first")
    image_urls = [server.url(p) for p in GOOD] + [weserv(server, "/square.jpg")]
    book = make_book(image_urls[:4], image_urls[4:] + [server.url("/photo.jpg")])
    server.clear()
    built, report = prepare_images(book, options_for(base / "cache"), base / "work",
                                   limits=LIMITS)
    requested = [r.path for r in server.requests]
    return Build(built, report, base / "work", base / "cache", image_urls, requested)


def test_every_image_is_a_processed_file_in_the_workdir(first):
    assert list(first.book.images) == first.urls
    for url, local in first.book.images.items():
        data = local.path.read_bytes()
        assert local.path.parent == first.workdir
        assert local.path.name == hashlib.sha256(data).hexdigest()[:32] + local.path.suffix
        with Image.open(local.path) as image:
            assert image.format == {"image/jpeg": "JPEG", "image/png": "PNG"}[local.media_type]
            assert local.path.suffix == {"JPEG": ".jpg", "PNG": ".png"}[image.format]
            assert (image.width, image.height) == (local.width, local.height)
            assert max(image.size) <= 1600 and image.width * image.height <= 2_000_000


def test_media_types_and_sizes(first, server):
    images = first.book.images
    assert images[server.url("/alpha.png")].media_type == "image/png"
    assert images[server.url("/chart.png")].media_type == "image/png"
    assert images[server.url("/photo.jpg")].media_type == "image/jpeg"
    assert images[server.url("/photo.webp")].media_type == "image/jpeg"
    big = images[server.url("/big.jpg")]
    assert (big.width, big.height) == (1600, 1066)
    square = images[weserv(server, "/square.jpg")]
    assert (square.width, square.height) == (1414, 1414)


def test_first_build_asks_once_per_image(first):
    assert sorted(first.requested) == sorted(GOOD + ["/square.jpg"])
    report = first.report
    assert (report.total, report.fetched, report.from_cache, report.failed) == (7, 7, 0, 0)
    assert report.warnings == ()
    assert report.summary == "images: 7 of 7 embedded (0 from cache, 7 fetched)."


def test_second_build_makes_zero_requests(first, server, tmp_path):
    server.clear()
    again, report = prepare_images(first.book, options_for(first.cache), tmp_path,
                                   limits=LIMITS)
    assert server.hits() == 0
    assert (report.from_cache, report.fetched, report.failed) == (7, 0, 0)
    assert {u: i.path.name for u, i in again.images.items()} == \
        {u: i.path.name for u, i in first.book.images.items()}


def test_offline_uses_the_cache_and_makes_zero_requests(first, server, tmp_path):
    server.clear()
    again, report = prepare_images(first.book, options_for(first.cache, images="offline"),
                                   tmp_path)
    assert server.hits() == 0
    assert len(again.images) == 7 and report.from_cache == 7


def test_offline_without_cache_makes_zero_requests(first, server, tmp_path):
    server.clear()
    again, report = prepare_images(first.book, options_for(tmp_path / "empty",
                                                           images="offline"), tmp_path)
    assert server.hits() == 0
    assert again.images == {}
    assert report.failed == 7 and len(report.warnings) == 7
    assert report.warnings[0] == \
        f"image {first.urls[0]}: not in the image cache (--images offline)"
    assert report.summary.endswith("7 unavailable (captions kept).")


def test_none_reads_nothing_and_maps_nothing(first, server, tmp_path):
    server.clear()
    cache = tmp_path / "never"
    again, report = prepare_images(first.book, options_for(cache, images="none"),
                                   tmp_path / "work")
    assert server.hits() == 0
    assert again.images == {} and report.total == 7 and report.failed == 0
    assert not cache.exists() and not (tmp_path / "work").exists()
    assert report.summary == "images: 7 left out (--images none)."


def test_grayscale_reprocesses_without_downloading(first, server, tmp_path):
    server.clear()
    gray, report = prepare_images(first.book, options_for(first.cache, grayscale=True),
                                  tmp_path, limits=LIMITS)
    assert server.hits() == 0 and report.from_cache == 7
    for url, local in gray.images.items():
        with Image.open(local.path) as image:
            assert image.mode in ("L", "LA")
        assert local.path.name != first.book.images[url].path.name


def test_output_is_the_same_from_a_fresh_cache(first, tmp_path):
    again, _ = prepare_images(first.book, options_for(tmp_path / "cache"), tmp_path / "w",
                              limits=LIMITS)
    for url, local in first.book.images.items():
        assert again.images[url].path.read_bytes() == local.path.read_bytes()


def test_no_partial_files_are_left(first):
    leftovers = [p for p in (*first.cache.rglob("*"), *first.workdir.rglob("*"))
                 if p.name.endswith(".part")]
    assert leftovers == []


def test_failures_become_one_warning_each_and_the_build_goes_on(server, tmp_path):
    bad = {
        "/corrupt.png": "corrupt image",
        "/truncated.jpg": "truncated",
        "/garbage.jpg": "not an image",
        "/page.html": "not an image",
        "/missing.jpg": "HTTP 404",
        "/bomb.png": "too many pixels",
        "/huge.png": "megapixel limit",
        "/endless.jpg": "larger than 2 MB, stopped reading",
        "/slow.jpg": "timed out waiting for data",
        "/redirect?to=http://169.254.169.254/latest/meta-data/":
            "refused: a link-local address 169.254.169.254",
    }
    bad_urls = [server.url(path) for path in bad]
    book = make_book([server.url("/photo.jpg")], bad_urls,
                     ["file:///etc/passwd", "http://no-such-host.invalid/a.jpg"])
    built, report = prepare_images(book, options_for(tmp_path / "cache"), tmp_path / "w",
                                   limits=LIMITS)
    assert list(built.images) == [server.url("/photo.jpg")]
    assert (report.total, report.fetched, report.failed) == (13, 1, 12)
    assert len(report.warnings) == 12
    for url, (path, reason) in zip(bad_urls, bad.items()):
        line = next(w for w in report.warnings if w.startswith(f"image {url}: "))
        assert reason in line, line
    assert "image file:///etc/passwd: refused: only http and https" in report.warnings[-2]
    assert report.warnings[-1] == \
        "image http://no-such-host.invalid/a.jpg: cannot resolve host no-such-host.invalid"


def test_private_addresses_are_refused_by_default(server, tmp_path):
    server.clear()
    options = Options(cache_dir=tmp_path / "cache")
    built, report = prepare_images(make_book([server.url("/photo.jpg")]), options, tmp_path)
    assert built.images == {} and server.hits() == 0
    assert report.warnings == (
        f"image {server.url('/photo.jpg')}: refused: a loopback address 127.0.0.1",)


def test_redirect_to_a_forbidden_listener_is_refused(server, tmp_path):
    try:
        forbidden = ImageServer(host="127.0.0.2")
    except OSError as exc:
        pytest.skip(f"cannot listen on 127.0.0.2: {exc}")
    with forbidden:
        url = server.url(f"/redirect?to={forbidden.url('/photo.jpg')}")
        policy = AddressPolicy(also_allowed=(ipaddress.ip_network("127.0.0.1/32"),))
        built, report = prepare_images(make_book([url]), options_for(tmp_path / "c"),
                                       tmp_path, limits=LIMITS, policy=policy)
        assert forbidden.hits() == 0
    assert built.images == {}
    assert "refused: a loopback address 127.0.0.2" in report.warnings[0]


def test_weserv_and_direct_forms_share_one_download(server, tmp_path):
    server.clear()
    book = make_book([weserv(server, "/chart.png"), server.url("/chart.png")])
    built, report = prepare_images(book, options_for(tmp_path / "c"), tmp_path, limits=LIMITS)
    assert server.hits("/chart.png") == 1 and report.total == 1
    assert built.images[weserv(server, "/chart.png")] == built.images[server.url("/chart.png")]


def test_proxy_route_is_tried_when_the_original_fails(server, tmp_path, monkeypatch):
    monkeypatch.setattr(urls, "WESERV_HOSTS", frozenset({"localhost"}))
    original = server.url("/gone-from-origin/photo.jpg")
    proxied = f"http://localhost:{server.port}/?url={original}"
    server.clear()
    built, report = prepare_images(make_book([proxied]), options_for(tmp_path / "c"),
                                   tmp_path, limits=LIMITS)
    assert [r.path for r in server.requests] == ["/gone-from-origin/photo.jpg",
                                                 f"/?url={original}"]
    assert list(built.images) == [proxied] and report.fetched == 1


def test_both_routes_failing_gives_both_reasons(server, tmp_path, monkeypatch):
    monkeypatch.setattr(urls, "WESERV_HOSTS", frozenset({"localhost"}))
    proxied = f"http://localhost:{server.port}/?url={server.url('/nothing/here.jpg')}"
    _, report = prepare_images(make_book([proxied]), options_for(tmp_path / "c"),
                               tmp_path, limits=LIMITS)
    assert report.warnings == (f"image {proxied}: HTTP 404; via the proxy: HTTP 404",)


def test_progress_is_reported_per_image(server, tmp_path):
    calls = []
    book = make_book([server.url(p) for p in GOOD[:3]])
    prepare_images(book, options_for(tmp_path / "c"), tmp_path,
                   lambda done, total: calls.append((done, total)), limits=LIMITS)
    assert calls == [(1, 3), (2, 3), (3, 3)]


def test_a_damaged_cache_entry_is_fetched_again(server, tmp_path):
    book = make_book([server.url("/photo.jpg")])
    options = options_for(tmp_path / "cache")
    prepare_images(book, options, tmp_path / "w1", limits=LIMITS)
    root = cache_root(options)
    for source in (root / "sources").rglob("*"):
        if source.is_file():
            source.write_bytes(b"bit rot")
    for processed in (root / "processed").rglob("*.*"):
        processed.unlink()
    server.clear()
    built, report = prepare_images(book, options, tmp_path / "w2", limits=LIMITS)
    assert server.hits("/photo.jpg") == 1 and report.fetched == 1 and built.images


def test_cache_location():
    assert cache_root(Options(cache_dir=Path("/x/y"))) == Path("/x/y/images")
    default = cache_root(Options())
    assert default.parts[-2:] == ("bookmaker", "images")


def test_fetch_command_warms_the_cache(server, tmp_path, capsys):
    pytest.importorskip("bookmaker.reader")
    seed = Path(__file__).resolve().parents[1] / "seeds" / "000_ecd4ffb1dd5f90be.txt"
    text = seed.read_text(encoding="utf-8")
    count = len(re.findall(r'src="[^"]+"', text))
    replacements = iter(server.url(GOOD[n % len(GOOD)]) for n in range(count))
    source = tmp_path / "article.txt"
    source.write_text(re.sub(r'src="[^"]+"', lambda _: f'src="{next(replacements)}"', text),
                      encoding="utf-8")
    options = options_for(tmp_path / "cache", sources=[source])
    distinct = min(count, len(GOOD))
    assert fetch_command(options) == 0
    assert f"{distinct} fetched, 0 already cached, 0 failed" in capsys.readouterr().out
    server.clear()
    assert fetch_command(options) == 0
    assert f"0 fetched, {distinct} already cached, 0 failed" in capsys.readouterr().out
    assert server.hits() == 0
