"""The data that flows through bookmaker: articles, chapters and books."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path
from typing import Collection, Iterator, Mapping


@dataclass(frozen=True)
class Figure:
    """An image with its caption, as the article describes it (the image may be remote)."""

    #: Absolute http(s) URL of the image as written in the article; ``None`` when the
    #: article had a caption but no usable image address.
    src: str | None
    width: int | None = None
    height: int | None = None
    #: Caption as plain text (no markup).
    caption: str = ""
    #: Photo credit (the ``<cite>`` of the caption) as plain text.
    credit: str = ""


@dataclass(frozen=True)
class Footer:
    """The closing notes of an article, split into their parts."""

    #: Reporting-contribution lines ("X对本文有报道贡献。"), clean XHTML fragments.
    contributors: tuple[str, ...] = ()
    #: Author biographies and any other closing notes, clean XHTML fragments.
    notes: tuple[str, ...] = ()
    #: Translator credit as plain text ("翻译：纽约时报中文网"), or "".
    translator: str = ""
    #: Link to the original-language version of the article, or ``None``.
    original_url: str | None = None
    #: The label that link carried in the source ("点击查看本文英文版。").
    original_label: str = ""


@dataclass(frozen=True)
class Article:
    """One parsed, cleaned article; every string of markup in it is safe XHTML."""

    title: str
    url: str
    #: Archive timestamp (line 1), aware and in UTC; the ordering key.
    published: datetime
    authors: tuple[str, ...]
    #: Text of the ``<time>`` element ("2023年10月17日") and its ``datetime`` attribute.
    dateline_text: str
    dateline_value: str
    lead_figure: Figure | None
    #: Body as a well-formed XHTML fragment (no namespace declarations). Inline images
    #: appear as ``<figure><img src="URL" alt=""/><figcaption>…</figcaption></figure>``
    #: with the same ``src`` as the matching entry of ``figures``.
    body: str
    #: The inline figures of the body, in document order.
    figures: tuple[Figure, ...]
    footer: Footer
    #: Display name of the section (国际) and the URL path segment it came from (world).
    section: str
    section_key: str
    #: BCP 47 tag: ``zh-Hans``, ``zh-Hant`` or another language.
    language: str
    source_path: Path
    #: Hex SHA-256 of the article's parsed content (title, body, footer), for dedupe
    #: and caching.
    content_hash: str
    #: Non-fatal problems met while reading (e.g. a fallback timestamp).
    warnings: tuple[str, ...] = ()

    @property
    def image_urls(self) -> tuple[str, ...]:
        """Every image address of the article: the lead figure first, then the body's."""
        figures = ((self.lead_figure,) if self.lead_figure else ()) + self.figures
        return tuple(f.src for f in figures if f.src)

    @property
    def slug(self) -> str:
        """A short ASCII name, stable for the same content, used for file names and ids."""
        return "a" + self.content_hash[:12]


@dataclass(frozen=True)
class LocalImage:
    """An image ready to embed: a processed file on disk."""

    path: Path
    media_type: str
    width: int
    height: int


@dataclass(frozen=True)
class Chapter:
    """A titled group of articles."""

    #: Display title ("2023年10月17日 星期二").
    title: str
    #: ASCII key, unique within the book, usable as a file name or id ("d2023-10-17").
    key: str
    articles: tuple[Article, ...]


@dataclass(frozen=True)
class Book:
    """Chapters of articles, with what every backend needs to describe them."""

    title: str
    #: Language of the book, the one most of its articles share.
    language: str
    chapters: tuple[Chapter, ...]
    #: IANA time zone in which dates are shown and days are cut.
    timezone: str = "Asia/Shanghai"
    #: Publishers of the articles ("纽约时报中文网"), most frequent first.
    publishers: tuple[str, ...] = ()
    #: Remote image URL → local processed file; filled by the assets stage. A URL that
    #: is absent here is shown as its caption only.
    images: Mapping[str, LocalImage] = field(default_factory=dict)

    @property
    def articles(self) -> Iterator[Article]:
        """All articles in reading order."""
        for chapter in self.chapters:
            yield from chapter.articles

    @property
    def article_count(self) -> int:
        return sum(len(chapter.articles) for chapter in self.chapters)

    def without(self, slugs: Collection[str]) -> "Book":
        """The book less the articles whose slug is in ``slugs``, and less the chapters
        that leaves empty."""
        chapters = []
        for chapter in self.chapters:
            kept = tuple(article for article in chapter.articles if article.slug not in slugs)
            if kept:
                chapters.append(replace(chapter, articles=kept))
        return replace(self, chapters=tuple(chapters))

    @property
    def first_published(self) -> datetime | None:
        return min((a.published for a in self.articles), default=None)

    @property
    def last_published(self) -> datetime | None:
        return max((a.published for a in self.articles), default=None)
