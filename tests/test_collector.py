"""The collector: dedupe, date selection, order, grouping and book metadata."""

from __future__ import annotations

import hashlib
import re
from datetime import date, datetime, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bookmaker.collector import (Duplicate, book_language, book_publishers, canonical_url,
                                 collect, publisher_name)
from bookmaker.model import Article, Footer
from bookmaker.options import Options


def article(stamp: str, url: str = "https://cn.nytimes.com/world/20231017/a/", *,
            path: str | None = None, content: str | None = None, language: str = "zh-Hans",
            section_key: str = "world", section: str = "国际") -> Article:
    """A hand-made article; unless given, content and path derive from URL and stamp."""
    published = datetime.fromisoformat(stamp).astimezone(timezone.utc)
    content = content if content is not None else f"{url}|{stamp}"
    return Article(title=f"关于{content}", url=url, published=published, authors=("A B",),
                   dateline_text="", dateline_value="", lead_figure=None,
                   body=f"<p>{content}</p>", figures=(), footer=Footer(), section=section,
                   section_key=section_key, language=language,
                   source_path=Path(path or f"{_digest(url + stamp)[:12]}.txt"),
                   content_hash=_digest(content))


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


@pytest.mark.parametrize("variant", [
    "https://cn.nytimes.com/world/20231017/putin-china-xi/",
    "https://cn.nytimes.com/world/20231017/putin-china-xi",
    "http://cn.nytimes.com/world/20231017/putin-china-xi/",
    "HTTPS://CN.NYTimes.com/world/20231017/putin-china-xi/#comments",
    "https://cn.nytimes.com:443/world/20231017/putin-china-xi/?utm_source=x&utm_medium=y",
    "https://cn.nytimes.com/world/20231017/putin-china-xi/?fbclid=1&gclid=2&mc_cid=3&mc_eid=4",
    "  https://cn.nytimes.com/world/20231017/putin-china-xi/  ",
])
def test_canonical_url_ignores_what_does_not_identify_the_article(variant):
    assert canonical_url(variant) == "https://cn.nytimes.com/world/20231017/putin-china-xi"


def test_canonical_url_keeps_what_does_identify_it():
    base = "https://cn.nytimes.com/world/20231017/putin-china-xi/"
    assert canonical_url(base + "?page=2") != canonical_url(base)
    assert canonical_url(base + "?b=2&a=1") == canonical_url(base + "?a=1&b=2")
    assert canonical_url("https://cn.nytimes.com/World/x/") != canonical_url(
        "https://cn.nytimes.com/world/x/")
    assert canonical_url("https://example.com:8080/x") == "https://example.com:8080/x"


def test_same_url_keeps_the_latest_copy():
    old = article("2023-10-17T09:00:00+00:00", "https://cn.nytimes.com/world/a/", path="1.txt")
    new = article("2023-10-18T09:00:00+00:00", "http://cn.nytimes.com/world/a?utm_source=x",
                  path="0.txt")
    other = article("2023-10-17T10:00:00+00:00", "https://cn.nytimes.com/world/b/")
    result = collect([new, old, other], Options())
    assert result.duplicates == (Duplicate(Path("1.txt"), Path("0.txt"), "same URL"),)
    kept = list(result.book.articles)
    assert new in kept and old not in kept and len(kept) == 2


def test_same_url_same_time_keeps_the_later_path():
    a = article("2023-10-17T09:00:00+00:00", path="b.txt", content="x")
    b = article("2023-10-17T09:00:00+00:00", path="a.txt", content="y")
    for items in ([a, b], [b, a]):
        result = collect(items, Options())
        assert [x.source_path for x in result.book.articles] == [Path("b.txt")]
        assert result.duplicates[0].reason == "same URL"


def test_same_content_under_another_address_is_dropped():
    a = article("2023-10-17T09:00:00+00:00", "https://cn.nytimes.com/a/", content="same",
                path="a.txt")
    b = article("2023-10-17T11:00:00+00:00", "https://m.cn.nytimes.com/a/", content="same",
                path="b.txt")
    result = collect([a, b], Options())
    assert [x.source_path for x in result.book.articles] == [Path("b.txt")]
    assert result.duplicates == (Duplicate(Path("a.txt"), Path("b.txt"), "same content"),)


