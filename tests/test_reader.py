"""The reader: the seed field by field, header and footer rules, odd files, source folders."""

from __future__ import annotations

import dataclasses
import html
import re
from datetime import datetime, timezone
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lxml import etree

from bookmaker.errors import ArticleError, UsageError
from bookmaker.language import detect_language
from bookmaker.model import Figure
from bookmaker.reader import iter_source_files, parse_bytes, parse_file
from bookmaker.sections import section_for_url

HEADER = "<!--1697533621000-->\n[标题](https://cn.nytimes.com/china/20231017/x/)\n------\n\n"


def parse_text(text: str, name: str = "article.txt"):
    return parse_bytes(text.encode("utf-8"), Path(name))


def body_tree(article) -> etree._Element:
    return etree.fromstring(f"<div>{article.body}</div>")


# --- the seed, field by field -------------------------------------------------------

def test_seed_title_and_url(seed_article):
    assert seed_article.title == "普京访华参加“一带一路”论坛，中俄寻求加强伙伴关系"
    assert seed_article.url == "https://cn.nytimes.com/world/20231017/putin-china-xi/"


def test_seed_published_is_the_line_1_stamp_in_utc(seed_article):
    assert seed_article.published == datetime(2023, 10, 17, 9, 7, 1, tzinfo=timezone.utc)
    assert seed_article.published.utcoffset().total_seconds() == 0
    assert seed_article.warnings == ()


def test_seed_authors_and_dateline(seed_article):
    assert seed_article.authors == ("DAVID PIERSON", "ANATOLY KURMANAEV")
    assert seed_article.dateline_text == "2023年10月17日"
    assert seed_article.dateline_value == "2023-10-17 04:39:29"


def test_seed_lead_figure(seed_article):
    lead = seed_article.lead_figure
    assert lead.src == ("https://images.weserv.nl/?url=static01.nyt.com/images/2023/10/17/"
                        "multimedia/01-hvbz/01-hvbz-master1050.jpg")
    assert (lead.width, lead.height) == (1050, 700)
    assert lead.caption == "俄罗斯总统普京周二抵达北京。"
    assert lead.credit == "Pool photo by Parker Song"


def test_seed_body_has_22_text_paragraphs_and_3_figures(seed_article):
    root = body_tree(seed_article)
    paragraphs = [p for p in root.iter("p") if "".join(p.itertext()).strip()]
    assert len(paragraphs) == 22
    assert [child.tag for child in root].count("figure") == 3
    assert all(child.tag in ("p", "figure") for child in root)


def test_seed_inline_figures_match_the_body(seed_article):
    figures = seed_article.figures
    assert [f.caption for f in figures] == [
        "普京上周在吉尔吉斯斯坦的比什凯克与其他前苏联国家领导人会面。",
        "3月，普京和中国领导人习近平在克里姆林宫。自乌克兰战争爆发以来，习近平为普京提供了外交掩护和资金支持。",
        "普京上个月在俄罗斯接待了朝鲜领导人金正恩，这被认为是莫斯科在平衡与北京的关系。",
    ]
    assert [f.src for f in figures] == [
        f"https://images.weserv.nl/?url=static01.nyt.com/images/2023/10/17/multimedia/"
        f"0{n}-hvbz/0{n}-hvbz-master1050.jpg" for n in (2, 3, 4)]
    elements = list(body_tree(seed_article).iter("figure"))
    for figure, element in zip(figures, elements):
        image, caption = list(element)
        assert (image.tag, image.attrib) == ("img", {"src": figure.src, "alt": ""})
        assert (caption.tag, caption.text) == ("figcaption", figure.caption)
    assert seed_article.image_urls == (seed_article.lead_figure.src,) + tuple(
        f.src for f in figures)


def test_seed_body_text_equals_the_source_section_text(seed_article, seed_path):
    source = seed_path.read_text(encoding="utf-8")
    section = source[source.index("<section>"):source.index("</section>")]
    expected = html.unescape(re.sub(r"<[^>]+>", "", section))
    assert "".join(body_tree(seed_article).itertext()) == expected


def test_seed_body_keeps_links_without_rel_or_target(seed_article):
    links = list(body_tree(seed_article).iter("a"))
    assert len(links) == 5
    assert links[0].attrib == {
        "href": "https://www.nytimes.com/2023/10/13/world/middleeast/hamas-israel-attack-gaza.html"}
    assert links[2].get("title") == (
        "Link: https://cn.nytimes.com/business/20231012/china-oil-saudi-arabia-iran/")


