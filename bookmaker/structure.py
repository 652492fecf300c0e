"""Repair the content model of cleaned HTML: blocks where blocks belong, lists, tables."""

from __future__ import annotations

import re

from lxml import etree

from .cleaner import INLINE_TAGS, PHRASING_BLOCKS
from .nodes import BLANK, append_node, unwrap

#: Where the elements that only make sense inside another one belong.
_OWNERS = {"dt": ("dl",), "dd": ("dl",), "figcaption": ("figure",), "caption": ("table",)}
#: The child sequence of a valid ``<dl>``: groups of terms followed by definitions.
_DEFINITION_LIST = re.compile(r"(?:(?:dt )+(?:dd )+)+")


#: Containers whose nesting is capped, and the parts of them that become paragraphs or
#: vanish when a container too deep is dissolved.
_NESTING = ("blockquote", "ul", "ol", "dl", "table")
_CELLS = frozenset({"li", "dt", "dd", "td", "th", "caption"})
_ROW_GROUPS = frozenset({"thead", "tbody", "tfoot", "tr"})
#: No article needs more; far deeper nesting exhausts renderers' recursion (WeasyPrint
#: fails on ~50 nested tables or ~150 nested quotes).
MAX_NESTING = 6


def flatten_deep_nesting(root: etree._Element) -> None:
    """Dissolve containers and phrasing nested more than :data:`MAX_NESTING` deep; their
    text stays."""
    too_deep = [element for element in root.iterdescendants(*_NESTING)
                if sum(1 for _ in element.iterancestors(*_NESTING)) >= MAX_NESTING]
    for container in too_deep:
        for part in list(container.iterdescendants(*_CELLS, *_ROW_GROUPS)):
            if next(part.iterancestors(*_NESTING)) is not container:
                continue
            if part.tag in _CELLS:
                part.tag = "p"
            else:
                unwrap(part)
        unwrap(container)
    # Phrasing nested deeper than any real text needs (<sup> in <sup> in …) is unwrapped.
    deep_inline = [element for element in root.iterdescendants(*INLINE_TAGS)
                   if element.getparent().tag in INLINE_TAGS
                   and sum(1 for _ in element.iterancestors(*INLINE_TAGS)) >= MAX_NESTING]
    for element in deep_inline:
        unwrap(element)


def fix_structure(root: etree._Element) -> None:
    """Make the content model valid: no blocks in phrasing, lists hold items, and so on."""
    flatten_deep_nesting(root)
    for element in root.iterdescendants("dt", "dd", "figcaption", "caption"):
        if element.getparent().tag not in _OWNERS[element.tag]:
            element.tag = "p"
    # Reversed document order visits descendants before their ancestors.
    for element in reversed(list(root.iterdescendants())):
        tag = element.tag
        if tag in INLINE_TAGS and _has_block_child(element):
            # A link or emphasis around whole paragraphs: keep the paragraphs.
            unwrap(element)
        elif tag == "a" and any(above.tag == "a" for above in element.iterancestors()):
            unwrap(element)  # a link inside a link is not allowed; the outer one wins
        elif tag in PHRASING_BLOCKS:
            while _has_block_child(element):
                for child in list(element):
                    if child.tag not in INLINE_TAGS:
                        unwrap(child)
    for element in list(root.iterdescendants()):
        parent = element.getparent()
        tag = element.tag
        if tag in ("ul", "ol"):
            _wrap_strays(element, {"li"}, "li")
        elif tag == "dl":
            _fix_definition_list(element)
        elif tag == "li" and parent.tag not in ("ul", "ol"):
            _wrap_in_list(element)
        elif tag == "table":
            _fix_table(element)
        elif tag in ("thead", "tbody", "tfoot"):
            _fix_row_group(element)
        elif tag == "tr":
            _wrap_strays(element, {"td", "th"}, "td")
    wrap_inline_runs(root)


def _fix_definition_list(dl: etree._Element) -> None:
    """Keep a ``<dl>`` whose terms and definitions alternate; make paragraphs of others."""
    _wrap_strays(dl, {"dt", "dd"}, "dd")
    if _DEFINITION_LIST.fullmatch("".join(child.tag + " " for child in dl)):
        return
    for child in list(dl):
        if _has_block_child(child):
            unwrap(child)
        else:
            child.tag = "p"
    unwrap(dl)


