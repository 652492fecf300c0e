"""Turn an article file's bytes into text: byte-order marks, UTF-8, then legacy encodings."""

from __future__ import annotations

import codecs
import re

#: Byte-order marks, longest first: the UTF-32 LE mark begins with the UTF-16 LE one.
_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)

#: Codec to use for a detector's answer. GB2312 and GBK are subsets of GB18030 and Big5
#: of Big5-HKSCS, so decoding with the larger set never fails where the smaller works.
_CODEC_FOR_LABEL = {
    "gb2312": "gb18030", "gbk": "gb18030", "cp936": "gb18030", "ms936": "gb18030",
    "euc_cn": "gb18030", "gb18030": "gb18030",
    "big5": "big5hkscs", "cp950": "big5hkscs", "big5hkscs": "big5hkscs", "big5_tw": "big5hkscs",
}

#: C0 control bytes that never occur in text (tab, newlines, form feed and ESC excluded,
#: ESC because ISO-2022 encodings use it).
_CONTROL_BYTES = bytes(b for b in range(0x20) if b not in (0x09, 0x0A, 0x0C, 0x0D, 0x1B))
_CONTROL_CHARS = re.compile("[\x00-\x08\x0b\x0e-\x1a\x1c-\x1f]")
#: More than this share of control characters means the file is not text.
_BINARY_SHARE = 0.02
#: A detected legacy Chinese decoding must be at least this share "common" characters.
_COMMON_SHARE = 0.7
#: Share of non-ASCII bytes in valid UTF-8 sequences above which a file is damaged UTF-8
#: (GBK text has about 0.4, damaged UTF-8 close to 1).
_UTF8_SHARE = 0.6
#: How many characters of a candidate decoding are scored (enough to decide, fast).
_SCORE_SAMPLE = 4000
#: The hundred most frequent characters of Chinese writing, in both scripts: about a
#: third of any Chinese text.
_FREQUENT_HANZI = frozenset(
    "的一是不了在人有我他这个们中来上大为和国地到以说时要就出会可也你对生能而子那得于着"
    "下自之年过发后作里用道行所然家种事成方多经么去法学如都同现当没动面起看定天分还进好"
    "小部其些主样理心她本前开但因只从想实日"
    "這個們來為國時說會對於著過發後裡種經麼學現當沒動還進樣實從")
#: Below this share of :data:`_FREQUENT_HANZI`, a "Chinese" decoding is suspect.
_FREQUENT_SHARE = 0.08
#: Korean is recognised from this many non-ASCII characters on, when this share of
#: them are Hangul syllables.
_KOREAN_FEWEST = 20
_HANGUL_SHARE = 0.6
_HANGUL_FIRST, _HANGUL_LAST = "\uac00", "\ud7a3"
_HANGUL_WORD = re.compile(f"[{_HANGUL_FIRST}-{_HANGUL_LAST}]+")
#: Korean words average three syllables or so; more than this is not Korean.
_HANGUL_WORD_LENGTH = 6
_HANJA_SHARE = 0.1

_LINE_BREAKS = re.compile(r"\r\n?")


class DecodingError(ValueError):
    """The bytes are not text this reader can trust; ``str(error)`` is the reason."""


def decode_text(data: bytes) -> str:
    """The text of ``data`` with LF line ends; raises :class:`DecodingError` with a reason."""
    if not data.strip():
        raise DecodingError("empty file")
    text = _decode_marked(data)
    if text is None:
        text = _decode_unmarked(data)
    if text.startswith("\ufeff"):
        text = text[1:]
    if _control_share(text) > _BINARY_SHARE:
        raise DecodingError("not text (binary data)")
    text = _LINE_BREAKS.sub("\n", text)
    if not text.strip():
        raise DecodingError("empty file")
    return text


def _decode_marked(data: bytes) -> str | None:
    """Decode by byte-order mark, or ``None`` when there is none."""
    for bom, codec in _BOMS:
        if data.startswith(bom):
            try:
                return data[len(bom):].decode(codec)
            except UnicodeDecodeError as error:
                raise DecodingError(
                    f"undecodable: invalid {codec.upper()} after its byte-order mark "
                    f"(byte {error.start + len(bom)})") from None
    return None


def _decode_unmarked(data: bytes) -> str:
    utf16 = _sniff_utf16(data)
    if utf16 is not None:
        return utf16
    head = data[:65536]
    if len(head) - len(head.translate(None, _CONTROL_BYTES)) > _BINARY_SHARE * len(head):
        raise DecodingError("not text (binary data)")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    # Common Chinese in a legacy encoding first: short GBK texts can look like
    # slightly damaged UTF-8, never the other way round.
    text = _decode_chinese(data)
    if text is not None:
        return text
    for codec, is_common in _CHINESE_CODECS:
        _refuse_if_damaged(data, codec, is_common)
    damaged = _damaged_utf8(data)
    if damaged:
        raise DecodingError(
            f"undecodable: only decodes with replacement characters "
            f"({_count(damaged, 'invalid UTF-8 sequence')})")
    text = _decode_detected(data)
    if text is None:
        raise DecodingError("undecodable: only decodes with replacement characters")
    return text


def _sniff_utf16(data: bytes) -> str | None:
    """UTF-16 without a byte-order mark, recognised by the zero bytes of its ASCII."""
    head = data[:4096]
    pairs = len(head) // 2
    if pairs < 2 or b"\x00" not in head:
        return None
    even = head[0::2].count(0)
    odd = head[1::2].count(0)
    for zeros, others, codec in ((odd, even, "utf-16-le"), (even, odd, "utf-16-be")):
        if zeros >= 0.3 * pairs and others <= 0.01 * pairs:
            try:
                return data.decode(codec)
            except UnicodeDecodeError:
                return None
    return None


