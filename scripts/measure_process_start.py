"""Time starting a process without waiting for it (FPI107's docs).

    python scripts/measure_process_start.py [--runs N] [--mb MB]

Times, N times each (default 200, after a few warm-up runs), the call that starts
`/bin/true` and returns without waiting for it: `subprocess.Popen(["true"])`,
`os.posix_spawn`, `os.spawnl(os.P_NOWAIT, ...)`, and `await
asyncio.create_subprocess_exec("true")`. Each child is reaped outside the timed part.
For asyncio, two numbers: how long the `await` took, and the longest gap a ticker task
on the same loop saw meanwhile (how long the loop was held: asyncio starts the child
with `subprocess.Popen` on the loop's thread).

Then the same after the parent has allocated and touched MB megabytes (default 500):
`fork()` copies the parent's page tables, so its cost grows with the parent's memory,
while `vfork()` and `posix_spawn()` do not. CPython's `subprocess` uses `vfork` or
`posix_spawn` when it can (Linux, Python 3.10+); `os.spawn*` is written in Python on
POSIX and calls `os.fork()`. The table shows medians and 95th percentiles in ms.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import statistics
import subprocess
import sys
import time

TRUE = shutil.which("true") or "/bin/true"


def percentile(samples: list[float], fraction: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(len(ordered) * fraction))]


def time_start(start, runs: int) -> list[float]:
    """Milliseconds per start; `start()` returns something `reap` waits for, untimed."""
    for _ in range(5):
        reap(start())
    samples = []
    clock = time.perf_counter_ns
    for _ in range(runs):
        begin = clock()
        child = start()
        samples.append((clock() - begin) / 1e6)
        reap(child)
    return samples


def reap(child) -> None:
    if isinstance(child, subprocess.Popen):
        child.wait()
    else:
        os.waitpid(child, 0)


def start_popen():
    return subprocess.Popen([TRUE])


def start_posix_spawn():
    return os.posix_spawn(TRUE, [TRUE], os.environ)


def start_spawnl():
    return os.spawnl(os.P_NOWAIT, TRUE, TRUE)


def time_asyncio(runs: int) -> tuple[list[float], list[float]]:
    """Milliseconds per `await create_subprocess_exec`, and the longest loop stall during each."""

    async def measure() -> tuple[list[float], list[float]]:
        clock = time.perf_counter_ns
        gaps: list[float] = []
        running = True

        async def ticker() -> None:
            last = clock()
            while running:
                await asyncio.sleep(0)
                now = clock()
                gaps.append((now - last) / 1e6)
                last = now

        tick = asyncio.create_task(ticker())
        await asyncio.sleep(0)
        awaits, stalls = [], []
        for index in range(runs + 5):
            gaps.clear()
            begin = clock()
            process = await asyncio.create_subprocess_exec(TRUE)
            elapsed = (clock() - begin) / 1e6
            await asyncio.sleep(0)  # let the ticker record the gap the start caused
            longest = max(gaps, default=elapsed)
            await process.wait()
            if index >= 5:
                awaits.append(elapsed)
                stalls.append(longest)
        running = False
        await tick
        return awaits, stalls

    return asyncio.run(measure())


def table(runs: int) -> list[tuple[str, list[float]]]:
    rows = [
        ("subprocess.Popen(['true'])", time_start(start_popen, runs)),
        ("os.posix_spawn", time_start(start_posix_spawn, runs)),
        ("os.spawnl(os.P_NOWAIT)", time_start(start_spawnl, runs)),
    ]
    awaits, stalls = time_asyncio(runs)
    rows.append(("await create_subprocess_exec", awaits))
    rows.append(("  ... longest loop stall", stalls))
    return rows


def show(title: str, rows: list[tuple[str, list[float]]]) -> None:
    print(title)
    header = f"  {'call':<32} {'median ms':>10} {'p95 ms':>9}"
    print(header)
    print("  " + "-" * (len(header) - 2))
    for name, samples in rows:
        print(f"  {name:<32} {statistics.median(samples):>10.3f} {percentile(samples, 0.95):>9.3f}")
    print()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=200, help="starts per call (default 200)")
    parser.add_argument("--mb", type=int, default=500, help="megabytes the parent touches (default 500)")
    args = parser.parse_args(argv)

    print(f"python {sys.version.split()[0]} on {sys.platform}; {args.runs} runs each; child {TRUE}")
    print(f"subprocess uses posix_spawn: {getattr(subprocess, '_USE_POSIX_SPAWN', '?')}, "
          f"vfork: {getattr(subprocess, '_USE_VFORK', '?')}\n")
    show("small parent", table(args.runs))
    ballast = b"\x01" * (args.mb * 1024 * 1024)  # touched pages, not just reserved
    show(f"parent holding {args.mb} MB", table(args.runs))
    del ballast
    return 0


if __name__ == "__main__":
    sys.exit(main())
