"""Figures of an article: its lead image, and inline images turned into <figure> blocks."""

from __future__ import annotations

from lxml import etree

from .cleaner import FLOW_CONTAINERS, IMAGE_SCHEMES, INLINE_TAGS, PHRASING_BLOCKS, safe_url
from .nodes import collapse_space, drop_keeping_tail, unwrap
from .model import Figure

#: Flow containers a figure may not stand in: a figure within a figure or its caption.
_NO_FIGURES_IN = frozenset({"figcaption", "figure"})


def figure_from_element(element: etree._Element) -> Figure | None:
    """The :class:`Figure` a ``<figure>`` describes; ``None`` when it has no image nor caption."""
    image = next((img for img in element.iter("img") if img.get("src")), None)
    src = safe_url(image.get("src"), IMAGE_SCHEMES) if image is not None else None
    caption_element = next(element.iter("figcaption"), None)
    caption = credit = ""
    if caption_element is not None:
        caption = collapse_space(_text_outside(caption_element, "cite"))
        credit = collapse_space(" ".join("".join(cite.itertext())
                                         for cite in caption_element.iter("cite")))
    if src is None and not caption and not credit:
        return None
    width = _int(image.get("width")) if image is not None else None
    height = _int(image.get("height")) if image is not None else None
    return Figure(src=src, width=width, height=height, caption=caption, credit=credit)


def build_figures(root: etree._Element) -> None:
    """Give every image of a cleaned body its own ``<figure>`` block, in place.

    The archive writes inline images as ``<p><img><small>caption</small></p>``; an image
    with text around it splits its paragraph. An image without a usable address leaves a
    figure with only its caption, or nothing.
    """
    for figure in list(root.iter("figure")):
        if figure.getparent() is not None:  # else unwrapped as part of an outer figure
            _normalise_figure(figure)
    # Last image first: each split then moves only the few nodes after its image.
    for image in reversed(list(root.iter("img"))):
        parent = image.getparent()
        if parent is not None and parent.tag == "figure" and parent.get("data-built"):
            continue
        _place_image(image)
    for figure in root.iter("figure"):
        figure.attrib.pop("data-built", None)


def collect_figures(root: etree._Element) -> tuple[Figure, ...]:
    """The figures of a built body in document order; their images keep only src and alt."""
    figures = []
    for element in root.iter("figure"):
        figure = figure_from_element(element)
        if figure is not None:
            figures.append(figure)
        for image in element.iter("img"):
            for name in ("width", "height"):
                image.attrib.pop(name, None)
    return tuple(figures)


def _normalise_figure(old: etree._Element) -> None:
    """Rebuild a source ``<figure>`` as one figure per image, the caption on the last."""
    images = list(old.iter("img"))
    captions = list(old.iter("figcaption"))
    caption = captions[0] if captions else None
    for image in images:
        drop_keeping_tail(image)
    # Figures and captions inside this one: their text stays, their frames go.
    for inner in list(old.iterdescendants("figure")) + captions[1:]:
        unwrap(inner)
    if caption is not None:
        drop_keeping_tail(caption)
    built = [_new_figure(image, None) for image in images] or [_new_figure(None, None)]
    if caption is not None:
        last = built[-1]
        last.append(caption)
        caption.tail = None
    for figure in built:
        if len(figure):
            old.addprevious(figure)
    # Whatever else the figure held (stray text, paragraphs) stays where it was.
    unwrap(old)


def _place_image(image: etree._Element) -> None:
    while image.getparent().tag in INLINE_TAGS:
        _move_after(image.getparent(), image)
    parent = image.getparent()
    grandparent = parent.getparent()
    if not image.get("src") and _caption_after(image) is None:
        drop_keeping_tail(image)  # nothing to show: leave the paragraph whole
    elif parent.tag in FLOW_CONTAINERS and parent.tag not in _NO_FIGURES_IN:
        caption = _caption_after(image)
        figure = _new_figure(image, caption)
        last = caption if caption is not None else image
        figure.tail = last.tail
        image.addprevious(figure)
        _remove(image, caption)
        if not len(figure):
            drop_keeping_tail(figure)
    elif (parent.tag in PHRASING_BLOCKS and grandparent is not None
          and grandparent.tag in FLOW_CONTAINERS and grandparent.tag not in _NO_FIGURES_IN):
        _split_at(parent, image)
    else:
        drop_keeping_tail(image)


def _split_at(block: etree._Element, image: etree._Element) -> None:
    """Split ``block`` into the part before ``image``, a figure, and the part after."""
    caption = _caption_after(image)
    last = caption if caption is not None else image
    after = etree.Element(block.tag)
    after.text = last.tail
    following = last.getnext()
    while following is not None:
        nxt = following.getnext()
        after.append(following)
        following = nxt
    figure = _new_figure(image, caption)
    _remove(image, caption)
    after.tail, block.tail = block.tail, None
    block.addnext(after)
    if len(figure):
        block.addnext(figure)


def _new_figure(image: etree._Element | None, caption: etree._Element | None) -> etree._Element:
    """A ``<figure>`` with an ``<img src alt>`` (when the address is usable) and a caption."""
    figure = etree.Element("figure", {"data-built": "1"})
    src = image.get("src") if image is not None else None
    if src:
        attributes = {"src": src, "alt": ""}
        for name in ("width", "height"):
            if image.get(name):
                attributes[name] = image.get(name)
        etree.SubElement(figure, "img", attributes)
    if caption is not None and "".join(caption.itertext()).strip():
        figcaption = etree.SubElement(figure, "figcaption")
        figcaption.text = caption.text
        for child in list(caption):
            figcaption.append(child)
    return figure


def _caption_after(image: etree._Element) -> etree._Element | None:
    """The ``<small>`` right after ``image`` (blank space between allowed), if any."""
    following = image.getnext()
    if following is not None and following.tag == "small" and not (image.tail or "").strip():
        return following
    return None


def _remove(image: etree._Element, caption: etree._Element | None) -> None:
    """Remove an image and its caption whose following text has been taken already."""
    for element in (image, caption):
        if element is not None:
            element.getparent().remove(element)


def _move_after(anchor: etree._Element, element: etree._Element) -> None:
    """Move ``element`` out of ``anchor`` to just after it; the text around stays in order."""
    drop_keeping_tail(element)
    element.tail, anchor.tail = anchor.tail, None
    anchor.addnext(element)


def _text_outside(element: etree._Element, skipped: str) -> str:
    """The text of ``element`` without the text of its ``skipped`` descendants."""
    parts = [element.text or ""]
    for child in element:
        if child.tag != skipped:
            parts.append(_text_outside(child, skipped))
        parts.append(child.tail or "")
    return "".join(parts)


def _int(value: str | None) -> int | None:
    value = (value or "").strip()
    return int(value) if value.isdigit() and 0 < int(value) < 100_000 else None

