"""Rebuilding from the part cache: only what changed is typeset again, and whatever
changed, the PDF is byte for byte the one a build with an empty cache writes."""

from __future__ import annotations

import dataclasses
import hashlib
import json
import shutil
from pathlib import Path

import pytest

from bookmaker.backends import _pdf_cache
from bookmaker.backends._pdf_layout import split_articles
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


def _build_two_jobs(book, target: Path, cache_dir: Path) -> tuple[bytes, dict[str, int]]:
    backend = part_backend()
    backend.write(book, target, Options(jobs=2, cache_dir=cache_dir))
    return target.read_bytes(), backend.last_typeset


def _newest_of_the_same_day(articles):
    """The first six articles and a newer one of the last day: the chapters stay."""
    book = _book(list(articles[:6]) + [make_article(7, paragraphs=3)])
    assert [c.key for c in book.chapters] == [c.key for c in _book(articles[:6]).chapters]
    assert list(book.articles)[-1].title.endswith("（7）")
    return book


def _memory(cache_dir: Path) -> Path:
    """What the last build to book.pdf remembered (the same destination is needed)."""
    (memory,) = (cache_dir / "pdf-parts").glob("navigation-*.json")
    return memory


def test_navigation_is_typeset_beside_the_newest_part(articles, tmp_path, monkeypatch):
    """Adding the newest article fixes every printed number in advance (the other
    articles keep their lengths): the contents and openers are handed to a worker before
    the build waits for the new part, and are typeset once."""
    from bookmaker.backends import _pdf_build, _pdf_parallel

    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)
    cache = tmp_path / "cache"
    _build_two_jobs(_book(articles[:6]), tmp_path / "book.pdf", cache)
    events: list[str] = []
    submit, result = _pdf_parallel.Renderer.submit, _pdf_build.result

    def recording_submit(renderer, task):
        events.append("navigation" if "chapter-opener" in task.html or 'id="toc"' in task.html
                      else "other")
        return submit(renderer, task)

    def recording_result(future):
        events.append("wait")
        return result(future)

    monkeypatch.setattr(_pdf_parallel.Renderer, "submit", recording_submit)
    monkeypatch.setattr(_pdf_build, "result", recording_result)
    book = _newest_of_the_same_day(articles)
    data, typeset = _build_two_jobs(book, tmp_path / "book.pdf", cache)
    assert typeset == {"part": 1, "navigation": 2}
    assert events.index("navigation") < events.index("wait")
    assert data == _clean(book, tmp_path)


def test_wrong_remembered_lengths_never_reach_the_pdf(articles, tmp_path, monkeypatch):
    """Lengths that do not hold any more make the navigation typeset twice, and the
    PDF is still the one a clean build writes."""
    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)
    cache = tmp_path / "cache"
    _build_two_jobs(_book(articles[:6]), tmp_path / "book.pdf", cache)
    memory = json.loads(_memory(cache).read_text(encoding="utf-8"))
    assert len(memory["lengths"]) == 6
    memory["lengths"] = {key: pages + 1 for key, pages in memory["lengths"].items()}
    _memory(cache).write_text(json.dumps(memory), encoding="utf-8")
    for part in (cache / "pdf-parts").glob("*.part"):  # every length comes from memory
        part.unlink()
    book = _newest_of_the_same_day(articles)
    data, typeset = _build_two_jobs(book, tmp_path / "book.pdf", cache)
    assert typeset.get("navigation") == 4  # the guessed numbers were wrong: typeset again
    assert data == _clean(book, tmp_path)


def test_a_new_article_among_others_is_measured_first(articles, tmp_path, monkeypatch):
    """An article added before others moves their numbers by its length: it is laid
    out alone first, and the navigation is still typeset beside the parts, once."""
    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)
    cache = tmp_path / "cache"
    _build_two_jobs(_book(articles[1:6]), tmp_path / "book.pdf", cache)
    # The oldest article, long enough to take several pages, on the first day.
    book = _book([make_article(1, paragraphs=16)] + list(articles[1:6]))
    assert [c.key for c in book.chapters] == [c.key for c in _book(articles[1:6]).chapters]
    data, typeset = _build_two_jobs(book, tmp_path / "book.pdf", cache)
    assert typeset.get("part-measure") == 1 and typeset.get("navigation") == 2
    assert data == _clean(book, tmp_path)
    # The new article is long: guessing it one page, the numbers would have been wrong.
    lengths = json.loads(_memory(cache).read_text(encoding="utf-8"))["lengths"]
    assert lengths[list(book.articles)[0].content_hash] >= 2


