"""A book from a list of articles, cut into chapters of a fixed size, for the EPUB and
PDF test helpers."""

from __future__ import annotations

from typing import Callable

from bookmaker.model import Article, Book, Chapter


def chaptered_book(articles: list[Article], per_chapter: int, title: str,
                   images: dict | None, chapter_name: Callable[[int], tuple[str, str]]
                   ) -> Book:
    """``articles`` in chapters of ``per_chapter``; ``chapter_name(n)`` gives the title
    and key of chapter ``n`` (from 0)."""
    chapters = []
    for number, start in enumerate(range(0, len(articles), per_chapter)):
        chapter_title, key = chapter_name(number)
        chapters.append(Chapter(title=chapter_title, key=key,
                                articles=tuple(articles[start:start + per_chapter])))
    return Book(title=title, language="zh-Hans", chapters=tuple(chapters),
                publishers=("纽约时报中文网",), images=images or {})
