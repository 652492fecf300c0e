"""Options: checking, bookmaker.toml, and the precedence defaults < config < command line."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from bookmaker.cli import build_parser, options_from_args
from bookmaker.errors import UsageError
from bookmaker.options import Options, from_mapping, read_config


def parse(argv: list[str]) -> Options:
    return options_from_args(build_parser().parse_args(argv))


def test_defaults():
    options = from_mapping({})
    assert options == Options()
    assert options.sources == (Path("seeds"),) and options.formats == ("epub",)
    assert (options.group_by, options.order, options.timezone) == ("auto", "oldest",
                                                                  "Asia/Shanghai")


def test_values_are_converted_and_checked():
    options = from_mapping({"sources": "a", "formats": ["EPUB", "pdf", "epub"],
                            "since": "2023-10-01", "until": date(2023, 10, 31),
                            "group_by": "Week", "page_size": "a5", "output": "~/x.epub"})
    assert options.sources == (Path("a"),)
    assert options.formats == ("epub", "pdf")
    assert (options.since, options.until) == (date(2023, 10, 1), date(2023, 10, 31))
    assert (options.group_by, options.page_size) == ("week", "A5")
    assert options.output == Path("~/x.epub").expanduser()


@pytest.mark.parametrize(("values", "words"), [
    ({"colour": "red", "size": 1}, "unknown option(s): colour, size"),
    ({"since": "17/10/2023"}, "since: expected a date as YYYY-MM-DD"),
    ({"since": "2023-10-18", "until": "2023-10-17"}, "is after --until"),
    ({"group_by": "year"}, "group_by: expected one of auto, day, week, month"),
    ({"timezone": "Mars/Olympus"}, "unknown time zone"),
    ({"jobs": -1}, "jobs: must be 0"),
    ({"jobs": "two"}, "jobs: expected a whole number"),
])
def test_bad_values_are_usage_errors(values, words):
    with pytest.raises(UsageError) as caught:
        from_mapping(values)
    assert words in str(caught.value)


def test_replace_is_checked_too():
    assert Options().replace(order="newest").order == "newest"
    with pytest.raises(UsageError):
        Options().replace(order="sideways")


def test_read_config_top_level_and_table(tmp_path):
    top = tmp_path / "top.toml"
    top.write_text('group-by = "month"\ntitle = "月刊"\n', encoding="utf-8")
    assert read_config(top) == {"group_by": "month", "title": "月刊"}
    table = tmp_path / "table.toml"
    table.write_text('[bookmaker]\npage_size = "A5"\n', encoding="utf-8")
    assert read_config(table) == {"page_size": "A5"}


def test_read_config_errors(tmp_path):
    with pytest.raises(UsageError, match="config file not found"):
        read_config(tmp_path / "missing.toml")
    broken = tmp_path / "broken.toml"
    broken.write_text("title = \n", encoding="utf-8")
    with pytest.raises(UsageError, match="not valid TOML"):
        read_config(broken)


def test_command_line_overrides_config_overrides_defaults(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    Path("bookmaker.toml").write_text(
        'title = "来自配置"\ngroup-by = "month"\norder = "newest"\nformat = ["pdf"]\n',
        encoding="utf-8")
    from_config = parse(["build"])
    assert (from_config.title, from_config.group_by, from_config.order) == (
        "来自配置", "month", "newest")
    assert from_config.formats == ("pdf",)
    assert from_config.timezone == "Asia/Shanghai"
    overridden = parse(["build", "--title", "命令行", "--format", "epub", "--strict", "-v"])
    assert (overridden.title, overridden.group_by, overridden.formats) == (
        "命令行", "month", ("epub",))
    assert overridden.strict is True and overridden.verbosity == 1
    assert parse(["list", "-q"]).verbosity == -1
    assert parse(["build", "--format", "epub,PDF"]).formats == ("epub", "pdf")


def test_flags_left_out_do_not_override_config(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    Path("bookmaker.toml").write_text("strict = true\nallow-private-hosts = true\n",
                                      encoding="utf-8")
    options = parse(["build"])
    assert options.strict is True and options.allow_private_hosts is True


def test_explicit_config_paths_are_relative_to_it(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    folder = tmp_path / "conf"
    folder.mkdir()
    (folder / "book.toml").write_text(
        '[bookmaker]\nsources = ["articles", "/abs/more"]\noutput = "out/book.epub"\n',
        encoding="utf-8")
    options = parse(["list", "--config", "conf/book.toml"])
    assert options.sources == (Path("conf/articles"), Path("/abs/more"))
    assert options.output == Path("conf/out/book.epub")
    assert parse(["list", "x", "--config", "conf/book.toml"]).sources == (Path("x"),)


def test_unknown_config_key_names_the_file_and_key(tmp_path):
    config = tmp_path / "b.toml"
    config.write_text('titel = "typo"\n', encoding="utf-8")
    with pytest.raises(UsageError, match=r"b\.toml: unknown option\(s\): titel"):
        parse(["list", "--config", str(config)])


def test_no_config_file_means_defaults(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert parse(["list"]) == Options()
