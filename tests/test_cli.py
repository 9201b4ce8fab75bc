"""The `fastapi-lint` command as a user runs it: output, exit codes, subcommands, errors."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from cli_helpers import CLEAN, SLEEPY, SLEEPY_COL, SLEEPY_ROW, run, write
from fastapi_lint import __version__, cli, runner
from fastapi_lint.rules import all_rules


def test_concise_output_summary_and_exit_code(tmp_path: Path) -> None:
    write(tmp_path, {"app/main.py": SLEEPY, "app/clean.py": CLEAN})
    result = run("check", "--select", "FPI101", "app", cwd=tmp_path)
    assert result.returncode == 1
    lines = result.stdout.splitlines()
    assert lines[0].startswith(f"app/main.py:{SLEEPY_ROW}:{SLEEPY_COL}: FPI101 `time.sleep()`")
    # FPI101's fix is unsafe: the summary says how to enable it (ruff's words).
    assert lines[1:] == ["Found 1 error.", "No fixes available (1 hidden fix can be enabled with the `--unsafe-fixes` option)."]
    assert result.stderr == ""


def test_clean_project_passes_with_exit_zero_status(tmp_path: Path) -> None:
    write(tmp_path, {"main.py": CLEAN})
    result = run("main.py", cwd=tmp_path)
    assert (result.returncode, result.stdout, result.stderr) == (0, "All checks passed!\n", "")


def test_check_is_optional_and_paths_default_to_current_directory(tmp_path: Path) -> None:
    write(tmp_path, {"a.py": SLEEPY, "pkg/b.py": SLEEPY})
    outputs = [
        run("--select", "FPI101", cwd=tmp_path).stdout,
        run("check", "--select", "FPI101", cwd=tmp_path).stdout,
        run("check", "--select", "FPI101", ".", cwd=tmp_path).stdout,
    ]
    assert outputs[0] == outputs[1] == outputs[2]
    assert [line.split(":")[0] for line in outputs[0].splitlines()[:2]] == ["a.py", "pkg/b.py"]
    assert "Found 2 errors." in outputs[0].splitlines()


def test_paths_outside_the_current_directory_are_shown_absolute(tmp_path: Path) -> None:
    write(tmp_path, {"project/a.py": SLEEPY, "elsewhere/.keep": ""})
    result = run("--select", "FPI101", str(tmp_path / "project"), cwd=tmp_path / "elsewhere")
    assert result.stdout.startswith(f"{tmp_path / 'project' / 'a.py'}:{SLEEPY_ROW}:{SLEEPY_COL}: FPI101 ")


def test_exit_zero_keeps_the_output(tmp_path: Path) -> None:
    write(tmp_path, {"a.py": SLEEPY})
    result = run("--select", "FPI101", "--exit-zero", cwd=tmp_path)
    assert result.returncode == 0
    assert "FPI101" in result.stdout and "\nFound 1 error.\n" in result.stdout


def test_quiet_drops_the_summary_and_silent_prints_nothing(tmp_path: Path) -> None:
    write(tmp_path, {"a.py": SLEEPY, "b.py": CLEAN})
    quiet = run("--select", "FPI101", "-q", cwd=tmp_path)
    assert quiet.returncode == 1
    assert quiet.stdout.splitlines() == [quiet.stdout.splitlines()[0]]
    assert quiet.stdout.startswith("a.py:12:5: FPI101")
    silent = run("--select", "FPI101", "--silent", cwd=tmp_path)
    assert (silent.returncode, silent.stdout, silent.stderr) == (1, "", "")
    clean_quiet = run("-q", "b.py", cwd=tmp_path)
    assert (clean_quiet.returncode, clean_quiet.stdout) == (0, "")


def test_version(tmp_path: Path) -> None:
    result = run("--version", cwd=tmp_path)
    assert (result.returncode, result.stdout.strip()) == (0, f"fastapi-lint {__version__}")


def test_select_ignore_and_extend_select_on_the_command_line(tmp_path: Path) -> None:
    write(tmp_path, {"a.py": SLEEPY})
    assert run("--select", "FPI101", cwd=tmp_path).returncode == 1
    assert run("--select", "FPI1", "--ignore", "FPI101", cwd=tmp_path).stdout.count("FPI101") == 0
    # The more specific entry wins, as in ruff: ignoring the prefix, selecting the code.
    assert run("--select", "FPI101", "--ignore", "FPI1", cwd=tmp_path).stdout.count("FPI101 ") == 1
    assert run("--select", "FPI3", "--extend-select", "FPI101", cwd=tmp_path).stdout.count("FPI101 ") == 1
    # Repeated flags and lower-case codes work too.
    assert run("--select", "fpi3", "--select", "fpi101", cwd=tmp_path).stdout.count("FPI101 ") == 1


def test_unknown_codes_on_the_command_line_are_usage_errors(tmp_path: Path) -> None:
    write(tmp_path, {"a.py": SLEEPY})
    for flag in ("--select", "--extend-select", "--ignore"):
        result = run(flag, "E501", cwd=tmp_path)
        assert result.returncode == 2
        assert result.stdout == ""
        assert f"{flag}: unknown rule selector `E501`" in result.stderr
        assert "Traceback" not in result.stderr
    result = run("--select", "FPI999", cwd=tmp_path)
    assert result.returncode == 2 and "`FPI999` matches no rule" in result.stderr


def test_bad_flags_and_formats_are_usage_errors(tmp_path: Path) -> None:
    assert run("--output-format", "xml", cwd=tmp_path).returncode == 2
    assert run("--no-such-flag", cwd=tmp_path).returncode == 2
    result = run("--statistics", "--output-format", "github", cwd=tmp_path)
    assert result.returncode == 2 and "--statistics supports" in result.stderr


def test_missing_path_is_reported_and_the_other_paths_are_still_checked(tmp_path: Path) -> None:
    # As ruff (E902): a diagnostic without a rule code, exit status 1, nothing lost.
    write(tmp_path, {"a.py": SLEEPY})
    result = run("--isolated", "a.py", "does/not/exist.py", cwd=tmp_path)
    assert result.returncode == 1
    assert "does/not/exist.py:1:1: No such file or directory\n" in result.stdout
    assert "a.py:" in result.stdout and "FPI101" in result.stdout
    alone = run("--isolated", "does/not/exist.py", cwd=tmp_path)
    assert alone.returncode == 1 and "warning: No Python files" not in alone.stderr


def test_no_python_files_warns_and_passes(tmp_path: Path) -> None:
    write(tmp_path, {"notes.txt": "hello"})
    result = run(cwd=tmp_path)
    assert result.returncode == 0
    assert result.stderr == "warning: No Python files found under the given path(s)\n"
    assert result.stdout == "All checks passed!\n"


def test_syntax_error_is_reported_and_other_files_are_checked(tmp_path: Path) -> None:
    write(tmp_path, {"a_broken.py": "def f(:\n    pass\n", "b.py": SLEEPY})
    result = run("--select", "FPI101", cwd=tmp_path)
    assert result.returncode == 1
    lines = result.stdout.splitlines()
    assert lines[0].startswith("a_broken.py:1:7: SyntaxError: ")
    assert lines[1].startswith("b.py:12:5: FPI101 ")
    assert lines[2] == "Found 2 errors."
    assert "Traceback" not in result.stderr
    # A syntax error alone still fails the run, as in ruff.
    assert run("a_broken.py", cwd=tmp_path).returncode == 1


def test_syntax_error_for_newer_python_says_which_python_it_needs(tmp_path: Path) -> None:
    if sys.version_info >= (3, 12):
        pytest.skip("the running Python accepts `type` statements")
    write(tmp_path, {"new.py": "type Alias = list[int]\n"})
    result = run("new.py", cwd=tmp_path)
    assert result.returncode == 1
    assert "new.py:1:" in result.stdout and "needs Python 3.12+" in result.stdout


def test_undecodable_file_is_reported_not_skipped(tmp_path: Path) -> None:
    (tmp_path / "latin.py").write_bytes(b"name = '\xe9t\xe9'\n")  # Latin-1 bytes, no cookie
    (tmp_path / "cookie.py").write_bytes(b"# -*- coding: no-such-codec -*-\nx = 1\n")
    write(tmp_path, {"ok.py": CLEAN})
    result = run(cwd=tmp_path)
    assert result.returncode == 1
    lines = result.stdout.splitlines()
    assert lines[0].startswith("cookie.py:1:1: cannot decode file")
    assert lines[1].startswith("latin.py:1:1: cannot decode file")
    assert lines[-1] == "Found 2 errors."


def test_unreadable_file_is_reported_not_skipped(tmp_path: Path, monkeypatch, capsys) -> None:
    # Run in-process: tests may run as root, for whom file permissions do not deny reads.
    write(tmp_path, {"secret.py": SLEEPY, "open.py": SLEEPY})
    original = Path.read_bytes

    def read_bytes(self: Path) -> bytes:
        if self.name == "secret.py":
            raise PermissionError(13, "Permission denied", str(self))
        return original(self)

    monkeypatch.setattr(Path, "read_bytes", read_bytes)
    monkeypatch.chdir(tmp_path)
    assert cli.main(["--select", "FPI101", "."]) == 1
    out = capsys.readouterr().out.splitlines()
    assert out == [
        out[0],
        "secret.py:1:1: cannot read file: Permission denied",
        "Found 2 errors.",
        "No fixes available (1 hidden fix can be enabled with the `--unsafe-fixes` option).",
    ]
    assert out[0].startswith("open.py:12:5: FPI101 ")


def test_internal_error_in_one_file_is_reported_and_the_rest_checked(tmp_path: Path, monkeypatch, capsys) -> None:
    write(tmp_path, {"a.py": SLEEPY, "boom.py": SLEEPY, "c.py": SLEEPY})
    real_check = runner.check_source

    def check_source(data, filename, settings, **options):
        if filename.endswith("boom.py"):
            raise RuntimeError("rule exploded")
        return real_check(data, filename, settings, **options)

    monkeypatch.setattr(runner, "check_source", check_source)
    monkeypatch.chdir(tmp_path)
    assert cli.main(["--select", "FPI101"]) == 2
    captured = capsys.readouterr()
    assert [line.split(":")[0] for line in captured.out.splitlines()[:2]] == ["a.py", "c.py"]
    assert "error: boom.py: internal error: RuntimeError: rule exploded\n" in captured.err
    assert "Traceback" not in captured.err


def test_json_output_follows_ruffs_schema(tmp_path: Path) -> None:
    write(tmp_path, {"a.py": SLEEPY, "b.py": "x = (\n"})
    result = run("--select", "FPI101", "--output-format", "json", cwd=tmp_path)
    assert result.returncode == 1
    data = json.loads(result.stdout)
    keys = ["cell", "code", "end_location", "filename", "fix", "location", "message", "noqa_row", "url"]
    assert [list(item) for item in data] == [keys, keys]
    first, second = data
    assert first["code"] == "FPI101"
    assert first["filename"] == str(tmp_path / "a.py")
    assert first["location"] == {"column": SLEEPY_COL, "row": SLEEPY_ROW}
    assert first["end_location"] == {"column": len("    time.sleep(1)") + 1, "row": SLEEPY_ROW}
    assert (first["noqa_row"], first["cell"]) == (SLEEPY_ROW, None)
    assert first["fix"]["edits"] and second["fix"] is None  # FPI101 has a fix; a syntax error none
    assert first["message"].startswith("`time.sleep()`")
    assert second["code"] is None and second["message"].startswith("SyntaxError: ")
    assert second["noqa_row"] is None and second["filename"] == str(tmp_path / "b.py")
    # No summary line in machine formats, and an empty array when clean.
    clean = run("--select", "FPI101", "--output-format", "json", "b.py", "--ignore", "FPI", cwd=tmp_path)
    assert json.loads(clean.stdout)[0]["code"] is None
    write(tmp_path, {"c.py": CLEAN})
    assert run("--output-format", "json", "c.py", cwd=tmp_path).stdout == "[]\n"


def test_statistics_table_and_json(tmp_path: Path) -> None:
    write(tmp_path, {"a.py": SLEEPY, "b.py": SLEEPY, "c.py": "def (\n"})
    result = run("--select", "FPI101", "--statistics", cwd=tmp_path)
    assert result.returncode == 1
    assert result.stdout.splitlines() == [
        "2\tFPI101\tblocking-sleep-in-async-function",
        "1\t      \tsyntax-error",
        "Found 3 errors.",
        "No fixes available (2 hidden fixes can be enabled with the `--unsafe-fixes` option).",
    ]
    stats = json.loads(run("--select", "FPI101", "--statistics", "--output-format", "json", cwd=tmp_path).stdout)
    assert stats == [
        {"code": "FPI101", "name": "blocking-sleep-in-async-function", "count": 2, "fixable": False},
        {"code": None, "name": "syntax-error", "count": 1, "fixable": False},
    ]
    write(tmp_path, {"d.py": CLEAN})
    empty = run("--statistics", "d.py", cwd=tmp_path)
    assert (empty.returncode, empty.stdout) == (0, "")


def test_verbose_names_the_configuration_and_the_count(tmp_path: Path) -> None:
    write(tmp_path, {"pyproject.toml": "[tool.fastapi-lint]\nselect = ['FPI101']\n", "a.py": SLEEPY})
    result = run("-v", cwd=tmp_path)
    assert f"fastapi-lint: configuration: {tmp_path / 'pyproject.toml'}" in result.stderr
    assert "fastapi-lint: checked 1 file in " in result.stderr


def test_rule_prints_the_documentation(tmp_path: Path) -> None:
    for key in ("FPI101", "fpi101", "blocking-sleep-in-async-function"):
        result = run("rule", key, cwd=tmp_path)
        assert result.returncode == 0
        assert result.stdout.startswith("# blocking-sleep-in-async-function (FPI101)\n\n## What it does\n")
    as_json = json.loads(run("rule", "FPI101", "--output-format", "json", cwd=tmp_path).stdout)
    assert as_json["code"] == "FPI101" and as_json["explanation"].startswith("## What it does")


def test_rule_documentation_is_the_cleaned_docstring_for_every_rule(tmp_path: Path) -> None:
    import inspect

    everything = run("rule", "--all", cwd=tmp_path).stdout
    for rule in all_rules():
        text = f"# {rule.name} ({rule.code})\n\n{inspect.cleandoc(rule.__doc__)}\n"
        assert text in everything


def test_unknown_rule_is_an_error(tmp_path: Path) -> None:
    result = run("rule", "FPI999", cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr == "error: unknown rule `FPI999` (`fastapi-lint rules` lists them)\n"
    assert run("rule", cwd=tmp_path).returncode == 2


def test_rules_lists_every_registered_rule(tmp_path: Path) -> None:
    result = run("rules", cwd=tmp_path)
    assert result.returncode == 0
    listed = [line.split()[:2] for line in result.stdout.splitlines()]
    assert listed == [[rule.code, rule.name] for rule in all_rules()]
    as_json = json.loads(run("rules", "--output-format", "json", cwd=tmp_path).stdout)
    assert [(r["code"], r["name"], r["summary"]) for r in as_json] == [
        (rule.code, rule.name, rule.summary()) for rule in all_rules()
    ]


def test_the_command_never_imports_libcst_fastapi_or_pydantic(tmp_path: Path) -> None:
    write(tmp_path, {"a.py": SLEEPY})
    script = (
        "import sys\n"
        "from fastapi_lint import cli\n"
        "code = cli.main(['--exit-zero', '-q', '.'])\n"
        "heavy = sorted({m.split('.')[0] for m in sys.modules} & {'libcst', 'fastapi', 'pydantic', 'starlette'})\n"
        "print(code, heavy)\n"
    )
    result = subprocess.run([sys.executable, "-c", script], cwd=tmp_path, capture_output=True, text=True, timeout=60)
    assert result.stdout.splitlines()[-1] == "0 []"


def test_console_script_is_installed(tmp_path: Path) -> None:
    script = Path(sys.executable).parent / "fastapi-lint"
    if not script.exists():
        pytest.skip("no console script next to this interpreter")
    write(tmp_path, {"a.py": SLEEPY})
    result = subprocess.run([str(script), "--select", "FPI101"], cwd=tmp_path, capture_output=True, text=True)
    assert result.returncode == 1 and "\nFound 1 error.\n" in result.stdout


def _parse_hooks(text: str) -> list[dict]:
    """The flat YAML subset `.pre-commit-hooks.yaml` uses (a list of `key: value` maps)."""
    hooks: list[dict] = []
    for raw in text.splitlines():
        line = raw.split(" #", 1)[0].rstrip() if not raw.lstrip().startswith("#") else ""
        if not line.strip():
            continue
        if line.startswith("- "):
            hooks.append({})
            line = "  " + line[2:]
        assert line.startswith("  ") and ":" in line, f"unexpected line: {raw!r}"
        key, _, value = line.strip().partition(":")
        value = value.strip()
        if value.startswith("[") and value.endswith("]"):
            parsed: object = [item.strip() for item in value[1:-1].split(",") if item.strip()]
        elif value in ("true", "false"):
            parsed = value == "true"
        else:
            parsed = value.strip('"')
        hooks[-1][key] = parsed
    return hooks


def test_pre_commit_hook_runs_the_console_script() -> None:
    text = (Path(__file__).parent.parent / ".pre-commit-hooks.yaml").read_text()
    hooks = _parse_hooks(text)
    try:
        import yaml
    except ImportError:
        pass
    else:
        assert yaml.safe_load(text) == hooks
    [hook] = hooks
    assert hook["id"] == "fastapi-lint"
    assert hook["language"] == "python"
    assert hook["types"] == ["python"]  # not stubs: a .pyi never runs
    # Every process pre-commit started would read the whole project: one does (and forks
    # its own workers for many files). tests/test_pre_commit.py runs it.
    assert hook["require_serial"] is True
    # The entry is the console script this package installs; like ruff's hook it passes
    # --force-exclude so that files pre-commit names one by one still honour `exclude`.
    from fastapi_lint.config import tomllib

    pyproject = tomllib.loads((Path(__file__).parent.parent / "pyproject.toml").read_text())
    entry = hook["entry"].split()
    assert entry[0] in pyproject["project"]["scripts"]
    assert pyproject["project"]["scripts"][entry[0]] == "fastapi_lint.cli:main"
    assert _parse_args_ok(entry[1:])


def _parse_args_ok(args: list[str]) -> bool:
    """The entry's arguments are accepted by the command (checked on an empty directory)."""
    import tempfile

    with tempfile.TemporaryDirectory() as empty:
        result = run(*args, "--show-files", cwd=Path(empty))
    return result.returncode == 0


