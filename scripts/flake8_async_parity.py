"""Score fastapi-lint's blocking-call rules on flake8-async's own test files.

    python scripts/flake8_async_parity.py PATH [--json] [--select CODES] [--all-variants]

PATH is a copy of flake8-async's source you already have (an extracted sdist, a clone), or
its `tests/eval_files` directory; the script downloads nothing and copies nothing into this
repository. It reads `tests/eval_files/async2*.py` (the blocking-call rules ASYNC200-251),
runs fastapi-lint on each file with `--async-scope all`, selecting FPI10x and FPI11x (the
blocking-call catalogue and its chains), and prints, per ASYNC code and overall, how many of
the lines flake8-async's suite expects a diagnostic on fastapi-lint reports, then the misses
and the lines fastapi-lint reports that the suite does not expect.

How the expectations are read, as flake8-async's harness (`tests/test_flake8_async.py`,
`_parse_eval_file`) reads them:

- a trailing comment `# ASYNC221: 4, 'os.system', "trio"` (or `# error: ...`, which means
  the code the file is named after) on a line that is not itself a comment is one expected
  diagnostic; a line may carry several (`# ASYNC251: 4, ... # ASYNC251: 28, ...`). A suffix
  (`ASYNC230_asyncio`) is the same code with an asyncio-worded message.
- `*_asyncio.py` files repeat their trio sibling with asyncio messages (the harness runs the
  trio file for trio and anyio, the `_asyncio` one for asyncio): they are skipped when the
  sibling is there, unless `--all-variants`, so that each case counts once.
- ASYNC200 is flake8-async's configurable rule: `# ARG --async200-blocking-calls=bar -> BAR,
  *.postwild -> ...` makes calls *named* `bar`, `prewild.anything` or `a.b.c` blocking,
  whatever they are (the file never imports or defines most of them). fastapi-lint's
  counterpart, FPI104's `extra-blocking-calls`, takes qualified names of imported functions.
  The file scores a pattern syntax, not the catalogue, so it is reported apart and left out
  of the total (`--all-variants` does not change that; it is printed as "not scored").

The files use names they never import: `subprocess.run()` and `os.system()` in
async22x.py, `httpx.Client()` and `Optional[...]` in async212.py, `P_WAIT` bare. flake8-async
matches names as written, so its files need no imports; fastapi-lint resolves names through
imports, so the script appends the imports each file assumes at its end (`import os`,
`from os import P_WAIT`, ...), which keeps the line numbers (function bodies see module
names bound anywhere in the module). Only free names are given an import, and only from
`ASSUMED_IMPORTS`; a name the file binds itself is left alone. Bare `system()` and
`request()` calls are negative cases of the suite and get no import.

Matching is by line: a line with N expected diagnostics is found N times when fastapi-lint
reports at least N distinct columns there (any FPI1xx code; the codes do not map one to one).
Exit status: 0, or 2 when the path holds no eval files or fastapi-lint failed.
"""

from __future__ import annotations

import argparse
import ast
import json
import re
import subprocess
import sys
import tempfile
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent

# flake8-async's own pattern (`_parse_eval_file`): text between `error:`/`ASYNCxxx:` and the
# end of the line or the next comment.
_MARKER = re.compile(r"(error|ASYNC...)(_.*?)?:([^#]*)(?=#|$)")
_NOT_SCORED = {"ASYNC200": "configurable rule: names from the file's `# ARG` patterns, not a catalogue"}

# Free name -> the import a file using it assumes.
ASSUMED_IMPORTS: dict[str, str] = {
    **{module: f"import {module}" for module in (
        "os", "io", "subprocess", "time", "trio", "anyio", "asyncio", "requests", "httpx",
        "httpx2", "urllib3", "pathlib", "socket", "typing",
    )},
    "urllib": "import urllib.request",
    "request": "from urllib import request",  # used as `request.urlopen()`
    "urlopen": "from urllib.request import urlopen",
    "P_WAIT": "from os import P_WAIT",
    "P_NOWAIT": "from os import P_NOWAIT",
    "Optional": "from typing import Optional",
    "TextIOWrapper": "from io import TextIOWrapper",
}
# Names that stay free: the suite uses them as calls flake8-async must NOT report.
_NEGATIVE_BARE_CALLS = frozenset({"system", "request"})


