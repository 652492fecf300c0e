"""What the benchmark reports: the machine, the table, and the goals of issue 6."""

from __future__ import annotations

import os
import platform
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import TYPE_CHECKING, Any, Sequence

from ._bench_references import pandoc_version

if TYPE_CHECKING:
    from .bench import Measurement

#: The goals are stated for this many articles.
GOAL_SIZE = 1000
_OURS = "bookmaker"
_LEGEND = "\n".join((
    "median s: wall time of the whole process, median of the runs.",
    "peak MB: VmRSS of the process and its descendants summed every 20 ms, the largest sum",
    "  over the runs (at least ru_maxrss; pages shared by forked processes count once each).",
    "PSS MB: the same with proportional set sizes (shared pages split), read less often.",
    "ours/theirs: bookmaker's figure divided by the reference's, same size and format."))


def machine() -> dict[str, Any]:
    """The machine and the software versions the figures were measured with."""
    versions: dict[str, str | None] = {}
    for name in ("bookmaker", "weasyprint", "ebooklib", "pypdf", "lxml"):
        try:
            versions[name] = version(name)
        except PackageNotFoundError:
            versions[name] = None
    versions["pandoc"] = pandoc_version()
    return {"nproc": os.cpu_count(), "usable_cpus": len(os.sched_getaffinity(0)),
            "cpu": _cpu_model(), "memory_mb": _memory_mb(), "platform": platform.platform(),
            "python": platform.python_version(), "versions": versions,
            "load_average_start": os.getloadavg()}


def _cpu_model() -> str | None:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return None


def _memory_mb() -> int:
    return os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE") // (1024 * 1024)


def _find(results: Sequence[Measurement], size: int, fmt: str, tool: str
          ) -> Measurement | None:
    for measurement in results:
        if (measurement.size, measurement.format, measurement.tool) == (size, fmt, tool):
            return measurement
    return None


def _goal_size(results: Sequence[Measurement], fmt: str, reference: str) -> int | None:
    """GOAL_SIZE when both tools were measured there, else the largest size they were."""
    sizes = sorted({m.size for m in results if m.format == fmt and m.tool == _OURS
                    and m.median_s and (found := _find(results, m.size, fmt, reference))
                    and found.median_s})
    return GOAL_SIZE if GOAL_SIZE in sizes else (sizes[-1] if sizes else None)


def _goal(text: str, size: int | None, measured: float | None, target: str,
          met: bool | None) -> dict[str, Any]:
    note = "" if size == GOAL_SIZE else (
        "not measured" if size is None or measured is None
        else f"measured at {size} articles; the goal is for {GOAL_SIZE}")
    return {"goal": text, "size": size, "measured": measured, "target": target,
            "met": met if measured is not None else None, "note": note}


def goals(results: Sequence[Measurement], incremental: Sequence[dict[str, Any]]
          ) -> list[dict[str, Any]]:
    """Issue 6's goals, each with the figure this run measured (or why not)."""
    found: list[dict[str, Any]] = []
    size = _goal_size(results, "epub", "ebooklib")
    ours = _find(results, size, "epub", _OURS) if size else None
    bare = _find(results, size, "epub", "ebooklib") if size else None
    ratio = ours.median_s / bare.median_s if ours and bare else None
    found.append(_goal("EPUB time / bare ebooklib time", size, ratio, "≤ 2",
                       ratio is not None and ratio <= 2))
    peak = ours.peak_mb if ours else None
    found.append(_goal("EPUB peak RSS, MB", size, peak, "< 200",
                       peak is not None and peak < 200))
    size = _goal_size(results, "pdf", "weasyprint")
    ours = _find(results, size, "pdf", _OURS) if size else None
    one = _find(results, size, "pdf", "weasyprint") if size else None
    speedup = one.median_s / ours.median_s if ours and one else None
    found.append(_goal("PDF speed-up over WeasyPrint one document", size, speedup, "≥ 3",
                       speedup is not None and speedup >= 3))
    share = ours.peak_mb / one.peak_mb if ours and one and ours.peak_mb and one.peak_mb \
        else None
    found.append(_goal("PDF peak RSS / WeasyPrint one-document peak RSS", size, share,
                       "≤ 0.25", share is not None and share <= 0.25))
    for entry in incremental:
        ratio = entry["ratio"]
        found.append(_goal(f"{entry['format'].upper()} rebuild after one added article / "
                           "full build", entry["size"], ratio, "≤ 0.10",
                           ratio is not None and ratio <= 0.10))
    return found


def _number(value: float | None, digits: int = 2) -> str:
    return "-" if value is None else f"{value:.{digits}f}"


def format_table(results: Sequence[Measurement], incremental: Sequence[dict[str, Any]],
                 goal_list: Sequence[dict[str, Any]]) -> list[str]:
    """The lines printed at the end of a run."""
    header = ("size", "format", "tool", "runs", "median s", "peak MB", "PSS MB", "pages",
              "pages/s", "ours/theirs s", "ours/theirs MB")
    rows = [header]
    for m in results:
        ours = _find(results, m.size, m.format, _OURS)
        time_ratio = memory_ratio = None
        if m.tool != _OURS and ours and ours.median_s and m.median_s:
            time_ratio = ours.median_s / m.median_s
            memory_ratio = (ours.peak_mb or 0) / m.peak_mb if m.peak_mb else None
        median = _number(m.median_s) if m.status == "ok" else m.status
        rows.append((str(m.size), m.format, m.tool, str(len(m.runs)), median,
                     _number(m.peak_mb, 0), _number(m.pss_mb, 0), str(m.pages or "-"),
                     _number(m.pages_per_s, 1), _number(time_ratio), _number(memory_ratio)))
    widths = [max(len(row[i]) for row in rows) for i in range(len(header))]
    lines = ["  ".join(cell.ljust(width) for cell, width in zip(row, widths)).rstrip()
             for row in rows]
    notes = dict.fromkeys(f"  {m.format} {m.tool}: {m.note}" for m in results if m.note)
    notes.update(dict.fromkeys(f"  {m.size} {m.format} {m.tool} {m.status}: "
                               f"{m.runs[-1].error or 'no message'}"
                               for m in results if m.status not in ("ok", "skipped")))
    lines += ["", _LEGEND]
    if notes:
        lines += ["", "notes:", *notes]
    if incremental:
        lines += ["", "incremental (persistent --cache-dir, one article added):"]
        for entry in incremental:
            full, rebuild = entry["full"], entry["rebuild"]
            lines.append(f"  {entry['size']} {entry['format']}: full {full['wall_s']:.2f} s, "
                         f"rebuild {rebuild['wall_s']:.2f} s, ratio "
                         f"{_number(entry['ratio'])}")
    lines += ["", "goals (issue 6):"]
    for goal in goal_list:
        verdict = {True: "met", False: "NOT met", None: "-"}[goal["met"]]
        note = f"  ({goal['note']})" if goal["note"] else ""
        lines.append(f"  {goal['goal']}: {_number(goal['measured'])} "
                     f"(goal {goal['target']}) {verdict}{note}")
    return lines
