#!/usr/bin/env python3
"""The operations of benches/access.rs, tasks.rs and bridges.rs, in Python.

Measures, per operation, ``asgiref.local.Local`` (asgiref 3.13, the Python anchor in
BENCHMARKS.md), ``contextvars.ContextVar`` and ``threading.local``:

- read and write of an ``int`` and a ``str`` attribute, in a plain (sync) thread and inside an
  asyncio task;
- ``asyncio.create_task(coro())`` + ``await`` (with a ``Local`` value set in the parent);
- ``await sync_to_async(f)()`` round trip (thread-sensitive, asgiref's default, and not), next
  to a raw ``loop.run_in_executor(None, f)``; a ``ThreadSensitiveContext`` with one such call,
  and calls inside one context;
- ``async_to_sync(coro_fn)()`` from a plain thread.

Usage::

    python3 -m venv .venv && .venv/bin/pip install -r benches/python/requirements.txt
    .venv/bin/python benches/python/asgiref_bench.py [--quick]

Prints a Markdown table: the median over repeats of the time per operation (and the best
repeat), in nanoseconds. Reads and writes are timed with ``timeit`` (the statement is compiled
into timeit's loop, so there is no function-call overhead in the number); the async round trips
are timed with a loop inside a coroutine.
"""

import argparse
import asyncio
import contextvars
import platform
import statistics
import sys
import threading
import time
import timeit

import asgiref
from asgiref.local import Local
from asgiref.sync import ThreadSensitiveContext, async_to_sync, sync_to_async

NAME = "0b7c6a1e-5f7d-4a3e-9c2d-1f2e3d4c5b6a"

LOCAL = Local()
CV_ID: contextvars.ContextVar[int] = contextvars.ContextVar("id")
CV_NAME: contextvars.ContextVar[str] = contextvars.ContextVar("name")
TL = threading.local()

REPEAT = 7
RESULTS: list[tuple[str, str, float, float]] = []


def record(group: str, what: str, per_op_ns: list[float]) -> None:
    median = statistics.median(per_op_ns)
    best = min(per_op_ns)
    RESULTS.append((group, what, median, best))
    print(f"  {group:<28} {what:<52} {median:>12.1f} ns (best {best:.1f})", file=sys.stderr)


def set_all() -> None:
    """Sets the values read by the read benchmarks, in the current context / thread."""
    LOCAL.id = 7
    LOCAL.name = NAME
    CV_ID.set(7)
    CV_NAME.set(NAME)
    TL.id = 7
    TL.name = NAME


def time_stmt(stmt: str, quick: bool) -> list[float]:
    """Nanoseconds per execution of `stmt`, one figure per repeat."""
    timer = timeit.Timer(stmt, globals=globals())
    number, _ = timer.autorange()  # at least 0.2 s per repeat
    if not quick:
        number *= 3
    repeats = timer.repeat(repeat=3 if quick else REPEAT, number=number)
    return [t / number * 1e9 for t in repeats]


ACCESS = {
    # (group, what): statement
    ("read int", "asgiref Local: `l.id`"): "LOCAL.id",
    ("read int", "contextvars: `cv.get()`"): "CV_ID.get()",
    ("read int", "threading.local: `tl.id`"): "TL.id",
    ("read str", "asgiref Local: `l.name`"): "LOCAL.name",
    ("read str", "contextvars: `cv.get()`"): "CV_NAME.get()",
    ("read str", "threading.local: `tl.name`"): "TL.name",
    ("write int", "asgiref Local: `l.id = 8`"): "LOCAL.id = 8",
    ("write int", "contextvars: `cv.set(8)`"): "CV_ID.set(8)",
    ("write int", "threading.local: `tl.id = 8`"): "TL.id = 8",
    ("write str", "asgiref Local: `l.name = s`"): "LOCAL.name = NAME",
    ("write str", "contextvars: `cv.set(s)`"): "CV_NAME.set(NAME)",
    ("write str", "threading.local: `tl.name = s`"): "TL.name = NAME",
}


def access_benches(place: str, quick: bool) -> None:
    set_all()
    for (group, what), stmt in ACCESS.items():
        record(f"{group} ({place})", what, time_stmt(stmt, quick))


