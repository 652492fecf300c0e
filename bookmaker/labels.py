"""Words and date formats that books show to readers, per language."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

_LABELS: dict[str, dict[str, str]] = {
    "zh-Hans": {
        "contents": "目录",
        "cover": "封面",
        "title_page": "扉页",
        "start": "正文",
        "article": "{count}篇文章",
        "articles": "{count}篇文章",
        "original": "原文链接",
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
        "original_language": "Original-language version",
        "by": "By",
        "generated": "Compiled with bookmaker",
        "image_missing": "(image not included)",
        "figure": "Figure",
        "landmarks": "Landmarks",
    },
}


def labels_for(language: str) -> dict[str, str]:
    """The reader-facing words for a BCP 47 ``language`` (English for unknown ones)."""
    if language in _LABELS:
        return _LABELS[language]
    if language.lower().startswith(("zh-hant", "zh-tw", "zh-hk", "zh-mo")):
        return _LABELS["zh-Hant"]
    if language.lower().startswith("zh"):
        return _LABELS["zh-Hans"]
    return _LABELS["en"]


def article_count(labels: dict[str, str], count: int) -> str:
    """"1 article", "12 articles", "12篇文章": ``count`` in the words of ``labels``."""
    return labels["article" if count == 1 else "articles"].format(count=count)


def is_chinese(language: str) -> bool:
    return language.lower().startswith("zh")


def format_date(moment: datetime, timezone: str, language: str) -> str:
    """A calendar date as readers of ``language`` write it, in ``timezone``."""
    local = moment.astimezone(ZoneInfo(timezone))
    if is_chinese(language):
        return f"{local.year}年{local.month}月{local.day}日"
    return f"{local.day} {local:%B} {local.year}"


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
    if not is_chinese(language):
        return f"{format_date(first, timezone, language)} – {format_date(last, timezone, language)}"
    if start.year == end.year:
        return f"{start.year}年{start.month}月{start.day}日—{end.month}月{end.day}日"
    return f"{format_date(first, timezone, language)}—{format_date(last, timezone, language)}"
