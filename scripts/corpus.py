"""Run fastapi-lint over checkouts of real projects and summarise what it reports.

    python scripts/corpus.py REPO [REPO ...] [OPTIONS] [-- EXTRA FASTAPI-LINT ARGS]
    python scripts/corpus.py REPO [REPO ...] --sample N [--seed S] [--csv] > sheet.tsv
    python scripts/corpus.py --judged sheet.tsv
    python scripts/corpus.py --recall known.tsv REPO [REPO ...] | --findings report.json

The harness downloads nothing: each REPO is a directory you already have (a git clone, an
extracted sdist), and its name in the report is the directory's basename. For every
repository it runs `python -m fastapi_lint --output-format json .` in a subprocess, inside
the repository, with this interpreter and this checkout's `fastapi_lint` first on the path,
and times it. Then it prints:

1. the findings per rule, over all repositories;
2. a table of the findings per repository and per rule, with the files that could not be
   analysed (syntax errors and the like), the exit status and the seconds each run took;
3. the most repeated call chains: FPI110 and FPI120 messages name the chain that blocks
   (`... it calls `helper -> time.sleep`` / `... never awaits but calls `helper() ->
   time.sleep()``); findings are grouped by that chain (hops without their `()`, so both
   rules' chains compare) and the top N are shown with their count, rules and one example
   location. One pattern that the linter gets wrong often shows up here first;
4. the most repeated messages of the other rules, with the per-location parts normalised
   (`async def NAME`, routes, bare names, line numbers, the trailing `(in ...)` context);

and the wall time. Paths are relative to each repository. A repository whose run fails
(exit status 2, a crash, a timeout, output that is not JSON) is reported and skipped; when a
run exits 2 but still printed its JSON (fastapi-lint crashed on some files and checked the
others), its findings are kept and the repository is marked `partial`. The exit status is 1
when some repository failed or was partial, else 0.

Judging precision by hand:

    python scripts/corpus.py REPO ... --sample 60 --seed 1 > sheet.tsv

prints a judging sheet instead of the report: a stratified random sample of the findings,
as TSV (`--csv` for CSV) with the columns `repo, file, line, code, message, verdict, why`,
the last two empty. Strata are (rule, repository) pairs; the sample takes one finding from
each stratum in turn (strata visited in a seeded random order, findings drawn at random
within each), so rare rules and small repositories get judged too, and the same seed over
the same findings gives the same sheet. Fill in `verdict` with `true` (a real problem) or
`false` (a false positive), and `why` with a note, in a spreadsheet or an editor; then

    python scripts/corpus.py --judged sheet.tsv

prints, per rule, the true and false counts, the precision true / (true + false) with a 95%
Wilson interval, and how many rows have no verdict yet (those are ignored). The delimiter
is taken from the extension (`.csv` or `.tsv`), else guessed from the header line.

Measuring recall on known problems (found by reading the code, not from fastapi-lint):

    python scripts/corpus.py --recall known.tsv REPO ... [--jobs 1]
    python scripts/corpus.py REPO ... --json > report.json
    python scripts/corpus.py --recall known.tsv --findings report.json

The sheet has the columns `repo, file, line, expected` (codes separated by `|`) and
optionally `kind, why, end` (`end`: `file:line|...`, the blocking calls a via-helper chain can
end at). fastapi-lint runs on the given repositories that the sheet names (or a `--json`
report's findings are reused), and each problem is found when a finding of an expected code
is at its file and line, or, for FPI110, when a FPI110 finding is at one of its `end` calls
(a root cause reached from several async calls is reported once, there) or names its file and
line as the first caller. It prints the recall found / known per kind, per expected code(s),
per repository and in total, with 95% Wilson intervals, and every miss.

Options passed through to fastapi-lint: `--select`, `--extend-select`, `--ignore`,
`--async-scope`, `--exclude`, `--extend-exclude`, `--no-project`, `--isolated`, `--config`,
`--jobs`; anything after `--` is passed as is. fastapi-lint runs with `--no-cache` (so that
no `.fastapi_lint_cache/` is written into the checkouts and every run is a cold one, with a
linter that may have changed since the last) unless `--cache` is given. Note that a
repository's own fastapi-lint configuration, if it has one, applies unless `--isolated`.
`--top N` sets how many chains and messages to show (default 10), `--json` prints the
report (or the sample rows, or the precision table) as JSON instead, `--timeout` limits
each run (seconds, default 1800).

Getting real code, without cloning: a package's sdist holds its source.

    mkdir -p /tmp/corpus && cd /tmp/corpus
    pip download --no-deps --no-binary :all: fastapi==0.115.0 lnbits fief-server
    for f in *.tar.gz; do tar xzf "$f"; done
    python /path/to/fastapi-lint/scripts/corpus.py /tmp/corpus/*/ --top 20

(`.zip` sdists: `python -m zipfile -e FILE .`.) Keep that code outside this repository and
never commit it, nor any excerpt of it: it is other people's code under their licences. A
filled-in sheet quotes only fastapi-lint's messages and paths; keep it out of the repository
too unless its findings are about code you may publish.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import math
import os
import random
import re
import subprocess
import sys
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent  # this checkout: its `fastapi_lint` is the one run

SHEET_COLUMNS = ("repo", "file", "line", "code", "message", "verdict", "why")
CHAIN_CODES = ("FPI110", "FPI120")

# Options that go to fastapi-lint unchanged: (flag, takes a value).
PASSTHROUGH = (
    ("--select", True),
    ("--extend-select", True),
    ("--ignore", True),
    ("--async-scope", True),
    ("--exclude", True),
    ("--extend-exclude", True),
    ("--config", True),
    ("--jobs", True),
    ("--no-project", False),
    ("--isolated", False),
)


# --- running fastapi-lint -------------------------------------------------------------------


@dataclass
class Finding:
    repo: str
    file: str  # relative to the repository
    line: int
    column: int
    code: str | None  # None: not a rule (a file that could not be parsed or analysed)
    message: str

    @property
    def where(self) -> str:
        return f"{self.repo}/{self.file}:{self.line}"


@dataclass
class RepoRun:
    name: str
    path: str
    seconds: float = 0.0
    returncode: int | None = None
    status: str = "ok"  # ok | partial (exit 2, JSON printed) | failed
    error: str = ""  # why it failed, or what fastapi-lint said on stderr
    findings: list[Finding] = field(default_factory=list)

    @property
    def diagnostics(self) -> list[Finding]:
        return [f for f in self.findings if f.code]

    @property
    def unparsed(self) -> list[Finding]:
        return [f for f in self.findings if not f.code]


def _tail(text: str, lines: int = 3) -> str:
    kept = [line for line in text.strip().splitlines() if line.strip()]
    return " | ".join(kept[-lines:])


def run_repo(name: str, path: str, lint_args: list[str], timeout: float) -> RepoRun:
    """Run fastapi-lint (JSON output) inside one repository and read its findings."""
    run = RepoRun(name, path)
    if not os.path.isdir(path):
        run.status, run.error = "failed", "not a directory"
        return run
    base = os.path.realpath(path)
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    # `-m` puts the current directory (the repository) first on sys.path, where a top-level
    # `ast.py` or `json.py` of the project would shadow the standard library; Python 3.11+
    # leaves it out with PYTHONSAFEPATH (3.10 ignores it).
    env["PYTHONSAFEPATH"] = "1"
    argv = [sys.executable, "-m", "fastapi_lint", "--output-format", "json", *lint_args, "."]
    started = time.perf_counter()
    try:
        result = subprocess.run(argv, cwd=base, env=env, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        run.seconds = time.perf_counter() - started
        run.status, run.error = "failed", f"timed out after {timeout:g} s"
        return run
    run.seconds = time.perf_counter() - started
    run.returncode = result.returncode
    try:
        objects = json.loads(result.stdout)
        if not isinstance(objects, list):
            raise ValueError("not a list")
    except ValueError:
        objects = None
    if result.returncode not in (0, 1) or objects is None:
        # Exit 2 with JSON on stdout: crashed on some files, checked the others.
        run.status = "partial" if objects is not None and result.returncode == 2 else "failed"
        run.error = f"exit {result.returncode}: " + (_tail(result.stderr) or _tail(result.stdout) or "no output")
    elif result.stderr.strip():
        run.error = _tail(result.stderr)
    for obj in objects or []:
        filename = os.path.realpath(obj.get("filename") or "")
        relative = os.path.relpath(filename, base) if filename.startswith(base + os.sep) else filename
        location = obj.get("location") or {}
        run.findings.append(Finding(
            repo=name,
            file=relative.replace(os.sep, "/"),
            line=int(location.get("row") or 0),
            column=int(location.get("column") or 0),
            code=obj.get("code"),
            message=str(obj.get("message") or ""),
        ))
    run.findings.sort(key=lambda f: (f.file, f.line, f.column, f.code or "", f.message))
    return run


def repo_names(paths: list[str]) -> list[str]:
    """Each directory's basename; a repeated one gets `-2`, `-3`, ..."""
    names, seen = [], Counter()
    for path in paths:
        base = os.path.basename(os.path.normpath(os.path.abspath(path))) or path
        seen[base] += 1
        names.append(base if seen[base] == 1 else f"{base}-{seen[base]}")
    return names


