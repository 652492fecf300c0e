"""The command line: list and build, exit codes, messages, config, summary, progress."""

from __future__ import annotations

import io
import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from bookmaker import backends
from bookmaker.cli import main
from bookmaker.options import Options
from bookmaker.pipeline import output_targets
from bookmaker.summary import Progress, display_width, fit, human_size

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "seeds"
SEED_TITLE = "普京访华参加“一带一路”论坛，中俄寻求加强伙伴关系"


@pytest.fixture(autouse=True)
def wide_terminal(monkeypatch, tmp_path):
    # A fixed width keeps the table layout the same on every terminal; the working
    # folder is empty so no stray bookmaker.toml applies.
    monkeypatch.setenv("COLUMNS", "160")
    monkeypatch.delenv("CI", raising=False)
    monkeypatch.chdir(tmp_path)


def run(*argv: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "COLUMNS": "160"}
    return subprocess.run([sys.executable, "-m", "bookmaker", *argv], capture_output=True,
                          text=True, env=env, check=False)


def error_lines(text: str) -> list[str]:
    return [line for line in text.splitlines() if line.strip()]


@pytest.fixture
def mixed_folder(tmp_path) -> Path:
    folder = tmp_path / "mixed"
    folder.mkdir()
    shutil.copy(next(SEEDS.glob("*.txt")), folder / "good.txt")
    (folder / "empty.txt").write_bytes(b"")
    return folder


# -- list ----------------------------------------------------------------------------

def test_list_seeds_in_a_subprocess():
    done = run("list", str(SEEDS))
    assert done.returncode == 0, done.stderr
    assert SEED_TITLE in done.stdout
    assert "2023年10月17日 星期二" in done.stdout
    assert "2023-10-17 17:07" in done.stdout  # 09:07:01 UTC in Asia/Shanghai
    assert "国际" in done.stdout and "DAVID PIERSON" in done.stdout
    assert "Read 1 article from 1 file." in done.stderr
    assert "\r" not in done.stderr  # no progress line off a terminal
    assert "Traceback" not in done.stderr


def test_list_in_process(capsys):
    assert main(["list", str(SEEDS)]) == 0
    out, err = capsys.readouterr()
    row = next(line for line in out.splitlines() if SEED_TITLE in line)
    assert row.split()[-1] == "4"  # the lead figure and three inline figures
    assert "2023年10月17日 星期二  (1 article)" in out.splitlines()
    assert "Book: 纽约时报中文网 · 2023年10月17日 — 1 article in 1 chapter." in err


def test_list_default_source_is_seeds(capsys, monkeypatch):
    monkeypatch.chdir(ROOT)
    assert main(["list", "-q"]) == 0
    out, err = capsys.readouterr()
    assert SEED_TITLE in out and err == ""


def test_missing_path_is_a_usage_error_in_one_line(tmp_path):
    done = run("list", str(tmp_path / "nowhere"))
    assert done.returncode == 2
    (line,) = error_lines(done.stderr)
    assert line.startswith("bookmaker: error: ") and "nowhere" in line
    assert done.stdout == ""


def test_folder_without_article_files_is_a_usage_error(tmp_path, capsys):
    (tmp_path / "void").mkdir()
    assert main(["list", str(tmp_path / "void")]) == 2
    (line,) = error_lines(capsys.readouterr().err)
    assert line.startswith("bookmaker: error: ") and "void" in line


def test_skipped_file_is_named_and_strict_fails(mixed_folder, capsys):
    assert main(["list", str(mixed_folder)]) == 0
    out, err = capsys.readouterr()
    assert SEED_TITLE in out
    assert "Read 1 article from 2 files; skipped 1:" in err
    assert f"skipped {mixed_folder / 'empty.txt'}: " in err
    assert main(["list", "--strict", "-q", str(mixed_folder)]) == 1
    out, err = capsys.readouterr()
    assert f"skipped {mixed_folder / 'empty.txt'}: " in err  # even when quiet


@pytest.mark.parametrize("argv", [
    ["list", str(SEEDS), "--since", "2023-13-01"],
    ["list", str(SEEDS), "--since", "yesterday"],
    ["list", str(SEEDS), "--group-by", "year"],
    ["list", str(SEEDS), "--timezone", "Mars/Base"],
    ["list", str(SEEDS), "--no-such-option"],
    ["build", str(SEEDS), "--jobs", "many"],
    ["list", str(SEEDS), "-q", "-v"],
    ["frobnicate"],
    [],
])
def test_bad_usage_exits_2_with_one_line(argv, capsys):
    assert main(argv) == 2
    out, err = capsys.readouterr()
    (line,) = error_lines(err)
    assert line.startswith("bookmaker: error: ")
    assert out == ""