def _damaged_utf8(data: bytes) -> int:
    """How many bad sequences a file that is otherwise clearly UTF-8 has (0: not UTF-8).

    Valid multi-byte UTF-8 sequences are rare by chance in GBK or Big5 (about one
    character in ten), so a file whose non-ASCII bytes are mostly valid UTF-8 is
    damaged UTF-8, and guessing another encoding for it would only produce nonsense.
    """
    text = data.decode("utf-8", errors="replace")
    bad_bytes = text.count("\ufffd")
    good_bytes = sum(len(ch.encode()) for ch in text if ch > "\x7f" and ch != "\ufffd")
    if good_bytes < _UTF8_SHARE * (good_bytes + bad_bytes):
        return 0
    return len(re.findall("\ufffd+", text))


def _decode_chinese(data: bytes) -> str | None:
    """GB18030 or Big5-HKSCS, whichever strict decoding reads as common Chinese."""
    best: tuple[float, str] | None = None
    for codec, is_common in _CHINESE_CODECS:
        try:
            text = data.decode(codec)
        except UnicodeDecodeError:
            continue
        score = _common_share(text, is_common)
        # Ties go to GB18030: the archive is mostly Simplified Chinese.
        if best is None or score > best[0]:
            best = (score, text)
    if best is not None and best[0] >= _COMMON_SHARE:
        return _korean_instead(data, best[1]) or best[1]
    return None


def _korean_instead(data: bytes, chinese: str) -> str | None:
    """The EUC-KR (CP949) reading of ``data`` when it is Korean, not Chinese.

    Korean in EUC-KR also decodes as GB18030, into common but unrelated characters:
    real Chinese is about a third its most frequent characters, that nonsense a few
    percent, while the same bytes read in CP949 are Hangul. Short texts stay Chinese.
    """
    sample = _non_ascii(chinese)
    if len(sample) < _KOREAN_FEWEST or (
            sum(ch in _FREQUENT_HANZI for ch in sample) >= _FREQUENT_SHARE * len(sample)):
        return None
    try:
        korean = data.decode("cp949")
    except UnicodeDecodeError:
        return None
    sample = _non_ascii(korean)
    syllables = sum(_HANGUL_FIRST <= ch <= _HANGUL_LAST for ch in sample)
    hanja = sum("\u4e00" <= ch <= "\u9fff" for ch in sample)
    # Chinese read as Korean makes Hangul too, but with a third of Hanja among it (today's
    # Korean has next to none) and in runs as long as its sentences (Korean puts spaces
    # between words of a few syllables).
    words = _HANGUL_WORD.findall(korean[:_SCORE_SAMPLE * 2])
    if (syllables >= _HANGUL_SHARE * len(sample) and hanja <= _HANJA_SHARE * len(sample)
            and sum(map(len, words)) <= _HANGUL_WORD_LENGTH * len(words)):
        return korean
    return None


def _non_ascii(text: str) -> list[str]:
    """The first :data:`_SCORE_SAMPLE` characters of ``text`` that are neither ASCII nor
    space."""
    found: list[str] = []
    for ch in text:
        if ch > "\x7f" and not ch.isspace():
            found.append(ch)
            if len(found) >= _SCORE_SAMPLE:
                break
    return found


def _refuse_if_damaged(data: bytes, codec: str, is_common) -> None:
    """Refuse a file that reads as common Chinese in ``codec`` but for a few bad bytes.

    Without this, the detector would find some single-byte encoding that "fits" and
    turn the whole article into nonsense.
    """
    text = data.decode(codec, errors="replace")
    bad = text.count("\ufffd")
    if bad and _common_share(text.replace("\ufffd", ""), is_common) >= _COMMON_SHARE:
        raise DecodingError(f"undecodable: only decodes with replacement characters "
                            f"({_count(bad, f'invalid {codec.upper()} sequence')})")


def _decode_detected(data: bytes) -> str | None:
    """Whatever charset-normalizer trusts, decoded strictly; ``None`` when nothing fits."""
    from charset_normalizer import from_bytes  # slow to import; rarely needed

    match = from_bytes(data).best()
    if match is None:
        return None
    label = match.encoding.lower().replace("-", "_")
    codec = _CODEC_FOR_LABEL.get(label, label)
    try:
        return data.decode(codec)
    except (UnicodeDecodeError, LookupError):
        return None


def _common_share(text: str, is_common) -> float:
    """Share of the non-ASCII characters of ``text`` that ``is_common`` accepts."""
    sample = _non_ascii(text)
    return sum(map(is_common, sample)) / len(sample) if sample else 0.0


def _common_in_gb(ch: str) -> bool:
    """GB2312 punctuation rows or its first level (the 3,755 most used characters)."""
    try:
        lead = ch.encode("gb2312")[0]
    except UnicodeEncodeError:
        return False
    return lead in (0xA1, 0xA3) or 0xB0 <= lead <= 0xD7


def _common_in_big5(ch: str) -> bool:
    """Big5 punctuation rows or its first level (the 5,401 most used characters)."""
    try:
        encoded = ch.encode("big5")
    except UnicodeEncodeError:
        return False
    if len(encoded) != 2:
        return False
    code = encoded[0] << 8 | encoded[1]
    return 0xA140 <= code <= 0xA3BF or 0xA440 <= code <= 0xC67E


_CHINESE_CODECS = (("gb18030", _common_in_gb), ("big5hkscs", _common_in_big5))


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}" + ("" if number == 1 else "s")


def _control_share(text: str) -> float:
    sample = text[:65536]
    return len(_CONTROL_CHARS.findall(sample)) / len(sample) if sample else 0.0