@dataclass
class Expected:
    file: str
    line: int
    code: str
    text: str


@dataclass
class FileScore:
    name: str
    expected: list[Expected] = field(default_factory=list)
    found_lines: dict[int, int] = field(default_factory=dict)  # line -> distinct columns reported
    extra: list[tuple[int, str, str]] = field(default_factory=list)  # (line, code, message)
    appended_imports: list[str] = field(default_factory=list)


def parse_expected(name: str, content: str) -> list[Expected]:
    """The diagnostics flake8-async's harness expects in one eval file."""
    file_code = name.split("_", 1)[0].upper()
    expected: list[Expected] = []
    for lineno, raw in enumerate(content.split("\n"), start=1):
        line = raw.replace("\\n", "\n").strip()
        if not line or line[0] == "#" or "#" not in line:
            continue
        for code, _alt, _args in _MARKER.findall(line):
            expected.append(Expected(name, lineno, file_code if code == "error" else code, raw.strip()))
    return expected


def eval_files(path: Path, all_variants: bool = False) -> list[Path]:
    """`async2*.py` under `path` (a flake8-async checkout or its eval_files directory)."""
    for candidate in (path / "tests" / "eval_files", path):
        files = sorted(candidate.glob("async2*.py"))
        if files:
            break
    else:
        return []
    names = {f.stem for f in files}
    if all_variants:
        return files
    return [f for f in files if not (f.stem.endswith("_asyncio") and f.stem.removesuffix("_asyncio") in names)]


def _bound_names(tree: ast.AST) -> set[str]:
    bound: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Name) and isinstance(node.ctx, (ast.Store, ast.Del)):
            bound.add(node.id)
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            bound.add(node.name)
        elif isinstance(node, ast.arg):
            bound.add(node.arg)
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            for alias in node.names:
                bound.add((alias.asname or alias.name).split(".")[0])
        elif isinstance(node, ast.ExceptHandler) and node.name:
            bound.add(node.name)
    return bound


def assumed_imports(content: str) -> list[str]:
    """The imports a file relies on without writing them (see the module docstring)."""
    tree = ast.parse(content)
    bound = _bound_names(tree)
    needed: dict[str, str] = {}
    for node in ast.walk(tree):
        if not isinstance(node, ast.Name) or not isinstance(node.ctx, ast.Load) or node.id in bound:
            continue
        statement = ASSUMED_IMPORTS.get(node.id)
        if statement is not None:
            needed.setdefault(node.id, statement)
    # A bare negative call (`request()`) only gets an import when the file also uses the
    # name as a module (`request.urlopen()`): then the suite itself assumes the import.
    for name in _NEGATIVE_BARE_CALLS & needed.keys():
        used_as_module = any(
            isinstance(n, ast.Attribute) and isinstance(n.value, ast.Name) and n.value.id == name
            for n in ast.walk(tree)
        )
        if not used_as_module:
            del needed[name]
    return sorted(set(needed.values()))


def run_fastapi_lint(directory: Path, select: str) -> list[dict]:
    command = [
        sys.executable, "-m", "fastapi_lint", "check", "--isolated", "--no-cache", "--no-project",
        "--async-scope", "all", "--select", select, "--output-format", "json", "--exit-zero", ".",
    ]
    env_path = str(REPO)
    result = subprocess.run(
        command, cwd=directory, capture_output=True, text=True,
        env={**_environ(), "PYTHONPATH": env_path},
    )
    if result.returncode != 0:
        raise RuntimeError(f"fastapi-lint exited {result.returncode}: {result.stderr.strip()[-2000:]}")
    return json.loads(result.stdout or "[]")


def _environ() -> dict[str, str]:
    import os

    return dict(os.environ)