# --- grouping messages ----------------------------------------------------------------------

# FPI110: "... it calls `a -> b -> time.sleep`; ..."; FPI120: "... never awaits but calls `a() -> b()`, ..."
CALLS_CHAIN = re.compile(r"\bcalls `([^`]+)`")
TRAILING_CONTEXT = re.compile(r"\s*\((?:in|reached from) .*\)\s*$")
BACKTICKED = re.compile(r"`([^`]*)`")
ROUTE = re.compile(r"^[A-Z]+(?:,[A-Z]+)* /")
BARE_NAME = re.compile(r"^\w+$")
LOCATION = re.compile(r"\((?:line \d+|[\w./-]+:\d+)\)")


def chain_of(message: str) -> str | None:
    """The call chain a message names (`helper -> time.sleep`), hops without `()`, or None."""
    match = CALLS_CHAIN.search(message)
    if not match:
        return None
    hops = [hop.strip() for hop in match.group(1).split(" -> ")]
    return " -> ".join(hop[:-2] if hop.endswith("()") else hop for hop in hops)


def _normalise_span(match: re.Match) -> str:
    text = match.group(1)
    if text.startswith("async def "):
        return "`async def …`"
    if ROUTE.match(text):
        return "`ROUTE`"
    if BARE_NAME.match(text):
        return "`…`"
    return "`" + re.sub(r"\bline \d+", "line N", text) + "`"


