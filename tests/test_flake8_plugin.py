"""The flake8 plugin, run through real flake8: same diagnostics as the command, flake8's
own noqa, options through flake8's option manager, and no libcst."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from cli_helpers import SLEEPY, SLEEPY_COL, SLEEPY_ROW, run, write
from fastapi_lint.rules import all_rules

FIXTURES = Path(__file__).parent / "fixtures"
FORMAT = "%(path)s|%(row)d|%(col)d|%(code)s|%(text)s"


def flake8(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "flake8", "--isolated", "--select", "FPI", f"--format={FORMAT}", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=300,
    )


def flake8_found(*args: str, cwd: Path) -> set[tuple[str, int, int, str]]:
    result = flake8(*args, cwd=cwd)
    assert result.returncode in (0, 1), result.stdout + result.stderr
    found = set()
    for line in result.stdout.splitlines():
        path, row, col, code, _ = line.split("|", 4)
        found.add((str((cwd / path).resolve()), int(row), int(col), code))
    return found


def command_found(*args: str, cwd: Path) -> set[tuple[str, int, int, str]]:
    result = run("--output-format", "json", *args, cwd=cwd)
    assert result.returncode in (0, 1), result.stderr
    return {
        (str(Path(d["filename"]).resolve()), d["location"]["row"], d["location"]["column"], d["code"])
        for d in json.loads(result.stdout)
    }


def test_the_plugin_is_registered_with_flake8() -> None:
    result = subprocess.run([sys.executable, "-m", "flake8", "--version"], capture_output=True, text=True)
    assert "fastapi-lint: " in result.stdout


def test_flake8_reports_what_the_command_reports_on_every_fixture() -> None:
    root = Path(__file__).parent.parent
    # The fixtures live under `tests/`: both tools check them as application code.
    expected = command_found("--isolated", "--select", "FPI", "--async-scope", "all", str(FIXTURES), cwd=root)
    # FPI402 reports only for FastAPI < 0.137: its fixtures set `fastapi-version` in their
    # headers, which a run over the whole tree cannot (the installed FastAPI is newer).
    assert {code for *_, code in expected} >= {rule.code for rule in all_rules()} - {"FPI402"}
    assert flake8_found("--fastapi-lint-async-scope", "all", str(FIXTURES), cwd=root) == expected


def test_flake8_and_the_command_agree_on_columns_in_non_ascii_lines(tmp_path: Path) -> None:
    source = SLEEPY.replace("    time.sleep(1)", '    note = "naïve → ok"; time.sleep(1)')
    write(tmp_path, {"a.py": source})
    found = flake8_found("a.py", cwd=tmp_path)
    assert found == command_found("--isolated", cwd=tmp_path)
    line = source.splitlines()[SLEEPY_ROW - 1]
    assert {(row, col) for _, row, col, _ in found} == {(SLEEPY_ROW, line.index("time.sleep") + 1)}


def test_flake8_handles_noqa_itself(tmp_path: Path) -> None:
    write(tmp_path, {"a.py": SLEEPY.replace("time.sleep(1)", "time.sleep(1)  # noqa: FPI101")})
    assert flake8_found("a.py", cwd=tmp_path) == set()
    # The plugin does not pre-filter: with flake8's noqa off, the diagnostic is there.
    assert {(r, c, code) for _, r, c, code in flake8_found("--disable-noqa", "a.py", cwd=tmp_path)} >= {
        (SLEEPY_ROW, SLEEPY_COL, "FPI101")
    }


def test_under_flake8_noqa_follows_flake8s_rules_not_ruffs(tmp_path: Path) -> None:
    # flake8 matches noqa codes by prefix; fastapi-lint (like ruff) only exact codes. So
    # `# noqa: FPI1` silences flake8 but not the command: proof that flake8 does the work.
    write(tmp_path, {"a.py": SLEEPY.replace("time.sleep(1)", "time.sleep(1)  # noqa: FPI1")})
    assert flake8_found("a.py", cwd=tmp_path) == set()
    assert {code for *_, code in command_found("--isolated", cwd=tmp_path)} == {"FPI101"}


def test_configuration_in_pyproject_applies_under_flake8(tmp_path: Path) -> None:
    write(tmp_path, {"project/pyproject.toml": "[tool.fastapi-lint]\nignore = ['FPI101']\n", "project/a.py": SLEEPY})
    assert flake8_found("project/a.py", cwd=tmp_path) == set()
    assert command_found("project", cwd=tmp_path) == set()


def test_config_option_on_the_command_line_and_in_flake8_config(tmp_path: Path) -> None:
    write(tmp_path, {"strict.toml": "select = ['FPI101']\n", "quiet.toml": "ignore = ['FPI1']\n", "a.py": SLEEPY})
    assert {code for *_, code in flake8_found("--fastapi-lint-config", "quiet.toml", "a.py", cwd=tmp_path)} == set()
    assert {code for *_, code in flake8_found("--fastapi-lint-config", "strict.toml", "a.py", cwd=tmp_path)} == {"FPI101"}
    # parse_from_config: `fastapi-lint-config` in flake8's own configuration file.
    write(tmp_path, {"setup.cfg": "[flake8]\nfastapi-lint-config = quiet.toml\n"})
    result = subprocess.run(
        [sys.executable, "-m", "flake8", "--select", "FPI", "a.py"], cwd=tmp_path, capture_output=True, text=True
    )
    assert (result.returncode, result.stdout) == (0, "")
    # A relative path in flake8's configuration is relative to that file, not to the cwd
    # (flake8 normalizes only values that contain a `/`, as for its other path options).
    write(tmp_path, {"sub/b.py": SLEEPY, "setup.cfg": "[flake8]\nfastapi-lint-config = ./quiet.toml\n"})
    result = subprocess.run(
        [sys.executable, "-m", "flake8", "--select", "FPI", "b.py"], cwd=tmp_path / "sub", capture_output=True, text=True
    )
    assert (result.returncode, result.stdout) == (0, ""), result.stderr


def test_configuration_errors_are_one_line_messages_under_flake8(tmp_path: Path) -> None:
    write(tmp_path, {"pyproject.toml": "[tool.fastapi-lint]\nselct = []\n", "a.py": SLEEPY})
    result = flake8("a.py", cwd=tmp_path)
    assert result.returncode != 0
    assert "unknown key `selct` (did you mean `select`?)" in result.stdout + result.stderr
    assert "Traceback" not in result.stdout + result.stderr


def test_a_rule_off_by_default_can_be_selected_through_flake8(tmp_path: Path) -> None:
    rule = next((rule for rule in all_rules() if not rule.default_enabled), None)
    if rule is None:
        pytest.skip("every rule is on by default")
    fixture_files = sorted((FIXTURES / rule.code).glob("*.py"))
    if not fixture_files:
        pytest.skip(f"no fixtures for {rule.code} yet")
    target = str(fixture_files[0])
    root = Path(__file__).parent.parent
    scope = ("--async-scope", "all")  # the fixtures live under `tests/`
    flake8_scope = ("--fastapi-lint-async-scope", "all")
    by_command = {f for f in command_found("--isolated", "--select", rule.code, *scope, target, cwd=root)}
    assert by_command
    assert flake8_found("--select", rule.code, *flake8_scope, target, cwd=root) == by_command
    # flake8's `--select FPI` names the rule as much as `fastapi-lint --select FPI` does...
    assert rule.code in {code for *_, code in flake8_found(*flake8_scope, target, cwd=root)}
    # ...while flake8's default selection, like fastapi-lint's, leaves it out.
    default = subprocess.run(
        [sys.executable, "-m", "flake8", "--isolated", f"--format={FORMAT}", *flake8_scope, target],
        cwd=root, capture_output=True, text=True,
    )
    assert f"|{rule.code}|" not in default.stdout


def test_the_plugin_never_imports_libcst(tmp_path: Path) -> None:
    write(tmp_path, {"a.py": SLEEPY})
    script = (
        "import sys\n"
        "from flake8.main.application import Application\n"
        "app = Application()\n"
        "app.run(['--jobs=1', '--select', 'FPI', 'a.py'])\n"
        "print(app.result_count, 'libcst' in sys.modules, 'fastapi_lint.flake8_plugin' in sys.modules)\n"
    )
    result = subprocess.run([sys.executable, "-c", script], cwd=tmp_path, capture_output=True, text=True, timeout=60)
    assert result.stdout.splitlines()[-1] == "1 False True", result.stdout + result.stderr


def test_the_plugin_reuses_flakes_tree_without_parsing_again(tmp_path: Path) -> None:
    script = (
        "import ast\n"
        "from fastapi_lint.flake8_plugin import FastAPILintPlugin\n"
        f"source = {SLEEPY!r}\n"
        "tree = ast.parse(source)\n"
        "calls = []\n"
        "real_parse = ast.parse\n"
        "ast.parse = lambda *a, **k: calls.append(a) or real_parse(*a, **k)\n"
        "found = list(FastAPILintPlugin(tree, 'a.py', source.splitlines(True)).run())\n"
        "print(len(calls), [(row, col, text.split()[0]) for row, col, text, _ in found])\n"
    )
    result = subprocess.run([sys.executable, "-c", script], cwd=tmp_path, capture_output=True, text=True, timeout=60)
    assert result.stdout.strip() == f"0 [({SLEEPY_ROW}, {SLEEPY_COL - 1}, 'FPI101')]", result.stderr


# ------------------------------------------------- flake8's selection decides whether to work


def _flake8_in(tmp_path: Path, *selection: str) -> tuple[list[str], bool]:
    """(the codes flake8 reports, whether a cache directory was written) for a small
    project holding one FPI101, checked with `selection` as flake8's options."""
    write(tmp_path, {"pyproject.toml": "[tool.fastapi-lint]\n", "app/main.py": SLEEPY, "app/__init__.py": ""})
    result = subprocess.run(
        [sys.executable, "-m", "flake8", "--isolated", f"--format={FORMAT}", *selection, "."],
        cwd=tmp_path, capture_output=True, text=True, timeout=300,
    )
    assert result.returncode in (0, 1), result.stdout + result.stderr
    codes = [line.split("|")[3] for line in result.stdout.splitlines()]
    return codes, (tmp_path / ".fastapi_lint_cache").exists()