async def time_async(make_one, iters: int, quick: bool) -> list[float]:
    """Nanoseconds per `await make_one()`, one figure per repeat."""
    out = []
    for _ in range(3 if quick else REPEAT):
        start = time.perf_counter_ns()
        for _ in range(iters):
            await make_one()
        out.append((time.perf_counter_ns() - start) / iters)
    return out


async def noop_coro():
    return 1


def noop():
    return 1


def write_in_sync():
    LOCAL.id = 9


async def async_main(quick: bool) -> None:
    # Reads and writes inside a task (the coroutine run by asyncio.run is a task).
    access_benches("in an asyncio task", quick)

    n = 2_000 if quick else 20_000
    LOCAL.id = 7

    async def create_task_await():
        return await asyncio.create_task(noop_coro())

    record(
        "create_task + await",
        "`await asyncio.create_task(coro())`",
        await time_async(create_task_await, n, quick),
    )

    async def create_task_read():
        async def child():
            return LOCAL.id

        return await asyncio.create_task(child())

    record(
        "create_task + await",
        "... where the child reads a `Local` attribute",
        await time_async(create_task_read, n, quick),
    )

    n = 500 if quick else 5_000
    loop = asyncio.get_running_loop()
    s2a = sync_to_async(noop)
    s2a_free = sync_to_async(noop, thread_sensitive=False)
    s2a_write = sync_to_async(write_in_sync)
    record(
        "sync_to_async + await",
        "`await sync_to_async(f)()` (thread_sensitive=True)",
        await time_async(s2a, n, quick),
    )
    record(
        "sync_to_async + await",
        "... that writes a `Local` attribute",
        await time_async(s2a_write, n, quick),
    )
    record(
        "sync_to_async + await",
        "`await sync_to_async(f, thread_sensitive=False)()`",
        await time_async(s2a_free, n, quick),
    )
    record(
        "sync_to_async + await",
        "raw `await loop.run_in_executor(None, f)`",
        await time_async(lambda: loop.run_in_executor(None, noop), n, quick),
    )

    async def in_context():
        async with ThreadSensitiveContext():
            return await s2a()

    record(
        "thread-sensitive context",
        "`async with ThreadSensitiveContext(): await sync_to_async(f)()`",
        await time_async(in_context, n // 5, quick),
    )

    async def calls_in_one_context():
        async with ThreadSensitiveContext():
            await s2a()
            out = []
            for _ in range(3 if quick else REPEAT):
                start = time.perf_counter_ns()
                for _ in range(n):
                    await s2a()
                out.append((time.perf_counter_ns() - start) / n)
            return out

    record(
        "thread-sensitive context",
        "`await sync_to_async(f)()` inside one `ThreadSensitiveContext`",
        await calls_in_one_context(),
    )


def async_to_sync_benches(quick: bool) -> None:
    n = 500 if quick else 5_000
    a2s = async_to_sync(noop_coro)
    out = []
    for _ in range(3 if quick else REPEAT):
        start = time.perf_counter_ns()
        for _ in range(n):
            a2s()
        out.append((time.perf_counter_ns() - start) / n)
    record("async_to_sync", "`async_to_sync(coro_fn)()` from a plain thread", out)

    out = []
    for _ in range(3 if quick else REPEAT):
        start = time.perf_counter_ns()
        for _ in range(n // 5):
            asyncio.run(noop_coro())
        out.append((time.perf_counter_ns() - start) / (n // 5))
    record("async_to_sync", "raw `asyncio.run(coro())`", out)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer, shorter repeats")
    args = parser.parse_args()

    print(
        f"Python {platform.python_version()} ({platform.python_implementation()}), "
        f"asgiref {asgiref.__version__}, {platform.machine()}",
        file=sys.stderr,
    )
    access_benches("plain thread", args.quick)
    asyncio.run(async_main(args.quick))
    async_to_sync_benches(args.quick)

    print(
        f"\nPython {platform.python_version()}, asgiref {asgiref.__version__}; "
        f"median of {3 if args.quick else REPEAT} repeats (best repeat in brackets)\n"
    )
    print("| operation | implementation | ns/op (median) | ns/op (best) |")
    print("|---|---|---|---|")
    for group, what, median, best in RESULTS:
        print(f"| {group} | {what} | {median:,.1f} | {best:,.1f} |")


if __name__ == "__main__":
    main()