def test_seed_footer(seed_article):
    footer = seed_article.footer
    assert footer.contributors == ("Olivia Wang对本文有报道贡献。",)
    assert footer.translator == "翻译：纽约时报中文网"
    assert footer.original_url == "https://www.nytimes.com/2023/10/16/world/asia/putin-china-xi.html"
    assert footer.original_label == "点击查看本文英文版。"
    assert footer.notes == (
        "David Pierson报道中国外交政策和中国与世界的经济与文化交互。",
        '<a href="https://www.nytimes.com/by/anatoly-kurmanaev">Anatoly Kurmanaev</a>'
        "是一名驻外记者，报道俄罗斯在入侵乌克兰之后的变化。",
    )


def test_seed_section_language_and_identity(seed_article, seed_path):
    assert (seed_article.section, seed_article.section_key) == ("国际", "world")
    assert seed_article.language == "zh-Hans"
    assert seed_article.source_path == seed_path
    assert re.fullmatch(r"[0-9a-f]{64}", seed_article.content_hash)
    assert seed_article.slug == "a" + seed_article.content_hash[:12]


def test_content_hash_ignores_path_and_stamp_but_not_content(seed_article, seed_path):
    text = seed_path.read_text(encoding="utf-8")
    republished = parse_text(text.replace("1697533621000", "1697600000000"), "copy.txt")
    assert republished.published != seed_article.published
    assert republished.content_hash == seed_article.content_hash
    edited = parse_text(text.replace("俄罗斯总统普京本周访问北京", "俄罗斯总统普京下周访问北京"))
    assert edited.content_hash != seed_article.content_hash


def test_parse_file_equals_parse_bytes(seed_article, seed_path):
    assert parse_bytes(seed_path.read_bytes(), seed_path) == seed_article


# --- header lines -------------------------------------------------------------------

@pytest.mark.parametrize("line, title, url", [
    ("[a [b] (c)](https://x.org/world/1/)", "a [b] (c)", "https://x.org/world/1/"),
    ("[看 [这](里)](https://x.org/a_(b))", "看 [这](里)", "https://x.org/a_(b)"),
    (r"[\[escaped\] \*stars\* &amp; &ldquo;q&rdquo;](https://x.org/)", "[escaped] *stars* & “q”",
     "https://x.org/"),
    ("  [padded](<https://x.org/p>)  ", "padded", "https://x.org/p"),
    ('[titled](https://x.org/t "hover")', "titled", "https://x.org/t"),
    ("[<b>bold</b> title](https://x.org/)", "bold title", "https://x.org/"),
])
def test_title_link_is_parsed_robustly(line, title, url):
    article = parse_text(f"<!--1697533621000-->\n{line}\n------\n\n<p>正文</p>")
    assert (article.title, article.url) == (title, url)


@pytest.mark.parametrize("line", ["普京访华", "[no url]()", "[relative](/world/1/)",
                                  "[script](javascript:alert(1))", "(https://x.org/)"])
def test_a_line_2_that_is_not_a_title_link_is_refused(line):
    with pytest.raises(ArticleError, match="no title link on line 2"):
        parse_text(f"<!--1697533621000-->\n{line}\n------\n\n<p>正文</p>")


def test_empty_title_is_refused():
    with pytest.raises(ArticleError, match="empty title on line 2"):
        parse_text("<!--1697533621000-->\n[  ](https://x.org/)\n\n<p>正文</p>")


def test_header_tolerates_blank_lines_spaces_and_a_missing_rule():
    article = parse_text("\n  <!-- 1697533621000 -->  \n\n[标题](https://x.org/china/1/)\n<p>正文</p>")
    assert article.published == datetime(2023, 10, 17, 9, 7, 1, tzinfo=timezone.utc)
    assert article.body == "<p>正文</p>"


# --- timestamps ---------------------------------------------------------------------

def test_ten_digit_stamp_is_seconds(odd_dir):
    article = parse_file(odd_dir / "seconds-stamp.txt")
    assert article.published == datetime(2023, 10, 17, 9, 7, 1, tzinfo=timezone.utc)
    assert article.warnings == ()


