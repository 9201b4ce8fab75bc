"""`fastapi-lint --fix` and friends as a user runs them, in subprocesses: files written (or
not), output in ruff's words, exit codes.

The command runs with the test-only rules of `fix_rules_pkg/` installed (FPI990: a safe fix
with an import; FPI991: an unsafe one; FPI993: a fix that breaks the code), so these tests
do not depend on which real rules have fixes yet.
"""

from __future__ import annotations

import json
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from fix_test_rules import CLI_SCRIPT

# FPI990 (safe) on line 7, FPI991 (unsafe) on line 11.
APP = """\
import time

from pydantic import BaseModel


async def index():
    time.sleep(1)
    return {}


class Item(BaseModel):
    tags: list = []
"""
APP_SAFE_FIXED = APP.replace("from pydantic import BaseModel\n", "from pydantic import BaseModel\nimport asyncio\n") \
    .replace("    time.sleep(1)", "    await asyncio.sleep(1)")
APP_ALL_FIXED = APP_SAFE_FIXED.replace("from pydantic import BaseModel\n", "from pydantic import BaseModel, Field\n") \
    .replace("= []", "= Field(default_factory=list)")
SELECT = ("--isolated", "--select", "FPI990,FPI991")


def run(*args: str, cwd: Path, input: bytes | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-c", CLI_SCRIPT, *args], cwd=cwd, capture_output=True, input=input, timeout=120
    )


def out(result: subprocess.CompletedProcess) -> list[str]:
    return result.stdout.decode().splitlines()


def app(tmp_path: Path, text: str = APP, name: str = "app.py") -> Path:
    path = tmp_path / name
    path.write_bytes(text.encode())
    return path


# ---------------------------------------------------------------------- reporting


def test_check_marks_what_fix_would_fix_and_hints_at_unsafe_fixes(tmp_path: Path) -> None:
    app(tmp_path)
    result = run(*SELECT, "app.py", cwd=tmp_path)
    assert result.returncode == 1
    lines = out(result)
    assert lines[0].startswith("app.py:7:5: FPI990 [*] ")
    assert lines[1].startswith("app.py:12:18: FPI991 ") and "[*]" not in lines[1]
    assert lines[2:] == [
        "Found 2 errors.",
        "[*] 1 fixable with the `--fix` option (1 hidden fix can be enabled with the `--unsafe-fixes` option).",
    ]


def test_check_with_unsafe_fixes_marks_both_and_says_so_as_ruff(tmp_path: Path) -> None:
    app(tmp_path)
    lines = out(run(*SELECT, "--unsafe-fixes", "app.py", cwd=tmp_path))
    assert [line.split(": ")[1][:10] for line in lines[:2]] == ["FPI990 [*]", "FPI991 [*]"]
    assert lines[2:] == ["Found 2 errors.", "[*] 2 fixable with the --fix option."]


def test_no_unsafe_fixes_drops_the_hint(tmp_path: Path) -> None:
    app(tmp_path)
    lines = out(run(*SELECT, "--no-unsafe-fixes", "app.py", cwd=tmp_path))
    assert lines[2:] == ["Found 2 errors.", "[*] 1 fixable with the --fix option."]


def test_only_unsafe_fixes_available(tmp_path: Path) -> None:
    app(tmp_path)
    lines = out(run("--isolated", "--select", "FPI991", "app.py", cwd=tmp_path))
    assert lines[1:] == ["Found 1 error.", "No fixes available (1 hidden fix can be enabled with the `--unsafe-fixes` option)."]


def test_json_output_carries_the_fix_as_ruff_does(tmp_path: Path) -> None:
    app(tmp_path)
    result = run(*SELECT, "--output-format", "json", "app.py", cwd=tmp_path)
    first, second = json.loads(result.stdout)
    assert first["fix"] == {
        "applicability": "safe",
        "message": "Use `await asyncio.sleep()`",
        "edits": [  # the import the fix needs is an edit too, so that an editor can apply it alone
            {"content": "import asyncio\n", "location": {"row": 4, "column": 1}, "end_location": {"row": 4, "column": 1}},
            {"content": "await ", "location": {"row": 7, "column": 5}, "end_location": {"row": 7, "column": 5}},
            {"content": "asyncio.sleep", "location": {"row": 7, "column": 5}, "end_location": {"row": 7, "column": 15}},
        ],
    }
    assert second["fix"]["applicability"] == "unsafe"
    assert second["fix"]["edits"][0] == {  # `from pydantic import BaseModel` gains `, Field`
        "content": ", Field", "location": {"row": 3, "column": 31}, "end_location": {"row": 3, "column": 31}}
    # An unfixable rule's diagnostics carry no fix; extend-unsafe-fixes shows in the applicability.
    result = run(*SELECT, "--unfixable", "FPI991", "--output-format", "json", "app.py", cwd=tmp_path)
    assert [d["fix"] is None for d in json.loads(result.stdout)] == [False, True]