def normalised_message(message: str) -> str:
    """The message with what changes from one location to the next replaced: the trailing
    `(in GET /x)` / `(reached from ...)`, `async def NAME`, routes, bare names and line
    numbers. Calls (`open()`, `create_user()`) and dotted names stay: they say which pattern."""
    text = TRAILING_CONTEXT.sub("", message)
    text = BACKTICKED.sub(_normalise_span, text)
    return LOCATION.sub("(line N)", text)


def group_key(finding: Finding) -> tuple[str, str]:
    """("chain", chain) for the findings that name a chain, else ("message", CODE normalised)."""
    chain = chain_of(finding.message) if finding.code in CHAIN_CODES else None
    if chain is not None:
        return "chain", chain
    return "message", f"{finding.code} {normalised_message(finding.message)}"


def top_groups(findings: list[Finding], kind: str, top: int) -> list[dict]:
    groups: dict[str, list[Finding]] = defaultdict(list)
    for finding in findings:
        group_kind, key = group_key(finding)
        if group_kind == kind:
            groups[key].append(finding)
    ranked = sorted(groups.items(), key=lambda item: (-len(item[1]), item[0]))[:top]
    return [
        {
            "key": key,
            "count": len(members),
            "codes": dict(sorted(Counter(f.code for f in members).items())),
            "repos": len({f.repo for f in members}),
            "example": members[0].where,
        }
        for key, members in ranked
    ]


# --- the report -----------------------------------------------------------------------------


def table(header: list[str], rows: list[list], right: set[int] = frozenset()) -> str:
    cells = [header] + [[str(cell) for cell in row] for row in rows]
    widths = [max(len(row[i]) for row in cells) for i in range(len(header))]
    lines = []
    for row in cells:
        parts = [cell.rjust(w) if i in right else cell.ljust(w) for i, (cell, w) in enumerate(zip(row, widths))]
        lines.append("  " + "  ".join(parts).rstrip())
    return "\n".join(lines) + "\n"


