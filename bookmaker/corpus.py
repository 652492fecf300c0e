"""A deterministic synthetic archive in the seed's exact format, for tests and benchmarks.

``python -m bookmaker.corpus OUT N --seed S [--days D] [--image-base URL]`` writes N
article files whose sentences are recombined from the seed articles at run time.
About 5% of the files re-publish an earlier article (same URL, later stamp).
"""

from __future__ import annotations

import argparse
import hashlib
import html
import itertools
import random
import re
import sys
from dataclasses import dataclass, replace
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Sequence
from zoneinfo import ZoneInfo

#: The corpus ends here (the last second of 2023-10-31 in Asia/Shanghai).
END = datetime(2023, 10, 31, 15, 59, 59, tzinfo=timezone.utc)
#: Default image route: the same weserv proxy form the seed uses.
DEFAULT_IMAGE_BASE = "https://images.weserv.nl/?url="
#: Share of files that re-publish an article, in percent.
DUPLICATE_PERCENT = 5

#: Section key → the section path of the original-language article.
SECTIONS = {"world": "world/asia", "china": "world/asia", "business": "business",
            "opinion": "opinion", "culture": "arts"}

_NEWSROOM = ZoneInfo("America/New_York")
_FIRST_NAMES = ("AMY", "BEN", "CLARA", "DANIEL", "ELENA", "FRANK", "GRACE", "HENRY",
                "IRIS", "JAMES", "KEITH", "LAURA", "MARK", "NINA", "OSCAR", "PAUL",
                "RACHEL", "SAM", "TARA", "VICTOR")
_LAST_NAMES = ("ADAMS", "BROOKS", "CHEN", "DIAZ", "EVANS", "FOSTER", "GARCIA", "HUANG",
               "IVANOV", "JONES", "KIM", "LI", "MORALES", "NOVAK", "OKAFOR", "PATEL",
               "REYES", "SATO", "TAYLOR", "WANG", "YOUNG", "ZHANG")
_SLUG_WORDS = ("trade", "election", "economy", "climate", "summit", "market", "border",
               "energy", "china", "europe", "factory", "museum", "court", "harbor",
               "festival", "youth", "housing", "bank", "chip", "river", "policy", "film",
               "rail", "farm", "ocean", "school", "vote", "tariff", "drought", "space")
_TOPICS = ("中国外交政策", "全球经济", "科技行业", "欧洲政治", "气候与环境", "亚洲文化",
           "能源市场", "国际贸易", "公共卫生", "艺术与设计")
_TRANSLATORS = ("纽约时报中文网", "纽约时报中文网", "纽约时报中文网", "晓明", "安然", "林舟")
_CREDITS = ("Pool photo by Parker Song", "Agence France-Presse — Getty Images",
            "The New York Times", "Reuters", "Associated Press")
_SIZES = ((1050, 700), (1050, 591), (1050, 1400), (1050, 788))


@dataclass(frozen=True)
class Material:
    """What the seeds offer to recombine."""

    sentences: tuple[str, ...]
    clauses: tuple[str, ...]
    captions: tuple[str, ...]


@dataclass(frozen=True)
class Record:
    """One generated article before it is written out."""

    stamp_ms: int
    title: str
    url: str
    html: str


def seeds_folder() -> Path:
    """The seed articles: packaged in a wheel as ``bookmaker/seeds``, or a checkout's."""
    here = Path(__file__).resolve().parent
    for folder in (here / "seeds", here.parent / "seeds"):
        if folder.is_dir() and any(folder.glob("*.txt")):
            return folder
    raise FileNotFoundError("no seed articles found (bookmaker/seeds or seeds/)")


def _text(fragment: str) -> str:
    return html.unescape(re.sub(r"<[^>]*>", "", fragment)).strip()


def _sentences(text: str) -> list[str]:
    return [s for s in re.findall(r"[^。！？]+[。！？]+[”」』]?", text) if len(s) >= 8]


def load_material(folder: Path | None = None) -> Material:
    """Split every seed's paragraphs into sentences and clauses, and collect captions."""
    sentences: list[str] = []
    captions: list[str] = []
    for path in sorted((folder or seeds_folder()).glob("*.txt")):
        source = path.read_text(encoding="utf-8-sig")
        body = "".join(re.findall(r"<section>(.*?)</section>", source, re.S))
        for paragraph in re.findall(r"<p>(.*?)</p>", body, re.S):
            if "<img" in paragraph:
                captions.extend(_text(c) for c in re.findall(r"<small[^>]*>(.*?)</small>",
                                                             paragraph, re.S))
            else:
                sentences.extend(_sentences(_text(paragraph)))
        for caption in re.findall(r"<figcaption>(.*?)</figcaption>", source, re.S):
            captions.append(_text(re.sub(r"<cite>.*?</cite>", "", caption, flags=re.S)))
    clauses = [c.strip("“”「」 ") for s in sentences for c in re.split(r"[，。！？；：]", s)]
    clauses = [c for c in clauses if 6 <= len(c) <= 20 and "“" not in c and "”" not in c]
    if not sentences or not clauses:
        raise ValueError("the seed articles have no sentences to recombine")
    return Material(tuple(dict.fromkeys(sentences)), tuple(dict.fromkeys(clauses)),
                    tuple(dict.fromkeys(c for c in captions if c)) or ("图片说明。",))


