"""WeasyPrint measures a page's footnote area by stacking notes it has measured once.

Each time a footnote call lands on a line, WeasyPrint (70) lays out the whole footnote
area of the page again, every note in it, only to learn the area's new height: a page
with n notes lays out n(n+1)/2 notes. The links of an article are its footnotes, so this
was about a third of the layout time of a part (measured: 1,266 note layouts for 393
notes in 25 articles, 1.09 s of 3.5 s). Here each note is laid out alone once per
width, and the area's height is the stack of those notes, their margins collapsed the
way WeasyPrint collapses them. The page itself is still laid out by WeasyPrint from the
notes, so only the running height estimate changes, never what is drawn. The pages are
the same in every comparison made (the tests, books of 100 and 1,000 articles, byte for
byte); sums taken in another order may differ in the last bits, which could only matter
where WeasyPrint's own exact comparison of such sums flips on rounding alone.

Only what this models is stacked: an area of automatic height in one column, without
floats beside it, whose top margin does not collapse; notes that are non-empty blocks
in normal flow, holding only lines of text (what ``.link-note`` makes). Any other page
is measured WeasyPrint's way, and so is every page of another WeasyPrint version.
"""

from __future__ import annotations

import functools
from typing import Any, Callable, NamedTuple

#: Set on the layout context class once patched, so that applying twice changes nothing.
_MARK = "_bookmaker_stacked_footnotes"
#: The attribute of a layout context that keeps the notes it has measured.
_MEASURES = "_bookmaker_footnote_measures"
#: The WeasyPrint version whose footnote layout this models (checked against its code).
_WRITTEN_FOR = "70."

#: A note measured alone: its top margin, border-box height and bottom margin.
Measure = tuple[float, float, float]


def stack_footnotes() -> bool:
    """Make WeasyPrint measure footnote areas by stacking; say whether it now does."""
    tools = _find_tools()
    if tools is None:
        return False
    context_class = tools.context_class
    if not getattr(context_class, _MARK, False):
        context_class._update_footnote_area = _stacking(
            context_class._update_footnote_area, tools)
        setattr(context_class, _MARK, True)
    return True


class _Tools(NamedTuple):
    """The parts of WeasyPrint the stacking uses."""

    context_class: type
    boxes: Any
    anonymous: Callable[[Any], Any]
    lay_out: Callable[..., tuple]
    collapse: Callable[[list[float]], float]


@functools.cache
def _find_tools() -> _Tools | None:
    """The installed WeasyPrint's, or None if it is not the shape this was written for
    (looked for once a process: every document asks)."""
    try:
        import weasyprint
        from weasyprint.formatting_structure import boxes, build
        from weasyprint.layout import LayoutContext
        from weasyprint.layout.block import block_level_layout, collapse_margin
    except ImportError:
        return None
    if not (weasyprint.__version__.startswith(_WRITTEN_FOR)
            and callable(getattr(LayoutContext, "_update_footnote_area", None))):
        return None
    return _Tools(LayoutContext, boxes, build.create_anonymous_boxes, block_level_layout,
                  collapse_margin)


def _stacking(update: Callable[[Any], bool], tools: _Tools) -> Callable[[Any], bool]:
    """``_update_footnote_area``, stacking measured notes where it can."""

    @functools.wraps(update)
    def update_area(context: Any) -> bool:
        area = context.current_footnote_area
        notes = context.current_page_footnotes
        if not notes or not _plain_area(context, area):
            return update(context)
        measures = _measures(context, area, notes, tools)
        if measures is None:
            return update(context)
        if area.height != "auto" and not context.in_column:
            context.page_bottom += area.margin_height()
        area.children = notes
        height, last_bottom = _stack(measures, area, tools.collapse)
        area.height = height
        if not context.in_column:
            context.page_bottom -= area.margin_height()
        return last_bottom > height + area.padding_bottom + area.border_bottom_width

    return update_area


def _plain_area(context: Any, area: Any) -> bool:
    """Whether the area is laid out the way :func:`_stack` adds notes up."""
    style = area.style
    return (style["height"] == "auto" and style["column_count"] == "auto"
            and style["column_width"] == "auto" and style["max_lines"] == "none"
            and style["continue"] == "auto" and not area.top_margin_collapses()
            and not context.excluded_shapes)


def _measures(context: Any, area: Any, notes: list[Any], tools: _Tools
              ) -> list[Measure] | None:
    """Each note's measure at this area's width, laid out alone the first time."""
    known = context.__dict__.setdefault(_MEASURES, {})
    # A note's height depends on the width it is set in: the page's, or the area's own,
    # less the area's margins, borders and padding (left and right pages may differ).
    width = (area.page.width, area.width, area.min_width, area.max_width, area.margin_left,
             area.margin_right, area.padding_left, area.padding_right,
             area.border_left_width, area.border_right_width)
    measures = []
    for note in notes:
        key = (id(note), width)
        if key not in known:
            known[key] = (note, _measure(context, area, note, tools))
        measure = known[key][1]
        if measure is None:
            return None
        measures.append(measure)
    return measures


def _measure(context: Any, area: Any, note: Any, tools: _Tools) -> Measure | None:
    """One note laid out alone in a copy of the area, or None if it is not plain."""
    children = area.children
    area.children = [note]
    try:
        alone = tools.anonymous(area.deepcopy())
    finally:
        area.children = children
    laid = tools.lay_out(context, alone, -float("inf"), None, area.page)[0]
    if laid is None or len(laid.children) != 1:
        return None
    box = laid.children[0]
    return (box.margin_top, box.border_height(), box.margin_bottom) \
        if _plain_note(box, tools.boxes) else None


def _plain_note(box: Any, boxes: Any) -> bool:
    """Whether a laid-out note stacks as :func:`_stack` stacks it: a non-empty block in
    normal flow, not relatively placed, breaking nothing, holding only lines of text."""
    style = box.style
    lines = box.children
    return (isinstance(box, boxes.BlockBox) and box.is_in_normal_flow()
            and style["position"] == "static" and style["clear"] == "none"
            and style["break_before"] == "auto" and style["break_after"] == "auto"
            and bool(lines) and box.border_height() > 0
            and all(isinstance(line, boxes.LineBox) for line in lines)
            and not any(inside.is_floated() or inside.is_absolutely_positioned()
                        for line in lines for inside in line.descendants()))


def _stack(measures: list[Measure], area: Any, collapse: Callable) -> tuple[float, float]:
    """The area's content height, and the bottom of its last note's border box."""
    position = 0.0
    margins: list[float] = []
    for top, height, bottom in measures:
        position = position + collapse([*margins, top]) + height
        margins = [bottom]
    last_bottom = position
    if not area.bottom_margin_collapses():
        position += collapse(margins)
    height = max(min(max(0, position), area.max_height), area.min_height)
    return height, last_bottom
