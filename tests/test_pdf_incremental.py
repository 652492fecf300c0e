"""Rebuilding from the part cache: only what changed is typeset again, and whatever
changed, the PDF is byte for byte the one a build with an empty cache writes."""

from __future__ import annotations

import dataclasses
import hashlib
import shutil
from pathlib import Path

import pytest

from bookmaker.backends import _pdf_cache
from bookmaker.errors import BuildError
from bookmaker.options import Options

from bookmaker.collector import collect

from pdf_support import (PART_ARTICLES, make_article, outline, page_texts,
                         part_backend)


def _build(book, target: Path, cache_dir: Path, **options) -> tuple[bytes, dict[str, int]]:
    """Write ``book`` with one job and the cache at ``cache_dir``; (bytes, what was
    typeset)."""
    backend = part_backend()
    backend.write(book, target, Options(jobs=1, cache_dir=cache_dir, **options))
    return target.read_bytes(), backend.last_typeset


@pytest.fixture(scope="module")
def articles():
    """Seven short articles in time order; the last one is the newest, a day later."""
    return [make_article(index, paragraphs=3) for index in (1, 2, 3, 4, 5, 6, 12)]


def _book(articles):
    """The articles as the collector makes a book of them: the default title names the
    date range, so a newer article changes it (and the document's date)."""
    return collect(list(articles), Options(group_by="day")).book


@pytest.fixture(scope="module")
def warm(tmp_path_factory, articles):
    """The first six articles built once: the PDF and the cache it left."""
    folder = tmp_path_factory.mktemp("warm")
    with pytest.MonkeyPatch.context() as patch:
        patch.delenv("SOURCE_DATE_EPOCH", raising=False)
        data, typeset = _build(_book(articles[:6]), folder / "book.pdf", folder / "cache")
    return data, typeset, folder / "cache"


@pytest.fixture
def cache(warm, tmp_path, monkeypatch):
    """A copy of the warm cache, for one test to change; dates come from the articles."""
    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)
    copy = tmp_path / "cache"
    shutil.copytree(warm[2], copy)
    return copy


def _clean(book, tmp_path: Path, **options) -> bytes:
    data, typeset = _build(book, tmp_path / "clean.pdf", tmp_path / "clean-cache", **options)
    assert typeset.get("part")  # an empty cache typesets every part
    return data


def test_first_build_typesets_every_part(warm, articles):
    _, typeset, _ = warm
    from bookmaker.backends._pdf_layout import split_articles

    parts = len(split_articles(list(_book(articles[:6]).articles), *PART_ARTICLES))
    assert parts >= 2
    assert typeset["part"] == parts and typeset["navigation"] == 2


def test_second_build_typesets_nothing(warm, cache, articles, tmp_path):
    data, typeset = _build(_book(articles[:6]), tmp_path / "again.pdf", cache)
    assert typeset == {}
    assert data == warm[0]


def test_no_cache_typesets_everything_and_leaves_the_cache_alone(warm, cache, articles,
                                                                 tmp_path):
    before = sorted((path.name, path.stat().st_mtime_ns) for path in cache.rglob("*"))
    data, typeset = _build(_book(articles[:6]), tmp_path / "fresh.pdf", cache, cache=False)
    assert typeset["part"] == warm[1]["part"] and typeset["navigation"] == 2
    assert sorted((path.name, path.stat().st_mtime_ns) for path in cache.rglob("*")) == before
    assert data == warm[0]


def test_adding_the_newest_article_typesets_its_part_and_the_navigation(
        cache, articles, tmp_path):
    book = _book(articles)
    assert book.title != _book(articles[:6]).title  # the date range grew
    data, typeset = _build(book, tmp_path / "added.pdf", cache)
    assert typeset.get("part") == 1
    assert typeset.get("navigation") == 2 and "folios" not in typeset
    assert data == _clean(book, tmp_path)