def test_bad_since_in_a_subprocess():
    done = run("list", str(SEEDS), "--since", "17.10.2023")
    assert done.returncode == 2
    assert error_lines(done.stderr) == [
        "bookmaker: error: since: expected a date as YYYY-MM-DD, got '17.10.2023'"]


def test_help_exits_0(capsys):
    assert main(["--help"]) == 0
    assert "build" in capsys.readouterr().out
    assert main(["list", "--help"]) == 0
    assert "--group-by" in capsys.readouterr().out


def test_config_supplies_options(tmp_path, capsys):
    Path("bookmaker.toml").write_text(
        f'[bookmaker]\nsources = ["{SEEDS.as_posix()}"]\ngroup-by = "none"\n'
        'title = "配置标题"\n', encoding="utf-8")
    assert main(["list"]) == 0
    out, err = capsys.readouterr()
    assert "全部文章  (1 article)" in out and "Book: 配置标题 —" in err
    assert main(["list", "--group-by", "month"]) == 0
    assert "2023年10月  (1 article)" in capsys.readouterr().out


def test_unknown_config_key_exits_2(tmp_path, capsys):
    config = tmp_path / "odd.toml"
    config.write_text('group_by = "day"\npaper = "A4"\n', encoding="utf-8")
    assert main(["list", str(SEEDS), "--config", str(config)]) == 2
    (line,) = error_lines(capsys.readouterr().err)
    assert line == f"bookmaker: error: {config}: unknown option(s): paper"


def test_missing_config_exits_2(capsys):
    assert main(["list", str(SEEDS), "--config", "nope.toml"]) == 2
    assert "nope.toml: config file not found" in capsys.readouterr().err


def test_nothing_selected(capsys):
    assert main(["list", str(SEEDS), "--since", "2030-01-01"]) == 0
    out, err = capsys.readouterr()
    assert out == "" and "No articles selected." in err
    assert "Outside --since/--until: 1 article." in err


def test_list_names_dropped_duplicates(tmp_path, capsys):
    folder = tmp_path / "dups"
    folder.mkdir()
    seed = next(SEEDS.glob("*.txt")).read_text(encoding="utf-8")
    (folder / "a.txt").write_text(seed, encoding="utf-8")
    (folder / "b.txt").write_text(seed.replace("<!--1697533621000-->", "<!--1697533622000-->"),
                                  encoding="utf-8")
    assert main(["list", str(folder)]) == 0
    err = capsys.readouterr().err
    assert "Duplicates dropped: 1:" in err
    assert f"  {folder / 'a.txt'} (same URL as {folder / 'b.txt'})" in err


# -- build ---------------------------------------------------------------------------

PLAIN_BACKENDS = textwrap.dedent('''
    from pathlib import Path
    from bookmaker.atomic import atomic_path
    from bookmaker.errors import BuildError

    class PlainBackend:
        name = "plain"
        suffix = ".txt"

        def write(self, book, target, options):
            with atomic_path(target) as temporary:
                lines = [book.title] + [a.title for a in book.articles]
                temporary.write_text("\\n".join(lines), encoding="utf-8")
            return target

    class BrokenBackend:
        name = "broken"
        suffix = ".broken"

        def write(self, book, target, options):
            raise BuildError("the press is jammed")
''')


def build(*argv: str) -> int:
    """``bookmaker build`` in-process, without images (tests never touch the network)."""
    return main(["build", "--images", "none", *argv])


@pytest.fixture
def plain_formats(tmp_path, monkeypatch):
    """Two small real backends, registered like built-ins: one works, one fails."""
    (tmp_path / "plain_backends.py").write_text(PLAIN_BACKENDS, encoding="utf-8")
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.setitem(backends.BUILTIN_BACKENDS, "plain", "plain_backends:PlainBackend")
    monkeypatch.setitem(backends.BUILTIN_BACKENDS, "broken", "plain_backends:BrokenBackend")
    monkeypatch.setitem(backends.BUILTIN_BACKENDS, "ghost", "bookmaker.backends.ghost:Ghost")