def build_report(runs: list[RepoRun], top: int, wall: float) -> dict:
    findings = [f for run in runs for f in run.diagnostics]
    by_rule = Counter(f.code for f in findings)
    repos_by_rule = defaultdict(set)
    for f in findings:
        repos_by_rule[f.code].add(f.repo)
    return {
        "wall_seconds": round(wall, 3),
        "total": len(findings),
        "by_rule": {code: {"count": by_rule[code], "repos": len(repos_by_rule[code])} for code in sorted(by_rule)},
        "repos": [
            {
                "name": run.name,
                "path": run.path,
                "status": run.status,
                "returncode": run.returncode,
                "seconds": round(run.seconds, 3),
                "total": len(run.diagnostics),
                "unparsed": len(run.unparsed),
                "unparsed_files": [{"where": f.where, "message": f.message} for f in run.unparsed],
                "by_rule": dict(sorted(Counter(f.code for f in run.diagnostics).items())),
                "error": run.error,
            }
            for run in runs
        ],
        "chains": top_groups(findings, "chain", top),
        "messages": top_groups(findings, "message", top),
        # Every finding, so that `--recall ... --findings REPORT.json` can reuse the run.
        "findings": [{"repo": f.repo, "file": f.file, "line": f.line, "column": f.column, "code": f.code,
                      "message": f.message} for f in findings],
    }


def format_codes(codes: dict[str, int]) -> str:
    return ", ".join(f"{code}×{count}" for code, count in codes.items())


def format_report(report: dict, top: int) -> str:
    out = []
    repos = report["repos"]
    failed = [r for r in repos if r["status"] != "ok"]
    out.append(f"fastapi-lint over {len(repos)} repositor{'y' if len(repos) == 1 else 'ies'}: "
               f"{report['total']} findings, {len(failed)} failed or partial, "
               f"wall time {report['wall_seconds']:.1f} s\n")

    out.append("\nPer rule\n")
    rule_rows = [[code, row["count"], row["repos"]] for code, row in report["by_rule"].items()]
    rule_rows.sort(key=lambda row: (-row[1], row[0]))
    out.append(table(["rule", "findings", "repos"], rule_rows + [["total", report["total"], ""]], {1, 2}))

    out.append("\nPer repository\n")
    codes = list(report["by_rule"])
    header = ["repository", *codes, "total", "unparsed", "status", "seconds"]
    rows = [
        [r["name"], *[r["by_rule"].get(code, "") or "." for code in codes], r["total"], r["unparsed"] or ".",
         r["status"],
         f"{r['seconds']:.2f}"]
        for r in repos
    ]
    totals = ["total", *[report["by_rule"][code]["count"] for code in codes], report["total"],
              sum(r["unparsed"] for r in repos), "", f"{sum(r['seconds'] for r in repos):.2f}"]
    numeric = set(range(1, len(codes) + 3)) | {len(header) - 1}
    out.append(table(header, rows + [totals], numeric))
    unparsed = [u for r in repos for u in r["unparsed_files"]]
    if unparsed:
        out.append(f"\nFiles not analysed ({len(unparsed)})\n")
        for u in unparsed[:top]:
            out.append(f"  {u['where']}: {u['message']}\n")
        if len(unparsed) > top:
            out.append(f"  ... and {len(unparsed) - top} more (--json lists them all)\n")
    notes = [r for r in repos if r["error"]]
    if notes:
        out.append("\nFailures and messages on stderr\n")
        for r in notes:
            out.append(f"  {r['name']} ({r['status']}): {r['error']}\n")

    for kind, title in (("chains", f"Most repeated chains ({', '.join(CHAIN_CODES)}), top {top}"),
                        ("messages", f"Most repeated messages of the other rules (normalised), top {top}")):
        out.append(f"\n{title}\n")
        if not report[kind]:
            out.append("  (none)\n")
        width = max((len(str(g["count"])) for g in report[kind]), default=1)
        for group in report[kind]:
            repos_note = f", {group['repos']} repos" if group["repos"] > 1 else ""
            out.append(f"  {group['count']:>{width}}  {group['key']}\n")
            out.append(f"  {'':>{width}}  ({format_codes(group['codes'])}{repos_note}; e.g. {group['example']})\n")
    return "".join(out)


# --- judging sheets -------------------------------------------------------------------------


