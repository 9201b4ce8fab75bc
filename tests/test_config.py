"""`[tool.fastapi-lint]` in pyproject.toml: discovery, keys, layering with the command line,
per-rule options, and clear errors for every mistake."""

from __future__ import annotations

from pathlib import Path

import pytest

from cli_helpers import SLEEPY, run, write
from fastapi_lint.config import ConfigError, SettingsResolver, load_config_file
from fastapi_lint.rules import all_rules

IGNORE_101 = "[tool.fastapi-lint]\nignore = ['FPI101']\n"
SELECT_101 = "[tool.fastapi-lint]\nselect = ['FPI101']\n"


def reported(result) -> list[str]:
    """`path:row` of every diagnostic line in concise output."""
    return [":".join(line.split(":")[:2]) for line in result.stdout.splitlines() if not _is_summary(line)]


def _is_summary(line: str) -> bool:
    return line.startswith(("Found ", "All checks passed!", "[*] ", "No fixes available"))


def rule_with_options():
    rule = next((rule for rule in all_rules() if rule.options), None)
    if rule is None:
        pytest.skip("no rule declares options yet")
    return rule


def test_configuration_is_found_by_walking_up_from_the_checked_path(tmp_path: Path) -> None:
    write(tmp_path, {"project/pyproject.toml": IGNORE_101, "project/src/app/a.py": SLEEPY, "elsewhere/x": ""})
    target = str(tmp_path / "project/src")
    # Run from an unrelated directory: the file's own project configuration applies.
    assert run(target, cwd=tmp_path / "elsewhere").stdout == "All checks passed!\n"
    assert run(target, "--isolated", "--select", "FPI101", cwd=tmp_path / "elsewhere").stdout.count(": FPI101 ") == 1


def test_the_closest_configuration_wins_and_files_without_the_table_are_skipped(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "pyproject.toml": IGNORE_101,
            "a.py": SLEEPY,
            "service/pyproject.toml": SELECT_101,  # closer to service/b.py: wins there
            "service/b.py": SLEEPY,
            "lib/pyproject.toml": "[project]\nname = 'lib'\n",  # no table: skipped
            "lib/c.py": SLEEPY,
        },
    )
    assert reported(run(cwd=tmp_path)) == ["service/b.py:12"]


def test_config_flag_overrides_discovery_and_isolated_ignores_files(tmp_path: Path) -> None:
    write(tmp_path, {"pyproject.toml": IGNORE_101, "a.py": SLEEPY, "conf/strict.toml": "select = ['FPI101']\n"})
    assert reported(run(cwd=tmp_path)) == []
    assert reported(run("--config", "conf/strict.toml", cwd=tmp_path)) == ["a.py:12"]
    assert reported(run("--isolated", "--select", "FPI101", cwd=tmp_path)) == ["a.py:12"]
    missing = run("--config", "nope.toml", cwd=tmp_path)
    assert missing.returncode == 2
    assert missing.stderr == f"error: {tmp_path / 'nope.toml'}: configuration file not found\n"


def test_command_line_selection_is_layered_on_the_configuration_like_ruff(tmp_path: Path) -> None:
    write(tmp_path, {"pyproject.toml": IGNORE_101, "a.py": SLEEPY})
    # --select starts again from scratch: the configuration's ignore no longer applies.
    assert reported(run("--select", "FPI101", cwd=tmp_path)) == ["a.py:12"]
    # --extend-select adds on top of the configuration; the exact code beats the ignore.
    assert reported(run("--extend-select", "FPI101", cwd=tmp_path)) == ["a.py:12"]
    write(tmp_path, {"pyproject.toml": SELECT_101})
    assert reported(run("--ignore", "FPI101", cwd=tmp_path)) == []


def test_lint_section_accepts_ruffs_lint_keys_and_wins_over_top_level(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "pyproject.toml": """\
                [tool.fastapi-lint]
                select = ["FPI3"]

                [tool.fastapi-lint.lint]
                select = ["FPI101"]
                per-file-ignores = { "legacy/*.py" = ["FPI101"] }
            """,
            "a.py": SLEEPY,
            "legacy/old.py": SLEEPY,
        },
    )
    assert reported(run(cwd=tmp_path)) == ["a.py:12"]