def _fix_table(table: etree._Element) -> None:
    """Order a table's parts as XHTML wants: caption, head, bodies (or rows), foot."""
    caption = head = foot = None
    rows: list[etree._Element] = []
    for child in list(table):
        child.tail = None
        if child.tag == "caption" and caption is None:
            caption = child
        elif child.tag == "thead" and head is None:
            head = child
        elif child.tag == "tfoot" and foot is None:
            foot = child
        elif child.tag in ("thead", "tfoot", "tbody", "tr"):
            if child.tag != "tr":
                child.tag = "tbody"
            rows.append(child)
        else:
            if child.tag == "caption":
                child.tag = "p"
            table.addprevious(child)  # anything else stands before the table
    if any(row.tag == "tr" for row in rows) and any(row.tag == "tbody" for row in rows):
        rows = _rows_in_bodies(rows)
    table.text = None
    for part in (caption, head, *rows, foot):
        if part is not None:
            table.append(part)


def _rows_in_bodies(parts: list[etree._Element]) -> list[etree._Element]:
    """``parts`` with every run of bare rows put in a ``<tbody>`` of its own."""
    result: list[etree._Element] = []
    for part in parts:
        if part.tag == "tr":
            if not result or result[-1].get("data-rows") is None:
                result.append(etree.Element("tbody", {"data-rows": "1"}))
            result[-1].append(part)
        else:
            result.append(part)
    for part in result:
        part.attrib.pop("data-rows", None)
    return result


def _fix_row_group(group: etree._Element) -> None:
    """Give a ``<thead>``, ``<tbody>`` or ``<tfoot>`` only rows, wrapping anything else."""
    _wrap_strays(group, {"tr"}, "td")
    for cell in list(group):
        if cell.tag == "td":
            row = etree.Element("tr")
            cell.addprevious(row)
            row.append(cell)


def _has_block_child(element: etree._Element) -> bool:
    for child in element:
        if child.tag not in INLINE_TAGS:
            return True
    return False


def _wrap_strays(parent: etree._Element, allowed: set[str], wrapper: str) -> None:
    """Put every run of text and other elements of ``parent`` into a ``wrapper``."""
    _wrap_runs(parent, lambda child: child.tag not in allowed, wrapper)


def _wrap_in_list(item: etree._Element) -> None:
    previous = item.getprevious()
    if previous is not None and previous.tag == "ul" and not (previous.tail or "").strip():
        previous.tail = None
        previous.append(item)
        return
    listing = etree.Element("ul")
    item.addprevious(listing)
    listing.tail = item.tail
    item.tail = None
    listing.append(item)


def wrap_inline_runs(parent: etree._Element) -> None:
    """Put runs of text and inline elements directly in ``parent`` into paragraphs."""
    _wrap_runs(parent, lambda child: child.tag in INLINE_TAGS, "p")


def _wrap_runs(parent: etree._Element, belongs, wrapper: str) -> None:
    """Move each run of loose text and children that ``belongs`` accepts into a new element.

    Blank text between the kept elements is dropped: it carries nothing between blocks.
    """
    if _nothing_to_wrap(parent, belongs):
        _drop_blank_text(parent)
        return
    nodes: list[str | etree._Element] = []
    if parent.text:
        nodes.append(parent.text)
    for child in parent:
        nodes.append(child)
        if child.tail:
            nodes.append(child.tail)
    parent.text = None
    for child in list(parent):
        child.tail = None
        parent.remove(child)
    run: list[str | etree._Element] = []
    for node in nodes + [None]:
        if node is not None and (isinstance(node, str) or belongs(node)):
            run.append(node)
            continue
        if any(isinstance(n, etree._Element) or n.strip(BLANK) for n in run):
            box = etree.SubElement(parent, wrapper)
            for item in run:
                append_node(box, item)
        run = []
        if node is not None:
            parent.append(node)


def _nothing_to_wrap(parent: etree._Element, belongs) -> bool:
    """Whether ``parent`` holds only elements that stay, with blank text between them."""
    if parent.text and parent.text.strip(BLANK):
        return False
    for child in parent:
        if belongs(child) or (child.tail and child.tail.strip(BLANK)):
            return False
    return True


def _drop_blank_text(parent: etree._Element) -> None:
    """What :func:`_wrap_runs` does when there is nothing to wrap, without moving nodes."""
    if parent.text is not None:
        parent.text = None
    for child in parent:
        if child.tail is not None:
            child.tail = None