def test_build_writes_the_output_and_reports_its_size(plain_formats, tmp_path, capsys):
    target = tmp_path / "out" / "book.txt"
    assert build(str(SEEDS), "--format", "plain", "-o", str(target)) == 0
    assert target.read_text(encoding="utf-8").splitlines() == [
        "纽约时报中文网 · 2023年10月17日", SEED_TITLE]
    err = capsys.readouterr().err
    assert f"Wrote {target} ({target.stat().st_size} B)." in err


def test_build_default_output_is_build_digest(plain_formats, tmp_path, capsys):
    assert build(str(SEEDS), "--format", "plain") == 0
    assert (tmp_path / "build" / "digest.txt").is_file()


def test_one_failing_format_does_not_stop_the_others(plain_formats, tmp_path, capsys):
    out = tmp_path / "both"
    code = build(str(SEEDS), "--format", "broken", "--format", "plain", "-o", str(out))
    assert code == 1
    assert (out / "digest.txt").is_file() and not (out / "digest.broken").exists()
    assert "Not written (broken): the press is jammed" in capsys.readouterr().err


def test_unavailable_format_is_named_clearly(plain_formats, capsys):
    assert build(str(SEEDS), "--format", "ghost") == 1
    err = capsys.readouterr().err
    assert "Not written (ghost): format 'ghost' is not available in this installation" in err
    assert "Traceback" not in err


def test_unknown_format_lists_the_known_ones(capsys):
    assert main(["build", str(SEEDS), "--format", "docx"]) == 2
    (line,) = error_lines(capsys.readouterr().err)
    assert line.startswith("bookmaker: error: unknown format 'docx'; known formats: ")
    assert "epub" in line and "pdf" in line


def test_strict_build_writes_nothing_when_a_file_is_skipped(plain_formats, mixed_folder,
                                                            tmp_path, capsys):
    target = tmp_path / "strict.txt"
    assert build(str(mixed_folder), "--format", "plain", "-o", str(target), "--strict") == 1
    assert not target.exists()
    assert "--strict" in capsys.readouterr().err
    assert build(str(mixed_folder), "--format", "plain", "-o", str(target)) == 0
    assert target.exists()


def test_build_with_nothing_selected_fails(plain_formats, tmp_path, capsys):
    assert build(str(SEEDS), "--format", "plain", "--until", "2000-01-01") == 1
    assert "no articles" in capsys.readouterr().err
    assert not (tmp_path / "build").exists()


def test_output_paths_for_several_formats(plain_formats, tmp_path):
    both = ("plain", "broken")
    loaded = {name: backends.load_backend(name) for name in both}

    def targets(output, formats=both):
        options = Options(formats=formats, output=output)
        return output_targets(options, {n: loaded[n] for n in formats})

    assert targets(None) == {"plain": Path("build/digest.txt"),
                             "broken": Path("build/digest.broken")}
    assert targets(tmp_path / "news.epub") == {"plain": tmp_path / "news.txt",
                                               "broken": tmp_path / "news.broken"}
    assert targets(tmp_path / "folder") == {"plain": tmp_path / "folder" / "digest.txt",
                                            "broken": tmp_path / "folder" / "digest.broken"}
    assert targets(tmp_path / "one.text", ("plain",)) == {"plain": tmp_path / "one.text"}
    assert targets(tmp_path, ("plain",)) == {"plain": tmp_path / "digest.txt"}


def test_fetch_images_without_the_images_stage(monkeypatch, capsys):
    monkeypatch.setitem(sys.modules, "bookmaker.images", None)
    assert main(["fetch-images", str(SEEDS)]) == 1
    (line,) = error_lines(capsys.readouterr().err)
    assert line.startswith("bookmaker: error: fetch-images is not available")


# -- what the summary and progress are made of -----------------------------------------

def test_display_width_and_fit():
    assert display_width("abc") == 3
    assert display_width("中国") == 4
    assert display_width("“一带一路”") == 10  # curly quotes are narrow in most terminals
    assert fit("中国新闻", 6) == "中国… "
    assert display_width(fit("中国新闻", 6)) == 6
    assert fit("abc", 5) == "abc  "
    assert fit("中国新闻", 8) == "中国新闻"


def test_human_size():
    assert human_size(999) == "999 B"
    assert human_size(2048) == "2.0 KB"
    assert human_size(5 * 1024 * 1024 + 1) == "5.0 MB"


