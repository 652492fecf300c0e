"""Newspaper sections, named from the first meaningful segment of an article's URL path."""

from __future__ import annotations

from urllib.parse import urlsplit

#: URL path segment → section name shown in books.
SECTION_NAMES = {
    "world": "国际",
    "china": "中国",
    "business": "商业与经济",
    "opinion": "观点与评论",
    "culture": "文化",
    "technology": "科技",
    "usa": "美国",
    "asia-pacific": "亚太",
    "science": "科学",
    "health": "健康",
    "education": "教育",
    "travel": "旅游",
    "style": "时尚",
    "sports": "体育",
    "real-estate": "房地产",
    "lens": "摄影",
}

OTHER_SECTION = ("其他", "other")

#: Path segments that say which edition a page is, not what it is about.
EDITION_SEGMENTS = frozenset({
    "zh-hans", "zh-hant", "zh-cn", "zh-tw", "zh-hk", "zh", "hans", "hant", "en", "en-us",
    "dual", "amp",
})


def path_segments(url: str) -> list[str]:
    """The lower-cased, non-empty segments of ``url``'s path ([] for an unusable URL)."""
    try:
        path = urlsplit(url).path
    except ValueError:
        return []
    return [segment.lower() for segment in path.split("/") if segment.strip()]


def section_for_url(url: str) -> tuple[str, str]:
    """``(name, key)`` of the section ``url`` belongs to, e.g. ``("国际", "world")``.

    Edition segments (``zh-hant``) and dates (``2023``) are skipped, so both
    ``cn.nytimes.com/world/…`` and ``www.nytimes.com/2023/10/16/world/…`` are 国际.
    """
    for segment in path_segments(url):
        if segment in EDITION_SEGMENTS or segment.isdigit():
            continue
        if segment in SECTION_NAMES:
            return SECTION_NAMES[segment], segment
        return OTHER_SECTION
    return OTHER_SECTION