def test_missing_stamp_falls_back_to_time_datetime_as_beijing_time(odd_dir):
    article = parse_file(odd_dir / "missing-stamp.txt")
    assert article.published == datetime(2023, 10, 16, 20, 39, 29, tzinfo=timezone.utc)
    assert article.title == "没有时间戳的文章"
    assert len(article.warnings) == 1
    assert "no timestamp" in article.warnings[0] and "2023-10-17 04:39:29" in article.warnings[0]


def test_unreadable_stamp_falls_back_with_a_warning(odd_dir):
    article = parse_file(odd_dir / "unreadable-stamp.txt")
    assert article.published == datetime(2023, 10, 16, 20, 39, 29, tzinfo=timezone.utc)
    assert "not a readable timestamp" in article.warnings[0]
    assert "昨天下午" in article.warnings[0]


def test_missing_stamp_and_no_time_is_refused(odd_dir):
    with pytest.raises(ArticleError) as caught:
        parse_file(odd_dir / "missing-stamp-no-time.txt")
    assert caught.value.reason == "no timestamp: line 1 missing and no <time datetime>"
    assert caught.value.path == odd_dir / "missing-stamp-no-time.txt"


@pytest.mark.parametrize("stamp", ["<!--16975336210-->", "<!--abc-->", "1697533621000x"])
def test_unreadable_stamp_without_time_is_refused(stamp):
    with pytest.raises(ArticleError, match="no timestamp: line 1 is not a readable timestamp"):
        parse_text(f"{stamp}\n[标题](https://x.org/)\n------\n\n<p>正文</p>")


def test_time_datetime_with_an_offset_keeps_its_offset():
    article = parse_text('[标题](https://x.org/)\n------\n\n'
                         '<time datetime="2023-10-16T21:00:00Z">Oct. 16</time><p>正文</p>')
    assert article.published == datetime(2023, 10, 16, 21, 0, tzinfo=timezone.utc)


# --- authors, footer, section, language --------------------------------------------

@pytest.mark.parametrize("byline, names", [
    ("DAVID PIERSON, ANATOLY KURMANAEV", ("DAVID PIERSON", "ANATOLY KURMANAEV")),
    ("By David Pierson and Anatoly Kurmanaev", ("David Pierson", "Anatoly Kurmanaev")),
    ("储百亮、王月眉，艾莎", ("储百亮", "王月眉", "艾莎")),
    ("储百亮和王月眉", ("储百亮", "王月眉")),
    ("王和平", ("王和平",)),
    (" , Keith Bradsher ,, ", ("Keith Bradsher",)),
])
def test_authors_are_split_on_every_separator(byline, names):
    article = parse_text(HEADER + f"<address>{byline}</address><section><p>正文</p></section>")
    assert article.authors == names


def test_footer_parts_in_other_wordings():
    article = parse_text(HEADER + "<section><p>正文</p></section><footer>"
                         "<p>Amy Chang Chien對本文亦有貢獻。</p><p>Claire Fu contributed research.</p>"
                         "<p>翻譯：紐約時報中文網</p><p>Translated by someone else</p>"
                         '<p><a href="https://www.nytimes.com/x.html">Read in English</a></p>'
                         '<p>王月眉是时报驻北京记者。<a href="https://www.nytimes.com/by/w">点击查看更多关于她的信息。</a></p>'
                         "</footer>")
    footer = article.footer
    assert footer.contributors == ("Amy Chang Chien對本文亦有貢獻。", "Claire Fu contributed research.")
    assert footer.translator == "翻譯：紐約時報中文網"
    assert (footer.original_url, footer.original_label) == ("https://www.nytimes.com/x.html",
                                                            "Read in English")
    assert footer.notes == ("Translated by someone else", "王月眉是时报驻北京记者。")


def test_no_address_figure_section_or_footer(odd_dir):
    article = parse_file(odd_dir / "bare.txt")
    assert article.authors == () and article.lead_figure is None and article.figures == ()
    assert article.body == "<p>这篇文章没有署名、没有配图，也没有页脚。</p><p>第二段没有标签。</p><p>第三段。</p>"
    assert article.footer.notes == () and article.footer.original_url is None
    assert article.dateline_text == "2023年10月17日"
    assert (article.section, article.section_key) == ("观点与评论", "opinion")


