"""Time `fastapi-lint` over a directory: in-process, and as a command (start-up included).

    python scripts/benchmark.py [DIRECTORY] [--repeat N]

DIRECTORY defaults to tests/fixtures. In-process runs call `fastapi_lint.cli.main` with its
output discarded, after one warm-up run (imports, rule registry); the command runs start a
fresh interpreter each time, as a user or pre-commit does. Prints the best and the median of
the repeats, in files per second and milliseconds per file.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from fastapi_lint import cli  # noqa: E402
from fastapi_lint.config import SettingsResolver  # noqa: E402
from fastapi_lint.discovery import find_python_files  # noqa: E402

ARGS = ["--exit-zero", "--silent"]  # plus `--jobs N` when given


def _in_process(directory: str) -> float:
    sink = io.StringIO()
    start = time.perf_counter()
    with contextlib.redirect_stdout(sink), contextlib.redirect_stderr(sink):
        cli.main([directory, *ARGS])
    return time.perf_counter() - start


def _command(argv: list[str]) -> float:
    start = time.perf_counter()
    subprocess.run(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
    return time.perf_counter() - start


def _report(label: str, times: list[float], files: int) -> None:
    best, median = min(times), statistics.median(times)
    print(
        f"{label:<34} best {best * 1000:8.1f} ms  median {median * 1000:8.1f} ms  "
        f"{files / best:8.0f} files/s  {best * 1000 / files:6.2f} ms/file"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("directory", nargs="?", default=str(ROOT / "tests" / "fixtures"))
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--jobs", help="passed to fastapi-lint (default: its own choice)")
    args = parser.parse_args()
    if args.jobs:
        ARGS.extend(["--jobs", args.jobs])
    directory = os.path.abspath(args.directory)
    files = len(find_python_files([directory], SettingsResolver().for_path).files)
    if not files:
        print(f"no Python files under {directory}")
        return 1
    paths = find_python_files([directory], SettingsResolver().for_path).files
    lines = sum(len(path.read_bytes().splitlines()) for path in paths)
    print(f"{directory}: {files} files, {lines} lines; best of {args.repeat}; extra arguments: {ARGS[2:] or 'none'}")

    _in_process(directory)  # warm-up: imports and the rule registry
    _report("in process (no start-up)", [_in_process(directory) for _ in range(args.repeat)], files)

    command = [sys.executable, "-m", "fastapi_lint", directory, *ARGS]
    _report("command (with start-up)", [_command(command) for _ in range(args.repeat)], files)
    startup = [_command([sys.executable, "-m", "fastapi_lint", "--version"]) for _ in range(args.repeat)]
    print(f"{'start-up alone (--version)':<34} best {min(startup) * 1000:8.1f} ms")
    bare = [_command([sys.executable, "-c", "pass"]) for _ in range(args.repeat)]
    print(f"{'bare interpreter':<34} best {min(bare) * 1000:8.1f} ms")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
