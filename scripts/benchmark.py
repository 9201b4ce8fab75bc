"""Measure fastapi-lint against the parse floor on a tree, as issue 8 states its goals.

    python scripts/benchmark.py TREE [--runs N] [--one-file PATH (relative to TREE)] [--skip-flake8]

Every measure is a fresh process (start-up included, as a user, pre-commit or CI pays it),
timed by wall clock, and the median of N runs (default 3) is printed. The runs are
interleaved (one of each measure, then the next round), so that load from other processes
on the machine falls on every measure alike: the ratios within one run are what count, not
the seconds, which depend on what else the cores were doing.

- floor: one process reads and `ast.parse`s every file fastapi-lint would check;
- cold: whole-project analysis with no cache (the cache directory removed first), which
  fills the cache (summaries, and each file's results with the facts they depend on);
- cold, --no-cache: the same without reading or writing any cache;
- --no-project: each file on its own, no cache;
- warm: the same command again, nothing changed (the cache from the previous run);
- one file: one file of the project named on the command line, warm (what pre-commit
  does; `--one-file`, default: the first file that imports fastapi);
- one file edited, warm: a comment appended to that file, then the whole tree (the file
  and the files whose findings used its summary are checked again);
- flake8 --select E9 with the plugin, and without: the same flake8 in the same
  interpreter with fastapi-lint's entry point left out of the plugins it finds (flake8
  has no switch to turn an installed plugin off, and runs every plugin whatever
  `--select` says; the plugin does nothing when flake8's selection has no FPI code);
- flake8 --select E9,FPI with the plugin, cold (the cache directory removed first) and
  warm (again, nothing changed): what the plugin costs when it reports, against the same
  `--select E9` without it;
- peak memory: the largest resident set of the cold run (`getrusage` of the child);
- cache load: reading the summary and results caches in this process (their sizes too).
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from fastapi_lint.config import SettingsResolver  # noqa: E402
from fastapi_lint.discovery import find_python_files  # noqa: E402
from fastapi_lint.project.cache import CACHE_DIRECTORY  # noqa: E402

PYTHON = sys.executable
LINT = [PYTHON, "-m", "fastapi_lint", "--exit-zero", "--silent"]

FLOOR = """
import ast, sys, warnings
warnings.simplefilter("ignore")
for name in open(sys.argv[1], encoding="utf-8").read().splitlines():
    with open(name, "rb") as handle:
        data = handle.read()
    try:
        ast.parse(data, filename=name)
    except (SyntaxError, ValueError):
        pass
