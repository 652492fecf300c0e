"""The synthetic corpus: seed format, determinism, variety, re-published duplicates."""

from __future__ import annotations

import re
import subprocess
import sys
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from bookmaker.corpus import END, duplicate_count, generate

LINE_1 = re.compile(r"<!--(\d{13})-->")
LINE_2 = re.compile(r"\[([^\]\n]+)\]\((https?://[^)\s]+)\)")
NAME = re.compile(r"\d{3}_[0-9a-f]{16}\.txt")
BODY = re.compile(
    r'<address>[A-Z]+ [A-Z]+(, [A-Z]+ [A-Z]+){0,2}</address>'
    r'<time pudate="(?P<t>[\d\- :]{19})" datetime="(?P=t)">\d{4}年\d{1,2}月\d{1,2}日</time>'
    r'(<figure><img src="[^"]+" width="\d+" height="\d+"><figcaption>[^<]+ <cite>[^<]+</cite>'
    r'</figcaption></figure>)?'
    r"<section>(?P<section>.*)</section><footer>(?P<footer>.*)</footer>")


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> list[Path]:
    return generate(tmp_path_factory.mktemp("corpus"), 80, seed=11, days=20)


def _stamp(path: Path) -> int:
    return int(LINE_1.fullmatch(path.read_text(encoding="utf-8").splitlines()[0]).group(1))


def test_every_file_is_in_the_seed_layout(corpus):
    assert len(corpus) == 80
    for path in corpus:
        assert NAME.fullmatch(path.name)
        text = path.read_text(encoding="utf-8")
        lines = text.split("\n")
        assert len(lines) == 6 and lines[5] == ""
        assert LINE_1.fullmatch(lines[0]) and LINE_2.fullmatch(lines[1])
        assert lines[2] == "------" and lines[3] == ""
        match = BODY.fullmatch(lines[4])
        assert match, path
        paragraphs = re.findall(r"<p>(.*?)</p>", match["section"])
        images = [p for p in paragraphs if p.startswith("<img")]
        assert 8 <= len(paragraphs) - len(images) <= 40
        assert 0 <= len(images) <= 4
        assert all(re.fullmatch(r'<img src="[^"]+"><small style="color: #999;">[^<]+</small>', p)
                   for p in images)
        assert "翻译：" in match["footer"]


def test_variety_across_the_corpus(corpus):
    texts = [p.read_text(encoding="utf-8") for p in corpus]
    sections = {re.search(r"cn\.nytimes\.com/(\w+)/", t).group(1) for t in texts}
    assert sections == {"world", "china", "business", "opinion", "culture"}
    assert sum("<figure>" in t for t in texts) > len(texts) // 2
    assert sum("<figure>" not in t for t in texts) > 0
    assert sum('<a href="' in t for t in texts) > len(texts) // 2
    assert sum("点击查看本文英文版" in t for t in texts) > len(texts) // 2
    assert all("images.weserv.nl/?url=static01.nyt.com/images/" in t
               for t in texts if "<img" in t)
    inline_counts = {t.count("<small") for t in texts}
    assert {0, 4} <= inline_counts


def test_timestamps_span_the_days_and_names_are_not_in_time_order(corpus):
    stamps = [_stamp(p) for p in sorted(corpus)]
    end = END.timestamp() * 1000
    originals_start = (END - timedelta(days=20)).timestamp() * 1000
    # Re-published copies may come up to two days after the end.
    assert all(originals_start <= s <= end + 48 * 3_600_000 for s in stamps)
    assert stamps != sorted(stamps) and stamps != sorted(stamps, reverse=True)
    first = datetime.fromtimestamp(min(stamps) / 1000, timezone.utc)
    assert first < END - timedelta(days=15)


def test_republished_copies_share_an_address_and_come_later(corpus):
    by_url: dict[str, list[int]] = {}
    for path in corpus:
        lines = path.read_text(encoding="utf-8").split("\n")
        url = LINE_2.fullmatch(lines[1]).group(2)
        key = url.split("?")[0].replace("http://", "https://")
        by_url.setdefault(key, []).append(_stamp(path))
    repeated = [stamps for stamps in by_url.values() if len(stamps) > 1]
    assert len(repeated) == duplicate_count(80) == 4
    assert all(len(set(stamps)) == len(stamps) for stamps in repeated)


def test_same_seed_same_bytes_other_seed_other_bytes(tmp_path):
    first = generate(tmp_path / "a", 15, seed=5)
    again = generate(tmp_path / "b", 15, seed=5)
    other = generate(tmp_path / "c", 15, seed=6)
    assert [p.name for p in first] == [p.name for p in again]
    assert [p.read_bytes() for p in first] == [p.read_bytes() for p in again]
    assert [p.read_bytes() for p in first] != [p.read_bytes() for p in other]


def test_image_base_points_images_elsewhere(tmp_path):
    paths = generate(tmp_path, 10, seed=2, image_base="http://127.0.0.1:8123/")
    texts = "".join(p.read_text(encoding="utf-8") for p in paths)
    sources = re.findall(r'<img src="([^"]+)"', texts)
    assert sources and all(s.startswith("http://127.0.0.1:8123/static01.nyt.com/") for s in sources)
    assert "weserv" not in texts


def test_command_line(tmp_path):
    done = subprocess.run([sys.executable, "-m", "bookmaker.corpus", str(tmp_path / "out"),
                           "12", "--seed", "3", "--days", "5"],
                          capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    assert len(list((tmp_path / "out").glob("*.txt"))) == 12
    assert [p.read_bytes() for p in sorted((tmp_path / "out").iterdir())] == [
        p.read_bytes() for p in generate(tmp_path / "again", 12, seed=3, days=5)]


def test_the_reader_accepts_every_generated_file(corpus):
    from bookmaker.reader import parse_file

    articles = [parse_file(p) for p in corpus]
    assert {a.section for a in articles} == {"国际", "中国", "商业与经济", "观点与评论", "文化"}
    assert all(a.language == "zh-Hans" and a.authors and a.footer.translator
               for a in articles)
    assert sum(len(a.figures) for a in articles) == sum(
        p.read_text(encoding="utf-8").count("<small") for p in corpus)


def test_titles_are_unique_and_absent_from_every_body(corpus):
    titles: dict[str, str] = {}
    bodies = []
    for path in corpus:
        lines = path.read_text(encoding="utf-8").split("\n")
        title, url = LINE_2.fullmatch(lines[1]).groups()
        titles.setdefault(title, url.split("?")[0].replace("http://", "https://"))
        assert titles[title] == url.split("?")[0].replace("http://", "https://")
        bodies.append(lines[4])
    assert len(titles) == 80 - duplicate_count(80)
    assert not [t for t in titles if any(t in body for body in bodies)]
