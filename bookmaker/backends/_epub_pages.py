"""The EPUB's article pages: rendered and deflated once, shared with helper processes, or reused."""

from __future__ import annotations

import dataclasses
import hashlib
from dataclasses import dataclass, field
from typing import Callable

import jinja2
from lxml import etree

from .. import render
from ..errors import BuildError
from ..model import Article, Book, Chapter
from ..work_sharing import helper_count, map_shared
from ._epub_page_cache import Answer, Deflated, PageCache, deflate


#: The fields of an article that its page shows: all but where its file is and what
#: went wrong reading it.
_KEYED_FIELDS = tuple(f.name for f in dataclasses.fields(Article)
                      if f.name not in ("source_path", "warnings"))


@dataclass(frozen=True)
class RecordingContext(render.RenderContext):
    """A render context that notes every question a page asks about the book (where a
    link leads, where an image is), so that a cached page can be checked against them."""

    #: Where an image of the book is embedded, by remote URL (``None``: not embedded);
    #: ``image_src`` asks it and records the answer.
    embedded_src: Callable[[str], str | None] = lambda url: None
    answers: list[Answer] = field(default_factory=list)

    @classmethod
    def create(cls, book: Book, article_href: Callable[[Article], str],
               chapter_href: Callable[[Chapter], str],
               embedded_src: Callable[[str], str | None],
               labels: dict[str, str]) -> "RecordingContext":
        answers: list[Answer] = []

        def image_src(url: str) -> str | None:
            answer = embedded_src(url)
            answers.append(("image", url, answer))
            return answer

        return cls(book=book, article_href=article_href, chapter_href=chapter_href,
                   image_src=image_src, link_footnotes=False, labels=labels,
                   embedded_src=embedded_src, answers=answers)

    def internal_href(self, url: str) -> str | None:
        key = render.plain_link_key(url)
        if key is None:
            answer = super().internal_href(url)
            self.answers.append(("url", url, answer))
        else:
            # By its link key, a plain address is answered (again) with one lookup.
            answer = self.ask("link", key)
            self.answers.append(("link", key, answer))
        return answer

    def ask(self, kind: str, subject: str) -> str | None:
        """Today's answer to a recorded question, without recording it."""
        if kind == "link":
            article = self._articles_by_url.get(subject)
            return self.article_href(article) if article is not None else None
        if kind == "url":
            return super().internal_href(subject)
        return self.embedded_src(subject) if kind == "image" else f"unknown question {kind!r}"


class ArticlePages:
    """Every article's page, deflated: from the page cache when the article, the book
    facts in its key and every answer it recorded are unchanged; else rendered, here
    and in forked helpers when there are many."""

    def __init__(self, book: Book, context: RecordingContext, cache: PageCache,
                 stylesheets: list[str]) -> None:
        self.book, self.context, self.cache = book, context, cache
        self.stylesheets = stylesheets
        self._pages: dict[int, Deflated] = {}

    def prepare(self, articles: list[tuple[Article, str]], jobs: int = 0,
                progress: Callable[[int, int], None] | None = None) -> None:
        """Make the page of every ``(article, title)``, in reading order."""
        keys: list[str | None] = [None] * len(articles)
        missing = list(range(len(articles)))
        if not self.cache.empty:
            keys = [self._key(article) for article, _ in articles]
            missing = []
            for index, key in enumerate(keys):
                page = self.cache.get(key, self.context.ask)
                if page is None:
                    missing.append(index)
                else:
                    self._pages[index] = page
        reused = len(articles) - len(missing)

        def render_one(position: int) -> tuple[str, list[Answer], Deflated] | Exception:
            index = missing[position]
            article, title = articles[index]
            try:
                # With nothing cached, keys are made here, shared with the helpers too.
                key = keys[index] or (self._key(article) if self.cache.path else "")
                return (key, *self._render(article, title))
            except Exception as exc:  # noqa: BLE001 - raised below, in this process
                return exc

        report = (lambda done: progress(reused + done, len(articles))) if progress else None
        if report:
            report(reused)
        helpers = helper_count(len(missing), jobs)
        if helpers:
            # Helpers inherit what is loaded before they are forked: compile once.
            render.preload_templates("article.jinja", "page.jinja")
        made = map_shared(render_one, len(missing), helpers, report)
        for index, outcome in zip(missing, made):
            if isinstance(outcome, Exception):
                raise outcome
            key, answers, page = outcome
            self.cache.put(key, answers, page)
            self._pages[index] = page

    def page(self, index: int) -> Deflated:
        """The page of the ``index``-th article given to :meth:`prepare`."""
        return self._pages[index]

    def _render(self, article: Article, title: str) -> tuple[list[Answer], Deflated]:
        self.context.answers.clear()
        try:
            body = render.render_article(article, self.context)
        except (etree.XMLSyntaxError, jinja2.TemplateError) as exc:
            raise BuildError(f"{article.source_path}: cannot render the article: {exc}") \
                from exc
        document = render.render_page(body, title=title, lang=self._lang(article),
                                      stylesheets=self.stylesheets,
                                      body_class="article-page")
        return list(self.context.answers), deflate(document.encode("utf-8"))

    def _lang(self, article: Article) -> str:
        return article.language or self.book.language

    def _key(self, article: Article) -> str:
        """What a page says besides the recorded answers: the article (wherever its file
        is), its language, the book's time zone and its images as embedded."""
        images = []
        for url in article.image_urls:
            local = self.book.images.get(url)
            images.append((url, self.context.embedded_src(url),
                           (local.width, local.height) if local else None))
        digest = hashlib.sha256()
        for value in [*(getattr(article, name) for name in _KEYED_FIELDS),
                      self._lang(article), self.book.timezone, images]:
            data = (value if isinstance(value, str) else repr(value)).encode("utf-8")
            digest.update(len(data).to_bytes(8, "big"))
            digest.update(data)
        return digest.hexdigest()
