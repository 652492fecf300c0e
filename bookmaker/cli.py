"""The ``bookmaker`` command: parse arguments and config, run a command, report."""

from __future__ import annotations

import argparse
import dataclasses
import shutil
import sys
import traceback
from pathlib import Path
from typing import Any, NoReturn, Sequence

from .errors import BookmakerError, BuildError, UsageError
from .options import Options, from_mapping, read_config
from .summary import (LOSS_PREFIXES, Progress, format_table, printable, progress_wanted,
                      summary_lines)

#: Read when ``--config`` is not given and the file exists in the working folder.
DEFAULT_CONFIG = Path("bookmaker.toml")

#: Config keys people write the way the command line spells them.
_CONFIG_ALIASES = {"format": "formats", "source": "sources"}
#: Config values that are paths, resolved against the config file's folder.
_PATH_KEYS = ("sources", "output", "cache_dir")


class _Parser(argparse.ArgumentParser):
    """An argument parser whose errors become :class:`UsageError` (one line, exit 2)."""

    def error(self, message: str) -> NoReturn:
        raise UsageError(message)


def _selection_options() -> argparse.ArgumentParser:
    """Options shared by every command: what to read and how to group it."""
    common = _Parser(add_help=False)
    common.add_argument("sources", nargs="*", metavar="SOURCE", default=None,
                        help="article file or folder (default: seeds/)")
    common.add_argument("--config", type=Path, metavar="FILE",
                        help="settings file (default: ./bookmaker.toml when present)")
    common.add_argument("--title", help="book title (default: from sources and dates)")
    common.add_argument("--group-by", metavar="MODE",
                        help="auto|day|week|month|section|none (default: auto)")
    common.add_argument("--since", metavar="YYYY-MM-DD", help="first day, inclusive")
    common.add_argument("--until", metavar="YYYY-MM-DD", help="last day, inclusive")
    common.add_argument("--order", metavar="ORDER", help="oldest|newest (default: oldest)")
    common.add_argument("--timezone", metavar="ZONE",
                        help="IANA zone in which days are cut (default: Asia/Shanghai)")
    common.add_argument("--strict", action="store_true", default=None,
                        help="exit 1 when any input file is skipped or any article is "
                             "left out of a format")
    common.add_argument("--no-cache", dest="cache", action="store_false", default=None,
                        help="parse (and render) everything again instead of reusing "
                             "cached articles and pages")
    loudness = common.add_mutually_exclusive_group()
    loudness.add_argument("-q", "--quiet", dest="verbosity", action="store_const", const=-1,
                          help="print only errors and skipped files")
    loudness.add_argument("-v", "--verbose", dest="verbosity", action="count",
                          help="list warnings and duplicates; a traceback on an internal error")
    return common


def _image_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--images", metavar="MODE",
                        help="auto|offline|none (default: auto)")
    parser.add_argument("--cache-dir", type=Path, metavar="DIR",
                        help="image and build cache (default: the user cache folder)")
    parser.add_argument("--allow-private-hosts", action="store_true", default=None,
                        help="let image fetching reach loopback and private addresses")
    parser.add_argument("--jobs", type=int, metavar="N",
                        help="worker processes or threads (default: one per CPU)")


def build_parser() -> argparse.ArgumentParser:
    """The full command-line grammar; every option defaults to None (config may set it)."""
    from . import __version__

    parser = _Parser(prog="bookmaker",
                     description="Turn a folder of archived news articles into an "
                                 "EPUB and a print-ready PDF digest.")
    parser.add_argument("--version", action="version", version=f"bookmaker {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True,
                                     parser_class=_Parser)
    common = _selection_options()
    build = commands.add_parser("build", parents=[common], help="build the book")
    build.add_argument("--format", dest="formats", action="append", metavar="FORMAT",
                       help="epub or pdf; repeat or use commas for several (default: epub)")
    build.add_argument("-o", "--output", type=Path, metavar="OUTPUT",
                       help="file for one format; for several, a folder, or a name "
                            "whose suffix is replaced per format (default: build/digest.*)")
    build.add_argument("--page-size", metavar="SIZE", help="A4|A5|B5|letter (default: A4)")
    build.add_argument("--grayscale", action="store_true", default=None,
                       help="grayscale images, for e-ink readers")
    _image_options(build)
    commands.add_parser("list", parents=[common],
                        help="print the parsed, ordered table of contents")
    fetch = commands.add_parser("fetch-images", parents=[common],
                                help="download the articles' images into the cache")
    _image_options(fetch)
    return parser