@pytest.mark.parametrize("url, section", [
    ("https://cn.nytimes.com/world/20231017/x/", ("国际", "world")),
    ("https://cn.nytimes.com/zh-hant/world/20231017/x/", ("国际", "world")),
    ("https://cn.nytimes.com/real-estate/20231017/x/", ("房地产", "real-estate")),
    ("https://cn.nytimes.com/asia-pacific/20231017/x/zh-hant/", ("亚太", "asia-pacific")),
    ("https://www.nytimes.com/2023/10/16/world/asia/putin.html", ("国际", "world")),
    ("https://cn.nytimes.com/podcasts/1/", ("其他", "other")),
    ("https://cn.nytimes.com/", ("其他", "other")),
])
def test_section_from_the_url(url, section):
    assert section_for_url(url) == section


@pytest.mark.parametrize("text, url, language", [
    ("这是简体中文的文章，我们说话。", "", "zh-Hans"),
    ("這是繁體中文的文章，我們說話。", "", "zh-Hant"),
    ("这是简体中文的文章。", "https://cn.nytimes.com/china/1/zh-hant/", "zh-Hant"),
    ("中国", "", "zh-Hans"),  # no script-specific character: a tie
    ("The quick brown fox jumps over the lazy dog.", "", "en"),
    ("今日は東京で会議がありました。", "", "ja"),
    ("오늘 서울에서 회의가 있었습니다.", "", "ko"),
    ("Сегодня в Москве прошла встреча.", "", "ru"),
    ("2023 — 100%", "", "zh-Hans"),
    ("普京说：“Russia and China are partners.”中俄关系很重要，两国领导人会面。", "", "zh-Hans"),
])
def test_language_detection(text, url, language):
    assert detect_language(text, url) == language


def test_traditional_and_english_articles(odd_dir):
    traditional = parse_file(odd_dir / "traditional.txt")
    assert traditional.language == "zh-Hant"
    assert traditional.authors == ("DAVID PIERSON", "ANATOLY KURMANAEV")
    assert traditional.footer.contributors == ("Olivia Wang對本文有報導貢獻。",)
    assert traditional.footer.original_label == "點擊查看本文英文版。"
    english = parse_file(odd_dir / "english.txt")
    assert english.language == "en"
    assert english.title == "Putin Visits China [Again] (Belt and Road Forum)"
    assert english.authors == ("David Pierson", "Anatoly Kurmanaev")
    assert english.footer.contributors == ("Olivia Wang contributed reporting.",)
    assert "China’s leader" in english.body
    assert english.section == "国际"


# --- odd files ----------------------------------------------------------------------

#: What every file of tests/fixtures/odd/ must give: a title, or the reason it is skipped.
ODD_OUTCOMES = {
    "empty.txt": ArticleError("empty.txt", "empty file"),
    "binary-junk.txt": ArticleError("binary-junk.txt", "not text (binary data)"),
    "damaged-utf8.txt": ArticleError("damaged-utf8.txt", "undecodable: only decodes with "
                                     "replacement characters (1 invalid UTF-8 sequence)"),
    "missing-stamp-no-time.txt": ArticleError("missing-stamp-no-time.txt",
                                              "no timestamp: line 1 missing and no <time datetime>"),
    "no-title-link.txt": ArticleError("no-title-link.txt", "no title link on line 2"),
    "deep-nesting.html": ArticleError("deep-nesting.html", "HTML nested too deeply (over 200 levels)"),
    "bare.txt": "只有正文的文章",
    "big5.txt": "普京訪華參加「一帶一路」論壇，中俄尋求加強夥伴關係",
    "crlf.txt": "中国经济放缓，年轻人就业难",
    "deep-nesting.txt": "深层嵌套的文章",
    "english.txt": "Putin Visits China [Again] (Belt and Road Forum)",
    "entities.txt": "Entities & more: “引号” [escaped]",
    "euc-kr.txt": "서울 정상회의, 경제 협력과 안보 논의",
    "gb18030.txt": "生僻字䶮与𠮷",
    "gbk.txt": "中国经济放缓，年轻人就业难",
    "hostile.html": "Hostile alert(1) markup",
    "long-paragraph.txt": "一个二十万字符的段落",
    "malformed.txt": "Malformed HTML 测试",
    "missing-stamp.txt": "没有时间戳的文章",
    "seconds-stamp.txt": "十位数的时间戳",
    "traditional.txt": "普京訪華參加「一帶一路」論壇，中俄尋求加強夥伴關係",
    "unreadable-stamp.txt": "时间戳无法读取",
    "utf16be-bom.txt": "中国经济放缓，年轻人就业难",
    "utf16le-bom.txt": "中国经济放缓，年轻人就业难",
    "utf16le-nobom.txt": "中国经济放缓，年轻人就业难",
    "utf8-bom.txt": "中国经济放缓，年轻人就业难",
}


