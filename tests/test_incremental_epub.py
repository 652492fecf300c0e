"""Incremental EPUB builds: reusing cached articles and pages gives, byte for byte, the EPUB
a clean build gives, and only what changed is rendered again."""

from __future__ import annotations

import dataclasses
import os
import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from PIL import Image

from bookmaker import corpus, render
from bookmaker.backends.epub import EpubBackend
from bookmaker.cli import main
from bookmaker.model import Figure, LocalImage
from bookmaker.options import Options
from bookmaker.pipeline import run_build
from epub_support import make_article, make_book
from epubcheck_util import assert_epubcheck_clean
from module_support import unlisted_modules

ROOT = Path(__file__).resolve().parent.parent
EPOCH = "1700000000"


@pytest.fixture(autouse=True)
def fixed_time(monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", EPOCH)


@pytest.fixture
def renders(monkeypatch) -> list[str]:
    """The titles of the article pages rendered (not taken from the cache)."""
    rendered: list[str] = []
    real = render.render_article

    def counting(article, context):
        rendered.append(article.title)
        return real(article, context)

    monkeypatch.setattr(render, "render_article", counting)
    return rendered


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    folder = tmp_path / "archive"
    corpus.generate(folder, 10, seed=5)
    return folder


def build(folder: Path, target: Path, cache_dir: Path | None, **options) -> bytes:
    result = run_build(Options(sources=(folder,), formats=("epub",), output=target,
                               images="none", cache_dir=cache_dir, **options))
    assert result.ok, result.failures
    return target.read_bytes()


def clean_build(folder: Path, tmp_path: Path, **options) -> bytes:
    """The same book built from scratch, without any cache."""
    target = tmp_path / "clean" / "book.epub"
    target.unlink(missing_ok=True)
    return build(folder, target, None, cache=False, **options)


def new_article(tmp_path: Path, seed: int = 7) -> Path:
    """An article file that is not in the archive yet (newer than all of it)."""
    (path,) = corpus.generate(tmp_path / f"new-{seed}", 1, seed=seed, days=1)
    return path


def url_of(path: Path) -> str:
    return re.search(r"\]\((https://[^)]+)\)", path.read_text(encoding="utf-8")).group(1)


def page_of(epub: bytes, target: Path, title_part: str) -> str:
    target.write_bytes(epub)
    with zipfile.ZipFile(target) as package:
        for name in package.namelist():
            if name.startswith("EPUB/text/a"):
                text = package.read(name).decode("utf-8")
                if title_part in text:
                    return text
    raise AssertionError(f"no page with {title_part!r}")


def test_an_unchanged_archive_renders_no_page(folder, tmp_path, renders):
    cache, target = tmp_path / "cache", tmp_path / "out" / "book.epub"
    first = build(folder, target, cache)
    count = len(renders)
    assert count > 0
    assert build(folder, target, cache) == first == clean_build(folder, tmp_path)
    assert len(renders) == 2 * count  # only the clean build rendered again


def test_adding_an_article_renders_only_its_page(folder, tmp_path, renders):
    cache, target = tmp_path / "cache", tmp_path / "out" / "book.epub"
    build(folder, target, cache)
    added = shutil.move(new_article(tmp_path), folder / "added.txt")
    renders.clear()
    rebuilt = build(folder, target, cache)
    assert len(renders) == 1 and renders[0] in Path(added).read_text(encoding="utf-8")
    assert rebuilt == clean_build(folder, tmp_path)


def test_editing_an_article_renders_only_its_page(folder, tmp_path, renders):
    cache, target = tmp_path / "cache", tmp_path / "out" / "book.epub"
    build(folder, target, cache)
    path = sorted(folder.glob("*.txt"))[3]
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("<p>", "<p>一句新加的话。", 1), encoding="utf-8")
    renders.clear()
    rebuilt = build(folder, target, cache)
    assert len(renders) == 1
    assert "一句新加的话。" in page_of(rebuilt, tmp_path / "look.epub", "一句新加的话。")
    assert rebuilt == clean_build(folder, tmp_path)


def test_a_link_that_now_leads_into_the_book_is_rendered_again(folder, tmp_path, renders):
    """A cached page must not keep an external link once its target joins the book."""
    cache, target = tmp_path / "cache", tmp_path / "out" / "book.epub"
    coming = new_article(tmp_path)
    linking = sorted(folder.glob("*.txt"))[2]
    text = linking.read_text(encoding="utf-8")
    linking.write_text(text.replace("<p>", f'<p><a href="{url_of(coming)}">下一篇</a>', 1),
                       encoding="utf-8")
    before = build(folder, target, cache)
    assert 'class="internal"' not in page_of(before, tmp_path / "look.epub", "下一篇")
    shutil.move(coming, folder / "coming.txt")
    renders.clear()
    rebuilt = build(folder, target, cache)
    assert len(renders) == 2  # the new article and the one that links to it
    page = page_of(rebuilt, tmp_path / "look.epub", "下一篇")
    assert re.search(r'<a href="a\d+-[0-9a-f]{12}\.xhtml" class="internal">下一篇</a>', page)
    assert rebuilt == clean_build(folder, tmp_path)
    assert_epubcheck_clean(target)


def test_an_option_that_changes_pages_renders_them_again(folder, tmp_path, renders):
    cache, target = tmp_path / "cache", tmp_path / "out" / "book.epub"
    build(folder, target, cache)
    renders.clear()
    rebuilt = build(folder, target, cache, timezone="America/New_York")
    assert len(renders) == len(list(folder.glob("*.txt"))) - corpus.duplicate_count(10)
    assert rebuilt == clean_build(folder, tmp_path, timezone="America/New_York")


