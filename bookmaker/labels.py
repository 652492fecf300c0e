"""Words and date formats that books show to readers, per language."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from .sections import (OTHER_SECTION, OTHER_SECTION_LOCAL, OTHER_SECTION_NAMES,
                       SECTION_LANGUAGES, SECTIONS)

_LABELS: dict[str, dict[str, str]] = {
    "zh-Hans": {
        "contents": "目录",
        "cover": "封面",
        "title_page": "扉页",
        "start": "正文",
        "article": "{count}篇文章",
        "articles": "{count}篇文章",
        "original": "原文链接",
        "colon": "：",
        "original_language": "原文版本",
        "by": "作者",
        "generated": "由 bookmaker 编排",
        "image_missing": "（图片未收录）",
        "figure": "图",
        "landmarks": "导览",
    },
    "zh-Hant": {
        "contents": "目錄",
        "cover": "封面",
        "title_page": "扉頁",
        "start": "正文",
        "article": "{count}篇文章",
        "articles": "{count}篇文章",
        "original": "原文連結",
        "colon": "：",
        "original_language": "原文版本",
        "by": "作者",
        "generated": "由 bookmaker 編排",
        "image_missing": "（圖片未收錄）",
        "figure": "圖",
        "landmarks": "導覽",
    },
    "en": {
        "contents": "Contents",
        "cover": "Cover",
        "title_page": "Title page",
        "start": "Start",
        "article": "{count} article",
        "articles": "{count} articles",
        "original": "Original article",
        "colon": ": ",
        "original_language": "Original-language version",
        "by": "By",
        "generated": "Compiled with bookmaker",
        "image_missing": "(image not included)",
        "figure": "Figure",
        "landmarks": "Landmarks",
    },
    "ja": {
        "contents": "目次",
        "cover": "表紙",
        "title_page": "扉",
        "start": "本文",
        "article": "{count}件の記事",
        "articles": "{count}件の記事",
        "original": "元の記事",
        "colon": "：",
        "original_language": "原語版",
        "by": "著者",
        "generated": "bookmaker で編集",
        "image_missing": "（画像は収録されていません）",
        "figure": "図",
        "landmarks": "ガイド",
    },
    "ko": {
        "contents": "목차",
        "cover": "표지",
        "title_page": "속표지",
        "start": "본문",
        "article": "기사 {count}건",
        "articles": "기사 {count}건",
        "original": "원문 기사",
        "colon": ": ",
        "original_language": "원어판",
        "by": "글",
        "generated": "bookmaker로 편집",
        "image_missing": "(이미지 미수록)",
        "figure": "그림",
        "landmarks": "길잡이",
    },
}


def labels_for(language: str) -> dict[str, str]:
    """The reader-facing words for a BCP 47 ``language`` (English for unknown ones)."""
    return _LABELS[label_language(language)]


def label_language(language: str) -> str:
    """The language bookmaker's words are given in for ``language``: "zh-Hans",
    "zh-Hant", "ja", "ko" or "en" (every other language)."""
    if language in _LABELS:
        return language
    if is_traditional(language):
        return "zh-Hant"
    form = writing(language)
    return form if form in _LABELS else "en"


def writing(language: str) -> str:
    """How dates and titles are written for ``language``: "zh-Hans" (any Chinese), "ja",
    "ko" or "en" (every other language)."""
    primary = language.lower().split("-")[0]
    if primary == "zh":
        return "zh-Hans"
    return primary if primary in ("ja", "ko") else "en"


def article_count(labels: dict[str, str], count: int) -> str:
    """"1 article", "12 articles", "12篇文章": ``count`` in the words of ``labels``."""
    return labels["article" if count == 1 else "articles"].format(count=count)


def is_traditional(language: str) -> bool:
    """Whether ``language`` is Chinese written in Traditional characters."""
    return language.lower().startswith(("zh-hant", "zh-tw", "zh-hk", "zh-mo"))


def is_chinese(language: str) -> bool:
    return language.lower().startswith("zh")


def format_date(moment: datetime, timezone: str, language: str) -> str:
    """A calendar date as readers of ``language`` write it, in ``timezone``."""
    local = moment.astimezone(ZoneInfo(timezone))
    return calendar_date(local.year, local.month, local.day, language)


def calendar_date(year: int, month: int, day: int | None, language: str,
                  with_year: bool = True) -> str:
    """"2023年10月17日", "2023년 10월 17일" or "17 October 2023"; without ``day``, the
    month: "2023年10月", "2023년 10월", "October 2023"; ``with_year`` false leaves the
    year out (the second end of a range within one year)."""
    form = writing(language)
    if form in ("zh-Hans", "ja"):
        return (f"{year}年" if with_year else "") + f"{month}月" + (f"{day}日" if day else "")
    if form == "ko":
        return (f"{year}년 " if with_year else "") + f"{month}월" + (f" {day}일" if day else "")
    return (f"{day} " if day else "") + MONTHS_EN[month - 1] + (f" {year}" if with_year else "")


MONTHS_EN = ("January", "February", "March", "April", "May", "June", "July", "August",
              "September", "October", "November", "December")


def format_datetime(moment: datetime, timezone: str, language: str) -> str:
    """Date and minute, in ``timezone``: "2023年10月17日 17:07"."""
    local = moment.astimezone(ZoneInfo(timezone))
    return f"{format_date(moment, timezone, language)} {local:%H:%M}"


def format_date_range(first: datetime | None, last: datetime | None, timezone: str,
                      language: str) -> str:
    """A compact range: one day, or "2023年10月16日—10月22日" (the year repeated only
    when it changes)."""
    if first is None or last is None:
        return ""
    zone = ZoneInfo(timezone)
    start, end = first.astimezone(zone), last.astimezone(zone)
    if start.date() == end.date():
        return format_date(first, timezone, language)
    form = writing(language)
    if form == "en":
        return f"{format_date(first, timezone, language)} – {format_date(last, timezone, language)}"
    dash = "—" if form in ("zh-Hans", "ja") else " – "
    if start.year == end.year:  # the year is not written again: "2023年10月16日—10月22日"
        tail = calendar_date(end.year, end.month, end.day, language, with_year=False)
        return f"{format_date(first, timezone, language)}{dash}{tail}"
    return f"{format_date(first, timezone, language)}{dash}{format_date(last, timezone, language)}"


def section_name(key: str, name: str, language: str) -> str:
    """The name of section ``key`` in ``language``; ``name`` is the one the reader
    gave it (Simplified Chinese), kept for Simplified Chinese and unknown keys. An
    article without a section (empty ``name``) has none in any language."""
    if not name:
        return ""
    other = key == OTHER_SECTION[1] or name in OTHER_SECTION_NAMES
    local = SECTIONS.get(key) or (OTHER_SECTION_LOCAL if other else None)
    words = label_language(language)
    if local is None or words == "zh-Hans":
        return name
    return local[SECTION_LANGUAGES.index(words)]