"""

# flake8 exactly as installed, minus the fastapi-lint plugin.
FLAKE8_WITHOUT = """
import sys
from flake8.plugins import finder
found = finder.find_plugins
finder.find_plugins = lambda *a, **k: [p for p in found(*a, **k) if p.package != "fastapi-lint"]
from flake8.main.cli import main
sys.exit(main())
"""

# Runs a command and prints its wall time and peak resident set (kB) on the last line.
TIMED = """
import resource, subprocess, sys, time
start = time.perf_counter()
subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
elapsed = time.perf_counter() - start
print(elapsed, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
"""


def timed(argv: list[str], env: dict[str, str] | None = None) -> tuple[float, int]:
    """(seconds, peak kB) of one run of `argv` in a fresh process."""
    out = subprocess.run([PYTHON, "-c", TIMED, *argv], capture_output=True, text=True, check=True, env=env)
    seconds, kilobytes = out.stdout.split()
    return float(seconds), int(kilobytes)


def cache_load_seconds(tree: Path) -> tuple[float, float, int, int]:
    """(seconds to load the summary cache, the results cache, their sizes in bytes)."""
    from fastapi_lint.project.cache import SummaryCache
    from fastapi_lint.project.results import ResultCache

    start = time.perf_counter()
    summaries = SummaryCache(tree).load()
    middle = time.perf_counter()
    results = ResultCache(tree).load()
    end = time.perf_counter()
    sizes = [path.stat().st_size if path.exists() else 0 for path in (summaries.path, results.path)]
    return middle - start, end - middle, sizes[0], sizes[1]


def first_fastapi_file(files: list[Path]) -> Path:
    for path in files:
        try:
            if b"fastapi" in path.read_bytes():
                return path
        except OSError:
            continue
    return files[0]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("tree", help="the project to measure (its cache directory is removed and rewritten)")
    parser.add_argument("--runs", type=int, default=3, help="runs of each measure; medians are printed")
    parser.add_argument("--one-file", help="the file of the one-file run (default: the first importing fastapi)")
    parser.add_argument("--skip-flake8", action="store_true")
    args = parser.parse_args()

    tree = Path(args.tree).resolve()
    files = find_python_files([str(tree)], SettingsResolver().for_path).files
    if not files:
        print(f"no Python files under {tree}")
        return 1
    lines = sum(path.read_bytes().count(b"\n") for path in files)
    one = (tree / args.one_file).resolve() if args.one_file else first_fastapi_file(files)  # relative to TREE
    with tempfile.NamedTemporaryFile("w", suffix=".txt", delete=False) as listing:
        listing.write("\n".join(str(p) for p in files))
    cache = tree / CACHE_DIRECTORY
    # fastapi-lint runs with its bytecode cached, as an installed package does (a machine set
    # up with PYTHONDONTWRITEBYTECODE would otherwise compile ~90 modules in every run).
    env = {key: value for key, value in os.environ.items() if key != "PYTHONDONTWRITEBYTECODE"}
    print(f"{tree}: {len(files)} files, {lines} lines; median of {args.runs} runs; {os.cpu_count()} CPUs "
          f"(shared: compare the ratios, not the seconds); one file: {one.relative_to(tree)}")

    times: dict[str, list[float]] = {}
    peak: list[int] = []
    load_times: list[tuple[float, float, int, int]] = []

    def measure(label: str, argv: list[str]) -> None:
        seconds, kilobytes = timed(argv, env)
        times.setdefault(label, []).append(seconds)
        if label == "cold":
            peak.append(kilobytes)
        print(f"  round {len(times[label])}: {label:<24} {seconds:8.2f} s {kilobytes / 1024:6.0f} MB",
              file=sys.stderr, flush=True)

    for _ in range(args.runs):
        measure("floor", [PYTHON, "-c", FLOOR, listing.name])
        shutil.rmtree(cache, ignore_errors=True)
        measure("cold", [*LINT, str(tree)])
        measure("warm", [*LINT, str(tree)])
        measure("one file, warm", [*LINT, str(one)])
        original = one.read_bytes()
        try:
            one.write_bytes(original + b"\n# edited by scripts/benchmark.py\n")
            measure("one file edited, warm", [*LINT, str(tree)])
        finally:
            one.write_bytes(original)
        load_times.append(cache_load_seconds(tree))
        measure("cold, --no-cache", [*LINT, "--no-cache", str(tree)])
        shutil.rmtree(cache, ignore_errors=True)
        measure("--no-project", [*LINT, "--no-project", "--no-cache", str(tree)])
        if not args.skip_flake8:
            measure("flake8 E9 with plugin", [PYTHON, "-m", "flake8", "--select", "E9", "--exit-zero", str(tree)])
            measure("flake8 E9 without", [PYTHON, "-c", FLAKE8_WITHOUT, "--select", "E9", "--exit-zero", str(tree)])
            shutil.rmtree(cache, ignore_errors=True)
            reporting = [PYTHON, "-m", "flake8", "--select", "E9,FPI", "--exit-zero", str(tree)]
            measure("flake8 E9,FPI cold", reporting)
            measure("flake8 E9,FPI warm", reporting)
    os.unlink(listing.name)
    shutil.rmtree(cache, ignore_errors=True)

    median = {label: statistics.median(values) for label, values in times.items()}
    floor, cold = median["floor"], median["cold"]
    for label, value in median.items():
        print(f"{label:<24} {value:8.2f} s   {value / floor:6.2f}x floor   {value / cold:6.3f}x cold")
    print()
    print(f"cold / floor             {cold / floor:6.2f}   (goal <= 2.0)")
    print(f"--no-project / floor     {median['--no-project'] / floor:6.2f}   (goal <= 1.3)")
    print(f"warm / cold              {median['warm'] / cold:6.2f}   (goal <= 0.10)")
    print(f"one file, warm           {median['one file, warm']:6.2f} s (goal <= 0.15 s)")
    if not args.skip_flake8:
        overhead = median["flake8 E9 with plugin"] / median["flake8 E9 without"] - 1
        print(f"flake8 plugin overhead   {overhead * 100:+6.0f}%  (goal <= +25%)")
        for state in ("cold", "warm"):
            overhead = median[f"flake8 E9,FPI {state}"] / median["flake8 E9 without"] - 1
            print(f"flake8 E9,FPI, {state}     {overhead * 100:+6.0f}%  (over flake8 --select E9 without the plugin)")
    print(f"peak memory (cold)       {statistics.median(peak) / 1024:6.0f} MB (goal < 300 MB)")
    summaries, results, summaries_size, results_size = (statistics.median(v) for v in zip(*load_times))
    print(f"cache load, summaries    {summaries:6.3f} s ({summaries_size / 1e6:.1f} MB)")
    print(f"cache load, results      {results:6.3f} s ({results_size / 1e6:.1f} MB)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
