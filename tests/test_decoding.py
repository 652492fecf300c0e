"""Decoding article bytes: byte-order marks, UTF-8, GB18030/GBK, Big5, binary and broken files."""

from __future__ import annotations

import codecs
import dataclasses
import random
from pathlib import Path

import pytest

from bookmaker.decoding import DecodingError, decode_text
from bookmaker.errors import ArticleError
from bookmaker.reader import parse_bytes

TRADITIONAL = (
    "<!--1697533621000-->\n"
    "[普京訪華參加「一帶一路」論壇，中俄尋求加強夥伴關係](https://cn.nytimes.com/world/20231017/putin/)\n"
    "------\n\n"
    "<address>DAVID PIERSON、ANATOLY KURMANAEV</address>"
    '<time datetime="2023-10-17 04:39:29">2023年10月17日</time><section>'
    "<p>俄羅斯總統普京本週訪問北京期間將與中國最高領導人習近平會晤，屆時兩人可能都會尋求展示兩國"
    "「沒有止境」的夥伴關係在挑戰西方主導的全球秩序方面的力量。</p>"
    "<p>這次訪問正值中東局勢動盪，哈馬斯本月襲擊以色列，導致以色列對加沙發動空襲。俄羅斯和中國都沒有"
    "像西方國家那樣直接譴責哈馬斯。</p>"
    "<p>取而代之的是，兩國呼籲結束暴力，並恢復巴勒斯坦建國的談判。</p></section>"
    "<footer><p>翻譯：紐約時報中文網</p></footer>\n"
)


@pytest.fixture(scope="module")
def seed_text(seed_path) -> str:
    return seed_path.read_text(encoding="utf-8")


def same_article(data: bytes, reference):
    """``data`` parsed, with the reference's path so whole articles compare."""
    article = parse_bytes(data, Path("other.txt"))
    return dataclasses.replace(article, source_path=reference.source_path)


# --- the seed in every encoding -----------------------------------------------------

SEED_ENCODINGS = {
    "gbk": lambda text: text.encode("gbk"),
    "gb18030": lambda text: text.encode("gb18030"),
    "utf-8 with BOM": lambda text: text.encode("utf-8-sig"),
    "utf-16 LE with BOM": lambda text: codecs.BOM_UTF16_LE + text.encode("utf-16-le"),
    "utf-16 BE with BOM": lambda text: codecs.BOM_UTF16_BE + text.encode("utf-16-be"),
    "utf-32 LE with BOM": lambda text: codecs.BOM_UTF32_LE + text.encode("utf-32-le"),
    "utf-16 LE without BOM": lambda text: text.encode("utf-16-le"),
    "utf-16 BE without BOM": lambda text: text.encode("utf-16-be"),
    "crlf": lambda text: text.replace("\n", "\r\n").encode("utf-8"),
    "cr": lambda text: text.replace("\n", "\r").encode("utf-8"),
    "gbk with crlf": lambda text: text.replace("\n", "\r\n").encode("gbk"),
}


@pytest.mark.parametrize("encoding", sorted(SEED_ENCODINGS))
def test_seed_in_every_encoding(seed_text, seed_article, encoding):
    data = SEED_ENCODINGS[encoding](seed_text)
    assert decode_text(data) == seed_text
    assert same_article(data, seed_article) == seed_article


TRADITIONAL_ENCODINGS = ["big5", "big5hkscs", "utf-16", "utf-8-sig", "gb18030"]


@pytest.mark.parametrize("encoding", TRADITIONAL_ENCODINGS)
def test_traditional_article_in_every_encoding(encoding):
    article = parse_bytes(TRADITIONAL.encode(encoding), Path("t.txt"))
    assert decode_text(TRADITIONAL.encode(encoding)) == TRADITIONAL
    assert article.title == "普京訪華參加「一帶一路」論壇，中俄尋求加強夥伴關係"
    assert article.language == "zh-Hant"
    assert article.footer.translator == "翻譯：紐約時報中文網"


def test_hong_kong_characters_read_as_big5_hkscs():
    text = "香港政府今日宣布，市民可以免費接種疫苗。有市民話：「我哋都想快啲打針，唔係好擔心㗎。」"
    assert decode_text(text.encode("big5hkscs")) == text


# --- short texts: where detectors guess wrong ---------------------------------------

@pytest.mark.parametrize("word", ["中国", "你好", "经济", "北京时间", "习近平", "新冠疫情", "台湾",
                                  "香港", "美国总统", "一带一路", "乌克兰战争", "纽约时报中文网"])
def test_short_gbk_texts(word):
    assert decode_text(word.encode("gbk")) == word
    assert decode_text(f"[{word}](https://x.org/)\n".encode("gbk")) == f"[{word}](https://x.org/)\n"


@pytest.mark.parametrize("word", ["中國", "臺灣", "經濟", "習近平", "總統", "颱風", "民主",
                                  "紐約時報中文網", "烏克蘭戰爭", "一帶一路"])
def test_short_big5_texts(word):
    assert decode_text(word.encode("big5")) == word