def test_articles_without_a_usable_address_are_not_duplicates_of_each_other():
    items = [article("2023-10-17T09:00:00+00:00", url, path=f"{i}.txt", content=str(i))
             for i, url in enumerate(("", "/relative/", "/relative/", "about:blank"))]
    assert collect(items, Options()).book.article_count == 4


def _urls(n: int) -> list[str]:
    return [f"https://cn.nytimes.com/world/{i}/" for i in range(n)]


def test_since_until_are_inclusive_local_days():
    # In Shanghai the 17th runs from 16:00 UTC on the 16th to 15:59:59 UTC on the 17th.
    stamps = ["2023-10-16T15:59:59+00:00", "2023-10-16T16:00:00+00:00",
              "2023-10-17T15:59:59+00:00", "2023-10-17T16:00:00+00:00"]
    items = [article(s, u) for s, u in zip(stamps, _urls(4))]
    day = date(2023, 10, 17)
    shanghai = collect(items, Options(since=day, until=day))
    assert [a.published.isoformat() for a in shanghai.book.articles] == [
        "2023-10-16T16:00:00+00:00", "2023-10-17T15:59:59+00:00"]
    assert shanghai.filtered_out == 2
    utc = collect(items, Options(since=day, until=day, timezone="UTC"))
    assert [a.published.isoformat() for a in utc.book.articles] == [
        "2023-10-17T15:59:59+00:00", "2023-10-17T16:00:00+00:00"]
    only_since = collect(items, Options(since=day))
    assert only_since.book.article_count == 3


def test_order_uses_a_total_key():
    stamp = "2023-10-17T09:00:00+00:00"
    items = [article(stamp, u, path=p) for u, p in zip(_urls(3), ("c.txt", "a.txt", "b.txt"))]
    items.append(article("2023-10-16T09:00:00+00:00", _urls(4)[3], path="z.txt"))
    oldest = collect(items, Options())
    assert [a.source_path.name for a in oldest.book.articles] == [
        "z.txt", "a.txt", "b.txt", "c.txt"]
    newest = collect(items, Options(order="newest"))
    assert [a.source_path.name for a in newest.book.articles] == [
        "c.txt", "b.txt", "a.txt", "z.txt"]
    assert [c.key for c in newest.book.chapters] == ["d2023-10-17", "d2023-10-16"]


def test_language_is_the_majority_with_ties_to_simplified():
    def langs(*tags):
        return [article("2023-10-17T09:00:00+00:00", u, language=t)
                for u, t in zip(_urls(len(tags)), tags)]
    assert book_language(langs("zh-Hant", "zh-Hant", "zh-Hans")) == "zh-Hant"
    assert book_language(langs("zh-Hant", "zh-Hans")) == "zh-Hans"
    assert book_language(langs("en", "zh-Hant")) == "zh-Hant"
    assert book_language(langs("en", "en", "zh-Hans")) == "en"
    assert book_language([]) == "zh-Hans"


def test_publishers_from_hosts_most_frequent_first():
    assert publisher_name("https://cn.nytimes.com/world/x/") == "纽约时报中文网"
    assert publisher_name("https://m.cn.nytimes.com/world/x/") == "纽约时报中文网"
    assert publisher_name("https://cn.nytimes.com/x/", "zh-Hant") == "紐約時報中文網"
    assert publisher_name("https://www.nytimes.com/2023/x.html") == "The New York Times"
    assert publisher_name("https://www.Example.org/x") == "example.org"
    urls = ["https://www.example.org/1", "https://cn.nytimes.com/2",
            "https://m.cn.nytimes.com/3", "https://news.example.net/4"]
    items = [article("2023-10-17T09:00:00+00:00", u) for u in urls]
    assert book_publishers(items, "zh-Hans") == ("纽约时报中文网", "example.org",
                                                 "news.example.net")


def test_default_titles():
    day = [article("2023-10-17T09:00:00+00:00")]
    assert collect(day, Options()).book.title == "纽约时报中文网 · 2023年10月17日"
    week = [article("2023-10-16T09:00:00+00:00", _urls(2)[0]),
            article("2023-10-22T09:00:00+00:00", _urls(2)[1])]
    assert collect(week, Options()).book.title == "纽约时报中文网 · 2023年10月16日—10月22日"
    years = [article("2023-12-30T09:00:00+00:00", _urls(2)[0]),
             article("2024-01-05T09:00:00+00:00", _urls(2)[1])]
    assert collect(years, Options()).book.title == (
        "纽约时报中文网 · 2023年12月30日—2024年1月5日")
    mixed = [article("2023-10-17T09:00:00+00:00", u) for u in
             ("https://cn.nytimes.com/a/", "https://cn.nytimes.com/b/",
              "https://www.nytimes.com/c", "https://example.org/d")]
    assert collect(mixed, Options()).book.title == (
        "纽约时报中文网、The New York Times等 · 2023年10月17日")
    english = [article("2023-10-17T09:00:00+00:00", "https://www.nytimes.com/a",
                       language="en")]
    book = collect(english, Options()).book
    assert (book.language, book.title) == ("en", "The New York Times · 17 October 2023")
    assert book.chapters[0].title == "Tuesday, 17 October 2023"
    assert collect(day, Options(title="我的书")).book.title == "我的书"