class _Writer:
    """Draws one article after another from a seeded random source."""

    def __init__(self, material: Material, rng: random.Random, image_base: str) -> None:
        self.material = material
        self.rng = rng
        self.image_base = image_base
        self.used_slugs: set[str] = set()
        self.used_tags: set[str] = set()
        self.used_titles: set[str] = set()

    def _slug(self) -> str:
        while True:
            slug = "-".join(self.rng.sample(_SLUG_WORDS, self.rng.randint(2, 4)))
            if slug not in self.used_slugs:
                self.used_slugs.add(slug)
                return slug

    def _title(self) -> str:
        """Two clauses as a headline, unique in the corpus and found in no body text,
        so a test can look an article up by its title."""
        clauses = self.material.clauses
        for attempt in itertools.count():
            first, second, third = self.rng.sample(clauses, 3)
            title = f"{first}{self.rng.choice('：，')}{second}"
            if attempt >= 20:  # two-clause titles are running out: a large corpus
                title += f"，{third}"
            elif len(title) > 32:
                continue
            if title not in self.used_titles and all(
                    title not in sentence for sentence in self.material.sentences):
                self.used_titles.add(title)
                return title

    def _tag(self) -> str:
        while True:
            tag = "".join(self.rng.choice("abcdefghijklmnopqrstuvwxyz") for _ in range(4))
            if tag not in self.used_tags:
                self.used_tags.add(tag)
                return tag

    def _person(self) -> str:
        return f"{self.rng.choice(_FIRST_NAMES)} {self.rng.choice(_LAST_NAMES)}"

    def _image(self, day: datetime, number: int, tag: str) -> str:
        name = f"{number:02d}-{tag}"
        return (f"{self.image_base}static01.nyt.com/images/{day:%Y/%m/%d}/multimedia/"
                f"{name}/{name}-master1050.jpg")

    def _linked(self, sentence: str, day: datetime) -> str:
        """The sentence, escaped, with a few of its words made into a link."""
        if len(sentence) < 12 or self.rng.random() > 0.25:
            return html.escape(sentence, quote=False)
        start = self.rng.randrange(2, len(sentence) - 8)
        end = start + self.rng.randint(2, 6)
        section = self.rng.choice(list(SECTIONS))
        if self.rng.random() < 0.5:
            href = f"https://www.nytimes.com/{day:%Y/%m/%d}/{SECTIONS[section]}/{self._slug()}.html"
            opening = f'<a href="{href}">'
        else:
            href = f"https://cn.nytimes.com/{section}/{day:%Y%m%d}/{self._slug()}/"
            opening = f'<a href="{href}" title="Link: {href}">'
        return (html.escape(sentence[:start], quote=False) + opening
                + html.escape(sentence[start:end], quote=False) + "</a>"
                + html.escape(sentence[end:], quote=False))

    def article(self, stamp_ms: int) -> Record:
        rng, material = self.rng, self.material
        stamp = datetime.fromtimestamp(stamp_ms / 1000, timezone.utc)
        local = (stamp - timedelta(minutes=rng.randint(5, 180))).astimezone(_NEWSROOM)
        section = rng.choice(list(SECTIONS))
        slug = self._slug()
        url = f"https://cn.nytimes.com/{section}/{local:%Y%m%d}/{slug}/"
        title = self._title()
        authors = list(dict.fromkeys(self._person() for _ in range(rng.randint(1, 3))))
        tag = self._tag()
        parts = [f"<address>{', '.join(authors)}</address>",
                 f'<time pudate="{local:%Y-%m-%d %H:%M:%S}" datetime="{local:%Y-%m-%d %H:%M:%S}">'
                 f"{local.year}年{local.month}月{local.day}日</time>"]
        if rng.random() < 0.85:
            width, height = rng.choice(_SIZES)
            parts.append(f'<figure><img src="{self._image(local, 1, tag)}" width="{width}" '
                         f'height="{height}"><figcaption>'
                         f"{html.escape(rng.choice(material.captions), quote=False)} "
                         f"<cite>{rng.choice(_CREDITS)}</cite></figcaption></figure>")
        paragraphs = []
        for _ in range(rng.randint(8, 40)):
            sentences = rng.sample(material.sentences, rng.randint(1, 4))
            text = "".join(self._linked(s, local) for s in sentences)
            paragraphs.append(f"<p>{text}{'<br>' if rng.random() < 0.05 else ''}</p>")
        for number in range(2, 2 + rng.randint(0, 4)):
            caption = html.escape(rng.choice(material.captions), quote=False)
            figure = (f'<p><img src="{self._image(local, number, tag)}">'
                      f'<small style="color: #999;">{caption}</small></p>')
            paragraphs.insert(rng.randint(1, len(paragraphs)), figure)
        parts.append(f"<section>{''.join(paragraphs)}</section>")
        parts.append(f"<footer>{self._footer(authors, local, section, slug)}</footer>")
        return Record(stamp_ms, title, url, "".join(parts))

    def _footer(self, authors: list[str], local: datetime, section: str, slug: str) -> str:
        rng = self.rng
        lines = []
        if rng.random() < 0.5:
            lines.append(f"{self._person().title()}对本文有报道贡献。")
        for author in authors:
            name = author.title()
            profile = "https://www.nytimes.com/by/" + name.lower().replace(" ", "-")
            pronoun = rng.choice(("他", "她"))
            lines.append(f"{name}报道{rng.choice(_TOPICS)}。"
                         f'<a rel="nofollow" target="_blank" href="{profile}">'
                         f"点击查看更多关于{pronoun}的信息。</a>")
        lines.append(f"翻译：{rng.choice(_TRANSLATORS)}")
        if rng.random() < 0.9:
            original = (f"https://www.nytimes.com/{local:%Y/%m/%d}/{SECTIONS[section]}/"
                        f"{slug}.html")
            lines.append(f'<a rel="nofollow" target="_blank" href="{original}">'
                         "点击查看本文英文版。</a>")
        return "".join(f"<p>{line}</p>" for line in lines)

    def republish(self, original: Record) -> Record:
        """A later copy of ``original``: same article address, sometimes edited."""
        rng = self.rng
        stamp_ms = original.stamp_ms + rng.randint(1, 48) * 3_600_000
        url = original.url
        variant = rng.randrange(4)
        if variant == 1:
            url += "?utm_source=newsletter&utm_medium=email"
        elif variant == 2:
            url = url.replace("https://", "http://", 1)
        body = original.html
        if rng.random() < 0.5:
            addition = html.escape(rng.choice(self.material.sentences), quote=False)
            body = body.replace("</section>", f"<p>{addition}</p></section>", 1)
        return replace(original, stamp_ms=stamp_ms, url=url, html=body)


