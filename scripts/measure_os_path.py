"""Time `os.path` metadata calls against one turn of the event loop (FPI106's docs).

    python scripts/measure_os_path.py [--calls N] [--dir DIR]

Times `os.path.exists`, `isfile`, `getsize`, `getmtime` and `realpath` on a file it
creates in DIR (default: a temporary directory, usually on the local disk; pass a
directory on an NFS, SMB or FUSE mount to see what those cost), and `exists` on a
missing file. Each call is timed alone with `time.perf_counter_ns`, N times (default
20,000) after a warm-up; the table shows the median and the 99th percentile in
microseconds. `abspath` and `join` (string work, no system call) are timed too, as the
floor, and `await asyncio.to_thread(os.path.exists, path)` (at most 5,000 times), what
running the call in a worker thread costs the awaiting task.

The budget it compares with: one event-loop turn, the median round trip of
`await asyncio.sleep(0)` on the same machine (the cost of letting every other task run
once), and asyncio's debug-mode threshold for a slow callback
(`loop.slow_callback_duration`, 100 ms). The numbers are from the warm page cache: the
first access to a cold inode, and any access on a network filesystem, wait for a disk
or a server instead, and on a hung mount for as long as the server takes.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

SLOW_CALLBACK_MS = 100.0  # asyncio's default `loop.slow_callback_duration` (0.1 s)


def time_call(function, argument, calls: int) -> list[float]:
    """Microseconds per call, one sample per call."""
    for _ in range(min(calls, 1000)):  # warm-up: page cache, dentry cache, branch predictor
        function(argument)
    samples = []
    clock = time.perf_counter_ns
    for _ in range(calls):
        start = clock()
        function(argument)
        samples.append((clock() - start) / 1000)
    return samples


def loop_turn(calls: int) -> list[float]:
    """Microseconds per `await asyncio.sleep(0)` round trip: one turn of the event loop."""

    async def measure() -> list[float]:
        clock = time.perf_counter_ns
        for _ in range(min(calls, 1000)):
            await asyncio.sleep(0)
        samples = []
        for _ in range(calls):
            start = clock()
            await asyncio.sleep(0)
            samples.append((clock() - start) / 1000)
        return samples

    return asyncio.run(measure())


def offload_round_trip(path: str, calls: int) -> list[float]:
    """Microseconds per `await asyncio.to_thread(os.path.exists, path)`: what FPI106's fix costs."""

    async def measure() -> list[float]:
        clock = time.perf_counter_ns
        for _ in range(min(calls, 1000)):
            await asyncio.to_thread(os.path.exists, path)
        samples = []
        for _ in range(calls):
            start = clock()
            await asyncio.to_thread(os.path.exists, path)
            samples.append((clock() - start) / 1000)
        return samples

    return asyncio.run(measure())


def percentile(samples: list[float], fraction: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(len(ordered) * fraction))]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--calls", type=int, default=20_000, help="timed calls per function (default 20000)")
    parser.add_argument("--dir", type=Path, default=None, help="where to create the file (default: a temp dir)")
    args = parser.parse_args(argv)

    # An absolute directory: `abspath` then does no `getcwd()` call.
    with tempfile.TemporaryDirectory(dir=args.dir.resolve() if args.dir else None) as tmp:
        # A few directory levels, so that `realpath` has components to resolve.
        nested = Path(tmp, "a", "b", "c")
        nested.mkdir(parents=True)
        target = nested / "data.bin"
        target.write_bytes(b"x" * 4096)
        path, missing = str(target), str(nested / "missing.bin")

        cases = [
            ("os.path.exists", os.path.exists, path),
            ("os.path.exists (missing)", os.path.exists, missing),
            ("os.path.isfile", os.path.isfile, path),
            ("os.path.getsize", os.path.getsize, path),
            ("os.path.getmtime", os.path.getmtime, path),
            ("os.path.realpath", os.path.realpath, path),
            ("os.path.abspath (no syscall)", os.path.abspath, path),
            ("os.path.join (no syscall)", lambda p: os.path.join(p, "x"), path),
        ]
        rows = [(name, time_call(function, argument, args.calls)) for name, function, argument in cases]
        rows.append(("await asyncio.to_thread(exists)", offload_round_trip(path, min(args.calls, 5000))))
        turn = loop_turn(args.calls)

    turn_median = statistics.median(turn)
    print(f"python {sys.version.split()[0]} on {sys.platform}; {args.calls} calls each; file under {tmp}")
    print(f"event-loop turn (`await asyncio.sleep(0)` round trip): median {turn_median:.2f} us, "
          f"p99 {percentile(turn, 0.99):.2f} us")
    print(f"asyncio's slow-callback threshold: {SLOW_CALLBACK_MS:.0f} ms = {SLOW_CALLBACK_MS * 1000:.0f} us\n")
    header = f"{'call':<30} {'median us':>10} {'p99 us':>9} {'x loop turn':>12} {'% of 100 ms':>12}"
    print(header)
    print("-" * len(header))
    for name, samples in rows:
        median = statistics.median(samples)
        print(
            f"{name:<30} {median:>10.2f} {percentile(samples, 0.99):>9.2f} "
            f"{median / turn_median:>12.2f} {median / (SLOW_CALLBACK_MS * 10):>11.4f}%"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