def test_per_file_ignores_are_anchored_at_the_configuration_directory(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "project/pyproject.toml": """\
                [tool.fastapi-lint]
                select = ["FPI101"]
                per-file-ignores = { "tests/**/*.py" = ["FPI1"], "scripts/*" = ["ALL"], "!src/**" = ["FPI101"] }
            """,
            "project/tests/test_a.py": SLEEPY,
            "project/tests/deep/test_b.py": SLEEPY,
            "project/scripts/tool.py": SLEEPY,
            "project/src/app.py": SLEEPY,
            "project/other/x.py": SLEEPY,
            "outside/.keep": "",
        },
    )
    # `!src/**` ignores FPI101 everywhere except under src/.
    result = run(str(tmp_path / "project"), cwd=tmp_path / "outside")
    assert [line.split(":")[0] for line in result.stdout.splitlines() if not _is_summary(line)] == [
        str(tmp_path / "project/src/app.py")
    ]
    write(tmp_path, {"project/pyproject.toml": "[tool.fastapi-lint]\nselect = ['FPI101']\n"
                     "extend-per-file-ignores = { 'tests/**/*.py' = ['FPI101'] }\n"})
    result = run(".", cwd=tmp_path / "project")
    assert reported(result) == ["other/x.py:12", "scripts/tool.py:12", "src/app.py:12"]


def test_exclude_and_extend_exclude_from_configuration(tmp_path: Path) -> None:
    files = {"a.py": SLEEPY, "generated/g.py": SLEEPY, ".venv/lib/v.py": SLEEPY}
    write(tmp_path, {**files, "pyproject.toml": SELECT_101 + "extend-exclude = ['generated']\n"})
    assert reported(run(cwd=tmp_path)) == ["a.py:12"]
    # `exclude` replaces the defaults: .venv is no longer skipped.
    write(tmp_path, {"pyproject.toml": SELECT_101 + "exclude = ['generated']\n"})
    assert reported(run(cwd=tmp_path)) == [".venv/lib/v.py:12", "a.py:12"]


def test_per_rule_options_are_validated_and_reach_the_rule(tmp_path: Path) -> None:
    rule = rule_with_options()
    option = rule.options[0]
    value = [*option.default, "extra"] if isinstance(option.default, (list, tuple)) else option.default
    write(tmp_path, {"pyproject.toml": f"[tool.fastapi-lint.{rule.name}]\n{option.name} = {_toml(value)}\n"})
    settings = SettingsResolver(cwd=tmp_path).for_path(tmp_path)
    assert settings.options_for(rule)[option.name] == value
    # The same table under `lint`, as ruff's plugin options are.
    write(tmp_path, {"pyproject.toml": f"[tool.fastapi-lint.lint.{rule.name}]\n{option.name} = {_toml(value)}\n"})
    assert SettingsResolver(cwd=tmp_path).for_path(tmp_path).options_for(rule)[option.name] == value