def score(files: list[Path], select: str) -> list[FileScore]:
    scores: list[FileScore] = []
    with tempfile.TemporaryDirectory(prefix="f8a-parity-") as tmp:
        work = Path(tmp)
        for source in files:
            content = source.read_text(encoding="utf-8")
            file_score = FileScore(source.name, parse_expected(source.stem, content))
            file_score.appended_imports = assumed_imports(content)
            suffix = "\n".join(["", "", "# assumed by the eval file", *file_score.appended_imports, ""])
            (work / source.name).write_text(content.rstrip("\n") + "\n" + suffix, encoding="utf-8")
            scores.append(file_score)
        diagnostics = run_fastapi_lint(work, select)
    by_file: dict[str, dict[int, set[int]]] = defaultdict(lambda: defaultdict(set))
    messages: dict[str, list[tuple[int, str, str]]] = defaultdict(list)
    for diagnostic in diagnostics:
        name = Path(diagnostic["filename"]).name
        line = diagnostic["location"]["row"]
        by_file[name][line].add(diagnostic["location"]["column"])
        messages[name].append((line, diagnostic["code"], diagnostic["message"]))
    for file_score in scores:
        columns = by_file.get(file_score.name, {})
        file_score.found_lines = {line: len(cols) for line, cols in columns.items()}
        expected_lines = {e.line for e in file_score.expected}
        file_score.extra = sorted(m for m in messages.get(file_score.name, []) if m[0] not in expected_lines)
    return scores


def tally(scores: list[FileScore]) -> tuple[Counter, Counter, list[Expected]]:
    """(expected per code, found per code, misses), over the scored codes."""
    expected: Counter = Counter()
    found: Counter = Counter()
    misses: list[Expected] = []
    for file_score in scores:
        by_line: dict[int, list[Expected]] = defaultdict(list)
        for item in file_score.expected:
            by_line[item.line].append(item)
        for line, items in sorted(by_line.items()):
            reported = file_score.found_lines.get(line, 0)
            for index, item in enumerate(items):
                expected[item.code] += 1
                if index < reported:
                    found[item.code] += 1
                else:
                    misses.append(item)
    return expected, found, misses


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("path", type=Path, help="a copy of flake8-async's source (or its tests/eval_files)")
    parser.add_argument("--select", default="FPI10,FPI11", help="fastapi-lint codes (default: FPI10,FPI11)")
    parser.add_argument("--all-variants", action="store_true", help="also score the *_asyncio.py twins")
    parser.add_argument("--json", action="store_true", help="print the scores as JSON")
    args = parser.parse_args(argv)

    files = eval_files(args.path, args.all_variants)
    if not files:
        print(f"no tests/eval_files/async2*.py under {args.path}", file=sys.stderr)
        return 2
    try:
        scores = score(files, args.select)
    except RuntimeError as error:
        print(error, file=sys.stderr)
        return 2
    scored = [s for s in scores]
    expected, found, misses = tally(scored)
    not_scored = {code: expected.pop(code) for code in list(expected) if code in _NOT_SCORED}
    not_scored_found = {code: found.pop(code, 0) for code in not_scored}
    misses = [m for m in misses if m.code not in _NOT_SCORED]
    total_expected, total_found = sum(expected.values()), sum(found.values())
    extra = [(s.name, *e) for s in scores for e in s.extra]

    if args.json:
        print(json.dumps({
            "files": [s.name for s in scores],
            "per_code": {code: {"found": found[code], "expected": expected[code]} for code in sorted(expected)},
            "found": total_found,
            "expected": total_expected,
            "not_scored": {
                code: {"found": not_scored_found[code], "expected": n, "why": _NOT_SCORED[code]}
                for code, n in not_scored.items()
            },
            "misses": [{"file": m.file, "line": m.line, "code": m.code, "text": m.text} for m in misses],
            "unexpected": [{"file": f, "line": ln, "code": c, "message": msg} for f, ln, c, msg in extra],
            "assumed_imports": {s.name: s.appended_imports for s in scores if s.appended_imports},
        }, indent=2))
        return 0

    print(f"flake8-async eval files: {len(scores)} ({', '.join(s.name for s in scores)})")
    print(f"fastapi-lint --select {args.select} --async-scope all\n")
    print(f"{'code':<10} {'found':>5} / expected")
    for code in sorted(expected):
        print(f"{code:<10} {found[code]:>5} / {expected[code]}")
    print(f"{'overall':<10} {total_found:>5} / {total_expected}")
    for code, n in not_scored.items():
        print(f"not scored: {code} {not_scored_found[code]} / {n} ({_NOT_SCORED[code]})")
    print(f"\nmisses ({len(misses)}):")
    for m in misses:
        print(f"  {m.file}:{m.line} {m.code}: {m.text}")
    print(f"\nreported on lines the suite expects nothing on ({len(extra)}):")
    for name, line, code, message in extra:
        print(f"  {name}:{line} {code} {message}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