def test_statistics_mark_fixable_codes(tmp_path: Path) -> None:
    app(tmp_path)
    lines = out(run(*SELECT, "--statistics", "app.py", cwd=tmp_path))
    assert lines[:2] == ["1\tFPI990\t[*] test-sleep-to-asyncio-sleep", "1\tFPI991\t[ ] test-mutable-list-default"]


# ---------------------------------------------------------------------- --fix


def test_fix_applies_safe_fixes_and_reports_what_remains(tmp_path: Path) -> None:
    path = app(tmp_path)
    result = run(*SELECT, "--fix", "app.py", cwd=tmp_path)
    assert path.read_text() == APP_SAFE_FIXED
    assert result.returncode == 1
    lines = out(result)
    assert lines[0].startswith("app.py:13:18: FPI991 ") and "[*]" not in lines[0]
    assert lines[1:] == [
        "Found 2 errors (1 fixed, 1 remaining).",
        "No fixes available (1 hidden fix can be enabled with the `--unsafe-fixes` option).",
    ]
    assert result.stderr == b""


def test_fix_with_unsafe_fixes_fixes_everything_and_exits_zero(tmp_path: Path) -> None:
    path = app(tmp_path)
    result = run(*SELECT, "--fix", "--unsafe-fixes", "--show-fixes", "app.py", cwd=tmp_path)
    assert path.read_text() == APP_ALL_FIXED
    assert result.returncode == 0
    assert out(result) == [
        "",
        "Fixed 2 errors:",
        "- app.py:",
        "    1 × FPI990 (test-sleep-to-asyncio-sleep)",
        "    1 × FPI991 (test-mutable-list-default)",
        "",
        "Found 2 errors (2 fixed, 0 remaining).",
    ]
    again = run(*SELECT, "--fix", "--unsafe-fixes", "app.py", cwd=tmp_path)
    assert (again.returncode, out(again)) == (0, ["All checks passed!"])
    assert path.read_text() == APP_ALL_FIXED


def test_exit_non_zero_on_fix(tmp_path: Path) -> None:
    app(tmp_path)
    assert run(*SELECT, "--fix", "--unsafe-fixes", "--exit-non-zero-on-fix", "app.py", cwd=tmp_path).returncode == 1


def test_no_fix_overrides_the_configuration(tmp_path: Path) -> None:
    path = app(tmp_path)
    (tmp_path / "pyproject.toml").write_text('[tool.fastapi-lint]\nfix = true\nunsafe-fixes = true\nselect = ["FPI990", "FPI991"]\n')
    run("--no-fix", "app.py", cwd=tmp_path)
    assert path.read_text() == APP
    result = run("app.py", cwd=tmp_path)
    assert path.read_text() == APP_ALL_FIXED
    assert result.returncode == 0


@pytest.mark.parametrize(
    ("config", "expected"),
    [
        ('unsafe-fixes = true\n[tool.fastapi-lint.lint]\nunfixable = ["FPI990"]\n', "unsafe only"),
        ('[tool.fastapi-lint.lint]\nfixable = ["FPI991"]\nextend-safe-fixes = ["FPI991"]\n', "unsafe only"),
        ('[tool.fastapi-lint.lint]\nextend-unsafe-fixes = ["FPI990"]\n', "nothing"),
        ('unfixable = ["FPI9"]\nextend-fixable = ["FPI990"]\n', "safe only"),
    ],
)
def test_fix_configuration_keys(tmp_path: Path, config: str, expected: str) -> None:
    path = app(tmp_path)
    (tmp_path / "pyproject.toml").write_text('[tool.fastapi-lint]\nselect = ["FPI990", "FPI991"]\n' + config)
    run("--fix", "app.py", cwd=tmp_path)
    unsafe_only = APP.replace("from pydantic import BaseModel\n", "from pydantic import BaseModel, Field\n") \
        .replace("= []", "= Field(default_factory=list)")
    assert path.read_text() == {"unsafe only": unsafe_only, "nothing": APP, "safe only": APP_SAFE_FIXED}[expected]


