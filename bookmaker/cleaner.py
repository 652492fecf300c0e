"""Make untrusted article HTML safe and well-formed: an nh3 allow-list, then lxml restructuring."""

from __future__ import annotations

import functools
import re
from typing import Callable
from urllib.parse import urlsplit

import nh3
from lxml import etree

from .nodes import BLANK, drop_keeping_tail, splice

#: Elements an article body may keep (``h1`` is allowed only to be demoted to ``h2``).
BODY_TAGS = frozenset({
    "p", "a", "em", "strong", "b", "i", "u", "s", "sub", "sup", "br", "blockquote", "q",
    "cite", "code", "pre", "ul", "ol", "li", "h2", "h3", "h4", "h5", "h6", "table",
    "thead", "tbody", "tfoot", "tr", "th", "td", "caption", "figure", "figcaption", "img",
    "small", "span", "abbr", "hr", "dl", "dt", "dd",
})
#: Elements that frame an article (byline, dateline, body, footer); kept only while the
#: reader takes the article apart, then unwrapped.
FRAME_TAGS = frozenset({"address", "time", "section", "footer", "h1"})
#: Containers without meaning of their own. Their edges still separate paragraphs, so
#: they are kept through sanitizing and become a paragraph (or are unwrapped) here.
GENERIC_BLOCKS = frozenset({
    "div", "article", "aside", "header", "main", "nav", "center", "details", "summary",
    "hgroup", "fieldset", "legend", "menu",
})
#: Elements removed together with everything inside them. Their text is code, styling
#: or form furniture, never article prose.
DROPPED_WITH_CONTENT = frozenset({
    "script", "style", "iframe", "object", "embed", "applet", "form", "button", "select",
    "textarea", "template", "noscript", "noembed", "noframes", "frameset", "frame", "svg",
    "math", "title", "xmp", "plaintext", "canvas", "audio", "video",
})
_ATTRIBUTES = {
    "a": {"href", "title"},
    "img": {"src", "alt", "width", "height"},
    "td": {"colspan", "rowspan"},
    "th": {"colspan", "rowspan"},
    "abbr": {"title"},
    "time": {"datetime", "pudate"},
}
LINK_SCHEMES = ("http", "https", "mailto")
IMAGE_SCHEMES = ("http", "https")
#: An http(s) address with a plain host name and nothing to repair (no blanks, no
#: brackets, no user part): :func:`safe_url` takes it as it is.
_PLAIN_WEB_URL = re.compile(r"[Hh][Tt][Tt][Pp][Ss]?://[A-Za-z0-9.-]+(?::[0-9]*)?(?:[/?#][!-~]*)?")

INLINE_TAGS = frozenset({
    "a", "em", "strong", "b", "i", "u", "s", "sub", "sup", "br", "q", "cite", "code",
    "small", "span", "abbr", "img",
})
VOID_TAGS = frozenset({"br", "hr", "img"})
#: Blocks that may hold only phrasing content (text and inline elements). A table
#: caption may hold more, but never a table; short text is all captions need.
PHRASING_BLOCKS = frozenset({"p", "h2", "h3", "h4", "h5", "h6", "pre", "dt", "caption"})
#: Elements that may hold blocks as well as text: where a figure may stand.
FLOW_CONTAINERS = frozenset({"div", "blockquote", "li", "dd", "td", "th", "figure",
                             "figcaption"})
#: Where leading and trailing blank space and line breaks mean nothing.
TRIMMED_TAGS = PHRASING_BLOCKS - {"pre"} | {"li", "dd", "td", "th", "figcaption"}

# Characters XML 1.0 forbids, plus C1 controls and noncharacters (no text has them).
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufdd0-\ufdef\ufffe\uffff]")
_CJK = "\u2e80-\u2fdf\u3000-\u303f\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff00-\uffef"
#: A line break or no-break space between two CJK characters: a browser would draw it
#: as a space, which Chinese does not have (CSS Text 3 drops such line breaks too).
_SPACE_BETWEEN_CJK = re.compile(f"(?<=[{_CJK}])(?:[ \t]*\n[ \t\n]*|\u00a0+)(?=[{_CJK}])")

_HTML_PARSER = etree.HTMLParser(remove_comments=True, remove_pis=True)

#: Deeper markup is refused: the HTML parser loses content below about 255 levels and
#: the sanitizer slows down quadratically with depth. Real articles nest a dozen deep.
MAX_DEPTH = 200
_TAG_START = re.compile(r"<(/?)([A-Za-z][A-Za-z0-9-]*)")
_NOT_NESTING = frozenset({
    "p", "li", "dt", "dd", "tr", "td", "th", "thead", "tbody", "tfoot", "option", "optgroup",
    "rb", "rt", "rp", "colgroup", "a", "area", "base", "br", "col", "embed", "hr", "img",
    "input", "link", "meta", "param", "source", "track", "wbr",
})


