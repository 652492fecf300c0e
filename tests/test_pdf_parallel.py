"""A book typeset in parts by two worker processes, compared with the same book typeset
as one WeasyPrint document: same pages, text, page numbers, contents and outline."""

from __future__ import annotations

import re

import pypdf
import pytest

from bookmaker.backends import _pdf_layout
from bookmaker.collector import collect
from bookmaker.corpus import generate
from bookmaker.options import Options
from bookmaker.reader import parse_file

from pdf_support import (PART_ARTICLES, LogRecorder, article_page, assert_contents_match,
                         leader_entries, make_article, outline, page_texts, part_backend,
                         pdffonts, render_one_document, squeeze, unexpected_warnings,
                         word_boxes)



#: Articles after which a run of chapter openers ends, in these builds.
_OPENER_RUN = 3


@pytest.fixture(scope="module")
def book(tmp_path_factory):
    """Nine generated articles over four days, one in Traditional Chinese, and a late
    article linking to an early one (so the link crosses parts) whose markup also asks
    for a file the PDF may not read."""
    folder = tmp_path_factory.mktemp("parallel-corpus")
    articles = [parse_file(path) for path in generate(folder, 9, seed=11, days=4)]
    early = sorted(articles, key=lambda a: a.published)[1]
    traditional = make_article(3, language="zh-Hant", title="臺灣與香港的經濟報導")
    linking = make_article(
        40, title="一篇提到早先文章的报道",
        body=f'<p>此前的报道见<a href="{early.url}">这篇文章</a>。</p>'
             '<p style="background: url(file:///etc/passwd)">中国经济发展与国际社会合作。</p>')
    book = collect(articles + [traditional, linking], Options(group_by="day")).book
    return book, early, linking


@pytest.fixture(scope="module")
def builds(tmp_path_factory, book):
    """The book with one job, with two jobs, with two jobs again (fresh caches each),
    and as one document."""
    book, _, _ = book
    folder = tmp_path_factory.mktemp("parallel")
    written, logs, progress = {}, {}, []
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("SOURCE_DATE_EPOCH", "1700000000")
        # Several runs of chapter openers, as a long book has.
        patch.setattr(_pdf_layout, "OPENER_RUN_ARTICLES", _OPENER_RUN)
        for name, jobs in (("one-job", 1), ("two-jobs", 2), ("two-jobs-again", 2)):
            options = Options(jobs=jobs, cache_dir=folder / f"cache-{name}")
            report = progress.append if name == "two-jobs" else None
            with LogRecorder() as log:
                written[name] = part_backend().write(
                    book, folder / f"{name}.pdf", options,
                    progress=(lambda done, total: report((done, total))) if report else None)
            logs[name] = log
        written["one-document"] = render_one_document(book, folder / "one-document.pdf")
    return written, logs, progress


def test_the_book_has_several_parts(book, monkeypatch):
    from bookmaker.backends._pdf_layout import opener_runs, split_articles

    book, early, linking = book
    parts = split_articles(list(book.articles), *PART_ARTICLES)
    assert len(parts) >= 4
    monkeypatch.setattr(_pdf_layout, "OPENER_RUN_ARTICLES", _OPENER_RUN)
    runs = opener_runs(book.chapters)
    assert len(runs) >= 2 and [c for run in runs for c in run] == list(book.chapters)
    part_of = {a.slug: n for n, part in enumerate(parts) for a in part}
    assert part_of[early.slug] != part_of[linking.slug]


def test_two_jobs_write_the_same_bytes_as_one(builds):
    written, _, _ = builds
    assert written["two-jobs"].read_bytes() == written["one-job"].read_bytes()
    assert written["two-jobs-again"].read_bytes() == written["two-jobs"].read_bytes()


def test_same_pages_and_text_as_one_document(builds):
    written, _, _ = builds
    ours = [squeeze(page) for page in page_texts(written["two-jobs"])]
    reference = [squeeze(page) for page in page_texts(written["one-document"])]
    assert len(ours) == len(reference)
    for number, (mine, theirs) in enumerate(zip(ours, reference), start=1):
        assert mine == theirs, f"page {number} differs"


def test_same_outline_as_one_document(builds, book):
    written, _, _ = builds
    book, _, _ = book
    tree = outline(written["two-jobs"])
    assert tree == outline(written["one-document"])
    assert [(chapter, [title for title, _ in articles]) for chapter, _, articles in tree] == [
        (chapter.title, [a.title for a in chapter.articles]) for chapter in book.chapters]


def _outline_places(pdf) -> list[tuple[str, int, float, float]]:
    reader = pypdf.PdfReader(str(pdf))
    places = []

    def walk(items) -> None:
        for item in items:
            if isinstance(item, list):
                walk(item)
            else:
                places.append((item.title, reader.get_destination_page_number(item),
                               round(float(item.left), 1), round(float(item.top), 1)))

    walk(reader.outline)
    return places


def test_bookmarks_point_where_the_one_document_ones_do(builds):
    written, _, _ = builds
    assert _outline_places(written["two-jobs"]) == _outline_places(written["one-document"])


def _number_boxes(pdf) -> list[tuple[float, ...] | None]:
    """Where each page prints its own number (pdftotext's word boxes), if it does."""
    found = {word.page: word[2:] for word in word_boxes(pdf) if word.text == str(word.page)}
    return [found.get(number) for number in range(1, len(pypdf.PdfReader(pdf).pages) + 1)]