def _toml(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return "[" + ", ".join(_toml(v) for v in value) + "]"
    if isinstance(value, str):
        return '"' + value + '"'
    return repr(value)


@pytest.mark.parametrize(
    ("table", "expected"),
    [
        ("[tool.fastapi-lint]\nselct = ['FPI101']\n", "[tool.fastapi-lint]: unknown key `selct` (did you mean `select`?)"),
        ("[tool.fastapi-lint.lint]\ndummy-variable-rgx = 'x'\n", "[tool.fastapi-lint.lint]: unknown key `dummy-variable-rgx`"),
        ("[tool.fastapi-lint]\nfix = 'yes'\n", "tool.fastapi-lint.fix must be true or false"),
        ("[tool.fastapi-lint.lint]\nfix = true\n", "[tool.fastapi-lint.lint]: unknown key `fix`"),
        ("[tool.fastapi-lint.lint]\nunfixable = ['E501']\n", "tool.fastapi-lint.lint.unfixable: unknown rule selector `E501`"),
        ("[tool.fastapi-lint]\nselect = 'FPI101'\n", "tool.fastapi-lint.select must be a list of strings, got str 'FPI101'"),
        ("[tool.fastapi-lint]\nignore = ['E501']\n", "tool.fastapi-lint.ignore: unknown rule selector `E501`"),
        ("[tool.fastapi-lint]\nextend-select = ['FPI9']\n", "tool.fastapi-lint.extend-select: `FPI9` matches no rule"),
        (
            "[tool.fastapi-lint.lint.per-file-ignores]\n'tests/*' = ['F401']\n",
            "tool.fastapi-lint.lint.per-file-ignores.\"tests/*\": unknown rule selector `F401`",
        ),
        ("[tool.fastapi-lint]\nrespect-gitignore = 'yes'\n", "tool.fastapi-lint.respect-gitignore must be true or false"),
        ("[tool.fastapi-lint]\nexclude = 'build'\n", "tool.fastapi-lint.exclude must be a list of strings"),
        ("[tool.fastapi-lint.no-such-rule]\nx = 1\n", "[tool.fastapi-lint]: unknown key `no-such-rule`"),
        ("[tool.fastapi-lint]\nlint = 3\n", "tool.fastapi-lint.lint must be a table"),
        ("[tool]\nfastapi-lint = 3\n", "`tool.fastapi-lint` must be a table"),
        ("[tool.fastapi-lint\nselect = []\n", "invalid TOML: "),
    ],
)
def test_configuration_mistakes_are_clear_errors(tmp_path: Path, table: str, expected: str) -> None:
    write(tmp_path, {"pyproject.toml": table, "a.py": SLEEPY})
    result = run(cwd=tmp_path)
    assert result.returncode == 2
    assert result.stdout == ""
    assert result.stderr.startswith(f"error: {tmp_path / 'pyproject.toml'}: ")
    assert expected in result.stderr
    assert "Traceback" not in result.stderr


def test_rule_option_mistakes_are_clear_errors(tmp_path: Path) -> None:
    rule = rule_with_options()
    option = rule.options[0]
    write(tmp_path, {"pyproject.toml": f"[tool.fastapi-lint.{rule.name}]\nno-such-option = 1\n", "a.py": ""})
    result = run(cwd=tmp_path)
    assert result.returncode == 2
    assert f"[tool.fastapi-lint.{rule.name}]: unknown option for {rule.code} `no-such-option`" in result.stderr
    write(tmp_path, {"pyproject.toml": f"[tool.fastapi-lint.{rule.name}]\n{option.name} = {{ a = 1 }}\n"})
    result = run(cwd=tmp_path)
    assert result.returncode == 2 and f"[tool.fastapi-lint.{rule.name}]: `{option.name}` must be" in result.stderr


def test_options_for_a_rule_without_options_are_rejected(tmp_path: Path) -> None:
    rule = next((rule for rule in all_rules() if not rule.options), None)
    if rule is None:
        pytest.skip("every rule has options")
    write(tmp_path, {"pyproject.toml": f"[tool.fastapi-lint.{rule.name}]\nanything = 1\n", "a.py": ""})
    result = run(cwd=tmp_path)
    assert result.returncode == 2 and f"`{rule.name}` ({rule.code}) has no options" in result.stderr


def test_a_broken_configuration_below_is_reported_when_reached(tmp_path: Path) -> None:
    write(tmp_path, {"a.py": SLEEPY, "sub/pyproject.toml": "[tool.fastapi-lint]\nselect = [\n", "sub/b.py": SLEEPY})
    result = run(cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr.startswith(f"error: {tmp_path / 'sub/pyproject.toml'}: invalid TOML")


def test_dedicated_config_file_holds_the_keys_at_top_level(tmp_path: Path) -> None:
    write(tmp_path, {"fastapi-lint.toml": "select = ['FPI101']\n[lint]\nignore = ['FPI101']\n"})
    config = load_config_file(tmp_path / "fastapi-lint.toml")
    assert config.values == {"select": ["FPI101"], "ignore": ["FPI101"]}
    write(tmp_path, {"bad.toml": "selekt = []\n"})
    with pytest.raises(ConfigError, match="unknown key `selekt`"):
        load_config_file(tmp_path / "bad.toml")


def test_extend_per_file_ignores_adds_to_the_same_pattern(tmp_path: Path) -> None:
    from fastapi_lint.config import SettingsResolver

    (tmp_path / "pyproject.toml").write_text(
        '[tool.fastapi-lint.per-file-ignores]\n"tests/*" = ["FPI300"]\n'
        '[tool.fastapi-lint.extend-per-file-ignores]\n"tests/*" = ["FPI121"]\n'
    )
    settings = SettingsResolver().for_path(tmp_path)
    assert sorted(settings.per_file_ignores["tests/*"]) == ["FPI121", "FPI300"]