def test_every_odd_file_has_an_expected_outcome(odd_dir):
    assert sorted(p.name for p in iter_source_files([odd_dir])) == sorted(ODD_OUTCOMES)


@pytest.mark.parametrize("name", sorted(ODD_OUTCOMES))
def test_odd_file(odd_dir, name):
    expected = ODD_OUTCOMES[name]
    path = odd_dir / name
    if isinstance(expected, ArticleError):
        with pytest.raises(ArticleError) as caught:
            parse_file(path)
        assert caught.value.path == path
        assert caught.value.reason == expected.reason
        assert str(caught.value) == f"{path}: {expected.reason}"
        assert "\n" not in str(caught.value)
    else:
        article = parse_file(path)
        assert article.title == expected
        etree.fromstring(f"<div>{article.body}</div>")  # well-formed


@pytest.mark.parametrize("name", ["gbk.txt", "crlf.txt", "utf8-bom.txt", "utf16le-bom.txt",
                                  "utf16be-bom.txt", "utf16le-nobom.txt"])
def test_encodings_and_line_ends_read_the_same(odd_dir, name):
    article = parse_file(odd_dir / name)
    reference = parse_file(odd_dir / "crlf.txt")
    assert article.body == "<p>中国经济增长放缓，年轻人找工作越来越难。</p><p>许多大学毕业生说，他们对未来感到担忧。</p>"
    assert (article.authors, article.footer, article.content_hash) == (
        reference.authors, reference.footer, reference.content_hash)
    assert "\r" not in article.body + article.title


def test_big5_and_gb18030_files(odd_dir):
    big5 = parse_file(odd_dir / "big5.txt")
    utf8 = parse_file(odd_dir / "traditional.txt")
    assert big5 == dataclasses.replace(utf8, source_path=big5.source_path)
    gb18030 = parse_file(odd_dir / "gb18030.txt")
    assert gb18030.authors == ("刘䶮",)
    assert "“𠮷”字都不在GBK里" in gb18030.body


def test_long_paragraph(odd_dir):
    article = parse_file(odd_dir / "long-paragraph.txt")
    paragraphs = list(body_tree(article))
    assert len(paragraphs) == 2
    assert len(paragraphs[0].text) == 200_000
    assert paragraphs[1].text == "结尾。"


def test_lead_figure_addresses_and_sizes():
    article = parse_text(HEADER + '<figure><img src="//static01.nyt.com/a.jpg" width="600px" '
                         'height="400"><figcaption> 图注 <cite> 摄影 </cite></figcaption></figure>'
                         "<section><p>正文</p></section>")
    assert article.lead_figure == Figure(src="https://static01.nyt.com/a.jpg", width=None,
                                         height=400, caption="图注", credit="摄影")
    assert article.figures == () and article.body == "<p>正文</p>"
    relative = parse_text(HEADER + '<figure><img src="/a.jpg"></figure><section><p>正文</p></section>')
    assert relative.lead_figure is None


def test_too_large_file_is_refused_unread(tmp_path):
    huge = tmp_path / "huge.txt"
    with huge.open("wb") as handle:
        handle.truncate(20 * 1024 * 1024 + 1)  # sparse: costs no disk
    with pytest.raises(ArticleError, match=r"too large \(20.0 MB; the limit is 20 MB\)"):
        parse_file(huge)


def test_unreadable_file_is_an_article_error(tmp_path):
    with pytest.raises(ArticleError, match="cannot read"):
        parse_file(tmp_path / "missing.txt")
    with pytest.raises(ArticleError, match="a folder, not an article file"):
        parse_file(tmp_path)


# --- source files -------------------------------------------------------------------

def test_iter_source_files_walks_folders_in_order(tmp_path):
    for name in ["b.txt", "a.md", "sub/c.html", "sub/d.HTM", "sub/deeper/e.txt", "z.json",
                 "image.jpg", ".hidden.txt", ".git/f.txt", "sub/.cache/g.txt"]:
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("x")
    found = iter_source_files([tmp_path])
    assert [p.relative_to(tmp_path).as_posix() for p in found] == [
        "a.md", "b.txt", "sub/c.html", "sub/d.HTM", "sub/deeper/e.txt"]


