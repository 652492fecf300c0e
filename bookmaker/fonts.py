"""Find installed CJK fonts through fontconfig, and say how to get one when none is."""

from __future__ import annotations

import functools
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

from .errors import BuildError

#: What to run on Debian/Ubuntu when no CJK font is installed.
INSTALL_HINT = "sudo apt-get install fonts-noto-cjk"

#: Families tried in order; the first one fontconfig really has wins.
SERIF_FAMILIES = ("Noto Serif CJK SC", "Source Han Serif SC", "Noto Serif SC")
SANS_FAMILIES = ("Noto Sans CJK SC", "Source Han Sans SC", "Noto Sans SC",
                 "WenQuanYi Zen Hei", "Droid Sans Fallback")


@dataclass(frozen=True)
class FontFile:
    """One font face on disk (``index`` selects a face inside a .ttc collection)."""

    family: str
    path: Path
    index: int = 0


#: The CJK faces that write a language's characters in its own forms: (the suffix of
#: the Noto and Source Han families, fontconfig's language). Others use Simplified.
_REGIONS = {"zh-hant": ("TC", "zh-tw"), "zh-tw": ("TC", "zh-tw"), "zh-hk": ("HK", "zh-hk"),
            "zh-mo": ("HK", "zh-hk"), "ja": ("JP", "ja"), "ko": ("KR", "ko")}


def _region(language: str) -> tuple[str, str]:
    tags = language.lower().split("-")
    for length in (2, 1):
        found = _REGIONS.get("-".join(tags[:length]))
        if found:
            return found
    return "SC", "zh-cn"


def _fc_match(family: str, bold: bool = False, lang: str = "zh-cn") -> FontFile | None:
    if shutil.which("fc-match") is None:
        return None
    weight = ":weight=bold" if bold else ""
    result = subprocess.run(
        ["fc-match", "--format=%{family[0]}\t%{file}\t%{index}", f"{family}:lang={lang}{weight}"],
        capture_output=True, text=True, check=False,
    )
    found, _, rest = result.stdout.partition("\t")
    path, _, index = rest.partition("\t")
    # fc-match always answers with *some* font; only an exact family match counts.
    if result.returncode != 0 or found.strip().lower() != family.lower() or not path:
        return None
    return FontFile(found.strip(), Path(path), int(index or 0))


@functools.lru_cache(maxsize=None)
def find_cjk_font(style: str = "sans", bold: bool = False,
                  language: str = "zh-Hans") -> FontFile | None:
    """The first installed CJK font of ``style`` ("sans" or "serif"), falling back to
    the other style; ``None`` when the system has no CJK font at all. With ``bold``,
    fontconfig's closest bold face (the regular one when a family has no bold). A face
    made for ``language`` (Traditional Chinese, Japanese, Korean) comes first, as the
    same character takes other forms there."""
    suffix, lang = _region(language)
    first, second = (SANS_FAMILIES, SERIF_FAMILIES) if style == "sans" else (
        SERIF_FAMILIES, SANS_FAMILIES)
    own = tuple(f"{family} {suffix}" for family in (
        ("Noto Sans CJK", "Source Han Sans") if style == "sans"
        else ("Noto Serif CJK", "Source Han Serif"))) if suffix != "SC" else ()
    for family in own + first + second:
        font = _fc_match(family, bold, lang)
        if font and font.path.exists():
            return font
    return None


def require_cjk_font(style: str = "sans", bold: bool = False,
                     language: str = "zh-Hans") -> FontFile:
    """Like :func:`find_cjk_font`, but a missing font is a :class:`BuildError` saying
    how to install one."""
    font = find_cjk_font(style, bold, language)
    if font is None:
        raise BuildError(
            f"no CJK font found through fontconfig (tried {', '.join(SERIF_FAMILIES + SANS_FAMILIES)}); "
            f"install one with: {INSTALL_HINT}")
    return font
