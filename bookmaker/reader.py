"""Read archived article files into :class:`Article`s: header lines, frame, body, footer."""

from __future__ import annotations

import hashlib
import html
import re
import unicodedata
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

from lxml import etree

from . import cleaner
from .decoding import DecodingError, decode_text
from .errors import ArticleError
from .figures import build_figures, collect_figures, figure_from_element
from .footer import split_footer
from .language import detect_language
from .model import Article, Footer
from .nodes import drop_keeping_tail, plain_text, unwrap
from .sections import section_for_url
from .source_files import (ARTICLE_SUFFIXES, MAX_FILE_BYTES, iter_source_files,  # noqa: F401
                           read_article_file)
from .structure import fix_structure, wrap_inline_runs

#: ``<time datetime>`` values carry no offset. The seed's (04:39) is earlier than its
#: archive stamp (09:07Z) only when read as Beijing time, so they are taken as that.
DATELINE_ZONE = ZoneInfo("Asia/Shanghai")

_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)
_STAMP = re.compile(r"^(?:<!--)?\s*(\d+)\s*(?:-->)?$")
_RULE = re.compile(r"^\s*(?:-{3,}|={3,}|\*{3,}|_{3,})\s*$")
_MARKDOWN_ESCAPE = re.compile(r"\\([!-/:-@\[-`{-~])")
_AUTHOR_SEPARATORS = re.compile(r"\s*(?:[,，;；、/&]|\band\b)\s*", re.IGNORECASE)
_BYLINE_PREFIX = re.compile(r"^by\s+", re.IGNORECASE)
_BLANK = re.compile(r"\s+")
_TAG = re.compile(r"</?[A-Za-z][^<>]*>")
_FRAME_PARTS = ("address", "time", "section", "footer", "figure")


def parse_file(path: Path) -> Article:
    """Read and parse the article file at ``path``; raises :class:`ArticleError` only."""
    path = Path(path)
    return parse_bytes(read_article_file(path), path)


def parse_bytes(data: bytes, path: Path) -> Article:
    """Parse the bytes of one article file; ``path`` names it in errors and the result."""
    path = Path(path)
    try:
        text = cleaner.strip_invalid_chars(decode_text(data))
    except DecodingError as error:
        raise ArticleError(path, str(error)) from None
    header = _read_header(text, path)
    try:
        root = cleaner.sanitize(_paragraphs_of_plain_text(header.rest), valid_chars=True)
    except cleaner.MarkupError as error:
        raise ArticleError(path, str(error)) from None
    address, dateline, lead, body, footer_root = _take_apart(root)

    dateline_text = plain_text(dateline) if dateline is not None else ""
    dateline_value = ""
    if dateline is not None:
        dateline_value = (dateline.get("datetime") or dateline.get("pudate") or "").strip()
    published, warnings = _published(header, dateline_value, path)

    _clean_body(body)
    figures = collect_figures(body)
    body_text = "".join(body.itertext())
    body_xhtml = cleaner.inner_xhtml(body)
    footer = _clean_footer(footer_root)
    section, section_key = section_for_url(header.url)
    return Article(
        title=header.title,
        url=header.url,
        published=published,
        authors=_authors(plain_text(address)) if address is not None else (),
        dateline_text=dateline_text,
        dateline_value=dateline_value,
        lead_figure=figure_from_element(lead) if lead is not None else None,
        body=body_xhtml,
        figures=figures,
        footer=footer,
        section=section,
        section_key=section_key,
        language=detect_language(header.title + "\n" + body_text, header.url),
        source_path=path,
        content_hash=_content_hash(header.title, body_xhtml, footer),
        warnings=tuple(warnings),
    )


@dataclass(frozen=True)
class _Header:
    """What the Markdown lines before the HTML say, and the HTML itself (``rest``)."""

    stamp: datetime | None
    #: Why ``stamp`` is ``None`` ("line 1 has no timestamp"), for warnings and errors.
    stamp_problem: str
    title: str
    url: str
    rest: str


def _read_header(text: str, path: Path) -> _Header:
    lines = text.split("\n")
    index = _skip_blank(lines, 0)
    first = lines[index].strip() if index < len(lines) else ""
    stamp: datetime | None = None
    problem = ""
    if _parse_title_line(first) is not None:
        problem = "line 1 has no timestamp"
    else:
        stamp = _stamp_time(first)
        if stamp is None:
            shown = first if len(first) <= 40 else first[:37] + "..."
            problem = f"line 1 is not a readable timestamp ({shown!r})"
        index = _skip_blank(lines, index + 1)
    line = lines[index] if index < len(lines) else ""
    link = _parse_title_line(line)
    if link is None:
        raise ArticleError(path, f"no title link on line {index + 1}")
    title, url = link
    if not title:
        raise ArticleError(path, f"empty title on line {index + 1}")
    index = _skip_blank(lines, index + 1)
    if index < len(lines) and _RULE.match(lines[index]):
        index += 1
    return _Header(stamp, problem, title, url, "\n".join(lines[index:]))


_ANY_TAG = re.compile(r"<[A-Za-z!/?]")
_BLANK_LINES = re.compile(r"\n[ \t\u3000]*\n\s*")


def _paragraphs_of_plain_text(rest: str) -> str:
    """A body written as plain text, without any tag, keeps its blank-line paragraphs."""
    if _ANY_TAG.search(rest) or not rest.strip():
        return rest
    chunks = (chunk.strip() for chunk in _BLANK_LINES.split(rest))
    return "".join(f"<p>{html.escape(chunk, quote=False)}</p>" for chunk in chunks if chunk)