def test_unknown_code_in_fixable_is_a_configuration_error(tmp_path: Path) -> None:
    app(tmp_path)
    (tmp_path / "pyproject.toml").write_text('[tool.fastapi-lint.lint]\nunfixable = ["E501"]\n')
    result = run("--fix", "app.py", cwd=tmp_path)
    assert result.returncode == 2
    assert b"unfixable" in result.stderr


def test_fixable_flags_on_the_command_line(tmp_path: Path) -> None:
    path = app(tmp_path)
    run(*SELECT, "--fix", "--unsafe-fixes", "--fixable", "FPI991", "app.py", cwd=tmp_path)
    assert "await asyncio" not in path.read_text() and "default_factory" in path.read_text()
    path = app(tmp_path)
    run(*SELECT, "--fix", "--unsafe-fixes", "--unfixable", "FPI9", "--extend-fixable", "FPI990", "app.py", cwd=tmp_path)
    assert path.read_text() == APP_SAFE_FIXED


# ---------------------------------------------------------------------- --diff and --fix-only


def test_diff_prints_the_change_writes_nothing_and_exits_one(tmp_path: Path) -> None:
    path = app(tmp_path)
    result = run(*SELECT, "--diff", "app.py", cwd=tmp_path)
    assert path.read_text() == APP
    assert result.returncode == 1
    assert out(result) == [
        "--- app.py",
        "+++ app.py",
        "@@ -1,10 +1,11 @@",
        " import time",
        " ",
        " from pydantic import BaseModel",
        "+import asyncio",
        " ",
        " ",
        " async def index():",
        "-    time.sleep(1)",
        "+    await asyncio.sleep(1)",
        "     return {}",
        " ",
        " ",
        "",
        "Would fix 1 error (1 additional fix available with `--unsafe-fixes`).",
    ]


def test_diff_with_nothing_to_fix_exits_zero_and_prints_nothing(tmp_path: Path) -> None:
    app(tmp_path, "x = 1\n")
    result = run(*SELECT, "--diff", "app.py", cwd=tmp_path)
    assert (result.returncode, result.stdout, result.stderr) == (0, b"", b"")


def test_fix_only_applies_reports_no_diagnostics_and_exits_zero(tmp_path: Path) -> None:
    path = app(tmp_path)
    result = run(*SELECT, "--fix-only", "app.py", cwd=tmp_path)
    assert path.read_text() == APP_SAFE_FIXED
    assert (result.returncode, out(result)) == (0, ["Fixed 1 error (1 additional fix available with `--unsafe-fixes`)."])
    result = run(*SELECT, "--fix-only", "app.py", cwd=tmp_path)
    assert (result.returncode, out(result)) == (0, ["No errors fixed (1 fix available with `--unsafe-fixes`)."])
    result = run(*SELECT, "--fix-only", "--unsafe-fixes", "--exit-non-zero-on-fix", "app.py", cwd=tmp_path)
    assert (result.returncode, out(result)) == (1, ["Fixed 1 error."])


# ---------------------------------------------------------------------- files are safe


def test_file_with_a_syntax_error_is_reported_and_never_rewritten(tmp_path: Path) -> None:
    broken = app(tmp_path, APP + "def oops(:\n", "broken.py")
    before = broken.stat().st_mtime_ns
    good = app(tmp_path)
    result = run(*SELECT, "--fix", ".", cwd=tmp_path)
    assert broken.read_text() == APP + "def oops(:\n" and broken.stat().st_mtime_ns == before
    assert good.read_text() == APP_SAFE_FIXED
    assert result.returncode == 1
    assert any(line.startswith("broken.py:13:10: SyntaxError") for line in out(result))
    only = run(*SELECT, "--fix-only", "broken.py", cwd=tmp_path)
    assert only.stderr.decode().startswith("error: broken.py: not fixed: SyntaxError")


