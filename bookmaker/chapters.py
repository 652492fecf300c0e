"""Grouping ordered articles into chapters, and the chapters' titles and keys."""

from __future__ import annotations

import re
from datetime import date, timedelta
from itertools import groupby
from typing import Callable, Iterable, Sequence
from zoneinfo import ZoneInfo

from .labels import MONTHS_EN, calendar_date, is_traditional, section_name, writing
from .model import Article, Chapter
from .sections import OTHER_SECTION_NAMES, SECTIONS

#: Section keys (URL path segments) in the order section chapters appear; the
#: remaining sections follow by name, and "other" (其他) always comes last.
SECTION_ORDER = tuple(SECTIONS)

#: Longest span (in days between the first and the last local date) that
#: ``--group-by auto`` still groups by day, then by week; beyond, by month.
AUTO_DAY_SPAN = 14
AUTO_WEEK_SPAN = 122

_WEEKDAYS_ZH = ("星期一", "星期二", "星期三", "星期四", "星期五", "星期六", "星期日")
_WEEKDAYS_JA = ("月", "火", "水", "木", "金", "土", "日")
_WEEKDAYS_KO = ("월요일", "화요일", "수요일", "목요일", "금요일", "토요일", "일요일")
_WEEKDAYS_EN = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday",
                "Sunday")


def day_title(day: date, language: str = "zh-Hans") -> str:
    """"2023年10月17日 星期二" (or "2023年10月17日（火）", "2023년 10월 17일 화요일",
    "Tuesday, 17 October 2023")."""
    form = writing(language)
    written = calendar_date(day.year, day.month, day.day, language)
    if form == "zh-Hans":
        return f"{written} {_WEEKDAYS_ZH[day.weekday()]}"
    if form == "ja":
        return f"{written}（{_WEEKDAYS_JA[day.weekday()]}）"
    if form == "ko":
        return f"{written} {_WEEKDAYS_KO[day.weekday()]}"
    return f"{_WEEKDAYS_EN[day.weekday()]}, {day.day} {MONTHS_EN[day.month - 1]} {day.year}"


def week_title(iso_year: int, week: int, language: str = "zh-Hans") -> str:
    """"2023年第42周（10月16日—10月22日）": ISO year and week, Monday to Sunday.

    The year inside the brackets is written only when the week crosses into another
    calendar year ("2025年第1周（2024年12月30日—2025年1月5日）"), because then the
    ISO year alone would mislead about one end of the range.
    """
    monday = date.fromisocalendar(iso_year, week, 1)
    sunday = monday + timedelta(days=6)
    form = writing(language)
    if form != "en":
        within = monday.year == sunday.year  # the year is in the title already
        first, last = (calendar_date(end.year, end.month, end.day, language,
                                     with_year=not within) for end in (monday, sunday))
        if form == "ko":
            return f"{iso_year}년 제{week}주 ({first} – {last})"
        word = "週" if form == "ja" or is_traditional(language) else "周"
        return f"{iso_year}年第{week}{word}（{first}—{last}）"
    return f"Week {week}, {iso_year} ({english_day_range(monday, sunday)})"


def month_title(year: int, month: int, language: str = "zh-Hans") -> str:
    """"2023年10月" (or "2023년 10월", "October 2023")."""
    return calendar_date(year, month, None, language)


def all_title(language: str = "zh-Hans") -> str:
    """The title of the single chapter of ``--group-by none``."""
    return {"zh-Hans": "全部文章", "ja": "すべての記事", "ko": "전체 기사"}.get(
        writing(language), "All articles")


def english_day_range(first: date, last: date) -> str:
    """"16–22 October", "30 October – 5 November", "30 December 2024 – 5 January 2025"."""
    if first.year != last.year:
        return (f"{first.day} {MONTHS_EN[first.month - 1]} {first.year} – "
                f"{last.day} {MONTHS_EN[last.month - 1]} {last.year}")
    if first.month != last.month:
        return (f"{first.day} {MONTHS_EN[first.month - 1]} – "
                f"{last.day} {MONTHS_EN[last.month - 1]}")
    return f"{first.day}–{last.day} {MONTHS_EN[first.month - 1]}"


