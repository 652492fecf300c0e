"""Sharing work with forked helper processes: results in order, nothing lost, progress."""

from __future__ import annotations

import os
import sys
import time

import pytest

from bookmaker.work_sharing import MIN_ITEMS_FOR_HELPERS, helper_count, map_shared

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"),
                                reason="helpers are forked on Linux only")


def test_results_come_back_in_order_whoever_computed_them():
    parent = os.getpid()

    def work(index: int) -> tuple[int, int]:
        time.sleep(0.003)  # long enough that no process can take every chunk
        return index * index, os.getpid()

    results = map_shared(work, 120, helpers=2)
    assert [square for square, _ in results] == [i * i for i in range(120)]
    workers = {pid for _, pid in results}
    assert parent in workers and len(workers) > 1


def test_what_a_dead_helper_claimed_is_done_here(tmp_path):
    parent = os.getpid()
    died = tmp_path / "helper-died"

    def work(index: int) -> int:
        if os.getpid() == parent:
            time.sleep(0.002)  # slow enough that the helper reaches its fatal chunk
        elif index >= 40:
            died.touch()
            os._exit(3)  # a helper dies in the middle of its chunks
        return index + 1

    assert map_shared(work, 300, helpers=1) == list(range(1, 301))
    assert died.exists()  # the helper really died, and its items were done here


def test_progress_counts_every_item():
    def work(index: int) -> int:
        time.sleep(0.002)  # both processes take chunks
        return index

    seen: list[int] = []
    map_shared(work, 150, helpers=1, progress=seen.append)
    assert len(seen) > 1 and seen[0] < 150 and seen == sorted(seen) and seen[-1] == 150
    alone: list[int] = []
    map_shared(work, 150, helpers=0, progress=alone.append)
    assert alone == list(range(1, 151))


def test_small_inputs_and_one_job_need_no_helper():
    assert helper_count(MIN_ITEMS_FOR_HELPERS - 1) == 0
    assert helper_count(10_000, jobs=1) == 0
    assert map_shared(lambda i: -i, 5, helpers=0) == [0, -1, -2, -3, -4]
