"""The article cache: what it gives back equals a fresh parse; nothing stale, damaged or
foreign is ever used."""

from __future__ import annotations

import os
import pickle
import shutil
import sqlite3
from pathlib import Path

import pytest

from bookmaker import corpus, reader
from bookmaker.article_cache import READER_MODULES, ArticleCache, file_digest
from bookmaker.options import Options
from bookmaker.pipeline import ReadResult, read_sources
from module_support import unlisted_modules


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    """Twelve articles (fewer than needed for helper processes: all parsed here)."""
    folder = tmp_path / "articles"
    corpus.generate(folder, 12, seed=3)
    shutil.copy(Path(__file__).parent / "fixtures" / "odd" / "traditional.txt", folder)
    return folder


def read(folder: Path, cache_dir: Path | None, **options) -> ReadResult:
    return read_sources(Options(sources=(folder,), cache_dir=cache_dir, **options))


def fresh(folder: Path) -> ReadResult:
    return read(folder, None, cache=False)


@pytest.fixture
def no_parsing(monkeypatch):
    """Fail any parse: what is read afterwards came from the cache."""
    def refuse(data, path):
        raise AssertionError(f"{path} was parsed again")

    def arm() -> None:
        monkeypatch.setattr(reader, "parse_bytes", refuse)
    return arm


def stored_rows(cache_dir: Path) -> dict[str, bytes]:
    with sqlite3.connect(cache_dir / "articles.sqlite") as db:
        return dict(db.execute("SELECT digest, data FROM articles"))


def test_cached_articles_equal_a_fresh_parse(folder, tmp_path, no_parsing):
    expected = fresh(folder)
    first = read(folder, tmp_path / "cache")
    assert first == expected
    no_parsing()
    again = read(folder, tmp_path / "cache")
    assert again == expected  # every field, warnings and source paths included
    assert len(stored_rows(tmp_path / "cache")) == len(expected.articles)


def test_the_same_bytes_under_another_name_get_that_name(folder, tmp_path, no_parsing):
    cache = tmp_path / "cache"
    read(folder, cache)
    source = sorted(folder.glob("*.txt"))[0]
    other = tmp_path / "elsewhere" / "renamed.txt"
    other.parent.mkdir()
    shutil.copy(source, other)
    no_parsing()
    (article,) = read(other, cache).articles
    (original,) = read(source, cache).articles
    assert article.source_path == other
    assert article == original.__class__(**{**vars(original), "source_path": other})


def test_a_changed_file_is_parsed_again(folder, tmp_path):
    cache = tmp_path / "cache"
    read(folder, cache)
    path = sorted(folder.glob("*.txt"))[1]
    lines = path.read_text(encoding="utf-8").split("\n")
    lines[1] = lines[1].replace("[", "[改过的标题 ", 1)
    path.write_text("\n".join(lines), encoding="utf-8")
    changed = read(folder, cache)
    assert changed == fresh(folder)
    assert any(a.title.startswith("改过的标题") for a in changed.articles)


def test_damaged_entries_are_ignored_and_replaced(folder, tmp_path):
    cache = tmp_path / "cache"
    read(folder, cache)
    with sqlite3.connect(cache / "articles.sqlite") as db:
        db.execute("UPDATE articles SET data = substr(data, 1, 40)")
    assert read(folder, cache) == fresh(folder)
    # The next parse wrote whole entries again.
    restored = ArticleCache(cache).get_many(stored_rows(cache))
    assert len(restored) == len(fresh(folder).articles)


def test_a_damaged_database_is_made_anew(folder, tmp_path):
    cache = tmp_path / "cache"
    cache.mkdir()
    (cache / "articles.sqlite").write_bytes(b"not a database at all " * 100)
    assert read(folder, cache) == fresh(folder)
    assert len(stored_rows(cache)) == len(fresh(folder).articles)


def test_entries_of_another_reader_are_never_used(folder, tmp_path):
    cache = tmp_path / "cache"
    expected = fresh(folder)
    # An older reader cached different articles under the same file digests.
    other = ArticleCache(cache, fingerprint="an older reader")
    other.put_many((file_digest(a.source_path.read_bytes()),
                    a.__class__(**{**vars(a), "title": "stale"})) for a in expected.articles)
    assert read(folder, cache) == expected
    assert len(stored_rows(cache)) == len(expected.articles)
    assert ArticleCache(cache, fingerprint="an older reader").get_many(stored_rows(cache)) == {}


class _Exploit:
    """Unpickling this would run a command; the cache must refuse to build it."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self):
        return (os.system, (f"touch {self.marker}",))


def test_cache_entries_cannot_run_code(folder, tmp_path):
    cache = tmp_path / "cache"
    read(folder, cache)
    marker = tmp_path / "pwned"
    with sqlite3.connect(cache / "articles.sqlite") as db:
        db.execute("UPDATE articles SET data = ?", (pickle.dumps(_Exploit(marker)),))
    assert read(folder, cache) == fresh(folder)
    assert not marker.exists()


def test_no_cache_reads_and_writes_nothing(folder, tmp_path, monkeypatch):
    cache = tmp_path / "cache"
    import bookmaker.pipeline

    expected_plain = fresh(folder)
    # Without a cache the digest is never needed, so files are not hashed.
    monkeypatch.setattr(bookmaker.pipeline, "file_digest", lambda data: 1 / 0)
    assert fresh(folder) == expected_plain
    monkeypatch.undo()
    assert read(folder, cache, cache=False) == fresh(folder)
    assert not (cache / "articles.sqlite").exists()
    # With a cache full of wrong entries for these very files, nothing comes from it
    # and nothing in it changes.
    expected = fresh(folder)
    ArticleCache(cache).put_many((file_digest(a.source_path.read_bytes()),
                                  a.__class__(**{**vars(a), "title": "stale"}))
                                 for a in expected.articles)
    before = stored_rows(cache)
    assert read(folder, cache, cache=False) == expected
    assert stored_rows(cache) == before


def test_the_fingerprint_covers_every_module_the_reader_runs():
    """A module added to the reader must join READER_MODULES, or its changes would
    leave stale articles in the cache."""
    # Modules the reader imports that do not decide what an article parses into.
    unrelated = {"bookmaker.errors", "bookmaker.source_files", "bookmaker.backends",
                 "bookmaker.options"}
    assert unlisted_modules("bookmaker.reader", READER_MODULES, unrelated) == []