def local_date(article: Article, zone: ZoneInfo) -> date:
    """The calendar date of ``article`` in ``zone`` (days are cut there, not in UTC)."""
    return article.published.astimezone(zone).date()


def resolve_group_by(group_by: str, dates: Sequence[date]) -> str:
    """Turn ``auto`` into day, week or month from the span of ``dates``."""
    if group_by != "auto":
        return group_by
    if not dates:
        return "day"
    span = (max(dates) - min(dates)).days
    if span <= AUTO_DAY_SPAN:
        return "day"
    if span <= AUTO_WEEK_SPAN:
        return "week"
    return "month"


def group_articles(articles: Sequence[Article], group_by: str, timezone: str,
                   language: str = "zh-Hans") -> tuple[Chapter, ...]:
    """Cut already ordered ``articles`` into chapters.

    Calendar chapters follow the articles' order (oldest- or newest-first alike);
    section chapters follow :data:`SECTION_ORDER`. ``group_by`` may be ``auto``.
    """
    if not articles:
        return ()
    zone = ZoneInfo(timezone)
    mode = resolve_group_by(group_by, [local_date(a, zone) for a in articles])
    if mode == "none":
        return (Chapter(all_title(language), "all", tuple(articles)),)
    if mode == "section":
        return _by_section(articles, language)
    calendar_key = _CALENDAR_KEYS[mode]
    chapters: list[Chapter] = []
    # Articles arrive ordered by time, so each calendar period is one consecutive run.
    for period, members in groupby(articles, key=lambda a: calendar_key(local_date(a, zone))):
        chapters.append(Chapter(_calendar_title(mode, period, language),
                                _calendar_chapter_key(mode, period), tuple(members)))
    return tuple(chapters)


def _day_period(day: date) -> tuple[int, ...]:
    return (day.year, day.month, day.day)


def _week_period(day: date) -> tuple[int, ...]:
    iso = day.isocalendar()
    return (iso.year, iso.week)


def _month_period(day: date) -> tuple[int, ...]:
    return (day.year, day.month)


_CALENDAR_KEYS: dict[str, Callable[[date], tuple[int, ...]]] = {
    "day": _day_period, "week": _week_period, "month": _month_period,
}


def _calendar_title(mode: str, period: tuple[int, ...], language: str) -> str:
    if mode == "day":
        return day_title(date(*period), language)
    if mode == "week":
        return week_title(period[0], period[1], language)
    return month_title(period[0], period[1], language)


def _calendar_chapter_key(mode: str, period: tuple[int, ...]) -> str:
    if mode == "day":
        return "d{:04d}-{:02d}-{:02d}".format(*period)
    if mode == "week":
        return "w{:04d}-{:02d}".format(*period)
    return "m{:04d}-{:02d}".format(*period)


def _section_rank(name: str, keys: Iterable[str]) -> tuple[int, int, str]:
    if name in OTHER_SECTION_NAMES:
        return (2, 0, name)
    known = [SECTION_ORDER.index(k) for k in keys if k in SECTION_ORDER]
    if known:
        return (0, min(known), name)
    return (1, 0, name)


def _ascii_key(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def _by_section(articles: Sequence[Article], language: str) -> tuple[Chapter, ...]:
    members: dict[str, list[Article]] = {}
    for article in articles:
        members.setdefault(article.section or "其他", []).append(article)
    ranked = sorted(members, key=lambda name: _section_rank(
        name, (a.section_key for a in members[name])))
    chapters: list[Chapter] = []
    used: set[str] = set()
    for name in ranked:
        rank = _section_rank(name, (a.section_key for a in members[name]))
        if rank[0] == 0:
            key = "s-" + SECTION_ORDER[rank[1]]
        elif rank[0] == 2:
            key = "s-other"
        else:
            key = "s-" + (_ascii_key(members[name][0].section_key) or "section")
        unique, number = key, 2
        while unique in used:
            unique, number = f"{key}-{number}", number + 1
        used.add(unique)
        title = section_name(members[name][0].section_key, name, language)
        chapters.append(Chapter(title, unique, tuple(members[name])))
    return tuple(chapters)