def stratified_sample(findings: list[Finding], size: int, seed: int) -> list[Finding]:
    """Up to `size` findings, one per (rule, repository) stratum in turn, strata in a seeded
    random order, findings drawn at random within each."""
    rng = random.Random(seed)
    strata: dict[tuple[str, str], list[Finding]] = defaultdict(list)
    for finding in sorted(findings, key=lambda f: (f.code, f.repo, f.file, f.line, f.column, f.message)):
        strata[(finding.code, finding.repo)].append(finding)
    order = sorted(strata)
    rng.shuffle(order)
    for key in order:
        rng.shuffle(strata[key])
    picked: list[Finding] = []
    while len(picked) < size and any(strata[key] for key in order):
        for key in order:
            if strata[key] and len(picked) < size:
                picked.append(strata[key].pop())
    picked.sort(key=lambda f: (f.code, f.repo, f.file, f.line, f.column))
    return picked


def sheet_rows(findings: list[Finding]) -> list[dict]:
    return [
        {"repo": f.repo, "file": f.file, "line": f.line, "code": f.code, "message": f.message, "verdict": "", "why": ""}
        for f in findings
    ]


def write_sheet(rows: list[dict], delimiter: str, stream) -> None:
    writer = csv.DictWriter(stream, fieldnames=SHEET_COLUMNS, delimiter=delimiter, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)


def read_sheet(path: str, required: tuple[str, ...] = ("code", "verdict")) -> list[dict]:
    with open(path, encoding="utf-8-sig", newline="") as handle:
        text = handle.read()
    suffix = Path(path).suffix.lower()
    first = text.splitlines()[0] if text.strip() else ""
    delimiter = "," if suffix == ".csv" else "\t" if suffix == ".tsv" or "\t" in first else ","
    reader = csv.DictReader(io.StringIO(text), delimiter=delimiter)
    reader.fieldnames = [(name or "").strip().lower() for name in reader.fieldnames or []]
    missing = set(required) - set(reader.fieldnames)
    if missing:
        raise ValueError(f"{path}: no column {', '.join(sorted(missing))} (header: {', '.join(reader.fieldnames)})")
    return list(reader)


def wilson(true: int, judged: int, z: float = 1.96) -> tuple[float, float]:
    if not judged:
        return 0.0, 1.0
    p = true / judged
    centre = p + z * z / (2 * judged)
    spread = z * math.sqrt(p * (1 - p) / judged + z * z / (4 * judged * judged))
    denominator = 1 + z * z / judged
    return max(0.0, (centre - spread) / denominator), min(1.0, (centre + spread) / denominator)


def precision(rows: list[dict]) -> dict:
    """Per rule: true, false, unjudged, precision and its 95% Wilson interval; and rows whose
    verdict is neither `true` nor `false` (by sheet line number)."""
    counts: dict[str, Counter] = defaultdict(Counter)
    unrecognised = []
    for number, row in enumerate(rows, start=2):  # line 1 is the header
        code = (row.get("code") or "").strip() or "(no code)"
        verdict = (row.get("verdict") or "").strip().lower()
        if verdict in ("true", "false"):
            counts[code][verdict] += 1
        elif verdict:
            unrecognised.append({"line": number, "code": code, "verdict": row.get("verdict")})
            counts[code]["unjudged"] += 1
        else:
            counts[code]["unjudged"] += 1

    def entry(counter: Counter) -> dict:
        true, false = counter["true"], counter["false"]
        judged = true + false
        low, high = wilson(true, judged)
        return {"true": true, "false": false, "judged": judged, "unjudged": counter["unjudged"],
                "precision": round(true / judged, 4) if judged else None,
                "ci95": [round(low, 4), round(high, 4)] if judged else None}

    total = sum(counts.values(), Counter())
    return {"rules": {code: entry(counts[code]) for code in sorted(counts)}, "total": entry(total),
            "unrecognised": unrecognised}


def format_precision(result: dict, path: str) -> str:
    def percent(value):
        return "-" if value is None else f"{100 * value:.1f}%"

    def row(name, e):
        ci = f"{percent(e['ci95'][0])}-{percent(e['ci95'][1])}" if e["ci95"] else "-"
        return [name, e["true"], e["false"], e["judged"], e["unjudged"], percent(e["precision"]), ci]

    rows = [row(code, e) for code, e in result["rules"].items()] + [row("total", result["total"])]
    out = [f"Precision per rule (true / (true + false)) from {path}\n",
           table(["rule", "true", "false", "judged", "unjudged", "precision", "95% CI"], rows, {1, 2, 3, 4, 5})]
    for bad in result["unrecognised"]:
        out.append(f"  line {bad['line']}: verdict {bad['verdict']!r} is neither `true` nor `false`: not counted\n")
    return "".join(out)


