"""Run one function over many items here and in forked helper processes, results in order."""

from __future__ import annotations

import multiprocessing
import os
import sys
import threading
from typing import Callable, TypeVar

T = TypeVar("T")

#: Fewer items than this are done in this process: a fork and the results' trip back
#: cost more than they save.
MIN_ITEMS_FOR_HELPERS = 64
#: Items claimed at a time. Small enough that the processes finish together, large
#: enough that claiming costs nothing.
CHUNK = 8
#: Helpers at most. Every helper's resident memory counts in full (its pages are
#: shared with this process, but measured once per process), for little gain beyond.
MAX_HELPERS = 3


def usable_cpus() -> int:
    """CPUs this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


def helper_count(items: int, jobs: int = 0) -> int:
    """How many helpers to fork for ``items`` items: none on small inputs, without
    ``fork``, or on one CPU; ``jobs`` (0: one per CPU) caps the processes in all."""
    if items < MIN_ITEMS_FOR_HELPERS or not sys.platform.startswith("linux"):
        return 0
    processes = min(usable_cpus(), jobs or usable_cpus())
    return max(0, min(processes - 1, MAX_HELPERS))


def map_shared(function: Callable[[int], T], count: int, helpers: int,
               progress: Callable[[int], None] | None = None) -> list[T]:
    """``[function(0), …, function(count - 1)]``, computed by this process and ``helpers``
    forked processes that claim chunks of indices from a shared counter.

    ``function`` must not raise, and its results must pickle. The helpers inherit
    everything (no arguments are sent); only results travel back. If a helper dies,
    this process computes what it did not return. ``progress(done)`` is called here
    as items finish, counting the helpers' items too.
    """
    if helpers <= 0:
        results = []
        for index in range(count):
            results.append(function(index))
            if progress:
                progress(index + 1)
        return results
    context = multiprocessing.get_context("fork")
    lock = context.Lock()
    claimed = context.RawValue("q", 0)
    finished = context.RawValue("q", 0)

    def work(deliver: Callable[[dict[int, T]], None],
             report: Callable[[int], None] | None) -> None:
        while True:
            with lock:
                start = claimed.value
                claimed.value = start + CHUNK
            if start >= count:
                return
            done: dict[int, T] = {}
            for index in range(start, min(start + CHUNK, count)):
                done[index] = function(index)
                with lock:
                    finished.value += 1
                    so_far = finished.value
                if report:
                    report(so_far)
            deliver(done)

    def helper_main(sender) -> None:
        try:
            work(sender.send, None)
        except Exception:  # noqa: BLE001 - this process redoes the items, and reports
            pass
        finally:
            sender.close()

    results: dict[int, T] = {}

    def receive(receiver) -> None:
        # Chunks arrive as helpers finish them: taking them in while this process
        # works leaves no transfer of everything at the end.
        try:
            while True:
                results.update(receiver.recv())
        except Exception:  # noqa: BLE001 - done, or the helper died: what is missing is
            pass            # computed below
        finally:
            receiver.close()

    processes = []
    receiving = []
    for _ in range(helpers):
        receiver, sender = context.Pipe(duplex=False)
        process = context.Process(target=helper_main, args=(sender,), daemon=True)
        process.start()
        sender.close()
        processes.append(process)
        receiving.append(threading.Thread(target=receive, args=(receiver,), daemon=True))
    for thread in receiving:  # threads only once every helper is forked
        thread.start()
    work(results.update, progress)
    for thread, process in zip(receiving, processes):
        thread.join()
        process.join()
    for index in range(count):
        if index not in results:
            results[index] = function(index)
    if progress:
        progress(count)
    return [results[index] for index in range(count)]
