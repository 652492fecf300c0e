"""Edits of an lxml tree that keep text where it was: unwrap, drop, splice, append."""

from __future__ import annotations

import re

from lxml import etree

#: Blank characters of article text, the ideographic space included.
BLANK = " \t\n\r\f\u00a0\u3000"
_BLANK_RUN = re.compile(f"[{BLANK}]+")


def splice(root: etree._Element, unwrapped: set[etree._Element],
           dropped: set[etree._Element]) -> None:
    """Replace each of ``unwrapped`` by its content and remove each of ``dropped``.

    The text after every element stays. One pass rebuilds each affected parent, so
    thousands of neighbours cost linear time; one-by-one removal would copy the growing
    text of their parent each time.
    """
    parents = {element.getparent() for element in unwrapped | dropped}
    # Deepest first: an affected element inside another one is rebuilt before it.
    for parent in sorted(parents, key=_depth, reverse=True):
        nodes: list[str | etree._Element] = [parent.text or ""]
        for child in parent:
            if child in unwrapped:
                nodes.append(child.text or "")
                for grandchild in child:
                    nodes.extend((grandchild, grandchild.tail or ""))
            elif child not in dropped:
                nodes.append(child)
            nodes.append(child.tail or "")
        for child in list(parent):
            parent.remove(child)
        _refill(parent, nodes)


def _depth(element: etree._Element) -> int:
    return sum(1 for _ in element.iterancestors())


def _refill(parent: etree._Element, nodes: list[str | etree._Element]) -> None:
    """Give an emptied ``parent`` the ``nodes`` (texts and elements) in order."""
    texts: list[str] = []
    last: etree._Element | None = None
    for node in nodes:
        if isinstance(node, str):
            texts.append(node)
            continue
        _set_text_after(parent, last, "".join(texts))
        texts = []
        parent.append(node)
        last = node
    _set_text_after(parent, last, "".join(texts))


def _set_text_after(parent: etree._Element, last: etree._Element | None, text: str) -> None:
    if last is None:
        parent.text = text or None
    else:
        last.tail = text or None


def unwrap(element: etree._Element) -> None:
    """Replace ``element`` by its content (text and children), keeping the text after it."""
    parent = element.getparent()
    if element.text:
        previous = element.getprevious()
        if previous is not None:
            previous.tail = (previous.tail or "") + element.text
        else:
            parent.text = (parent.text or "") + element.text
        element.text = None
    for child in list(element):
        element.addprevious(child)  # constant time, where insert(index) walks the siblings
    drop_keeping_tail(element)


def drop_keeping_tail(element: etree._Element) -> None:
    """Remove ``element`` and its content, keeping the text that follows it."""
    parent = element.getparent()
    tail = element.tail
    previous = element.getprevious()
    parent.remove(element)
    if tail:
        if previous is not None:
            previous.tail = (previous.tail or "") + tail
        else:
            parent.text = (parent.text or "") + tail


def append_node(parent: etree._Element, node: str | etree._Element) -> None:
    """Append a text or element node at the end of ``parent``'s content."""
    if isinstance(node, str):
        if len(parent):
            parent[-1].tail = (parent[-1].tail or "") + node
        else:
            parent.text = (parent.text or "") + node
    else:
        parent.append(node)


def plain_text(element: etree._Element) -> str:
    """The text of ``element`` with runs of blank space collapsed, trimmed."""
    return collapse_space("".join(element.itertext()))


def collapse_space(text: str) -> str:
    return _BLANK_RUN.sub(" ", text).strip()
