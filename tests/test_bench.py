"""The benchmark machinery on a tiny corpus: it runs, measures trees, and reports.

Benchmarks are not tests: nothing here asserts how fast anything is.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import pytest

from bookmaker import _bench_references as references
from bookmaker._bench_measure import Run, measure
from bookmaker._bench_report import goals
from bookmaker.bench import Measurement, main, measure_incremental, prepare_corpus

#: A parent that starts a child holding 80 MB for a moment, then waits for it.
_PARENT_OF_A_BIG_CHILD = (
    "import subprocess, sys; subprocess.run([sys.executable, '-c', "
    "'import time; block = b\"x\" * (80 * 1024 * 1024); time.sleep(0.6)'], check=True)")


@pytest.fixture(scope="module")
def work(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("bench")


@pytest.fixture(scope="module")
def report(work) -> dict:
    out = work / "bench.json"
    code = main(["--sizes", "3", "--runs", "1", "--formats", "epub,pdf",
                 "--skip-pdf-reference", "--incremental-size", "0",
                 "--work-dir", str(work), "--out", str(out)])
    assert code == 0
    return json.loads(out.read_text(encoding="utf-8"))


def test_the_report_has_every_tool_with_raw_runs(report):
    tools = {(r["format"], r["tool"]): r for r in report["results"]}
    expected = {("epub", "bookmaker"), ("epub", "ebooklib"), ("epub", "pandoc"),
                ("pdf", "bookmaker"), ("pdf", "weasyprint")}
    assert set(tools) == expected
    assert tools["pdf", "weasyprint"]["status"] == "skipped"
    if tools["epub", "pandoc"]["status"] == "skipped":  # pandoc is not installed here
        assert tools["epub", "pandoc"]["note"] == "pandoc is not on PATH"
    ran = [tools[key] for key in expected if tools[key]["status"] != "skipped"]
    for result in ran:
        assert result["size"] == 3
        assert result["status"] == "ok", result
        assert len(result["runs"]) == 1
        run = result["runs"][0]
        assert run["returncode"] == 0 and run["wall_s"] > 0 and run["samples"] >= 1
        assert result["median_s"] == run["wall_s"]
        assert result["peak_mb"] >= run["peak_rss_mb"] > 5
    ours = tools["pdf", "bookmaker"]
    assert ours["pages"] > 3 and ours["pages_per_s"] > 0
    assert "--cache-dir" in ours["command"] and "none" in ours["command"]


def test_the_report_names_the_machine_and_the_goals(report):
    machine = report["machine"]
    assert machine["nproc"] >= 1 and machine["python"].startswith("3.")
    assert machine["versions"]["weasyprint"] and machine["versions"]["ebooklib"]
    assert report["date"][:2] == "20"
    texts = [goal["goal"] for goal in report["goals"]]
    assert any(text.startswith("EPUB time") for text in texts)
    speedup = next(g for g in report["goals"] if g["goal"].startswith("PDF speed-up"))
    assert speedup["measured"] is None and speedup["note"] == "not measured"


def test_a_corpus_is_reused_when_its_parameters_match(report, work):
    corpus = work / "corpus-3"
    names = sorted(p.name for p in corpus.glob("*.txt"))
    marker = corpus / names[0]
    before = marker.stat().st_mtime_ns
    assert prepare_corpus(work, 3) == corpus
    assert marker.stat().st_mtime_ns == before
    marker.unlink()
    prepare_corpus(work, 3)
    assert sorted(p.name for p in corpus.glob("*.txt")) == names


def test_memory_of_child_processes_is_counted():
    run = measure([sys.executable, "-c", _PARENT_OF_A_BIG_CHILD])
    assert run.ok
    assert run.peak_rss_mb >= 80
    assert run.largest_process_mb >= 80


def test_the_benchmark_own_memory_is_not_counted_as_the_commands():
    """Linux carries a process's peak over into the program it executes: a small
    command started by a big benchmark must still be measured small."""
    big_benchmark = (
        "import sys\n"
        "from bookmaker._bench_measure import measure\n"
        "held = bytearray(300 * 2**20)\n"
        "for at in range(0, len(held), 4096):\n"
        "    held[at] = 1\n"
        "print(measure([sys.executable, '-c', 'pass']).largest_process_mb)\n")
    result = subprocess.run([sys.executable, "-c", big_benchmark], capture_output=True,
                            text=True, check=True)
    assert float(result.stdout) < 100, result.stdout


def test_a_run_over_its_time_cap_is_killed_with_its_children(tmp_path):
    pid_file = tmp_path / "child.pid"
    parent = ("import pathlib, subprocess; child = subprocess.Popen(['sleep', '60']); "
              f"pathlib.Path({str(pid_file)!r}).write_text(str(child.pid)); child.wait()")
    run = measure([sys.executable, "-c", parent], timeout=2)
    assert run.timed_out and not run.ok
    assert run.returncode == -9
    child = Path(f"/proc/{pid_file.read_text()}/stat")
    for _ in range(100):  # the orphan is reaped by init soon after it is killed
        try:
            if child.read_text().rsplit(")", 1)[1].split()[0] == "Z":
                break
        except FileNotFoundError:
            break
        time.sleep(0.05)
    else:
        pytest.fail("the child of the killed process is still running")


def test_incremental_rebuild_is_measured_after_one_added_article(report, work):
    entry = measure_incremental(work, work / "corpus-3", 3, "epub", "A5")
    assert entry["full"]["returncode"] == 0 and entry["rebuild"]["returncode"] == 0
    assert entry["ratio"] > 0
    copy = work / "corpus-3-incremental"
    added = sorted(copy.glob("added-*.txt"))
    assert len(added) == 1 and len(list(copy.glob("*.txt"))) == 4


def test_the_weasyprint_reference_writes_one_document(report, work, tmp_path):
    target = tmp_path / "one.pdf"
    run = measure(references.script_command("weasyprint", work / "corpus-3.html", target,
                                            "A5"))
    assert run.ok, run.error
    from pypdf import PdfReader

    reader = PdfReader(target)
    assert len(reader.pages) >= 3
    text = reader.pages[0].extract_text()
    first_title, _ = references.read_article(references.article_files(work / "corpus-3")[0])
    assert first_title[:6] in text.replace("\n", "")


def _measured(size: int, fmt: str, tool: str, seconds: float, megabytes: float) -> Measurement:
    return Measurement(size, fmt, tool,
                       runs=[Run(seconds, megabytes, megabytes, megabytes, 10, 0)])


def test_goals_are_judged_at_1000_articles_when_measured():
    results = [_measured(100, "epub", "bookmaker", 1.0, 50),
               _measured(100, "epub", "ebooklib", 0.1, 20),
               _measured(1000, "epub", "bookmaker", 3.0, 150),
               _measured(1000, "epub", "ebooklib", 2.0, 40)]
    found = {g["goal"]: g for g in goals(results, [])}
    time_goal = found["EPUB time / bare ebooklib time"]
    assert time_goal["size"] == 1000 and time_goal["measured"] == 1.5
    assert time_goal["met"] is True and time_goal["note"] == ""
    assert found["EPUB peak RSS, MB"]["met"] is True
    assert found["PDF speed-up over WeasyPrint one document"]["met"] is None