def test_parallel_workers_report_exactly_what_a_serial_run_reports(tmp_path: Path, monkeypatch, capsys) -> None:
    files = {f"pkg{i % 3}/m{i}.py": SLEEPY if i % 2 else CLEAN for i in range(12)}
    files["pkg0/broken.py"] = "def f(:\n"
    write(tmp_path, {**files, "pyproject.toml": "[tool.fastapi-lint]\nselect = ['FPI101']\n"
                     "per-file-ignores = { 'pkg1/*' = ['FPI101'] }\n"})
    # Without the result cache, which would answer the second run without any worker.
    serial = run("--no-cache", "--jobs", "1", "--output-format", "json", cwd=tmp_path)
    parallel = run("--no-cache", "--jobs", "2", "--output-format", "json", cwd=tmp_path)
    assert serial.returncode == parallel.returncode == 1
    assert parallel.stdout == serial.stdout
    assert len(json.loads(serial.stdout)) == 5  # 4 sleepy files outside pkg1, 1 syntax error
    # A crash in a worker is reported like a crash in a serial run.
    real_check = runner.check_source

    def check_source(data, filename, settings, **options):
        if filename.endswith("m3.py"):
            raise RuntimeError("rule exploded")
        return real_check(data, filename, settings, **options)

    monkeypatch.setattr(runner, "check_source", check_source)
    monkeypatch.chdir(tmp_path)
    assert cli.main(["--no-cache", "--jobs", "2", "-q"]) == 2
    assert "error: pkg0/m3.py: internal error: RuntimeError: rule exploded\n" in capsys.readouterr().err
    assert run("--jobs", "0", cwd=tmp_path).returncode == 2


