"""Which files the command checks: suffixes, ruff's default excludes, exclude patterns,
.gitignore (inside git work trees, as ruff), and paths named on the command line."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from cli_helpers import SLEEPY, run, shown_files, write
from fastapi_lint.patterns import PatternSet


def git_init(path: Path) -> None:
    subprocess.run(["git", "init", "-q", str(path)], check=True, capture_output=True)


def test_python_files_are_found_sorted_and_stubs_are_not(tmp_path: Path) -> None:
    # A stub never runs, and every rule is about what code does when it runs.
    write(tmp_path, {"b.py": "", "a.pyi": "", "pkg/c.py": "", "notes.txt": "", "script": "", "pkg/data.json": ""})
    assert shown_files(cwd=tmp_path) == ["b.py", "pkg/c.py"]


def test_ruffs_default_excludes(tmp_path: Path) -> None:
    skipped = [".venv", "venv", ".git", "node_modules", "__pycache__", ".tox", ".nox", ".mypy_cache",
               ".ruff_cache", "site-packages", "dist", "_build", "buck-out", ".eggs", "__pypackages__"]
    write(tmp_path, {f"{name}/x.py": "" for name in skipped})
    write(tmp_path, {"app/main.py": "", "app/venv/inner.py": "", "lib/site-packages/pkg.py": "", "build/gen.py": ""})
    # As in ruff, `build` is not excluded by default (`.gitignore` usually covers it).
    assert shown_files(cwd=tmp_path) == ["app/main.py", "build/gen.py"]


def test_gitignore_is_respected_inside_a_git_work_tree(tmp_path: Path) -> None:
    git_init(tmp_path)
    write(
        tmp_path,
        {
            ".gitignore": "generated/\n*_pb2.py\n/local.py\n",
            "app/.gitignore": "secret.py\n!keep_pb2.py\n",
            "app/main.py": "",
            "app/secret.py": "",
            "app/api_pb2.py": "",
            "app/keep_pb2.py": "",  # re-included by the deeper .gitignore
            "app/local.py": "",  # `/local.py` is anchored at the repository root
            "local.py": "",
            "generated/models.py": "",
            "sub/generated/x.py": "",
        },
    )
    assert shown_files(cwd=tmp_path) == ["app/keep_pb2.py", "app/local.py", "app/main.py"]
    # Starting below the repository root, the parent .gitignore files still apply.
    assert shown_files("app", cwd=tmp_path) == ["app/keep_pb2.py", "app/local.py", "app/main.py"]
    assert shown_files(".", cwd=tmp_path / "app") == ["keep_pb2.py", "local.py", "main.py"]


def test_git_info_exclude_is_respected(tmp_path: Path) -> None:
    git_init(tmp_path)
    (tmp_path / ".git/info").mkdir(parents=True, exist_ok=True)
    (tmp_path / ".git/info/exclude").write_text("scratch.py\n")
    write(tmp_path, {"scratch.py": "", "main.py": ""})
    assert shown_files(cwd=tmp_path) == ["main.py"]


def test_gitignore_outside_a_git_work_tree_is_not_used_but_dot_ignore_is(tmp_path: Path) -> None:
    # ruff (the `ignore` crate) reads .gitignore only inside a git repository; .ignore always.
    write(tmp_path, {".gitignore": "a.py\n", ".ignore": "b.py\n", "a.py": "", "b.py": "", "c.py": ""})
    assert shown_files(cwd=tmp_path) == ["a.py", "c.py"]


def test_respect_gitignore_can_be_turned_off(tmp_path: Path) -> None:
    git_init(tmp_path)
    write(tmp_path, {".gitignore": "ignored.py\n", "ignored.py": "", "main.py": ""})
    assert shown_files(cwd=tmp_path) == ["main.py"]
    assert shown_files("--no-respect-gitignore", cwd=tmp_path) == ["ignored.py", "main.py"]
    write(tmp_path, {"pyproject.toml": "[tool.fastapi-lint]\nrespect-gitignore = false\n"})
    assert shown_files(cwd=tmp_path) == ["ignored.py", "main.py"]
    assert shown_files("--respect-gitignore", cwd=tmp_path) == ["main.py"]


def test_exclude_patterns_from_the_command_line(tmp_path: Path) -> None:
    write(tmp_path, {"app/main.py": "", "app/migrations/0001.py": "", "tests/test_a.py": "", "tests/conftest.py": "",
                     ".venv/x.py": ""})
    assert shown_files("--extend-exclude", "migrations", cwd=tmp_path) == ["app/main.py", "tests/conftest.py", "tests/test_a.py"]
    assert shown_files("--extend-exclude", "tests/test_*.py,**/migrations/*", cwd=tmp_path) == [
        "app/main.py", "tests/conftest.py"]
    # --exclude replaces the defaults.
    assert shown_files("--exclude", "tests", cwd=tmp_path) == [".venv/x.py", "app/main.py", "app/migrations/0001.py"]


def test_a_file_named_on_the_command_line_is_checked_unless_force_exclude(tmp_path: Path) -> None:
    write(tmp_path, {"pyproject.toml": "[tool.fastapi-lint]\nextend-exclude = ['legacy']\n",
                     "legacy/old.py": SLEEPY, "legacy/notes.txt": "", ".venv/lib/v.py": ""})
    assert shown_files("legacy/old.py", ".venv/lib/v.py", cwd=tmp_path) == [".venv/lib/v.py", "legacy/old.py"]
    # A named directory is walked even when excluded itself (ruff checks exclusion below the
    # roots it is given), unless --force-exclude.
    assert shown_files("legacy", cwd=tmp_path) == ["legacy/old.py"]
    assert shown_files("legacy", "--force-exclude", cwd=tmp_path) == []
    assert shown_files("legacy/old.py", "--force-exclude", cwd=tmp_path) == []
    # An excluded parent directory counts too (pre-commit passes files one by one).
    assert shown_files(".venv/lib/v.py", "--force-exclude", cwd=tmp_path) == []
    # Any file named explicitly is checked, whatever its suffix, as in ruff.
    assert shown_files("legacy/notes.txt", cwd=tmp_path) == ["legacy/notes.txt"]
    forced = run("legacy/old.py", "--force-exclude", cwd=tmp_path)
    assert (forced.returncode, forced.stdout) == (0, "All checks passed!\n")


def test_the_same_file_named_twice_is_checked_once(tmp_path: Path) -> None:
    write(tmp_path, {"a.py": SLEEPY})
    result = run("a.py", ".", "./a.py", "--select", "FPI101", cwd=tmp_path)
    assert "Found 1 error." in result.stdout.splitlines()


def test_symlinked_directories_are_not_followed(tmp_path: Path) -> None:
    write(tmp_path, {"real/a.py": ""})
    (tmp_path / "link").symlink_to(tmp_path / "real", target_is_directory=True)
    (tmp_path / "real" / "loop").symlink_to(tmp_path / "real", target_is_directory=True)
    assert shown_files(cwd=tmp_path) == ["real/a.py"]


@pytest.mark.parametrize(
    ("pattern", "path", "expected"),
    [
        (".venv", "/r/a/.venv", True),  # basename anywhere
        ("foo_*.py", "/r/x/foo_bar.py", True),
        ("tests/*.py", "/r/tests/a.py", True),
        ("tests/*.py", "/r/tests/deep/a.py", True),  # `*` crosses `/` (globset's default)
        ("tests/*.py", "/r/other/tests/a.py", False),  # relative patterns are anchored
        ("**/migrations/*", "/r/app/migrations/0001.py", True),
        ("**/migrations/*", "/r/migrations/0001.py", True),
        ("src/**", "/r/src", True),
        ("src/**", "/r/src/a/b.py", True),
        ("a/**/b.py", "/r/a/b.py", True),
        ("a/**/b.py", "/r/a/x/y/b.py", True),
        ("*.{py,pyi}", "/r/x.pyi", True),
        ("[ab].py", "/r/c.py", False),
        ("[!ab].py", "/r/c.py", True),
        ("/abs/dir", "/abs/dir", True),
        ("generated/", "/r/generated", True),
    ],
)
def test_patterns_follow_ruffs_glob_semantics(pattern: str, path: str, expected: bool) -> None:
    assert PatternSet([pattern], Path("/r")).matches(path) is expected


def test_an_ignored_directory_named_on_the_command_line_is_walked(tmp_path: Path) -> None:
    # As in ruff: `fastapi-lint .venv/lib/site-packages/pkg` checks that package.
    git_init(tmp_path)
    write(tmp_path, {".gitignore": "vendor/\n*_pb2.py\n", "vendor/pkg/a.py": "", "vendor/pkg/b_pb2.py": "", "main.py": ""})
    assert shown_files(cwd=tmp_path) == ["main.py"]
    assert shown_files("vendor/pkg", cwd=tmp_path) == ["vendor/pkg/a.py", "vendor/pkg/b_pb2.py"]
