"""``make bench``: time whole bookmaker builds and reference tools on synthetic corpora.

``python -m bookmaker.bench [--sizes 100,1000] [--runs 3] [--formats epub,pdf]
[--out build/bench.json]`` prints a table and writes every raw figure as JSON.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import shutil
import statistics
import sys
import tempfile
from dataclasses import asdict, dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, Callable, Sequence

from . import _bench_references as references
from ._bench_measure import Run, count_pages, measure
from ._bench_report import GOAL_SIZE, format_table, goals, machine
from .corpus import generate, seeds_folder
from .options import PAGE_SIZES

#: The corpora are always the same files: this seed, stamps over this many days.
CORPUS_SEED = 6
CORPUS_DAYS = 30
#: The article added for the incremental rebuild: a different seed, and one day of
#: stamps, so it falls among the last articles of the corpus (not after all of them).
ADDED_SEED = 7
_SUFFIX = {"epub": ".epub", "pdf": ".pdf"}


@dataclass
class Measurement:
    """Every run of one tool on one corpus."""

    size: int
    format: str
    tool: str
    command: list[str] = field(default_factory=list)
    runs: list[Run] = field(default_factory=list)
    pages: int | None = None
    #: "ok", "failed", "timeout" or "skipped".
    status: str = "ok"
    note: str = ""

    @property
    def median_s(self) -> float | None:
        times = [run.wall_s for run in self.runs if run.ok]
        return statistics.median(times) if times and self.status == "ok" else None

    @property
    def peak_mb(self) -> float | None:
        peaks = [run.peak_mb for run in self.runs if run.ok]
        return max(peaks) if peaks and self.status == "ok" else None

    @property
    def pss_mb(self) -> float | None:
        peaks = [run.peak_pss_mb for run in self.runs if run.ok]
        return max(peaks) if peaks and self.status == "ok" else None

    @property
    def pages_per_s(self) -> float | None:
        median = self.median_s
        return self.pages / median if self.pages and median else None

    def as_dict(self) -> dict[str, Any]:
        return {**asdict(self), "median_s": self.median_s, "peak_mb": self.peak_mb,
                "pss_mb": self.pss_mb, "pages_per_s": self.pages_per_s}


@dataclass(frozen=True)
class Tool:
    """One way of turning a corpus into a book, to be timed."""

    name: str
    format: str
    target: Path
    #: The command to run, given a fresh scratch folder for this run.
    command: Callable[[Path], list[str]]
    runs: int
    timeout: float | None = None
    note: str = ""


# -- corpora and tools -------------------------------------------------------------------

def _generator_fingerprint() -> str:
    digest = hashlib.sha256(Path(__file__).with_name("corpus.py").read_bytes())
    for seed in sorted(seeds_folder().glob("*.txt")):
        digest.update(seed.read_bytes())
    return digest.hexdigest()[:16]


def prepare_corpus(work: Path, size: int) -> Path:
    """``work/corpus-<size>``, generated unless the same generator already made it."""
    folder = work / f"corpus-{size}"
    stamp = work / f"corpus-{size}.json"
    wanted = {"count": size, "seed": CORPUS_SEED, "days": CORPUS_DAYS,
              "generator": _generator_fingerprint()}
    try:
        recorded = json.loads(stamp.read_text(encoding="utf-8"))
        files = recorded.pop("files")
        if recorded == wanted and sorted(p.name for p in folder.glob("*.txt")) == files:
            return folder
    except (OSError, ValueError, KeyError):
        pass
    shutil.rmtree(folder, ignore_errors=True)
    paths = generate(folder, size, seed=CORPUS_SEED, days=CORPUS_DAYS)
    stamp.write_text(json.dumps({**wanted, "files": sorted(p.name for p in paths)}),
                     encoding="utf-8")
    return folder


def build_command(corpus: Path, fmt: str, target: Path, cache_dir: Path,
                  page_size: str) -> list[str]:
    """A whole ``bookmaker build`` of one format, without images."""
    command = [sys.executable, "-m", "bookmaker", "build", str(corpus), "--format", fmt,
               "-o", str(target), "--images", "none", "-q", "--cache-dir", str(cache_dir)]
    return command + (["--page-size", page_size] if fmt == "pdf" else [])


def tools_for(fmt: str, size: int, corpus: Path, out: Path, args: argparse.Namespace
              ) -> list[Tool | Measurement]:
    """Ours first, then the references of ``fmt``; a reference that cannot run is a
    skipped :class:`Measurement` saying why."""
    runs = args.runs if fmt == "epub" or size < GOAL_SIZE else args.large_pdf_runs
    ours = out / f"{size}-bookmaker{_SUFFIX[fmt]}"
    found: list[Tool | Measurement] = [Tool(
        "bookmaker", fmt, ours, runs=runs, note="fresh --cache-dir per run, --images none",
        command=lambda scratch: build_command(corpus, fmt, ours, scratch, args.page_size))]
    combined = out.parent / f"corpus-{size}.html"
    if fmt == "epub":
        bare = out / f"{size}-ebooklib.epub"
        found.append(Tool("ebooklib", fmt, bare, runs=runs, timeout=args.reference_timeout,
                          note="one chapter per article, its HTML, nothing else",
                          command=lambda _: references.script_command("ebooklib", corpus,
                                                                      bare)))
        converted = out / f"{size}-pandoc.epub"
        command = references.pandoc_command(combined, converted)
        found.append(Measurement(size, fmt, "pandoc", status="skipped",
                                 note="pandoc is not on PATH") if command is None else
                     Tool("pandoc", fmt, converted, runs=runs, timeout=args.reference_timeout,
                          note="one combined HTML → epub3", command=lambda _: command))
    else:
        printed = out / f"{size}-weasyprint.pdf"
        note = (f"one combined HTML, plain {args.page_size} stylesheet "
                "(not the project's print.css)")
        found.append(Measurement(size, fmt, "weasyprint", status="skipped",
                                 note="--skip-pdf-reference") if args.skip_pdf_reference else
                     Tool("weasyprint", fmt, printed, runs=runs, timeout=args.reference_timeout,
                          note=note, command=lambda _: references.script_command(
                              "weasyprint", combined, printed, args.page_size)))
    return found


def run_tools(size: int, tools: list[Tool | Measurement]) -> list[Measurement]:
    """Every run of every tool, interleaved so background load hits all tools alike."""
    measurements = [t if isinstance(t, Measurement) else
                    Measurement(size, t.format, t.name, list(t.command(Path("<scratch>"))),
                                note=t.note) for t in tools]
    pairs = [(t, m) for t, m in zip(tools, measurements) if isinstance(t, Tool)]
    for index in range(max((t.runs for t, _ in pairs), default=0)):
        for tool, measurement in pairs:
            if index >= tool.runs or measurement.status != "ok":
                continue
            tool.target.unlink(missing_ok=True)
            with tempfile.TemporaryDirectory(prefix="bookmaker-bench-") as scratch:
                run = measure(tool.command(Path(scratch)), tool.timeout)
            measurement.runs.append(run)
            _log(f"{size:>5} {tool.format} {tool.name:<10} run {index + 1}/{tool.runs}: "
                 f"{_describe(run)}")
            if not run.ok:
                measurement.status = "timeout" if run.timed_out else "failed"
    for tool, measurement in pairs:
        if tool.format == "pdf" and measurement.status == "ok":
            measurement.pages = count_pages(tool.target)
    return measurements


def measure_incremental(work: Path, corpus: Path, size: int, fmt: str,
                        page_size: str) -> dict[str, Any]:
    """A full build with a kept cache, then the rebuild after one article is added."""
    copy = work / f"corpus-{size}-incremental"
    shutil.rmtree(copy, ignore_errors=True)
    shutil.copytree(corpus, copy)
    cache = work / f"cache-incremental-{size}-{fmt}"
    shutil.rmtree(cache, ignore_errors=True)
    target = work / "out" / f"{size}-incremental{_SUFFIX[fmt]}"
    command = build_command(copy, fmt, target, cache, page_size)
    full = measure(command)
    _log(f"{size:>5} {fmt} full build, cache kept: {_describe(full)}")
    with tempfile.TemporaryDirectory(prefix="bookmaker-bench-") as scratch:
        added = generate(Path(scratch), 1, seed=ADDED_SEED, days=1)[0]
        shutil.move(added, copy / f"added-{added.name}")
    rebuild = measure(command)
    _log(f"{size:>5} {fmt} rebuild, one article added: {_describe(rebuild)}")
    ratio = rebuild.wall_s / full.wall_s if full.ok and rebuild.ok else None
    return {"size": size, "format": fmt, "command": command, "full": asdict(full),
            "rebuild": asdict(rebuild), "ratio": ratio,
            "pages": count_pages(target) if fmt == "pdf" and rebuild.ok else None}


def _describe(run: Run) -> str:
    text = f"{run.wall_s:.2f} s, {run.peak_mb:.0f} MB"
    if run.timed_out:
        return text + " (time cap reached, killed)"
    return text + (f" (exit {run.returncode}: {run.error})" if not run.ok else "")


def _log(message: str) -> None:
    print(f"bench: {message}", file=sys.stderr, flush=True)


# -- command line ------------------------------------------------------------------------

def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m bookmaker.bench",
        description="Time bookmaker builds against reference tools (issue 6).")
    parser.add_argument("--sizes", default="100,1000",
                        help="corpus sizes, comma separated (default: 100,1000)")
    parser.add_argument("--formats", default="epub,pdf",
                        help="formats to measure, comma separated (default: epub,pdf)")
    parser.add_argument("--runs", type=int, default=3, help="runs per tool (default: 3)")
    parser.add_argument("--large-pdf-runs", type=int, default=1,
                        help=f"runs of the PDF tools from {GOAL_SIZE} articles (default: 1)")
    parser.add_argument("--out", type=Path, default=Path("build/bench.json"),
                        help="JSON report (default: build/bench.json)")
    parser.add_argument("--work-dir", type=Path, default=Path("build/bench"),
                        help="corpora and outputs (default: build/bench)")
    parser.add_argument("--page-size", default="A5", choices=PAGE_SIZES,
                        help="PDF paper, ours and the reference's (default: A5)")
    parser.add_argument("--skip-pdf-reference", action="store_true",
                        help="do not run WeasyPrint on one combined document")
    parser.add_argument("--reference-timeout", type=float, default=900,
                        help="seconds after which a reference run is killed (default: 900)")
    parser.add_argument("--incremental-size", type=int, default=None,
                        help="corpus for the incremental rebuild (default: the largest "
                             "size; 0: skip)")
    args = parser.parse_args(argv)
    try:
        args.sizes = sorted({int(s) for s in args.sizes.split(",") if s.strip()})
    except ValueError:
        parser.error(f"--sizes: expected whole numbers, got {args.sizes!r}")
    args.formats = [f.strip() for f in args.formats.split(",") if f.strip()]
    if not args.sizes or min(args.sizes) < 1 or not args.formats or \
            set(args.formats) - set(_SUFFIX) or args.runs < 1 or args.large_pdf_runs < 1:
        parser.error("need sizes ≥ 1, formats among epub,pdf, and runs ≥ 1")
    if args.incremental_size is None:
        args.incremental_size = max(args.sizes)
    return args


def main(argv: Sequence[str] | None = None) -> int:
    """Run the benchmark; print the table; write the JSON report."""
    args = parse_args(argv)
    started = datetime.now().astimezone()
    work, out = args.work_dir, args.work_dir / "out"
    out.mkdir(parents=True, exist_ok=True)
    report: dict[str, Any] = {"date": started.isoformat(timespec="seconds"),
                              "machine": machine(), "settings": {
                                  k: str(v) if isinstance(v, Path) else v
                                  for k, v in vars(args).items()},
                              "corpus": {"seed": CORPUS_SEED, "days": CORPUS_DAYS},
                              "results": [], "incremental": []}
    results: list[Measurement] = []
    for size in args.sizes:
        corpus = prepare_corpus(work, size)
        (work / f"corpus-{size}.html").write_text(references.combined_html(corpus),
                                                   encoding="utf-8")
        for fmt in args.formats:
            results.extend(run_tools(size, tools_for(fmt, size, corpus, out, args)))
    if args.incremental_size:
        corpus = prepare_corpus(work, args.incremental_size)
        for fmt in args.formats:
            report["incremental"].append(measure_incremental(
                work, corpus, args.incremental_size, fmt, args.page_size))
    report["results"] = [m.as_dict() for m in results]
    report["goals"] = goals(results, report["incremental"])
    report["finished"] = datetime.now().astimezone().isoformat(timespec="seconds")
    report["machine"]["load_average_end"] = os.getloadavg()
    print("\n".join(format_table(results, report["incremental"], report["goals"])))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, ensure_ascii=False, indent=2) + "\n",
                        encoding="utf-8")
    print(f"\nraw figures: {args.out}")
    finished = all(m.status in ("ok", "skipped") for m in results) and all(
        entry["ratio"] is not None for entry in report["incremental"])
    return 0 if finished else 1


if __name__ == "__main__":
    sys.exit(main())
