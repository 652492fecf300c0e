"""Measuring one process tree: wall time, peak resident memory, exit status."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

#: How often the memory of a process tree is sampled, in seconds.
SAMPLE_INTERVAL = 0.02
#: Reading the proportional set size walks the page tables (about 8 ms per 500 MB), so it
#: is read near the resident peak only, and then spends at most this share of the time.
PSS_TIME_SHARE = 0.05

_PAGE_KB = os.sysconf("SC_PAGE_SIZE") // 1024


@dataclass
class Run:
    """One timed process."""

    wall_s: float
    #: Resident memory of the process and all its descendants, summed per sample,
    #: the largest sum (shared pages of forked workers count once per process).
    peak_rss_mb: float
    #: ``ru_maxrss`` from ``wait4``: the largest single process of the tree.
    largest_process_mb: float
    #: Proportional set size of the tree (shared pages split between their users), the
    #: largest sum; read less often than the resident size, so a lower bound.
    peak_pss_mb: float
    samples: int
    returncode: int
    timed_out: bool = False
    error: str = ""

    @property
    def ok(self) -> bool:
        return self.returncode == 0 and not self.timed_out

    @property
    def peak_mb(self) -> float:
        """The tree's peak, never below its largest process: sampling can miss a short
        peak that ``ru_maxrss`` saw."""
        return max(self.peak_rss_mb, self.largest_process_mb)



class TreeSampler:
    """Samples the summed resident memory of the descendants of a process."""

    def __init__(self, root: int, interval: float = SAMPLE_INTERVAL) -> None:
        self.root = root
        self.interval = interval
        self.peak_kb = 0
        self.peak_pss_kb = 0
        self.samples = 0
        self._next_pss = 0.0
        # pid → parent pid, read once per process: a worker whose parent has exited is
        # re-parented to init, but it still belongs to the tree being measured.
        self._parents: dict[int, int] = {}
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._loop, daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._done.set()
        self._thread.join()

    def _loop(self) -> None:
        while True:
            self.sample()
            if self._done.wait(self.interval):
                return

    def sample(self) -> int:
        """Sum the tree's resident memory now (in KiB) and keep the largest sum."""
        pids = {int(name) for name in os.listdir("/proc") if name.isdigit()}
        for gone in self._parents.keys() - pids:
            del self._parents[gone]
        for new in pids - self._parents.keys():
            self._parents[new] = _parent_pid(new)
        tree = self.tree()
        total = sum(_resident_kb(pid) for pid in tree)
        self.peak_kb = max(self.peak_kb, total)
        now = time.perf_counter()
        if total >= 0.9 * self.peak_kb and now >= self._next_pss:
            self.peak_pss_kb = max(self.peak_pss_kb, sum(_proportional_kb(p) for p in tree))
            self._next_pss = now + (time.perf_counter() - now) / PSS_TIME_SHARE
        self.samples += 1
        return total

    def tree(self) -> list[int]:
        """Every known descendant of the root (the launcher, itself not measured)."""
        children: dict[int, list[int]] = {}
        for pid, parent in self._parents.items():
            children.setdefault(parent, []).append(pid)
        found, pending = [], [self.root]
        while pending:
            pid = pending.pop()
            found.append(pid)
            pending.extend(children.get(pid, ()))
        return found[1:]


def _parent_pid(pid: int) -> int:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return -1
    # The command name may contain spaces and parentheses; the fields follow the last ")".
    return int(stat.rsplit(")", 1)[1].split()[1])


def _resident_kb(pid: int) -> int:
    try:
        return int(Path(f"/proc/{pid}/statm").read_text().split()[1]) * _PAGE_KB
    except (OSError, IndexError, ValueError):
        return 0


def _proportional_kb(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
            if line.startswith("Pss:"):
                return int(line.split()[1])
    except (OSError, IndexError, ValueError):
        pass
    return 0


#: Runs the measured command and reports its own ``wait4`` figures in a file. The
#: command is started from this small process rather than from the benchmark itself:
#: Linux carries a process's peak resident size over into the program it executes, so
#: a command started straight from the benchmark would inherit the benchmark's own
#: peak as its ``ru_maxrss``. (It still inherits the launcher's, about 10 MB: a floor
#: far below anything measured here.) A command that cannot be started exits 127, as
#: in a shell.
_LAUNCHER = """
import json, os, sys, time
report, command = sys.argv[1], sys.argv[2:]
start = time.perf_counter()
try:
    pid = os.posix_spawnp(command[0], command, os.environ)
except OSError as error:
    print(f"{command[0]}: {error.strerror}", file=sys.stderr)
    sys.exit(127)
_, status, usage = os.wait4(pid, 0)
wall = time.perf_counter() - start
with open(report + ".part", "w") as handle:
    json.dump({"wall_s": wall, "maxrss_kb": usage.ru_maxrss, "status": status}, handle)
os.replace(report + ".part", report)
"""


def measure(command: Sequence[str], timeout: float | None = None) -> Run:
    """Run ``command`` to its end: wall time, peak memory of its tree, exit status."""
    timed_out = threading.Event()

    def kill_group(pid: int) -> None:
        timed_out.set()
        try:
            os.killpg(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass

    with tempfile.TemporaryFile() as errors, tempfile.TemporaryDirectory() as folder:
        report = Path(folder) / "report.json"
        start = time.perf_counter()
        launcher = subprocess.Popen(
            [sys.executable, "-I", "-S", "-c", _LAUNCHER, str(report), *command],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=errors,
            start_new_session=True)
        sampler = TreeSampler(launcher.pid)
        sampler.start()
        timer = threading.Timer(timeout, kill_group, (launcher.pid,)) if timeout else None
        if timer:
            timer.start()
        try:
            _, status, _ = os.wait4(launcher.pid, 0)
        except BaseException:
            kill_group(launcher.pid)
            launcher.wait()
            raise
        finally:
            if timer:
                timer.cancel()
        wall = time.perf_counter() - start
        sampler.stop()
        maxrss_kb = 0
        if report.exists():  # the command ran to its end (not killed with the launcher)
            figures = json.loads(report.read_text())
            wall, maxrss_kb, status = figures["wall_s"], figures["maxrss_kb"], figures["status"]
        launcher.returncode = os.waitstatus_to_exitcode(status)
        errors.seek(0)
        lines = errors.read().decode("utf-8", "replace").strip().splitlines()
    return Run(wall_s=round(wall, 4), peak_rss_mb=round(sampler.peak_kb / 1024, 1),
               largest_process_mb=round(maxrss_kb / 1024, 1),
               peak_pss_mb=round(sampler.peak_pss_kb / 1024, 1),
               samples=sampler.samples, returncode=launcher.returncode,
               timed_out=timed_out.is_set(), error=lines[-1] if lines else "")


def count_pages(path: Path) -> int | None:
    """Pages of a PDF, or ``None`` when it cannot be read."""
    from pypdf import PdfReader

    try:
        return len(PdfReader(path).pages)
    except Exception:  # noqa: BLE001 - a broken output is reported, not fatal
        return None