@pytest.mark.parametrize(
    "selection",
    [
        ("--select", "E9"),
        ("--select", "E9,W6"),
        ("--extend-ignore", "FPI"),  # the default selection, less every FPI code
        ("--select", "F", "--ignore", "FPI"),
        ("--select", "FPI1", "--ignore", "FPI1"),  # the same length: ignoring wins
        ("--select", "FPI9"),  # no such rule
    ],
)
def test_when_flake8_reports_no_fpi_code_the_plugin_does_no_work(tmp_path: Path, selection: tuple[str, ...]) -> None:
    codes, cache_written = _flake8_in(tmp_path, *selection)
    assert not [code for code in codes if code.startswith("FPI")]
    # Building the project writes its summaries into `.fastapi_lint_cache` (as the next
    # test shows): none there, so no project was built and no file checked.
    assert not cache_written


@pytest.mark.parametrize(
    "selection",
    [
        (),  # flake8's default selection: every installed plugin's codes
        ("--select", "F"),  # a prefix of FPI
        ("--select", "E,F"),
        ("--select", "FPI1"),
        ("--select", "E9", "--extend-select", "FPI"),
        ("--select", "FPI", "--ignore", "F"),  # the longer selector wins
        ("--extend-ignore", "FPI2"),
    ],
)
def test_when_flake8_reports_an_fpi_code_the_plugin_checks(tmp_path: Path, selection: tuple[str, ...]) -> None:
    codes, cache_written = _flake8_in(tmp_path, *selection)
    assert "FPI101" in codes
    assert cache_written