def test_source_on_stdin(tmp_path: Path) -> None:
    write(tmp_path, {"service/pyproject.toml": "[tool.fastapi-lint]\nignore = ['FPI101']\n"})
    result = run("-", "--select", "FPI101", cwd=tmp_path, input=SLEEPY)
    assert result.returncode == 1
    assert result.stdout.startswith(f"-:{SLEEPY_ROW}:{SLEEPY_COL}: FPI101 ")
    # --stdin-filename names the file and picks its configuration.
    named = run("--stdin-filename", "service/app.py", cwd=tmp_path, input=SLEEPY)
    assert (named.returncode, named.stdout) == (0, "All checks passed!\n")
    data = json.loads(run("--stdin-filename", "other/app.py", "--output-format", "json", "--select", "FPI101",
                          cwd=tmp_path, input=SLEEPY).stdout)
    assert [(d["filename"], d["code"]) for d in data] == [(str(tmp_path / "other/app.py"), "FPI101")]


def test_stdin_with_force_exclude_skips_an_excluded_file_like_ruff(tmp_path: Path) -> None:
    write(tmp_path, {"pyproject.toml": '[tool.fastapi-lint]\nextend-exclude = ["migrations"]\n'})
    args = ("--force-exclude", "--stdin-filename", "migrations/0001.py", "-")
    checked = subprocess.run(
        [sys.executable, "-m", "fastapi_lint", *args], input=SLEEPY, capture_output=True, text=True, cwd=tmp_path,
    )
    assert checked.returncode == 0 and "FPI101" not in checked.stdout
    fixed = subprocess.run(
        [sys.executable, "-m", "fastapi_lint", "--fix", "--unsafe-fixes", *args],
        input=SLEEPY, capture_output=True, text=True, cwd=tmp_path,
    )
    assert fixed.returncode == 0 and fixed.stdout == SLEEPY
    # Without --force-exclude the file is checked, as ruff does for a named file.
    named = subprocess.run(
        [sys.executable, "-m", "fastapi_lint", "--stdin-filename", "migrations/0001.py", "-"],
        input=SLEEPY, capture_output=True, text=True, cwd=tmp_path,
    )
    assert named.returncode == 1 and "FPI101" in named.stdout