def test_navigation_is_handed_out_before_the_known_parts_are_made(articles, tmp_path,
                                                                  monkeypatch):
    """The numbers depend on the new article only: once it is measured, the navigation
    goes to a worker before this process makes the HTML of any part."""
    from bookmaker.backends import _pdf_documents, _pdf_parallel

    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)
    cache = tmp_path / "cache"
    _build_two_jobs(_book(articles[1:6]), tmp_path / "book.pdf", cache)
    events: list[str] = []
    submit, make = _pdf_parallel.Renderer.submit, _pdf_documents.articles_document

    def recording_submit(renderer, task):
        if "chapter-opener" in task.html or 'id="toc"' in task.html:
            events.append("navigation")
        return submit(renderer, task)

    def recording_make(book, articles, *args, **kwargs):
        events.append("part")
        return make(book, articles, *args, **kwargs)

    monkeypatch.setattr(_pdf_parallel.Renderer, "submit", recording_submit)
    monkeypatch.setattr(_pdf_documents, "articles_document", recording_make)
    book = _book([make_article(1, paragraphs=16)] + list(articles[1:6]))
    data, typeset = _build_two_jobs(book, tmp_path / "book.pdf", cache)
    assert typeset.get("navigation") == 2  # once each: the guessed numbers held
    assert "navigation-measure" not in typeset  # the numbers came from memory
    runs = split_articles(list(book.articles), *PART_ARTICLES)
    assert events.index("navigation") == 1  # after the new article's own measure
    assert events[events.index("navigation"):].count("part") >= len(runs)
    assert data == _clean(book, tmp_path)


def test_rebuild_with_nothing_new_starts_no_worker(articles, tmp_path, monkeypatch):
    """Every article known and every part cached: no worker process starts, not even
    to get ready, and the PDF is the same."""
    from bookmaker.backends import _pdf_parallel

    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)
    cache = tmp_path / "cache"
    first, _ = _build_two_jobs(_book(articles[:6]), tmp_path / "book.pdf", cache)
    started: list[object] = []
    start = _pdf_parallel.Renderer._start
    monkeypatch.setattr(_pdf_parallel.Renderer, "_start",
                        lambda renderer: started.append(renderer) or start(renderer))
    data, typeset = _build_two_jobs(_book(articles[:6]), tmp_path / "book.pdf", cache)
    assert typeset == {} and started == [] and data == first


def test_workers_get_ready_before_the_first_part_is_handed_out(articles, tmp_path,
                                                               monkeypatch):
    from bookmaker.backends import _pdf_parallel

    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)
    cache = tmp_path / "cache"
    _build_two_jobs(_book(articles[:6]), tmp_path / "book.pdf", cache)
    events: list[str] = []
    prepare, submit = _pdf_parallel.Renderer.prepare, _pdf_parallel.Renderer.submit
    monkeypatch.setattr(_pdf_parallel.Renderer, "prepare", lambda renderer, *args: (
        events.append("prepare"), prepare(renderer, *args))[1])
    monkeypatch.setattr(_pdf_parallel.Renderer, "submit", lambda renderer, task: (
        events.append("submit"), submit(renderer, task))[1])
    _build_two_jobs(_newest_of_the_same_day(articles), tmp_path / "book.pdf", cache)
    assert events[0] == "prepare" and "submit" in events
    # A first build too: nothing in the cache, not even the page-number sample.
    events.clear()
    _build_two_jobs(_book(articles[:6]), tmp_path / "first.pdf", tmp_path / "empty")
    assert events[0] == "prepare" and "submit" in events


def test_getting_ready_happens_in_the_workers(tmp_path):
    import os

    from bookmaker.backends._pdf_parallel import Renderer
    from bookmaker.backends.pdf import book_stylesheets

    sheets = tuple(book_stylesheets("A5"))
    with Renderer(2) as renderer:
        renderer.prepare(sheets, str(tmp_path))
        workers = {future.result() for future in renderer._running}
    assert workers and os.getpid() not in workers
    with Renderer(1) as renderer:  # one job: typesetting happens here, nothing to start
        renderer.prepare(sheets, str(tmp_path))
        assert renderer._pool is None