def test_with_no_fpi_code_selected_no_file_is_checked(tmp_path: Path) -> None:
    # In one process (`--jobs=1`): the plugin is constructed for the file, and returns
    # without checking it or importing the project analysis.
    write(tmp_path, {"a.py": SLEEPY})
    script = (
        "import sys\n"
        "from fastapi_lint.flake8_plugin import FastAPILintPlugin\n"
        "calls = []\n"
        "FastAPILintPlugin._check = lambda self: calls.append(self.filename) or []\n"
        "from flake8.main.application import Application\n"
        "for selection in ('E9', 'E9,FPI'):\n"
        "    app = Application()\n"
        "    app.run(['--isolated', '--jobs=1', '--select', selection, 'a.py'])\n"
        "    print(selection, len(calls), 'fastapi_lint.project' in sys.modules)\n"
    )
    result = subprocess.run([sys.executable, "-c", script], cwd=tmp_path, capture_output=True, text=True, timeout=60)
    # (With an FPI code selected, the project is prepared as the options are parsed.)
    assert result.stdout.splitlines() == ["E9 0 False", "E9,FPI 1 True"], result.stdout + result.stderr


def test_a_file_whose_per_file_ignores_leave_no_fpi_code_is_not_checked(tmp_path: Path) -> None:
    write(tmp_path, {"a.py": SLEEPY, "b.py": SLEEPY, "tests/c.py": SLEEPY})
    script = (
        "import sys\n"
        "from fastapi_lint.flake8_plugin import FastAPILintPlugin\n"
        "real = FastAPILintPlugin._check\n"
        "checked = []\n"
        "FastAPILintPlugin._check = lambda self: checked.append(self.filename) or real(self)\n"
        "from flake8.main.application import Application\n"
        "for ignores in sys.argv[1:]:\n"
        "    checked.clear()\n"
        "    app = Application()\n"
        "    app.run(['--isolated', '--jobs=1', '--select', 'E9,FPI', '--per-file-ignores', ignores, '.'])\n"
        "    print('=>', ignores, sorted(checked), app.result_count)\n"
    )
    argv = ["b.py:FPI tests/*:FPI1", "b.py:FPI1 tests/*:F", "b.py:E"]
    result = subprocess.run([sys.executable, "-c", script, *argv], cwd=tmp_path, capture_output=True, text=True,
                            timeout=120)
    assert [line for line in result.stdout.splitlines() if line.startswith("=>")] == [
        # No FPI code left in b.py: not checked; tests/ may still have FPI2xx...: checked.
        "=> b.py:FPI tests/*:FPI1 ['./a.py', './tests/c.py'] 1",
        # FPI2xx may still be reported in b.py; `--select FPI` outweighs `F` (longer).
        "=> b.py:FPI1 tests/*:F ['./a.py', './b.py', './tests/c.py'] 1",
        "=> b.py:E ['./a.py', './b.py', './tests/c.py'] 2",
    ], result.stdout + result.stderr