def strip_invalid_chars(text: str) -> str:
    """``text`` without the characters XML 1.0 cannot carry."""
    return _NOT_XML.sub("", text)


class MarkupError(ValueError):
    """HTML this module will not process; ``str(error)`` is the reason."""


def sanitize(html: str, *, valid_chars: bool = False) -> etree._Element:
    """Parse untrusted ``html`` through the allow-list into a ``<div>`` of safe elements.

    The article frame (address, time, section, footer) survives so the reader can find
    the parts; :func:`clean_tree` later reduces a part to :data:`BODY_TAGS`. Raises
    :class:`MarkupError` for markup nested deeper than :data:`MAX_DEPTH`.
    ``valid_chars`` says that ``html`` went through :func:`strip_invalid_chars`.
    """
    # Nesting needs a tag per level: markup with few tags is not measured.
    if html.count("<") > MAX_DEPTH and _nesting_depth(html) > MAX_DEPTH:
        raise MarkupError(f"HTML nested too deeply (over {MAX_DEPTH} levels)")
    if not valid_chars:
        html = strip_invalid_chars(html)
    cleaned = _allow_list()(html)
    if "&#" in html:
        # A character reference such as &#1; comes out of the sanitizer as the raw
        # character; no other markup can produce one.
        cleaned = strip_invalid_chars(cleaned)
    # lxml.html's fragment parser, without its element classes (looked up in Python
    # for every element): a plain tree is all the reader needs.
    document = etree.fromstring(f"<html><body>{cleaned}</body></html>", _HTML_PARSER)
    body = document.find("body")
    root = etree.Element("div")
    if body is not None:
        if body.text and body.text.strip():
            root.text = body.text
        root.extend(body)
    return root


@functools.lru_cache(maxsize=1)
def _allow_list() -> Callable[[str], str]:
    """nh3 with the allow-list; built once where nh3 can (``Cleaner``, nh3 ≥ 0.3)."""
    options = {
        "tags": set(BODY_TAGS | FRAME_TAGS | GENERIC_BLOCKS),
        "clean_content_tags": set(DROPPED_WITH_CONTENT),
        "attributes": _ATTRIBUTES,
        "url_schemes": set(LINK_SCHEMES),
        "link_rel": None,
        "strip_comments": True,
    }
    reusable = getattr(nh3, "Cleaner", None)
    if reusable is not None:
        return reusable(**options).clean
    return functools.partial(nh3.clean, **options)


def _nesting_depth(html: str) -> int:
    """How deep ``html`` nests, roughly: open tags minus matching closes, per tag name.

    Tags that close themselves (``<p>``, ``<li>``, ``<a>`` …) and void elements are not
    counted, so sloppy but ordinary HTML stays shallow.
    """
    open_counts: dict[str, int] = {}
    depth = deepest = 0
    for match in _TAG_START.finditer(html):
        closing, name = match.group(1), match.group(2).lower()
        if name in _NOT_NESTING:
            continue
        if closing:
            if open_counts.get(name):
                open_counts[name] -= 1
                depth -= 1
        else:
            open_counts[name] = open_counts.get(name, 0) + 1
            depth += 1
            deepest = max(deepest, depth)
    return deepest


def safe_url(value: str | None, schemes: tuple[str, ...]) -> str | None:
    """``value`` as an absolute URL with one of ``schemes``, or ``None``.

    A protocol-relative address (``//host/x``) is read as https; relative addresses
    have no base here and are refused.
    """
    if not value:
        return None
    if "http" in schemes and _PLAIN_WEB_URL.fullmatch(value):
        # What nearly every address looks like; urlsplit would only confirm it.
        return value
    url = re.sub(r"[\t\n\r]", "", value.strip()).replace(" ", "%20")
    if url.startswith("//"):
        url = "https:" + url
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    scheme = parts.scheme.lower()
    if scheme not in schemes:
        return None
    if scheme in ("http", "https") and not parts.hostname:
        return None
    if scheme == "mailto" and not parts.path.strip():
        return None
    return url


def clean_tree(root: etree._Element) -> None:
    """Reduce ``root``'s descendants to :data:`BODY_TAGS` with safe attributes, in place."""
    unwrapped: set[etree._Element] = set()
    dropped: set[etree._Element] = set()
    for element in root.iterdescendants():
        if not isinstance(element.tag, str):
            dropped.add(element)
            continue
        tag = element.tag
        if tag == "h1":
            element.tag = tag = "h2"
        elif tag in GENERIC_BLOCKS:
            if any(child.tag not in INLINE_TAGS for child in element):
                unwrapped.add(element)
                continue
            element.tag = tag = "p"
        if tag not in BODY_TAGS:
            unwrapped.add(element)
            continue
        _clean_attributes(element)
        if tag == "a" and element.get("href") is None:
            unwrapped.add(element)
    if unwrapped or dropped:
        splice(root, unwrapped, dropped)