def _config_values(path: Path) -> dict[str, Any]:
    values = {_CONFIG_ALIASES.get(k, k): v for k, v in read_config(path).items()}
    known = {f.name for f in dataclasses.fields(Options)}
    unknown = sorted(set(values) - known)
    if unknown:
        raise UsageError(f"{path}: unknown option(s): {', '.join(unknown)}")
    base = path.parent
    for key in _PATH_KEYS:
        value = values.get(key)
        if isinstance(value, str):
            values[key] = str(base / Path(value).expanduser())
        elif key == "sources" and isinstance(value, list):
            values[key] = [str(base / Path(str(v)).expanduser()) for v in value]
    return values


def options_from_args(args: argparse.Namespace) -> Options:
    """Defaults, then ``bookmaker.toml``, then the command line."""
    config_path = args.config or (DEFAULT_CONFIG if DEFAULT_CONFIG.is_file() else None)
    values: dict[str, Any] = _config_values(config_path) if config_path else {}
    given = {k: v for k, v in vars(args).items()
             if k not in ("command", "config") and v not in (None, [])}
    if "formats" in given:
        given["formats"] = [name.strip() for value in given["formats"]
                            for name in value.split(",") if name.strip()]
    values.update(given)
    return from_mapping(values)


def _print_summary(lines: list[str], verbosity: int) -> None:
    for line in lines:
        if verbosity >= 0 or line.startswith(LOSS_PREFIXES):
            print(printable(line), file=sys.stderr)


def _progress(options: Options) -> Progress:
    return Progress(sys.stderr, enabled=progress_wanted(options.verbosity, sys.stderr))


def run_list(options: Options) -> int:
    from .pipeline import select

    read, collection = select(options, _progress(options))
    book = collection.book
    if book.chapters:
        width = shutil.get_terminal_size((120, 24)).columns
        print("\n".join(format_table(book, width)))
    else:
        print("No articles selected.", file=sys.stderr)
    # Listing is for inspecting an archive, so it names what it dropped.
    _print_summary(summary_lines(read, collection, None, options.verbosity,
                                 show_duplicates=True), options.verbosity)
    if options.strict and read.skipped:
        print(f"bookmaker: error: {len(read.skipped)} input file(s) skipped and --strict "
              "is set", file=sys.stderr)
        return 1
    return 0


def run_build(options: Options) -> int:
    from .pipeline import run_build as build

    result = build(options, _progress(options))
    _print_summary(summary_lines(result.read, result.collection, result, options.verbosity),
                   options.verbosity)
    return 0 if result.ok else 1


def run_fetch_images(options: Options) -> int:
    try:
        from .images import fetch_command
    except ImportError as exc:
        raise BuildError(f"fetch-images is not available in this installation ({exc})") from None
    return int(fetch_command(options))


_COMMANDS = {"build": run_build, "list": run_list, "fetch-images": run_fetch_images}


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command; return its exit code (0 done, 1 failed, 2 bad usage)."""
    argv = list(sys.argv[1:] if argv is None else argv)
    verbose = any(a in ("-v", "--verbose") or a.startswith("-vv") for a in argv)
    try:
        args = build_parser().parse_args(argv)
        options = options_from_args(args)
        verbose = options.verbosity > 0
        return _COMMANDS[args.command](options)
    except SystemExit as exc:  # --help and --version
        return exc.code if isinstance(exc.code, int) else 0
    except UsageError as exc:
        _report(exc)
        return 2
    except BookmakerError as exc:
        _report(exc)
        return 1
    except KeyboardInterrupt:
        print("bookmaker: interrupted", file=sys.stderr)
        return 130
    except Exception as exc:  # noqa: BLE001 - a bug still gets one line, not a traceback
        _report(exc, verbose, f"internal error: {type(exc).__name__}: ")
        return 1


def _report(exc: BaseException, traceback_too: bool = False, prefix: str = "") -> None:
    if traceback_too:
        traceback.print_exception(exc, file=sys.stderr)
    message = " ".join(str(exc).split()) or type(exc).__name__
    print(printable(f"bookmaker: error: {prefix}{message}"), file=sys.stderr)