def test_page_numbers_sit_where_the_one_document_ones_do(builds):
    written, _, _ = builds
    ours, theirs = _number_boxes(written["two-jobs"]), _number_boxes(written["one-document"])
    assert len(ours) == len(theirs) and ours[2] is not None
    for number, (mine, reference) in enumerate(zip(ours, theirs), start=1):
        assert (mine is None) == (reference is None), number
        # Composed numbers are placed to a hundredth of a point of WeasyPrint's.
        assert mine is None or all(abs(a - b) < 0.01 for a, b in zip(mine, reference)), number


def test_contents_numbers_are_the_pages_of_the_titles(builds, book):
    written, _, _ = builds
    book, _, _ = book
    pages = page_texts(written["two-jobs"])
    layout = page_texts(written["two-jobs"], layout=True)
    first_opener = next(n for n, page in enumerate(layout) if re.search(r"\d+篇文章", page)
                        and n > 2)
    entries = leader_entries("".join(layout[2:first_opener]).strip().removeprefix("目录"))
    assert_contents_match(book, entries, lambda article: article_page(pages, article, byline=False))


def test_every_page_but_cover_and_title_page_has_its_number(builds):
    written, _, _ = builds
    pages = page_texts(written["two-jobs"])
    for number, page in enumerate(pages, start=1):
        lines = [line.strip() for line in page.splitlines() if line.strip()]
        if number <= 2:
            assert str(number) not in lines
        else:
            assert str(number) in lines, f"page {number} has no number"


def test_running_heads_follow_the_page_side(builds, book):
    written, _, _ = builds
    book, _, _ = book
    pages = page_texts(written["two-jobs"])
    starts = sorted(article_page(pages, a, byline=False) for a in book.articles)
    by_start = {article_page(pages, a, byline=False): a for a in book.articles}
    checked = 0
    for first, after in zip(starts, starts[1:] + [len(pages) + 1]):
        article = by_start[first]
        for number in range(first + 1, min(after, len(pages) + 1)):
            if number > len(pages) or "篇文章" in pages[number - 1][:40]:
                break
            head = squeeze(pages[number - 1].splitlines()[0])
            expected = squeeze(book.title if number % 2 == 0 else article.title)
            assert expected.startswith(head.rstrip("…")), (number, head)
            checked += 1
    assert checked >= 5


def test_link_between_parts_leads_to_the_article(builds, book):
    written, _, _ = builds
    book, early, linking = book
    pdf = written["two-jobs"]
    pages = page_texts(pdf)
    target = article_page(pages, early, byline=False)
    source = article_page(pages, linking, byline=False)
    assert f"这篇文章（见第{target}页）" in squeeze(pages[source - 1])
    reader = pypdf.PdfReader(str(pdf))
    destinations = reader.named_destinations
    leads = []
    for annotation in reader.pages[source - 1].get("/Annots") or []:
        annotation = annotation.get_object()
        if "/Dest" in annotation:
            name = str(annotation["/Dest"])
            leads.append(reader.get_destination_page_number(destinations[name]) + 1)
    assert target in leads


def test_contents_links_lead_to_their_articles(builds, book):
    written, _, _ = builds
    book, _, _ = book
    pdf = written["two-jobs"]
    pages = page_texts(pdf)
    reader = pypdf.PdfReader(str(pdf))
    destinations = reader.named_destinations
    for article in book.articles:
        page = reader.get_destination_page_number(destinations[article.slug]) + 1
        assert page == article_page(pages, article, byline=False)


def test_fonts_are_embedded_subsets(builds):
    written, _, _ = builds
    fonts = pdffonts(written["two-jobs"])
    assert fonts and all(row["emb"] == "yes" and row["sub"] == "yes" for row in fonts)
    assert any("Noto-Serif-CJK-TC" in row["name"] for row in fonts)


def test_worker_warnings_reach_the_build_log(builds):
    _, logs, _ = builds
    for name in ("one-job", "two-jobs"):
        messages = logs[name].messages()
        assert sum("refused to read file:///etc/passwd" in m for m in messages) == 1, name
        assert [m for m in unexpected_warnings(logs[name])
                if "file:///etc/passwd" not in m] == []


def test_progress_counts_parts_up_to_the_total(builds, book):
    _, _, progress = builds
    book, _, _ = book
    from bookmaker.backends._pdf_layout import split_articles

    total = len(split_articles(list(book.articles), *PART_ARTICLES)) + 1
    assert progress[-1] == (total, total)
    assert all(t == total for _, t in progress)
    assert [done for done, _ in progress] == sorted(done for done, _ in progress)


def test_page_numbers_typeset_as_sheets_when_the_sample_cannot_be_imitated(
        tmp_path, monkeypatch):
    """Another font or WeasyPrint could draw the sample differently: the numbers are then
    typeset page by page, and the book reads the same."""
    from bookmaker.backends import _pdf_folios

    from pdf_support import make_book

    monkeypatch.setattr(_pdf_folios, "analyse", lambda pdf: None)
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    book = make_book([make_article(n, paragraphs=4) for n in range(1, 6)], per_chapter=2)
    backend = part_backend()
    written = backend.write(book, tmp_path / "sheets.pdf",
                            Options(jobs=1, cache_dir=tmp_path / "cache"))
    assert backend.last_typeset.get("folios") == 1
    reference = render_one_document(book, tmp_path / "one.pdf")
    assert [squeeze(p) for p in page_texts(written)] == [
        squeeze(p) for p in page_texts(reference)]
    assert _number_boxes(written) == _number_boxes(reference)