def test_rebuild_to_the_same_place_skips_measuring_the_navigation(articles, tmp_path,
                                                                   monkeypatch):
    """The second build learns the length of the contents and openers from the first
    (same destination), typesets them once, and still writes what a clean build does."""
    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)
    target, cache = tmp_path / "book.pdf", tmp_path / "cache"
    _, first = _build(_book(articles[:6]), target, cache)
    assert first.get("navigation-measure") == 2
    # A newer article of the same day: the book keeps its chapters.
    book = _book(list(articles[:6]) + [make_article(7, paragraphs=3)])
    assert len(book.chapters) == len(_book(articles[:6]).chapters)
    data, typeset = _build(book, target, cache)
    assert "navigation-measure" not in typeset and typeset.get("navigation") == 2
    assert data == _clean(book, tmp_path)


def test_changed_article_is_typeset_again(cache, articles, tmp_path):
    changed = list(articles[:6])
    body = changed[2].body.replace("</p>", "（更正）</p>", 1)
    changed[2] = dataclasses.replace(
        changed[2], body=body,
        content_hash=hashlib.sha256(body.encode()).hexdigest())
    book = _book(changed)
    data, typeset = _build(book, tmp_path / "changed.pdf", cache)
    assert typeset.get("part") == 1
    assert "（更正）" in "".join(page_texts(tmp_path / "changed.pdf"))
    assert data == _clean(book, tmp_path)


def test_changed_option_is_typeset_again(cache, articles, tmp_path):
    book = _book(articles[:6])
    data, typeset = _build(book, tmp_path / "a5.pdf", cache, page_size="A5")
    assert typeset.get("part", 0) >= 2
    assert data == _clean(book, tmp_path, page_size="A5")


def test_changed_stylesheet_is_typeset_again(cache, articles, tmp_path, monkeypatch):
    import bookmaker.backends.pdf as pdf_module

    original = pdf_module.read_stylesheet
    monkeypatch.setattr(pdf_module, "read_stylesheet", lambda name: original(name) + (
        "\n.article-title { font-size: 2.4em; }\n" if name == "print.css" else ""))
    book = _book(articles[:6])
    data, typeset = _build(book, tmp_path / "styled.pdf", cache)
    assert typeset.get("part", 0) >= 2 and typeset.get("folio-sample")
    assert data == _clean(book, tmp_path)


def test_new_templates_or_versions_typeset_everything_again(cache, articles, tmp_path,
                                                            monkeypatch):
    monkeypatch.setattr(_pdf_cache, "template_fingerprint", lambda: "other templates")
    book = _book(articles[:6])
    _, typeset = _build(book, tmp_path / "versions.pdf", cache)
    assert typeset.get("part", 0) >= 2 and typeset.get("navigation") == 2


def test_unreadable_cached_part_is_typeset_again(warm, cache, articles, tmp_path):
    victim = max(cache.glob("pdf-parts/*.part"), key=lambda path: path.stat().st_size)
    victim.write_bytes(victim.read_bytes()[:100])
    data, typeset = _build(_book(articles[:6]), tmp_path / "repaired.pdf", cache)
    assert sum(typeset.values()) == 1
    assert data == warm[0]


def test_failed_cache_write_leaves_no_part_behind(cache, articles, tmp_path, monkeypatch):
    from bookmaker.backends import _pdf_fragment

    before = {path.name for path in (cache / "pdf-parts").iterdir()}

    def half_written(fragment, path, metadata):
        path.write_bytes(b"bookmaker-pdf-fragment 1\n")
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(_pdf_fragment, "write_fragment", half_written)
    with pytest.raises(BuildError, match="No space left"):
        _build(_book(articles), tmp_path / "full.pdf", cache)
    assert {path.name for path in (cache / "pdf-parts").iterdir()} == before
    assert not (tmp_path / "full.pdf").exists()


def test_cache_holds_only_whole_files(warm):
    _, _, cache = warm
    names = [path.name for path in (cache / "pdf-parts").iterdir()]
    assert names and all(name.endswith((".part", ".json")) and not name.startswith(".")
                         for name in names)


def test_rebuilt_book_reads_like_the_first(warm, cache, articles, tmp_path):
    _build(_book(articles[:6]), tmp_path / "again.pdf", cache)
    (tmp_path / "first.pdf").write_bytes(warm[0])
    assert page_texts(tmp_path / "again.pdf") == page_texts(tmp_path / "first.pdf")
    assert outline(tmp_path / "again.pdf") == outline(tmp_path / "first.pdf")
