"""The one options object of a build, from the command line or ``bookmaker.toml``."""

from __future__ import annotations

import dataclasses
import tomllib
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any, Mapping

from .errors import UsageError

GROUP_BY_CHOICES = ("auto", "day", "week", "month", "section", "none")
ORDER_CHOICES = ("oldest", "newest")
IMAGE_MODES = ("auto", "offline", "none")
PAGE_SIZES = ("A4", "A5", "B5", "letter")


@dataclass(frozen=True)
class Options:
    """Every setting of a build; unknown keys are refused, not ignored."""

    #: Files or folders to read.
    sources: tuple[Path, ...] = (Path("seeds"),)
    #: Output formats, by backend name ("epub", "pdf").
    formats: tuple[str, ...] = ("epub",)
    #: Output file (one format) or folder; ``None`` means ``build/digest.<suffix>``.
    output: Path | None = None
    #: Book title; ``None`` builds one from the sources and the date range.
    title: str | None = None
    group_by: str = "auto"
    #: Inclusive date bounds, in ``timezone``.
    since: date | None = None
    until: date | None = None
    order: str = "oldest"
    timezone: str = "Asia/Shanghai"
    #: auto: cache then network; offline: cache only; none: no images.
    images: str = "auto"
    page_size: str = "A4"
    strict: bool = False
    #: -1 quiet, 0 normal, 1 verbose.
    verbosity: int = 0
    #: Image and build cache; ``None`` means the user cache folder.
    cache_dir: Path | None = None
    #: Reuse parsed articles and rendered pages from the cache (images are cached
    #: regardless).
    cache: bool = True
    #: Let the image fetcher reach loopback and private addresses (tests, intranets).
    allow_private_hosts: bool = False
    grayscale: bool = False
    #: Longest side and pixel budget of an embedded image.
    image_max_side: int = 1600
    image_max_pixels: int = 2_000_000
    #: Worker processes for PDF rendering; 0 means one per CPU.
    jobs: int = 0
    #: Anything a third-party backend wants, passed through untouched.
    extra: Mapping[str, Any] = field(default_factory=dict)

    def replace(self, **changes: Any) -> "Options":
        """Return a copy with ``changes`` applied (checked like any other options)."""
        return from_mapping({**to_mapping(self), **changes})


def to_mapping(options: Options) -> dict[str, Any]:
    """The options as a plain dictionary of field name → value."""
    return {f.name: getattr(options, f.name) for f in dataclasses.fields(Options)}


def _as_date(key: str, value: Any) -> date | None:
    if value is None or isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        raise UsageError(f"{key}: expected a date as YYYY-MM-DD, got {value!r}") from None


def _choice(key: str, value: Any, choices: tuple[str, ...]) -> str:
    for choice in choices:
        if str(value).lower() == choice.lower():
            return choice
    raise UsageError(f"{key}: expected one of {', '.join(choices)}, got {value!r}")


def from_mapping(values: Mapping[str, Any]) -> Options:
    """Build checked options from a mapping; raise :class:`UsageError` on bad keys/values."""
    names = {f.name for f in dataclasses.fields(Options)}
    unknown = sorted(set(values) - names)
    if unknown:
        raise UsageError(f"unknown option(s): {', '.join(unknown)}")
    v = dict(values)
    if "sources" in v:
        sources = v["sources"]
        sources = [sources] if isinstance(sources, (str, Path)) else sources
        v["sources"] = tuple(Path(s) for s in sources)
    if "formats" in v:
        formats = v["formats"]
        formats = [formats] if isinstance(formats, str) else formats
        v["formats"] = tuple(dict.fromkeys(str(f).lower() for f in formats))
    for key in ("output", "cache_dir"):
        if v.get(key) is not None:
            v[key] = Path(v[key]).expanduser()
    for key in ("since", "until"):
        if key in v:
            v[key] = _as_date(key, v[key])
    for key, choices in (("group_by", GROUP_BY_CHOICES), ("order", ORDER_CHOICES),
                         ("images", IMAGE_MODES), ("page_size", PAGE_SIZES)):
        if key in v:
            v[key] = _choice(key, v[key], choices)
    for key in ("jobs", "image_max_side", "image_max_pixels", "verbosity"):
        if key in v and (not isinstance(v[key], int) or isinstance(v[key], bool)):
            raise UsageError(f"{key}: expected a whole number, got {v[key]!r}")
    for key in ("strict", "allow_private_hosts", "grayscale", "cache"):
        if key in v and not isinstance(v[key], bool):
            raise UsageError(f"{key}: expected true or false, got {v[key]!r}")
    if v.get("jobs", 0) < 0:
        raise UsageError("jobs: must be 0 (one per CPU) or more")
    options = Options(**v)
    if options.since and options.until and options.since > options.until:
        raise UsageError(f"--since {options.since} is after --until {options.until}")
    _check_timezone(options.timezone)
    return options


def _check_timezone(name: str) -> None:
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise UsageError(f"timezone: unknown time zone {name!r}") from None


def read_config(path: Path) -> dict[str, Any]:
    """Read a ``bookmaker.toml``: keys as in :class:`Options`, dashes allowed for underscores.

    Settings may sit at the top level or under a ``[bookmaker]`` table.
    """
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise UsageError(f"{path}: config file not found") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise UsageError(f"{path}: not valid TOML ({exc})") from None
    if isinstance(data.get("bookmaker"), dict):
        data = data["bookmaker"]
    return {str(key).replace("-", "_"): value for key, value in data.items()}