def test_gb18030_four_byte_characters():
    text = "南汉皇帝刘䶮的名字和“𠮷”字都不在GBK里。"
    assert decode_text(text.encode("gb18030")) == text


# --- Korean in EUC-KR, which also decodes as GB18030 -----------------------------------

KOREAN = ("서울에서 열린 정상회의에서 두 나라 정상은 경제 협력과 안보 문제를 논의했다. "
          "전문가들은 이번 회담이 지역 안정에 중요한 계기가 될 것이라고 말했다.")


@pytest.mark.parametrize("encoding", ["euc_kr", "cp949"])
def test_korean_legacy_encoding_is_not_read_as_chinese(encoding):
    assert KOREAN.encode(encoding).decode("gb18030")  # the trap: it decodes as Chinese
    assert decode_text(KOREAN.encode(encoding)) == KOREAN
    assert decode_text(f"[{KOREAN[:12]}](https://x.kr/)\n{KOREAN}".encode(encoding)) == (
        f"[{KOREAN[:12]}](https://x.kr/)\n{KOREAN}")


@pytest.mark.parametrize("text", [
    # Chinese without its most frequent characters, whose bytes read in CP949 are
    # mostly Hangul: names, with and without separators, and places.
    "习近平普京拜登马克龙朔尔茨岸田文雄尹锡悦莫迪卢拉拉马福萨埃尔多安内塔尼亚胡泽连斯基",
    "习近平、普京、拜登、马克龙、朔尔茨、岸田文雄、尹锡悦、莫迪、卢拉、拉马福萨、埃尔多安",
    "北京上海广州深圳天津重庆南京杭州武汉成都西安沈阳长春哈尔滨济南青岛大连厦门宁波苏州",
])
def test_chinese_that_reads_as_hangul_stays_chinese(text):
    assert decode_text(text.encode("gbk")) == text


# --- other encodings through the detector --------------------------------------------

@pytest.mark.parametrize("text, encoding", [
    ("日本語のテキストです。東京は今日晴れです。明日は雨が降るでしょう。" * 3, "shift_jis"),
    ("Сегодня в Москве прошла встреча президентов. Это русский текст. " * 3, "cp1251"),
    ("“Smart quotes” and café — an English article. " * 3, "cp1252"),
])
def test_non_chinese_legacy_encodings(text, encoding):
    assert decode_text(text.encode(encoding)) == text


# --- refused files ------------------------------------------------------------------

@pytest.mark.parametrize("data", [b"", b"   \n\r\n\t", codecs.BOM_UTF8, codecs.BOM_UTF16_LE,
                                  codecs.BOM_UTF8 + b"\n\n"])
def test_empty_files(data):
    with pytest.raises(DecodingError, match="^empty file$"):
        decode_text(data)


@pytest.mark.parametrize("data", [
    random.Random(1).randbytes(4096),
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x01\x00",
    b"\x7fELF\x02\x01\x01\x00" + bytes(64),
    bytes(100),
    "正文\x01\x02\x03\x04\x05\x06".encode() * 20,
    codecs.BOM_UTF16_LE + "\x01\x02\x03\x04".encode("utf-16-le") * 50,
], ids=["random", "png", "elf", "nul", "controls", "utf16-controls"])
def test_binary_files(data):
    with pytest.raises(DecodingError, match=r"^not text \(binary data\)$"):
        decode_text(data)


def test_damaged_utf8_is_refused(seed_text):
    data = seed_text.encode("utf-8")
    damaged = data[:300] + b"\xff" + data[300:600] + b"\xc3(" + data[600:]
    with pytest.raises(DecodingError) as caught:
        decode_text(damaged)
    assert str(caught.value) == ("undecodable: only decodes with replacement characters "
                                 "(2 invalid UTF-8 sequences)")


def test_damaged_short_utf8_is_refused():
    data = "[标题](https://x.org/)\n".encode() + b"<p>c\xed\xa0\x80d</p>"  # an encoded surrogate
    with pytest.raises(DecodingError, match="only decodes with replacement characters"):
        decode_text(data)


def test_damaged_gbk_is_refused(seed_text):
    data = seed_text.encode("gbk")
    with pytest.raises(DecodingError) as caught:
        decode_text(data[:500] + b"\xff" + data[500:])
    assert str(caught.value) == ("undecodable: only decodes with replacement characters "
                                 "(1 invalid GB18030 sequence)")


def test_invalid_text_after_a_byte_order_mark_is_refused():
    with pytest.raises(DecodingError, match="invalid UTF-16-LE after its byte-order mark"):
        decode_text(codecs.BOM_UTF16_LE + "正文".encode("utf-16-le") + b"\x00\xd8")
    with pytest.raises(DecodingError, match="invalid UTF-8 after its byte-order mark"):
        decode_text(codecs.BOM_UTF8 + b"abc\xff")


def test_reader_reports_decoding_errors_as_article_errors():
    with pytest.raises(ArticleError) as caught:
        parse_bytes(bytes(100), Path("zeros.txt"))
    assert str(caught.value) == "zeros.txt: not text (binary data)"
