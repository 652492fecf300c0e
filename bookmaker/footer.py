"""An article's closing notes, sorted into contributors, notes, translator and original link."""

from __future__ import annotations

import re

from lxml import etree

from .cleaner import INLINE_TAGS, inner_xhtml, trim_block
from .model import Footer
from .nodes import drop_keeping_tail, plain_text
from .structure import wrap_inline_runs

CONTRIBUTOR = re.compile(
    r"对本文(?:亦)?有(?:报道|報導|研究)?贡献|對本文(?:亦)?有(?:報道|報導|研究)?貢獻"
    r"|协助报道|協助報道|協助報導|contributed (?:reporting|research)|contributed to this",
    re.IGNORECASE)
TRANSLATOR = re.compile(r"^(?:翻译|翻譯|译者|譯者|编译|編譯)\s*[：:]|^translated by\b", re.IGNORECASE)
ORIGINAL_LINK = re.compile(
    r"^(?:(?:点击|點擊)?查看)?(?:本文)?(?:英文|英語|英语)(?:版|原文)"
    r"|^read (?:this |it |the article )?in english|^english version",
    re.IGNORECASE)
#: The "more about him/her" link after a biography repeats the author page link.
MORE_ABOUT = re.compile(r"^(?:点击|點擊)?查看更多(?:关于|關於).{0,8}(?:信息|資訊|訊息)")


def split_footer(root: etree._Element) -> Footer:
    """Sort the blocks of a cleaned footer into a :class:`Footer`.

    Every markup string in the result is phrasing content (no block elements), ready
    to be put in a paragraph.
    """
    contributors: list[str] = []
    notes: list[str] = []
    translator = ""
    original_url: str | None = None
    original_label = ""
    for block in _leaf_blocks(root):
        trim_block(block)
        text = plain_text(block)
        if not text:
            continue
        link = _original_link(block, text) if original_url is None else None
        if link is not None:
            original_url, original_label = link
        elif not translator and TRANSLATOR.match(text):
            translator = text
        elif CONTRIBUTOR.search(text):
            contributors.append(inner_xhtml(block))
        else:
            for anchor in list(block.iter("a")):
                if MORE_ABOUT.match(plain_text(anchor)):
                    drop_keeping_tail(anchor)
            trim_block(block)
            if plain_text(block):
                notes.append(inner_xhtml(block))
    return Footer(contributors=tuple(contributors), notes=tuple(notes), translator=translator,
                  original_url=original_url, original_label=original_label)


def _leaf_blocks(root: etree._Element) -> list[etree._Element]:
    """The blocks of ``root`` that hold only text and inline elements, in order."""
    wrap_inline_runs(root)
    for element in list(root.iter()):
        if element.tag not in INLINE_TAGS and any(c.tag not in INLINE_TAGS for c in element):
            wrap_inline_runs(element)
    return [element for element in root.iter()
            if element is not root and element.tag not in INLINE_TAGS
            and not any(child.tag not in INLINE_TAGS for child in element)]


def _original_link(block: etree._Element, text: str) -> tuple[str, str] | None:
    """``(url, label)`` when ``block`` is the link to the original-language version."""
    if not ORIGINAL_LINK.match(text):
        return None
    for anchor in block.iter("a"):
        href = anchor.get("href", "")
        if href.startswith(("http://", "https://")):
            label = plain_text(anchor)
            return href, label if ORIGINAL_LINK.match(label) else text
    return None