# --- measuring recall -----------------------------------------------------------------------

RECALL_REQUIRED = ("repo", "file", "line", "expected")
# A FPI110 root cause, reported once at the blocking call: "... blocks the event loop of 3 calls
# in 2 `async def`s: the first, in `async def f` (app/routes.py:12), calls ..."
FIRST_CALLER = re.compile(r"\bthe first, in `async def [^`]+` \(([^()\s]+):(\d+)\)")


def _same_file(a: str, b: str) -> bool:
    """Paths relative to the repository, or to a project root inside it (FPI110 names the
    first caller relative to the project): equal, or one ends with the other."""
    a, b = a.strip().strip("/"), b.strip().strip("/")
    return bool(a and b) and (a == b or a.endswith("/" + b) or b.endswith("/" + a))


def _places(text: str) -> list[tuple[str, int]]:
    """`file:line|file:line` (the `end` column) as pairs; malformed entries are ignored."""
    places = []
    for part in (text or "").split("|"):
        where, _, line = part.strip().rpartition(":")
        if where and line.strip().isdigit():
            places.append((where, int(line)))
    return places


def match_known(problem: dict, findings: list[Finding]) -> tuple[str, Finding | None]:
    """How fastapi-lint finds one known problem, and the finding that does; ("", None) when
    it misses it.

    - `at`: a finding of one of the expected codes at the problem's file and line;
    - `chain end` (FPI110 expected): a FPI110 finding at a blocking call the problem's chain
      ends at (the `end` column): a root cause that several async calls reach is reported
      once, there;
    - `first caller` (FPI110 expected): a FPI110 root cause whose message names the
      problem's file and line as the first of the calls that reach it."""
    codes = {code.strip() for code in (problem.get("expected") or "").split("|") if code.strip()}
    file = (problem.get("file") or "").strip()
    line = int((problem.get("line") or "0").strip() or 0)
    for finding in findings:
        if finding.code in codes and finding.line == line and _same_file(finding.file, file):
            return "at", finding
    if "FPI110" not in codes:
        return "", None
    ends = _places(problem.get("end") or "")
    for finding in findings:
        if finding.code == "FPI110" and any(
                finding.line == end_line and _same_file(finding.file, end_file) for end_file, end_line in ends):
            return "chain end", finding
    for finding in findings:
        caller = FIRST_CALLER.search(finding.message) if finding.code == "FPI110" else None
        if caller and int(caller.group(2)) == line and _same_file(caller.group(1), file):
            return "first caller", finding
    return "", None


def recall(problems: list[dict], findings: list[Finding], ran: set[str]) -> dict:
    """Each known problem found or missed, and the recall found / known per kind, per
    expected code(s), per repository and in total, with 95% Wilson intervals. Problems of a
    repository that was not run (or whose run failed) are listed and not counted."""
    by_repo: dict[str, list[Finding]] = defaultdict(list)
    for finding in findings:
        if finding.code:
            by_repo[finding.repo].append(finding)
    results, not_run = [], []
    for number, problem in enumerate(problems, start=2):  # line 1 is the header
        row = {"line_in_sheet": number, **{key: (problem.get(key) or "").strip() for key in
                                            ("repo", "file", "line", "expected", "kind", "why", "end")}}
        if row["repo"] not in ran:
            not_run.append(row)
            continue
        how, finding = match_known(problem, by_repo[row["repo"]])
        row.update(found=bool(how), how=how, by=f"{finding.code} {finding.where}" if finding else "",
                   message=finding.message if finding else "")
        results.append(row)

    def entry(rows: list[dict]) -> dict:
        found = sum(row["found"] for row in rows)
        low, high = wilson(found, len(rows))
        return {"found": found, "known": len(rows), "recall": round(found / len(rows), 4) if rows else None,
                "ci95": [round(low, 4), round(high, 4)] if rows else None}

    def grouped(key: str) -> dict:
        groups: dict[str, list[dict]] = defaultdict(list)
        for row in results:
            groups[row[key] or "(none)"].append(row)
        return {name: entry(rows) for name, rows in sorted(groups.items())}

    return {"total": entry(results), "kinds": grouped("kind"), "codes": grouped("expected"),
            "repos": grouped("repo"), "problems": results, "not_run": not_run}