def _clean_attributes(element: etree._Element) -> None:
    names = element.keys()
    if not names:
        return
    allowed = _ATTRIBUTES.get(element.tag, _NO_ATTRIBUTES)
    for name in names:
        if name not in allowed:
            del element.attrib[name]
    if element.tag == "a":
        _set_or_delete(element, "href", safe_url(element.get("href"), LINK_SCHEMES))
    elif element.tag == "img":
        _set_or_delete(element, "src", safe_url(element.get("src"), IMAGE_SCHEMES))
        for name in ("width", "height"):
            _set_or_delete(element, name, _dimension(element.get(name)))
    elif element.tag in ("td", "th"):
        for name in ("colspan", "rowspan"):
            _set_or_delete(element, name, _dimension(element.get(name)))


_NO_ATTRIBUTES: frozenset[str] = frozenset()


def _dimension(value: str | None) -> str | None:
    value = (value or "").strip()
    return value if value.isdigit() and 0 < int(value) < 100_000 else None


def _set_or_delete(element: etree._Element, name: str, value: str | None) -> None:
    current = element.get(name)
    if value is None:
        if current is not None:
            del element.attrib[name]
    elif value != current:
        element.set(name, value)


#: Elements that mean nothing without content. Cells, terms and captions stay: their
#: position in a table or list carries meaning.
_DROPPED_WHEN_EMPTY = frozenset({
    "p", "a", "span", "em", "strong", "b", "i", "u", "s", "small", "h2", "h3", "h4", "h5",
    "h6", "sub", "sup", "q", "cite", "abbr", "code", "pre", "blockquote", "ul", "ol", "li",
    "dl", "table", "thead", "tbody", "tfoot", "tr",
})


def tidy(root: etree._Element) -> None:
    """Trim blocks, drop empty ones and meaningless line breaks, close CJK gaps."""
    empty = {element for element in root.iterdescendants(*_DROPPED_WHEN_EMPTY)
             if _is_empty(element)}
    if empty:
        splice(root, set(), empty)
    for element in root.iterdescendants(*TRIMMED_TAGS):
        trim_block(element)
    preformatted = {node for pre in root.iter("pre") for node in pre.iter()}
    for element in root.iter():
        if element in preformatted:
            continue
        # Only a line break or a no-break space can be a gap between CJK characters.
        text = element.text
        if text and ("\n" in text or "\u00a0" in text):
            element.text = _SPACE_BETWEEN_CJK.sub("", text)
        tail = element.tail
        if tail and ("\n" in tail or "\u00a0" in tail) and element is not root:
            element.tail = _SPACE_BETWEEN_CJK.sub("", tail)


def trim_block(element: etree._Element) -> None:
    """Drop leading and trailing blank text and ``<br>``s of a block."""
    # Text is assigned only when it changes: lxml rebuilds the text node on every set.
    while True:
        text = element.text
        trimmed = (text.lstrip(BLANK) or None) if text else None
        if trimmed != text:
            element.text = trimmed
        if trimmed is None and len(element) and element[0].tag == "br":
            drop_keeping_tail(element[0])
            continue
        break
    while len(element):
        last = element[-1]
        tail = last.tail
        trimmed = (tail.rstrip(BLANK) or None) if tail else None
        if trimmed != tail:
            last.tail = trimmed
        if trimmed is None and last.tag == "br":
            element.remove(last)
            continue
        break
    if not len(element):
        text = element.text
        trimmed = (text.rstrip(BLANK) or None) if text else None
        if trimmed != text:
            element.text = trimmed


def _is_empty(element: etree._Element) -> bool:
    if (element.text or "").strip(BLANK):
        return False
    for child in element.iter():
        if child is not element and (child.tag in ("img", "hr")
                                     or (child.text or "").strip(BLANK)
                                     or (child.tail or "").strip(BLANK)):
            return False
    return True


def inner_xhtml(element: etree._Element) -> str:
    """The content of ``element`` (not the element itself) serialised as XHTML."""
    for node in element.iter():
        if node.tag not in VOID_TAGS and node.text is None and not len(node):
            # ``<p/>`` is fine XML, but an HTML parser reads it as an unclosed <p>.
            node.text = ""
    text = etree.tostring(element, encoding="unicode", method="xml", with_tail=False)
    start = text.index(">") + 1
    return text[start:text.rindex("<")]
