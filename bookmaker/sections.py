"""Newspaper sections, named from the first meaningful segment of an article's URL path."""

from __future__ import annotations

from urllib.parse import urlsplit

#: URL path segment → the section's name in Simplified Chinese (the name the reader
#: gives it), Traditional Chinese, Japanese, Korean and English. Section chapters come
#: in this order.
SECTIONS = {
    "world": ("国际", "國際", "国際", "국제", "World"),
    "china": ("中国", "中國", "中国", "중국", "China"),
    "business": ("商业与经济", "商業與經濟", "ビジネス", "비즈니스", "Business"),
    "opinion": ("观点与评论", "觀點與評論", "オピニオン", "오피니언", "Opinion"),
    "culture": ("文化", "文化", "文化", "문화", "Culture"),
    "technology": ("科技", "科技", "テクノロジー", "기술", "Technology"),
    "usa": ("美国", "美國", "米国", "미국", "U.S."),
    "asia-pacific": ("亚太", "亞太", "アジア太平洋", "아시아·태평양", "Asia Pacific"),
    "science": ("科学", "科學", "科学", "과학", "Science"),
    "health": ("健康", "健康", "健康", "건강", "Health"),
    "education": ("教育", "教育", "教育", "교육", "Education"),
    "travel": ("旅游", "旅遊", "旅行", "여행", "Travel"),
    "style": ("时尚", "時尚", "スタイル", "스타일", "Style"),
    "sports": ("体育", "體育", "スポーツ", "스포츠", "Sports"),
    "real-estate": ("房地产", "房地產", "不動産", "부동산", "Real Estate"),
    "lens": ("摄影", "攝影", "写真", "사진", "Photography"),
}

#: (name, key) of an article whose URL names no known section.
OTHER_SECTION = ("其他", "other")
#: The names archives give that section, and its name in the languages of ``SECTIONS``.
OTHER_SECTION_NAMES = ("其他", "其它", "Other")
OTHER_SECTION_LOCAL = ("其他", "其他", "その他", "기타", "Other")
#: The languages of the names in ``SECTIONS``, in order.
SECTION_LANGUAGES = ("zh-Hans", "zh-Hant", "ja", "ko", "en")

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
        if segment in SECTIONS:
            return SECTIONS[segment][0], segment
        return OTHER_SECTION
    return OTHER_SECTION
