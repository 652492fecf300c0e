"""What a PDF build remembers for the next: read back only when it fits the book."""

from __future__ import annotations

import json

import pytest

from bookmaker.backends import _pdf_layout
from bookmaker.backends._pdf_documents import COVER_ID, TITLE_PAGE_ID
from bookmaker.backends._pdf_layout import TOC_ID, opener_runs
from bookmaker.backends._pdf_memory import is_length, predicted_summary, recall

from pdf_support import make_article, make_book


@pytest.fixture
def book():
    """Nine articles in three chapters of three."""
    return make_book([make_article(index) for index in range(1, 10)], per_chapter=3)


def _record(book, runs, front_pages=4, lengths=None):
    """A record as a build would write it, through JSON as the cache keeps it."""
    openers = [{"pages": len(run), "bookmarks": [],
                "anchors": [[chapter.key, n, 0.0, 0.0] for n, chapter in enumerate(run)]}
               for run in runs]
    front = {"pages": front_pages, "bookmarks": [], "anchors": [
        [COVER_ID, 0, 0.0, 0.0], [TITLE_PAGE_ID, 1, 0.0, 0.0], [TOC_ID, 2, 0.0, 0.0]]}
    value = {"navigation": [front] + openers,
             "lengths": lengths if lengths is not None else
             {article.content_hash: 2 for article in book.articles}}
    return json.loads(json.dumps(value))


def test_opener_runs_end_once_they_list_enough_articles(book, monkeypatch):
    assert opener_runs(book.chapters) == [tuple(book.chapters)]  # nine articles: one run
    monkeypatch.setattr(_pdf_layout, "OPENER_RUN_ARTICLES", 4)
    assert [len(run) for run in opener_runs(book.chapters)] == [2, 1]
    monkeypatch.setattr(_pdf_layout, "OPENER_RUN_ARTICLES", 3)
    assert [len(run) for run in opener_runs(book.chapters)] == [1, 1, 1]


def test_a_record_that_fits_is_recalled(book):
    runs = opener_runs(book.chapters)
    memory = recall(_record(book, runs), runs)
    assert memory.navigation is not None and len(memory.navigation) == 1 + len(runs)
    assert all(memory.knows(article) for article in book.articles)


@pytest.mark.parametrize("spoil", [
    lambda record: None,
    lambda record: record["navigation"],  # the list an older bookmaker wrote
    lambda record: {**record, "lengths": "many"},
    lambda record: {**record, "navigation": record["navigation"][:1]},  # runs missing
    lambda record: {**record, "navigation": [{"pages": 1, "anchors": [], "bookmarks": []}]
                    + record["navigation"][1:]},  # a front matter too short to be one
    lambda record: {**record, "navigation": [
        {**record["navigation"][0], "anchors": record["navigation"][0]["anchors"][:2]}]
        + record["navigation"][1:]},  # a front matter without its contents
])
def test_a_record_that_does_not_fit_recalls_nothing(book, spoil):
    runs = opener_runs(book.chapters)
    memory = recall(spoil(_record(book, runs)), runs)
    assert memory.navigation is None and dict(memory.lengths) == {}


def test_openers_of_other_chapters_are_not_recalled(book, monkeypatch):
    monkeypatch.setattr(_pdf_layout, "OPENER_RUN_ARTICLES", 3)
    runs = opener_runs(book.chapters)
    record = _record(book, runs)
    assert recall(record, runs).navigation is not None
    # As many runs, but the last names another chapter: a new week, say.
    record["navigation"][-1]["anchors"][0][0] = "d9"
    assert recall(record, runs).navigation is None
    # The same chapters in another order.
    record = _record(book, runs[::-1])
    assert recall(record, runs).navigation is None


def test_predicted_starts_follow_the_lengths():
    articles = [make_article(index) for index in (1, 2, 3)]
    lengths = {articles[0].content_hash: 3, articles[1].content_hash: 2}
    summary = predicted_summary(articles, lengths)
    assert [(slug, page) for slug, page, _, _ in summary["anchors"]] == [
        (articles[0].slug, 0), (articles[1].slug, 3), (articles[2].slug, 5)]
    assert summary["pages"] == 6  # the last one, of unknown length, counts one page


@pytest.mark.parametrize("value, expected", [
    (1, True), (12, True), (0, False), (-2, False), (True, False), (2.0, False), ("3", False),
    (None, False)])
def test_only_whole_page_counts_are_lengths(value, expected):
    assert is_length(value) is expected