def test_fix_that_breaks_the_code_is_not_applied_and_fails_the_run(tmp_path: Path) -> None:
    path = app(tmp_path, APP.replace("    return {}", "    breakme()\n    return {}", 1))
    result = run("--isolated", "--select", "FPI990,FPI993", "--fix", "app.py", cwd=tmp_path)
    assert result.returncode == 2
    assert "FPI993" in result.stderr.decode() and "produced invalid code" in result.stderr.decode()
    assert "await asyncio.sleep(1)" in path.read_text() and "breakme()" in path.read_text()


def test_encoding_bom_newlines_and_permissions_survive_fix(tmp_path: Path) -> None:
    latin = tmp_path / "latin.py"
    latin.write_bytes(("# -*- coding: latin-1 -*-\n" + APP.replace("return {}", "return {'caf\xe9': 1}")).replace("\n", "\r\n").encode("latin-1"))
    latin.chmod(0o751)
    bom = tmp_path / "bom.py"
    bom.write_bytes(b"\xef\xbb\xbf" + APP.encode())
    result = run(*SELECT, "--fix", "--unsafe-fixes", "latin.py", "bom.py", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    expected_latin = ("# -*- coding: latin-1 -*-\n" + APP_ALL_FIXED.replace("return {}", "return {'caf\xe9': 1}"))
    assert latin.read_bytes() == expected_latin.replace("\n", "\r\n").encode("latin-1")
    assert stat.S_IMODE(latin.stat().st_mode) == 0o751
    assert bom.read_bytes() == b"\xef\xbb\xbf" + APP_ALL_FIXED.encode()


def test_fix_in_worker_processes(tmp_path: Path) -> None:
    paths = [app(tmp_path, APP, f"m{i}.py") for i in range(6)]
    result = run(*SELECT, "--fix", "--jobs", "2", ".", cwd=tmp_path)
    assert all(p.read_text() == APP_SAFE_FIXED for p in paths)
    assert out(result)[-2] == "Found 12 errors (6 fixed, 6 remaining)."


# ---------------------------------------------------------------------- stdin


def test_stdin_fix_prints_the_fixed_source_and_reports_on_stderr(tmp_path: Path) -> None:
    result = run(*SELECT, "--fix", "--stdin-filename", "app.py", cwd=tmp_path, input=APP.encode())
    assert result.stdout.decode() == APP_SAFE_FIXED
    assert result.returncode == 1
    assert result.stderr.decode().splitlines()[-2] == "Found 2 errors (1 fixed, 1 remaining)."
    assert not (tmp_path / "app.py").exists()


def test_stdin_diff(tmp_path: Path) -> None:
    result = run(*SELECT, "--diff", "-", cwd=tmp_path, input=APP.encode())
    assert result.returncode == 1
    assert "+    await asyncio.sleep(1)" in out(result)
    assert result.stderr.decode().strip() == "Would fix 1 error (1 additional fix available with `--unsafe-fixes`)."


def test_flake8_plugin_stays_detection_only(tmp_path: Path) -> None:
    """flake8 reports the real rules' diagnostics (fixable ones included) and changes nothing."""
    path = app(tmp_path, APP)
    result = subprocess.run(
        [sys.executable, "-m", "flake8", "--select", "FPI", "app.py"], cwd=tmp_path, capture_output=True, timeout=120
    )
    assert path.read_bytes() == APP.encode()
    assert result.returncode == 1
    reported = [line.split()[1] for line in result.stdout.decode().splitlines()]
    assert "FPI101" in reported and "FPI200" in reported
    assert "[*]" not in result.stdout.decode()


def test_fix_on_files_with_nothing_to_import_never_loads_libcst(tmp_path: Path) -> None:
    app(tmp_path, "x = 1\n", "clean.py")
    app(tmp_path, "async def f():\n    flip()\n", "flip.py")
    script = CLI_SCRIPT.replace("sys.exit(main(sys.argv[1:]))", "code = main(sys.argv[1:]); print(code, 'libcst' in sys.modules)")
    result = subprocess.run(
        [sys.executable, "-c", script, "--isolated", "--select", "FPI990,FPI991", "--fix", "-q", "."],
        cwd=tmp_path, capture_output=True, timeout=120,
    )
    assert out(result)[-1] == "0 False"
