"""From parsed articles to a Book: select by date, drop duplicates, order, group, title."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Callable, Iterable, Sequence
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit
from zoneinfo import ZoneInfo

from .chapters import group_articles, local_date
from .labels import format_date_range, writing
from .model import Article, Book
from .options import Options

#: Query parameters that only say how a reader arrived (``utm_*`` too); an address
#: that differs only in them is the same article.
TRACKING_PARAMETERS = frozenset({"fbclid", "gclid", "mc_cid", "mc_eid"})

#: Host → publisher name, per script; hosts not listed are shown as themselves.
_PUBLISHERS = {
    "cn.nytimes.com": ("纽约时报中文网", "紐約時報中文網"),
    "m.cn.nytimes.com": ("纽约时报中文网", "紐約時報中文網"),
    "cn.nytstyle.com": ("纽约时报风尚", "紐約時報風尚"),
    "nytimes.com": ("The New York Times", "The New York Times"),
    "m.nytimes.com": ("The New York Times", "The New York Times"),
}

DEFAULT_LANGUAGE = "zh-Hans"


@dataclass(frozen=True)
class Duplicate:
    """An article left out because another file carries the same article."""

    dropped: Path
    kept: Path
    #: "same URL" or "same content".
    reason: str


@dataclass(frozen=True)
class Collection:
    """The book, and what the collector left out on the way."""

    book: Book
    duplicates: tuple[Duplicate, ...] = ()
    #: Articles outside ``--since``/``--until``.
    filtered_out: int = 0


def canonical_url(url: str) -> str:
    """The identity of an article address.

    Scheme (http is https) and host case, default ports, the fragment, tracking
    parameters and a trailing slash do not matter; the remaining query is sorted.
    """
    parts = urlsplit(url.strip())
    host = (parts.hostname or "").lower()
    try:
        port = parts.port
    except ValueError:
        port = None
    if port and port not in (80, 443):
        host = f"{host}:{port}"
    query = sorted((key, value) for key, value in parse_qsl(parts.query, keep_blank_values=True)
                   if not _is_tracking(key))
    path = parts.path.rstrip("/") or "/"
    scheme = parts.scheme.lower()
    if scheme == "http":
        scheme = "https"
    return urlunsplit((scheme, host, path, urlencode(query), ""))


def _is_tracking(key: str) -> bool:
    key = key.lower()
    return key.startswith("utm_") or key in TRACKING_PARAMETERS


def _recency(article: Article) -> tuple[datetime, Path]:
    return (article.published, article.source_path)


def drop_duplicates(articles: Sequence[Article]) -> tuple[list[Article], list[Duplicate]]:
    """Keep one article per canonical URL, then one per content; the latest wins.

    "Latest" is the later ``published``; on a tie, the later ``source_path``.
    """
    duplicates: list[Duplicate] = []
    kept = _keep_latest(articles, _url_identity, "same URL", duplicates)
    kept = _keep_latest(kept, lambda a: a.content_hash, "same content", duplicates)
    duplicates.sort(key=lambda d: (d.dropped, d.kept))
    return kept, duplicates


def _url_identity(article: Article) -> str:
    # An address without a host identifies nothing; such an article is only its file.
    if not urlsplit(article.url.strip()).hostname:
        return f"file:{article.source_path}"
    return canonical_url(article.url)


def _keep_latest(articles: Sequence[Article], identity: Callable[[Article], str], reason: str,
                 duplicates: list[Duplicate]) -> list[Article]:
    groups: dict[str, list[Article]] = {}
    for article in articles:
        groups.setdefault(identity(article), []).append(article)
    kept: list[Article] = []
    for members in groups.values():
        winner = max(members, key=_recency)
        kept.append(winner)
        duplicates.extend(Duplicate(m.source_path, winner.source_path, reason)
                          for m in members if m is not winner)
    return kept


def select_dates(articles: Iterable[Article], options: Options) -> tuple[list[Article], int]:
    """The articles whose local date lies within ``since``..``until`` (both inclusive),
    and how many were left out."""
    zone = ZoneInfo(options.timezone)
    selected: list[Article] = []
    left_out = 0
    for article in articles:
        day = local_date(article, zone)
        if (options.since and day < options.since) or (options.until and day > options.until):
            left_out += 1
        else:
            selected.append(article)
    return selected, left_out


def book_language(articles: Sequence[Article]) -> str:
    """The language most articles share; ties go to zh-Hans, then zh-Hant, then by name."""
    counts = Counter(a.language for a in articles if a.language)
    if not counts:
        return DEFAULT_LANGUAGE
    preference = {DEFAULT_LANGUAGE: 0, "zh-Hant": 1}
    return min(counts, key=lambda lang: (-counts[lang], preference.get(lang, 2), lang))


def publisher_name(url: str, language: str = DEFAULT_LANGUAGE) -> str:
    """Who published ``url``: a known name for the host, or the host without ``www.``."""
    host = (urlsplit(url.strip()).hostname or "").lower().removeprefix("www.")
    if host in _PUBLISHERS:
        simplified, traditional = _PUBLISHERS[host]
        return traditional if language.lower().startswith("zh-hant") else simplified
    return host


def book_publishers(articles: Sequence[Article], language: str) -> tuple[str, ...]:
    """Publisher names of ``articles``, most frequent first (then by name)."""
    counts = Counter(name for a in articles if (name := publisher_name(a.url, language)))
    return tuple(sorted(counts, key=lambda name: (-counts[name], name)))


def default_title(publishers: Sequence[str], articles: Sequence[Article],
                  timezone: str, language: str) -> str:
    """"纽约时报中文网 · 2023年10月16日—10月22日", from the sources and the date range."""
    form = writing(language)
    if not publishers:
        source = {"zh-Hans": "新闻选辑", "ja": "ニュース選集", "ko": "뉴스 모음"}.get(
            form, "News digest")
    elif len(publishers) == 1:
        source = publishers[0]
    elif form in ("zh-Hans", "ja"):
        more = "等" if form == "zh-Hans" else "ほか"
        source = "、".join(publishers[:2]) + (more if len(publishers) > 2 else "")
    elif form == "ko":
        source = ", ".join(publishers[:2]) + (" 외" if len(publishers) > 2 else "")
    else:
        source = " and ".join(publishers[:2]) + (" and others"
                                                        if len(publishers) > 2 else "")
    if not articles:
        return source
    first = min(a.published for a in articles)
    last = max(a.published for a in articles)
    return f"{source} · {format_date_range(first, last, timezone, language)}"


def order_articles(articles: Iterable[Article], order: str) -> list[Article]:
    """Oldest-first (or newest-first) with the total key (published, source_path)."""
    return sorted(articles, key=_recency, reverse=(order == "newest"))


def collect(articles: Iterable[Article], options: Options) -> Collection:
    """Select, dedupe, order, group and title ``articles`` into a :class:`Book`.

    The date selection comes first, so a re-published copy outside the range never
    hides the copy inside it; duplicates are then dropped among the selected.
    """
    selected, left_out = select_dates(articles, options)
    kept, duplicates = drop_duplicates(selected)
    ordered = order_articles(kept, options.order)
    language = book_language(ordered)
    publishers = book_publishers(ordered, language)
    title = options.title if options.title else default_title(
        publishers, ordered, options.timezone, language)
    chapters = group_articles(ordered, options.group_by, options.timezone, language)
    book = Book(title=title, language=language, chapters=chapters,
                timezone=options.timezone, publishers=publishers)
    return Collection(book=book, duplicates=tuple(duplicates), filtered_out=left_out)