def test_progress_draws_in_place_and_clears():
    stream = io.StringIO()
    progress = Progress(stream, enabled=True)
    progress.start("reading", 4)
    for _ in range(4):
        progress.advance()
    progress.finish()
    text = stream.getvalue()
    assert "\rreading 2/4 (50%)" in text and "\rreading 4/4 (100%)" in text
    assert text.endswith("\r")
    silent = io.StringIO()
    quiet = Progress(silent, enabled=False)
    quiet.start("reading", 2)
    quiet.advance()
    quiet.finish()
    assert silent.getvalue() == ""


def test_build_epub_end_to_end(tmp_path):
    done = run("build", str(SEEDS), "--format", "epub", "--images", "none",
               "-o", str(tmp_path / "seed.epub"))
    assert done.returncode == 0, done.stderr
    assert f"Wrote {tmp_path / 'seed.epub'} (" in done.stderr
    import zipfile

    with zipfile.ZipFile(tmp_path / "seed.epub") as book:
        assert book.namelist()[0] == "mimetype"
        assert any(SEED_TITLE in book.read(name).decode("utf-8", "replace")
                   for name in book.namelist() if name.endswith(".xhtml"))


def test_public_api_is_light_and_complete():
    code = ("import sys, bookmaker\n"
            "heavy = [m for m in ('weasyprint', 'ebooklib', 'lxml', 'PIL', 'httpx')"
            " if m in sys.modules]\n"
            "missing = [n for n in bookmaker.__all__ if getattr(bookmaker, n, None) is None]\n"
            "print(heavy, missing, bookmaker.__version__)\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=True)
    assert done.stdout.startswith("[] [] ")  # nothing heavy loaded, every name resolves
    assert done.stdout.split()[-1][0].isdigit()
    import bookmaker

    assert {"parse_file", "collect", "Options", "Article", "Book", "Chapter", "Figure",
            "load_backend", "__version__"} <= set(bookmaker.__all__)


def test_version(capsys):
    assert main(["--version"]) == 0
    assert capsys.readouterr().out.startswith("bookmaker ")


def test_terminal_control_characters_never_reach_the_screen(tmp_path, seed_article, capsys):
    import dataclasses

    from bookmaker.collector import collect
    from bookmaker.summary import format_table

    hostile = dataclasses.replace(seed_article, title="红\x1b[2J字\u202e反转",
                                  section="国\x07际")
    table = "\n".join(format_table(collect([hostile], Options()).book, 160))
    assert "红?[2J字?反转" in table and "国?际" in table
    assert "\x1b" not in table and "\u202e" not in table and "\x07" not in table
    folder = tmp_path / "names"
    folder.mkdir()
    (folder / "evil\x1b[31m.txt").write_bytes(b"")
    shutil.copy(SEEDS / "000_ecd4ffb1dd5f90be.txt", folder)
    assert main(["list", str(folder)]) == 0
    err = capsys.readouterr().err
    assert "evil?[31m.txt" in err and "\x1b" not in err


def test_progress_only_for_a_person_at_a_terminal(monkeypatch):
    from bookmaker.summary import progress_wanted

    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    assert progress_wanted(0, Terminal())
    assert not progress_wanted(0, io.StringIO())
    assert not progress_wanted(-1, Terminal())
    monkeypatch.setenv("CI", "true")
    assert not progress_wanted(0, Terminal())


def test_a_build_shows_progress_per_article_read_and_written(tmp_path):
    from bookmaker import corpus
    from bookmaker.pipeline import run_build

    folder = tmp_path / "archive"
    corpus.generate(folder, 6, seed=2)
    stream = io.StringIO()
    result = run_build(Options(sources=(folder,), output=tmp_path / "book.epub",
                               images="none", cache_dir=tmp_path / "cache"),
                       Progress(stream, enabled=True))
    assert result.ok
    text = stream.getvalue()
    written = result.collection.book.article_count
    assert "\rreading 6/6 (100%)" in text
    assert f"\rwriting epub {written}/{written} (100%)" in text
    assert text.endswith("\r")  # the line is cleared for the summary


def test_list_names_sections_in_the_language_of_the_book(seed_article):
    import dataclasses

    from bookmaker.collector import collect
    from bookmaker.summary import format_table

    english = dataclasses.replace(seed_article, language="en")
    book = collect([english], Options()).book
    assert book.language == "en"
    table = "\n".join(format_table(book, 160))
    assert "  World  " in table and "国际" not in table