def _skip_blank(lines: list[str], index: int) -> int:
    while index < len(lines) and not lines[index].strip():
        index += 1
    return index


def _stamp_time(line: str) -> datetime | None:
    """The archive time of a ``<!--1697533621000-->`` line (13 digits: ms, 10: s)."""
    match = _STAMP.match(line)
    if not match:
        return None
    digits = match.group(1)
    if len(digits) == 13:
        return _EPOCH + timedelta(milliseconds=int(digits))
    if len(digits) == 10:
        return _EPOCH + timedelta(seconds=int(digits))
    return None


def _parse_title_line(line: str) -> tuple[str, str] | None:
    """``(title, url)`` of a ``[title](url)`` line; the title may hold ``[]()`` itself.

    The link target is the text after the last ``](`` that makes an http(s) URL up to
    the final ``)``, so brackets in the title and parentheses in the URL both work.
    """
    line = line.strip()
    if not (line.startswith("[") and line.endswith(")")):
        return None
    end = len(line)
    while True:
        end = line.rfind("](", 1, end)
        if end < 1:
            return None
        target = line[end + 2:-1].strip()
        token = target.split()[0].strip("<>") if target else ""
        url = cleaner.safe_url(token, cleaner.IMAGE_SCHEMES)
        if url is not None:
            title = html.unescape(_MARKDOWN_ESCAPE.sub(r"\1", line[1:end]))
            # The title is plain text; markup in it is someone's mistake or an attack.
            title = _TAG.sub("", title)
            return _BLANK.sub(" ", title).strip(), url


def _published(header: _Header, dateline_value: str,
               path: Path) -> tuple[datetime, list[str]]:
    """The archive time, or the dateline read as Beijing time (with a warning)."""
    if header.stamp is not None:
        return header.stamp, []
    fallback = _dateline_time(dateline_value)
    if fallback is None:
        reason = header.stamp_problem.replace("line 1 has no timestamp", "line 1 missing")
        raise ArticleError(path, f"no timestamp: {reason} and no <time datetime>")
    return fallback, [f"{header.stamp_problem}; used <time datetime=\"{dateline_value}\"> "
                      f"read as {DATELINE_ZONE.key} time"]


def _dateline_time(value: str) -> datetime | None:
    try:
        moment = datetime.fromisoformat(value.strip().replace("/", "-"))
    except ValueError:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=DATELINE_ZONE)
    try:
        return moment.astimezone(timezone.utc)
    except (OverflowError, ValueError):
        return None


def _take_apart(root: etree._Element):
    """Split the sanitized HTML into byline, dateline, lead figure, body and footer.

    The body is the ``<section>`` content; without one, whatever is left once the
    other parts are taken out.
    """
    def outside(element: etree._Element, tags: tuple[str, ...]) -> bool:
        return not any(ancestor.tag in tags for ancestor in element.iterancestors())

    for wrapper in list(root.iterdescendants(*cleaner.GENERIC_BLOCKS)):
        if next(wrapper.iterdescendants(*_FRAME_PARTS), None) is not None:
            unwrap(wrapper)  # a <div> around the whole article, say

    sections = [s for s in root.iter("section") if outside(s, ("section",))]
    footers = [f for f in root.iter("footer") if outside(f, ("section", "footer"))]
    address = next((a for a in root.iter("address") if outside(a, ("section", "footer"))), None)
    dateline = next((t for t in root.iter("time") if outside(t, ("section", "footer"))), None)
    lead = None
    for child in root:
        if child.tag == "figure":
            lead = child
        if child.tag not in ("address", "time", "br"):
            break
    for part in (address, dateline, lead, *footers, *sections):
        if part is not None and part.getparent() is not None:
            drop_keeping_tail(part)
            part.tail = None
    if sections:
        body = etree.Element("div")
        body.extend(sections)
    else:
        body = root
    footer_root = etree.Element("div")
    footer_root.extend(footers)
    return address, dateline, lead, body, footer_root


def _clean_body(body: etree._Element) -> None:
    cleaner.clean_tree(body)
    fix_structure(body)
    build_figures(body)
    wrap_inline_runs(body)
    cleaner.tidy(body)


def _clean_footer(root: etree._Element) -> Footer:
    cleaner.clean_tree(root)
    for image in list(root.iter("img")):
        drop_keeping_tail(image)
    for element in list(root.iter("figure", "figcaption")):
        unwrap(element)
    fix_structure(root)
    cleaner.tidy(root)
    return split_footer(root)


def _authors(byline: str) -> tuple[str, ...]:
    """Names in a byline, split on commas, 、, "and" and 和 (not inside a name: 王和平)."""
    names: list[str] = []
    for part in _AUTHOR_SEPARATORS.split(_BYLINE_PREFIX.sub("", byline)):
        pieces = [piece.strip() for piece in part.split("和")]
        if len(pieces) > 1 and not all(len(piece) >= 2 for piece in pieces):
            pieces = [part.strip()]
        names.extend(piece for piece in pieces if piece)
    return tuple(names)


def _content_hash(title: str, body: str, footer: Footer) -> str:
    """SHA-256 of what the article says, blind to where and when it was archived."""
    parts = [title, body, *footer.contributors, *footer.notes, footer.translator,
             footer.original_url or ""]
    # " ".join(split()) collapses the same blanks as re's \s+, faster.
    normalised = [" ".join(unicodedata.normalize("NFC", part).split()) for part in parts]
    return hashlib.sha256("\x1f".join(normalised).encode("utf-8")).hexdigest()