def duplicate_count(count: int) -> int:
    """How many of ``count`` generated files re-publish another (same article URL)."""
    return count * DUPLICATE_PERCENT // 100


def render(record: Record) -> str:
    """The file text, exactly in the seed's layout."""
    return (f"<!--{record.stamp_ms}-->\n[{record.title}]({record.url})\n------\n\n"
            f"{record.html}\n")


def generate(out: Path, count: int, seed: int = 0, days: int = 30,
             image_base: str = DEFAULT_IMAGE_BASE) -> list[Path]:
    """Write ``count`` article files into ``out``; the same arguments give the same files.

    Stamps spread over ``days`` days ending at :data:`END`; :func:`duplicate_count`
    of the files re-publish an earlier one. File names are not in time order.
    """
    if count < 0 or days < 1:
        raise ValueError("count must be 0 or more and days 1 or more")
    rng = random.Random(seed)
    writer = _Writer(load_material(), rng, image_base)
    end_ms = int(END.timestamp() * 1000)
    span_s = days * 86_400
    repeats = duplicate_count(count)
    originals = [writer.article(end_ms - rng.randrange(span_s) * 1000)
                 for _ in range(count - repeats)]
    copies = [writer.republish(r) for r in rng.sample(originals, min(repeats, len(originals)))]
    records = originals + copies
    rng.shuffle(records)
    out.mkdir(parents=True, exist_ok=True)
    digits = max(3, len(str(max(count - 1, 0))))
    paths = []
    for number, record in enumerate(records):
        digest = hashlib.sha256(f"{seed}:{number}:{record.url}:{record.stamp_ms}".encode())
        path = out / f"{number:0{digits}d}_{digest.hexdigest()[:16]}.txt"
        path.write_text(render(record), encoding="utf-8")
        paths.append(path)
    return paths


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bookmaker.corpus",
                                     description="Write a synthetic article archive.")
    parser.add_argument("out", type=Path, help="folder to write into")
    parser.add_argument("count", type=int, help="number of article files")
    parser.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    parser.add_argument("--days", type=int, default=30,
                        help="days the timestamps spread over (default 30)")
    parser.add_argument("--image-base", default=DEFAULT_IMAGE_BASE,
                        help="prefix of image URLs (default: the weserv proxy)")
    args = parser.parse_args(argv)
    try:
        paths = generate(args.out, args.count, args.seed, args.days, args.image_base)
    except (OSError, ValueError) as exc:
        print(f"corpus: error: {exc}", file=sys.stderr)
        return 1
    print(f"wrote {len(paths)} article files to {args.out} "
          f"({duplicate_count(args.count)} re-published)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