def test_empty_input_gives_an_empty_book():
    result = collect([], Options(title=None))
    assert result.book.chapters == () and result.book.article_count == 0
    assert result.book.language == "zh-Hans" and result.book.title
    assert result.duplicates == () and result.filtered_out == 0


def test_book_carries_time_zone_and_publishers():
    book = collect([article("2023-10-17T09:00:00+00:00")], Options(timezone="UTC")).book
    assert book.timezone == "UTC" and book.publishers == ("纽约时报中文网",)


# -- on a generated corpus, through the real reader ----------------------------------

CORPUS_SIZE = 60


@pytest.fixture(scope="module")
def corpus_articles(tmp_path_factory):
    from bookmaker.corpus import generate
    from bookmaker.reader import parse_file

    paths = generate(tmp_path_factory.mktemp("corpus"), CORPUS_SIZE, seed=7)
    return [parse_file(p) for p in paths]


def test_corpus_duplicates_are_exactly_the_republished_files(corpus_articles):
    from bookmaker.corpus import duplicate_count

    result = collect(corpus_articles, Options())
    assert len(result.duplicates) == duplicate_count(CORPUS_SIZE) == 3
    assert {d.reason for d in result.duplicates} == {"same URL"}
    assert result.book.article_count == CORPUS_SIZE - 3
    kept = {a.source_path: a for a in result.book.articles}
    dropped = {a.source_path: a for a in corpus_articles}
    for duplicate in result.duplicates:
        assert kept[duplicate.kept].published > dropped[duplicate.dropped].published
        assert canonical_url(kept[duplicate.kept].url) == canonical_url(
            dropped[duplicate.dropped].url)


def test_corpus_order_and_week_chapters(corpus_articles):
    book = collect(corpus_articles, Options()).book
    stamps = [a.published for a in book.articles]
    assert stamps == sorted(stamps) and len(set(stamps)) == len(stamps)
    # 30 days of articles: auto groups by ISO week.
    assert all(re.fullmatch(r"w2023-\d\d", c.key) for c in book.chapters)
    assert "2023年第42周（10月16日—10月22日）" in [c.title for c in book.chapters]
    zone = ZoneInfo("Asia/Shanghai")
    for chapter in book.chapters:
        weeks = {a.published.astimezone(zone).isocalendar().week for a in chapter.articles}
        assert weeks == {int(chapter.key[-2:])}
    newest = [a.published for a in collect(corpus_articles, Options(order="newest")).book.articles]
    assert newest == sorted(newest, reverse=True)


@pytest.mark.parametrize("group_by", ["day", "week", "month", "section", "none"])
def test_corpus_every_grouping_keeps_every_article_once(corpus_articles, group_by):
    book = collect(corpus_articles, Options(group_by=group_by)).book
    assert book.article_count == CORPUS_SIZE - 3
    assert len({a.source_path for a in book.articles}) == book.article_count
    assert len({c.key for c in book.chapters}) == len(book.chapters)
    if group_by == "section":
        assert [c.title for c in book.chapters] == ["国际", "中国", "商业与经济", "观点与评论",
                                                    "文化"]


def test_corpus_date_window(corpus_articles):
    zone = ZoneInfo("Asia/Shanghai")
    since, until = date(2023, 10, 10), date(2023, 10, 20)
    result = collect(corpus_articles, Options(since=since, until=until))
    days = [a.published.astimezone(zone).date() for a in result.book.articles]
    assert days and min(days) >= since and max(days) <= until
    inside = [a for a in corpus_articles
              if since <= a.published.astimezone(zone).date() <= until]
    assert result.filtered_out == len(corpus_articles) - len(inside)
    assert result.book.article_count == len(inside) - len(result.duplicates)
