"""Chapter titles, keys and grouping modes (pure functions on hand-made articles)."""

from __future__ import annotations

import hashlib
from datetime import date, datetime, timezone
from pathlib import Path

import pytest

from bookmaker.chapters import (all_title, day_title, group_articles, month_title,
                                resolve_group_by, week_title)
from bookmaker.labels import article_count, format_date_range, labels_for
from bookmaker.model import Article, Footer


def article(stamp: str, section_key: str = "world", section: str = "国际",
            name: str | None = None) -> Article:
    published = datetime.fromisoformat(stamp).astimezone(timezone.utc)
    name = name or f"{stamp}-{section_key}"
    return Article(title=f"title {name}", url=f"https://cn.nytimes.com/{section_key}/{name}/",
                   published=published, authors=("A B",), dateline_text="",
                   dateline_value="", lead_figure=None, body="<p>x</p>", figures=(),
                   footer=Footer(), section=section, section_key=section_key,
                   language="zh-Hans", source_path=Path(f"{name}.txt"),
                   content_hash=hashlib.sha256(name.encode()).hexdigest())


def test_day_title_names_the_weekday():
    assert day_title(date(2023, 10, 17)) == "2023年10月17日 星期二"
    assert day_title(date(2023, 10, 22)) == "2023年10月22日 星期日"
    assert day_title(date(2023, 10, 17), "en") == "Tuesday, 17 October 2023"


def test_week_title_within_one_year():
    assert week_title(2023, 42) == "2023年第42周（10月16日—10月22日）"
    assert week_title(2023, 44) == "2023年第44周（10月30日—11月5日）"
    assert week_title(2023, 42, "zh-Hant") == "2023年第42週（10月16日—10月22日）"
    assert week_title(2023, 42, "en") == "Week 42, 2023 (16–22 October)"


def test_week_title_across_new_year_names_both_years():
    # 2024-12-30 is a Monday and belongs to ISO week 1 of 2025.
    assert week_title(2025, 1) == "2025年第1周（2024年12月30日—2025年1月5日）"
    # 2021-01-01 belongs to ISO week 53 of 2020.
    assert week_title(2020, 53) == "2020年第53周（2020年12月28日—2021年1月3日）"
    assert week_title(2025, 1, "en") == "Week 1, 2025 (30 December 2024 – 5 January 2025)"


def test_month_title():
    assert month_title(2023, 10) == "2023年10月"
    assert month_title(2023, 10, "en") == "October 2023"


def test_japanese_and_korean_titles():
    assert day_title(date(2023, 10, 17), "ja") == "2023年10月17日（火）"
    assert day_title(date(2023, 10, 17), "ko") == "2023년 10월 17일 화요일"
    assert week_title(2023, 42, "ja") == "2023年第42週（10月16日—10月22日）"
    assert week_title(2023, 42, "ko-KR") == "2023년 제42주 (10월 16일 – 10월 22일)"
    assert week_title(2025, 1, "ko") == "2025년 제1주 (2024년 12월 30일 – 2025년 1월 5일)"
    assert month_title(2023, 10, "ja") == "2023年10月"
    assert month_title(2023, 10, "ko") == "2023년 10월"
    assert all_title("ja") == "すべての記事" and all_title("ko") == "전체 기사"
    assert all_title("fr") == "All articles"


def test_dates_and_words_in_the_book_language():
    first = datetime(2023, 10, 16, 3, tzinfo=timezone.utc)
    last = datetime(2023, 10, 22, 3, tzinfo=timezone.utc)
    ranges = {language: format_date_range(first, last, "Asia/Shanghai", language)
              for language in ("zh-Hans", "ja", "ko", "en")}
    assert ranges == {"zh-Hans": "2023年10月16日—10月22日", "ja": "2023年10月16日—10月22日",
                      "ko": "2023년 10월 16일 – 10월 22일",
                      "en": "16 October 2023 – 22 October 2023"}
    assert labels_for("ja-JP")["contents"] == "目次"
    assert labels_for("ko")["contents"] == "목차"
    assert article_count(labels_for("ko"), 3) == "기사 3건"
    assert article_count(labels_for("en"), 1) == "1 article"


@pytest.mark.parametrize(("first", "last", "mode"), [
    (date(2023, 10, 1), date(2023, 10, 1), "day"),
    (date(2023, 10, 1), date(2023, 10, 15), "day"),
    (date(2023, 10, 1), date(2023, 10, 16), "week"),
    (date(2023, 10, 1), date(2024, 1, 31), "week"),
    (date(2023, 10, 1), date(2024, 2, 1), "month"),
])
def test_auto_picks_by_span(first, last, mode):
    assert resolve_group_by("auto", [first, last]) == mode
    assert resolve_group_by("month", [first, last]) == "month"