def test_a_damaged_page_cache_is_ignored(folder, tmp_path):
    cache, target = tmp_path / "cache", tmp_path / "out" / "book.epub"
    build(folder, target, cache)
    (pack,) = (cache / "epub").glob("*.pack")
    data = bytearray(pack.read_bytes())
    for offset in range(len(data) // 3, len(data), 997):
        data[offset] ^= 0xFF
    pack.write_bytes(bytes(data))
    assert build(folder, target, cache) == clean_build(folder, tmp_path)
    pack.write_bytes(b"bookmaker page pack\n" + b"\xff" * 40)
    assert build(folder, target, cache) == clean_build(folder, tmp_path)


def test_no_cache_leaves_no_cache_behind(folder, tmp_path, capsys):
    cache = tmp_path / "cache"
    code = main(["build", str(folder), "-o", str(tmp_path / "book.epub"), "--images", "none",
                 "--cache-dir", str(cache), "--no-cache", "-q"])
    assert code == 0, capsys.readouterr().err
    assert not (cache / "articles.sqlite").exists() and not (cache / "epub").exists()


def write_png(path: Path, colour: tuple[int, int, int]) -> LocalImage:
    Image.new("RGB", (60, 40), colour).save(path, "PNG")
    return LocalImage(path=path, media_type="image/png", width=60, height=40)


def test_a_changed_image_renders_the_pages_that_show_it(tmp_path, renders):
    url = "https://images.example.com/lead.png"
    lead = Figure(url, 60, 40, "普京周二抵达北京。", "Pool photo")
    articles = [make_article(i, lead=lead if i == 1 else None) for i in range(6)]
    first = dataclasses.replace(make_book(6, articles=articles),
                                images={url: write_png(tmp_path / "red.png", (200, 0, 0))})
    cache, target = tmp_path / "cache", tmp_path / "book.epub"
    options = Options(cache_dir=cache)
    EpubBackend().write(first, target, options)
    second = dataclasses.replace(first, images={url: write_png(tmp_path / "blue.png",
                                                               (0, 0, 200))})
    renders.clear()
    EpubBackend().write(second, target, options)
    assert renders == [articles[1].title]
    clean = tmp_path / "clean.epub"
    EpubBackend().write(second, clean, Options(cache=False))
    assert target.read_bytes() == clean.read_bytes()


def test_a_changed_template_is_never_served_from_the_cache(folder, tmp_path):
    """bookmaker run from a copy whose article template was edited between builds."""
    copy = tmp_path / "copy"
    shutil.copytree(ROOT / "bookmaker", copy / "bookmaker",
                    ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copytree(ROOT / "styles", copy / "styles")
    cache = tmp_path / "cache"
    env = {**os.environ, "PYTHONPATH": str(copy), "SOURCE_DATE_EPOCH": EPOCH}

    def run(target: Path, *extra: str) -> bytes:
        subprocess.run([sys.executable, "-m", "bookmaker", "build", str(folder), "-o",
                        str(target), "--images", "none", "-q", *extra], env=env, check=True,
                       cwd=tmp_path)
        return target.read_bytes()

    target = tmp_path / "book.epub"
    run(target, "--cache-dir", str(cache))
    template = copy / "bookmaker" / "templates" / "article.jinja"
    template.write_text(template.read_text(encoding="utf-8").replace(
        '<div class="article-body">', '<div class="article-body edited">'), encoding="utf-8")
    rebuilt = run(target, "--cache-dir", str(cache))
    assert rebuilt == run(tmp_path / "clean.epub", "--no-cache")
    assert b"article-body edited" in zipfile.ZipFile(target).read(
        next(n for n in zipfile.ZipFile(target).namelist() if n.startswith("EPUB/text/a")))


def test_helper_processes_build_the_same_book(tmp_path, monkeypatch):
    """Enough articles for forked helpers to read and render (two CPUs, whatever the
    machine has), and the same book as one process makes."""
    from bookmaker import pipeline, work_sharing
    from bookmaker.backends import _epub_pages

    monkeypatch.setattr(work_sharing, "usable_cpus", lambda: 2)
    helpers_used: list[int] = []
    for module in (pipeline, _epub_pages):
        def counted(function, count, helpers, progress=None, shared=module.map_shared):
            helpers_used.append(helpers)
            return shared(function, count, helpers, progress)
        monkeypatch.setattr(module, "map_shared", counted)
    folder = tmp_path / "archive"
    corpus.generate(folder, 90, seed=9)
    shared = build(folder, tmp_path / "shared.epub", tmp_path / "cache", jobs=0)
    assert len(helpers_used) == 2 and min(helpers_used) > 0  # reading and rendering
    alone = build(folder, tmp_path / "alone.epub", None, cache=False, jobs=1)
    assert shared == alone


def test_the_page_fingerprint_covers_every_module_that_renders_pages():
    """A module added to rendering must join RENDERER_MODULES, or its changes would
    leave stale pages in the cache."""
    from bookmaker.backends._epub_page_cache import RENDERER_MODULES

    # Imported on the way, but no part of what a page says.
    unrelated = {"bookmaker.errors", "bookmaker.options", "bookmaker.backends",
                 "bookmaker.work_sharing"}
    assert unlisted_modules("bookmaker.render, bookmaker.backends._epub_pages",
                            RENDERER_MODULES, unrelated) == []
