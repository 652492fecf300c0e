"""What a PDF build learns for the next one to the same file, and what it guesses from it.

Page numbers are printed before they are known: the contents and the chapter openers
name the pages of articles that may still be typesetting. A first build guesses their
width (:func:`guess_numbers`); a rebuild remembers how its navigation was typeset and
how many pages each article took (:func:`record`, :func:`recall`), and from that
predicts where each article of every part starts (:func:`predicted_summary`), before
any part is typeset or looked up. Every guess is checked once the real pages are known: a
wrong one costs time, never a wrong number.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Mapping, Sequence

from ..model import Article, Book, Chapter
from ._pdf_documents import COVER_ID, TITLE_PAGE_ID
from ._pdf_layout import TOC_ID, PageMap, Summary

#: Characters of article markup per page, and lines of contents per page: rough
#: measures (of the synthetic corpus), for guessing how long page numbers will be.
_CHARACTERS_PER_PAGE = {"A5": 1040, "B5": 1450, "A4": 1950, "letter": 2000}
_CONTENTS_LINES = 25


@dataclass(frozen=True)
class Memory:
    """What the last build to the same file left."""

    #: Summaries of its front matter and runs of openers, when they still fit the book.
    navigation: list[Summary] | None
    #: Pages per article, by content hash.
    lengths: Mapping[str, int]

    def knows(self, article: Article) -> bool:
        """Whether the article's length is remembered."""
        return is_length(self.lengths.get(article.content_hash))


#: What the page map reads from a document's summary: all a record keeps of one.
_READ_BY_THE_MAP = ("pages", "anchors", "bookmarks")


def record(navigation: Sequence[Summary], page_map: PageMap) -> dict[str, object]:
    """What to remember of a finished build (a JSON value)."""
    return {"navigation": [{name: summary[name] for name in _READ_BY_THE_MAP}
                           for summary in navigation],
            "lengths": page_map.lengths}


def recall(remembered: object, opener_runs: Sequence[tuple[Chapter, ...]]) -> Memory:
    """The memory in a record of :func:`record` (anything else remembers nothing).

    The navigation is kept when its runs of openers still name the same chapters: its
    length is then a good guess, and laying it out with placeholders first can be
    skipped (the guess is checked when it is typeset; a wrong one costs one more round).
    """
    nothing = Memory(None, {})
    try:
        navigation = remembered["navigation"]  # type: ignore[index]
        lengths = remembered["lengths"]  # type: ignore[index]
        front, *openers = navigation
        if not isinstance(lengths, dict) or len(openers) != len(opener_runs):
            return nothing
        for chapters, summary in zip(opener_runs, openers):
            keys = [chapter.key for chapter in chapters]
            named = [name for name, _, _, _ in summary["anchors"] if name in set(keys)]
            if named != keys:
                return nothing
        named = {name for name, _, _, _ in front["anchors"]}
        if front["pages"] > 2 and {COVER_ID, TITLE_PAGE_ID, TOC_ID} <= named:
            return Memory([front, *openers], lengths)
    except (TypeError, ValueError, KeyError):
        pass
    return nothing


def predicted_summary(articles: Sequence[Article], lengths: Mapping[str, int]) -> Summary:
    """Where each article of a part would start, from the articles' lengths: all that
    the page map needs to number them. An article of unknown length counts one page
    (right only for the book's last article, whose length moves no number)."""
    anchors, pages = [], 0
    for article in articles:
        anchors.append((article.slug, pages, 0.0, 0.0))
        length = lengths.get(article.content_hash)
        pages += length if is_length(length) else 1
    return {"pages": pages, "anchors": anchors, "bookmarks": []}


def guess_numbers(book: Book, page_size: str) -> dict[str, str]:
    """Placeholders for the page numbers printed before they are known: zeros, as many
    as the number will likely have digits (its width can move a line, so a good guess
    spares typesetting the navigation twice)."""
    per_page = _CHARACTERS_PER_PAGE.get(page_size, 1500)
    page = 3 + book.article_count // _CONTENTS_LINES
    guessed: dict[str, int] = {}
    for chapter in book.chapters:
        page += 1 + len(chapter.articles) // _CONTENTS_LINES
        guessed[chapter.key] = page
        for article in chapter.articles:
            guessed[article.slug] = page
            page += max(1, (len(article.body) + len(article.title)) // per_page)
    return {name: "0" * len(str(number)) for name, number in guessed.items()}


def is_length(value: object) -> bool:
    """A remembered article length is a whole number of pages (the record is JSON)."""
    return isinstance(value, int) and not isinstance(value, bool) and value >= 1