def test_days_are_cut_in_the_chosen_time_zone():
    # 17:30 UTC on the 16th is already the 17th in Shanghai.
    items = [article("2023-10-16T10:00:00+00:00"), article("2023-10-16T17:30:00+00:00")]
    shanghai = group_articles(items, "day", "Asia/Shanghai")
    assert [c.key for c in shanghai] == ["d2023-10-16", "d2023-10-17"]
    assert [c.title for c in shanghai] == ["2023年10月16日 星期一", "2023年10月17日 星期二"]
    utc = group_articles(items, "day", "UTC")
    assert [c.key for c in utc] == ["d2023-10-16"]
    assert len(utc[0].articles) == 2


def test_week_chapters_across_new_year():
    items = [article("2024-12-29T12:00:00+08:00"), article("2024-12-30T12:00:00+08:00"),
             article("2025-01-05T12:00:00+08:00"), article("2025-01-06T12:00:00+08:00")]
    chapters = group_articles(items, "week", "Asia/Shanghai")
    assert [c.key for c in chapters] == ["w2024-52", "w2025-01", "w2025-02"]
    assert chapters[1].title == "2025年第1周（2024年12月30日—2025年1月5日）"
    assert [len(c.articles) for c in chapters] == [1, 2, 1]


def test_month_chapters_follow_newest_first_order():
    items = [article("2023-11-02T12:00:00+08:00"), article("2023-10-20T12:00:00+08:00")]
    chapters = group_articles(items, "month", "Asia/Shanghai")
    assert [(c.key, c.title) for c in chapters] == [("m2023-11", "2023年11月"),
                                                    ("m2023-10", "2023年10月")]


def test_section_chapters_in_fixed_order_other_last():
    items = [article("2023-10-01T00:00:00+08:00", "culture", "文化"),
             article("2023-10-02T00:00:00+08:00", "misc", "其他"),
             article("2023-10-03T00:00:00+08:00", "world", "国际"),
             article("2023-10-04T00:00:00+08:00", "podcasts", "播客"),
             article("2023-10-05T00:00:00+08:00", "china", "中国"),
             article("2023-10-06T00:00:00+08:00", "culture", "文化")]
    chapters = group_articles(items, "section", "Asia/Shanghai")
    assert [(c.key, c.title) for c in chapters] == [
        ("s-world", "国际"), ("s-china", "中国"), ("s-culture", "文化"),
        ("s-podcasts", "播客"), ("s-other", "其他")]
    assert [a.section_key for a in chapters[2].articles] == ["culture", "culture"]


def test_none_is_one_chapter():
    items = [article("2023-10-01T00:00:00+08:00"), article("2023-12-01T00:00:00+08:00")]
    (chapter,) = group_articles(items, "none", "Asia/Shanghai")
    assert (chapter.key, chapter.title, len(chapter.articles)) == ("all", "全部文章", 2)


def test_no_articles_no_chapters():
    assert group_articles([], "auto", "Asia/Shanghai") == ()


def test_keys_are_ascii_and_unique():
    items = [article(f"2023-{m:02d}-{d:02d}T12:00:00+08:00", name=f"n{m}{d}")
             for m in (1, 6, 12) for d in (1, 15, 28)]
    for mode in ("day", "week", "month", "section", "none"):
        keys = [c.key for c in group_articles(items, mode, "Asia/Shanghai")]
        assert len(keys) == len(set(keys))
        assert all(k.isascii() and k.replace("-", "").isalnum() for k in keys)


@pytest.mark.parametrize("language, names", [
    ("zh-Hans", ["国际", "中国", "文化", "播客", "其他"]),
    ("zh-Hant", ["國際", "中國", "文化", "播客", "其他"]),
    ("ja", ["国際", "中国", "文化", "播客", "その他"]),
    ("ko", ["국제", "중국", "문화", "播客", "기타"]),
    ("en", ["World", "China", "Culture", "播客", "Other"]),
    ("fr", ["World", "China", "Culture", "播客", "Other"]),
])
def test_section_chapters_are_named_in_the_book_language(language, names):
    """Sections are still grouped by what they are (one chapter per section whatever
    the articles' languages); only their names follow the book's language. A section
    bookmaker has no name for keeps the archive's."""
    items = [article("2023-10-01T00:00:00+08:00", "culture", "文化"),
             article("2023-10-02T00:00:00+08:00", "misc", "其他"),
             article("2023-10-03T00:00:00+08:00", "world", "国际"),
             article("2023-10-04T00:00:00+08:00", "podcasts", "播客"),
             article("2023-10-05T00:00:00+08:00", "china", "中国")]
    chapters = group_articles(items, "section", "Asia/Shanghai", language)
    assert [c.title for c in chapters] == names
    assert [c.key for c in chapters] == ["s-world", "s-china", "s-culture", "s-podcasts",
                                         "s-other"]