def test_iter_source_files_takes_files_as_given_once(tmp_path, seed_path):
    other = tmp_path / "notes.dat"
    other.write_text("x")
    assert iter_source_files([other, seed_path, seed_path.parent]) == [other, seed_path]


def test_iter_source_files_refuses_missing_paths_and_empty_folders(tmp_path):
    with pytest.raises(UsageError, match="nowhere"):
        iter_source_files([tmp_path / "nowhere"])
    (tmp_path / "photos").mkdir()
    (tmp_path / "photos" / "a.jpg").write_bytes(b"\xff\xd8")
    with pytest.raises(UsageError, match=f"no article files in {tmp_path / 'photos'}"):
        iter_source_files([tmp_path / "photos"])


def test_broken_links_and_unsearchable_folders_are_skipped_with_a_reason(
        tmp_path, seed_path, monkeypatch):
    import os

    from bookmaker.options import Options
    from bookmaker.pipeline import read_sources

    (tmp_path / "seed.txt").write_bytes(seed_path.read_bytes())
    (tmp_path / "gone.txt").symlink_to(tmp_path / "nowhere.txt")
    (tmp_path / "locked").mkdir()
    (tmp_path / "locked" / "a.txt").write_bytes(seed_path.read_bytes())
    scandir = os.scandir

    def refusing(path):  # the folder is unreadable (root reads anything, so pretend)
        if Path(path) == tmp_path / "locked":
            raise PermissionError(13, "Permission denied", str(path))
        return scandir(path)

    monkeypatch.setattr(os, "scandir", refusing)
    read = read_sources(Options(sources=(tmp_path,), cache=False))
    assert len(read.articles) == 1
    assert sorted((s.path.name, s.reason) for s in read.skipped) == [
        ("gone.txt", "cannot read: No such file or directory"),
        ("locked", "cannot search folder: Permission denied")]


# --- properties ---------------------------------------------------------------------

@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.one_of(st.binary(max_size=2000),
                 st.binary(max_size=2000).map(lambda tail: HEADER.encode() + tail)))
def test_arbitrary_bytes_raise_only_article_errors(data):
    try:
        article = parse_bytes(data, Path("fuzz.txt"))
    except ArticleError as error:
        assert error.path == Path("fuzz.txt") and "\n" not in error.reason
    else:
        etree.fromstring(f"<div>{article.body}</div>")


_HTML_PIECES = st.sampled_from([
    "<p>", "</p>", "<section>", "</section>", "<footer>", "</footer>", "<figure>", "<img src=",
    "<small>", "<address>", "<time datetime=", "<a href=", "<script>", "<table><tr><td>",
    "<li>", "<h1>", "&nbsp;", "&", "<", ">", '"', "'", "中文", "text", " ", "\n", "\x00",
    "javascript:", "//x.org/i.jpg", "https://x.org/", "<br>", "<!--", "-->", "]]>", "\ud800",
])


@settings(max_examples=200, deadline=None)
@given(st.lists(st.one_of(_HTML_PIECES, st.text(max_size=20)), max_size=60))
def test_arbitrary_text_after_a_valid_header(pieces):
    text = HEADER + "".join(pieces)
    try:
        article = parse_bytes(text.encode("utf-8", errors="surrogatepass"), Path("fuzz.txt"))
    except ArticleError:
        return
    root = etree.fromstring(f"<div>{article.body}</div>")
    assert all(element.tag != "script" for element in root.iter())
    assert all(image.getparent().tag == "figure" for image in root.iter("img"))
    assert "javascript:" not in "".join(root.xpath("//@href | //@src"))
    for note in article.footer.notes + article.footer.contributors:
        etree.fromstring(f"<p>{note}</p>")


def test_a_plain_text_body_keeps_its_paragraphs():
    text = ("<!--1697533621000-->\n[纯文本](https://cn.nytimes.com/china/20231019/plain/)\n"
            "------\n\n第一段文字，\n接着第一段。\n\n第二段 <不是标签> & 符号。\n")
    article = parse_bytes(text.encode("utf-8"), Path("plain.txt"))
    assert article.body == "<p>第一段文字，接着第一段。</p><p>第二段 &lt;不是标签&gt; &amp; 符号。</p>"