def format_recall(result: dict, path: str) -> str:
    def percent(value):
        return "-" if value is None else f"{100 * value:.1f}%"

    def rows(groups: dict) -> list[list]:
        return [[name, e["found"], e["known"], percent(e["recall"]),
                 f"{percent(e['ci95'][0])}-{percent(e['ci95'][1])}" if e["ci95"] else "-"]
                for name, e in groups.items()]

    total = result["total"]
    out = [f"Recall on the known problems of {path}: {total['found']} of {total['known']} found, "
           f"{percent(total['recall'])} (95% CI {rows({'': total})[0][4]})\n"]
    for title, key in (("Per kind", "kinds"), ("Per expected code(s)", "codes"), ("Per repository", "repos")):
        out.append(f"\n{title}\n")
        out.append(table([title.split()[-1], "found", "known", "recall", "95% CI"],
                         rows(result[key]) + rows({"total": total}), {1, 2, 3}))
    missed = [row for row in result["problems"] if not row["found"]]
    out.append(f"\nMissed ({len(missed)})\n")
    for row in missed:
        out.append(f"  {row['repo']}/{row['file']}:{row['line']}  {row['expected']}  {row['kind']}: {row['why']}\n")
    found = [row for row in result["problems"] if row["found"]]
    out.append(f"\nFound ({len(found)})\n")
    for row in found:
        out.append(f"  {row['repo']}/{row['file']}:{row['line']}  {row['expected']}: {row['how']}, {row['by']}\n")
    if result["not_run"]:
        out.append(f"\nNot counted, repository not run or failed ({len(result['not_run'])})\n")
        for row in result["not_run"]:
            out.append(f"  {row['repo']}/{row['file']}:{row['line']}\n")
    return "".join(out)


def findings_from_report(path: str) -> tuple[list[Finding], set[str]]:
    """The findings of a `--json` report, and the repositories it ran (failed runs left out)."""
    with open(path, encoding="utf-8") as handle:
        report = json.load(handle)
    if not isinstance(report, dict) or "findings" not in report:
        raise ValueError(f"{path}: not a `corpus.py --json` report with its findings")
    findings = [Finding(repo=obj["repo"], file=obj["file"], line=int(obj["line"]), column=int(obj.get("column") or 0),
                        code=obj.get("code"), message=obj.get("message") or "") for obj in report["findings"]]
    ran = {repo["name"] for repo in report.get("repos", []) if repo.get("status") != "failed"}
    return findings, ran


# --- the command ----------------------------------------------------------------------------


def parse_args(argv: list[str]) -> tuple[argparse.Namespace, list[str]]:
    extra: list[str] = []
    if "--" in argv:
        cut = argv.index("--")
        argv, extra = argv[:cut], argv[cut + 1:]
    parser = argparse.ArgumentParser(
        prog="corpus.py", description=__doc__.splitlines()[0],
        epilog="Everything after `--` is passed to fastapi-lint. See the module docstring for more.")
    parser.add_argument("repos", nargs="*", metavar="REPO", help="directories to check (name: the basename)")
    parser.add_argument("--top", type=int, default=10, metavar="N", help="chains and messages to show (10)")
    parser.add_argument("--json", action="store_true", help="print JSON instead of tables")
    parser.add_argument("--timeout", type=float, default=1800, metavar="S", help="seconds per repository")
    parser.add_argument("--cache", action="store_true", help="let fastapi-lint use its cache (default: --no-cache)")
    sheet = parser.add_argument_group("judging")
    sheet.add_argument("--sample", type=int, metavar="N", help="print a judging sheet of N sampled findings")
    sheet.add_argument("--seed", type=int, default=0, metavar="S", help="seed of the sample (0)")
    sheet.add_argument("--csv", action="store_true", help="write the sheet as CSV (default: TSV)")
    sheet.add_argument("--judged", metavar="FILE", help="read a filled-in sheet and print precision per rule")
    known = parser.add_argument_group("recall")
    known.add_argument("--recall", metavar="FILE", help="say which known problems of FILE fastapi-lint finds")
    known.add_argument("--findings", metavar="REPORT", help="with --recall: reuse a `--json` report instead of running")
    lint = parser.add_argument_group("passed to fastapi-lint")
    for flag, takes_value in PASSTHROUGH:
        if takes_value:
            lint.add_argument(flag, metavar="VALUE")
        else:
            lint.add_argument(flag, action="store_true")
    args = parser.parse_args(argv)
    if args.judged and (args.repos or args.sample is not None):
        parser.error("--judged reads a sheet: give no repositories and no --sample")
    if args.recall and (args.judged or args.sample is not None):
        parser.error("--recall cannot be combined with --judged or --sample")
    if args.findings and not args.recall:
        parser.error("--findings goes with --recall")
    if args.findings and args.repos:
        parser.error("--findings reuses a report: give no repositories")
    if not args.judged and not args.repos and not args.findings:
        parser.error("give one or more repository directories (or --judged FILE)")
    if args.sample is not None and args.sample < 1:
        parser.error("--sample N needs N >= 1")
    lint_args = [] if args.cache else ["--no-cache"]
    for flag, takes_value in PASSTHROUGH:
        value = getattr(args, flag.lstrip("-").replace("-", "_"))
        if takes_value and value is not None:
            lint_args += [flag, value]
        elif not takes_value and value:
            lint_args.append(flag)
    return args, lint_args + extra


def main(argv: list[str] | None = None) -> int:
    args, lint_args = parse_args(sys.argv[1:] if argv is None else argv)

    if args.judged:
        try:
            result = precision(read_sheet(args.judged))
        except (OSError, ValueError) as error:
            print(f"error: {error}", file=sys.stderr)
            return 2
        sys.stdout.write(json.dumps(result, indent=2) + "\n" if args.json else format_precision(result, args.judged))
        return 0

    if args.recall:
        return main_recall(args, lint_args)

    started = time.perf_counter()
    runs = []
    names = repo_names(args.repos)
    for number, (name, path) in enumerate(zip(names, args.repos), start=1):
        run = run_repo(name, path, lint_args, args.timeout)
        runs.append(run)
        state = "" if run.status == "ok" else f" [{run.status}: {run.error}]"
        print(f"[{number}/{len(names)}] {name}: {len(run.diagnostics)} findings in {run.seconds:.2f} s{state}",
              file=sys.stderr)
    wall = time.perf_counter() - started
    broken = any(run.status != "ok" for run in runs)

    if args.sample is not None:
        rows = sheet_rows(stratified_sample([f for run in runs for f in run.diagnostics], args.sample, args.seed))
        if args.json:
            print(json.dumps(rows, indent=2))
        else:
            write_sheet(rows, "," if args.csv else "\t", sys.stdout)
        return 1 if broken else 0

    report = build_report(runs, args.top, wall)
    sys.stdout.write(json.dumps(report, indent=2) + "\n" if args.json else format_report(report, args.top))
    return 1 if broken else 0


def main_recall(args: argparse.Namespace, lint_args: list[str]) -> int:
    """`--recall FILE`: run fastapi-lint on the repositories the sheet names (of those given),
    or read a report's findings, and say which known problems it finds."""
    try:
        problems = read_sheet(args.recall, RECALL_REQUIRED)
        findings, ran = findings_from_report(args.findings) if args.findings else ([], set())
    except (OSError, ValueError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    broken = False
    if not args.findings:
        wanted = {(problem.get("repo") or "").strip() for problem in problems}
        chosen = [(name, path) for name, path in zip(repo_names(args.repos), args.repos) if name in wanted]
        if not chosen:
            print(f"error: none of the repositories given is named in {args.recall}", file=sys.stderr)
            return 2
        for number, (name, path) in enumerate(chosen, start=1):
            run = run_repo(name, path, lint_args, args.timeout)
            state = "" if run.status == "ok" else f" [{run.status}: {run.error}]"
            print(f"[{number}/{len(chosen)}] {name}: {len(run.diagnostics)} findings in {run.seconds:.2f} s{state}",
                  file=sys.stderr)
            broken = broken or run.status != "ok"
            if run.status != "failed":
                ran.add(name)
                findings += run.diagnostics
    result = recall(problems, findings, ran)
    sys.stdout.write(json.dumps(result, indent=2) + "\n" if args.json else format_recall(result, args.recall))
    return 1 if broken else 0


if __name__ == "__main__":
    sys.exit(main())
