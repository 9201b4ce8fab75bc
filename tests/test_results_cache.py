"""The per-file results cache (`fastapi_lint/project/results.py`) from the command line: a
warm run prints what a cold one does, with nothing changed, after an edit of the file, and
after an edit of another module that changes the file's findings; a broken cache file is
an empty cache."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from cli_helpers import run, write
from fastapi_lint.project.cache import CACHE_DIRECTORY
from fastapi_lint.project.results import RESULTS_FILE, ResultCache
from project_harness import PROJECTS_DIRECTORY


@pytest.fixture
def shop(tmp_path: Path) -> Path:
    copy = tmp_path / "shop"
    shutil.copytree(PROJECTS_DIRECTORY / "shop", copy, ignore=shutil.ignore_patterns(CACHE_DIRECTORY, "__pycache__"))
    return copy


def _cold(root: Path, *args: str) -> tuple[int, str]:
    result = run("--no-cache", *args, cwd=root)
    assert "Traceback" not in result.stderr, result.stderr
    return result.returncode, result.stdout


def _warm(root: Path, *args: str) -> tuple[int, str, int]:
    """(exit code, output, how many files came from the result cache)."""
    result = run("-v", *args, cwd=root)
    assert "Traceback" not in result.stderr, result.stderr
    line = next(line for line in result.stderr.splitlines() if "fastapi-lint: checked" in line)
    cached = int(line.split("(")[1].split()[0]) if "from the result cache" in line else 0
    return result.returncode, result.stdout, cached


def _same_as_cold(root: Path, *args: str) -> int:
    code, output, cached = _warm(root, *args)
    assert (code, output) == _cold(root, *args)
    return cached


def test_a_warm_run_prints_what_the_cold_run_printed(shop: Path) -> None:
    assert _same_as_cold(shop, ".") == 0  # the first run fills the cache
    for args in ([], ["--output-format", "json"], ["--output-format", "full"], ["--statistics"]):
        assert _same_as_cold(shop, *args, ".") == 18
    # Named differently (absolute, one file, a directory from below): the same as cold.
    assert _same_as_cold(shop, str(shop)) == 18
    assert _same_as_cold(shop, "shop/api/items.py") == 1
    assert _same_as_cold(shop / "shop", "api") == 6


def test_an_edited_file_is_checked_again(shop: Path) -> None:
    _same_as_cold(shop, ".")
    orders = shop / "shop/api/orders.py"
    orders.write_text("import time\n" + orders.read_text()
                      + "\n\n@router.get('/slow')\nasync def slow():\n    time.sleep(1)\n    return {}\n")
    code, output, cached = _warm(shop, ".")
    assert (code, output) == _cold(shop, ".")
    assert "shop/api/orders.py:" in output and cached < 18
    assert _same_as_cold(shop, ".") == 18
    # An edit that changes no module summary (a comment): only that file is checked again.
    items = shop / "shop/api/items.py"
    items.write_text(items.read_text() + "\n# a comment\n")
    assert _same_as_cold(shop, ".") == 17


def test_an_edit_in_another_module_changes_the_findings_of_its_dependants(tmp_path: Path) -> None:
    root = write(tmp_path / "dep", {
        "pyproject.toml": "[project]\nname = 'dep'\n",
        "app/__init__.py": "",
        "app/helpers.py": "def compute(x):\n    return x + 1\n",
        "app/other.py": "def unrelated():\n    return 1\n",
        "app/main.py": """\
            from fastapi import FastAPI

            from app.helpers import compute

            app = FastAPI()


            @app.get("/items")
            async def items():
                return {"value": compute(1)}
            """,
    })
    code, output, _ = _warm(root, ".")
    assert code == 0 and "FPI110" not in output
    # The helper now blocks: FPI110 appears in the route's module, which did not change.
    write(root, {"app/helpers.py": "import time\n\n\ndef compute(x):\n    time.sleep(1)\n    return x + 1\n"})
    code, output, cached = _warm(root, ".")
    assert (code, output) == _cold(root, ".")
    assert "app/main.py:10:22: FPI110" in output
    # An edit that changes nothing the route module asked about: it stays cached.
    write(root, {"app/other.py": "def unrelated():\n    return 2\n"})
    code, output, cached = _warm(root, ".")
    assert (code, output) == _cold(root, ".")
    assert "app/main.py:10:22: FPI110" in output and cached >= 2
    # And back: the finding goes away again.
    write(root, {"app/helpers.py": "def compute(x):\n    return x + 1\n"})
    code, output, _ = _warm(root, ".")
    assert (code, output) == _cold(root, ".") and "FPI110" not in output


def test_a_settings_change_is_not_answered_from_the_cache(shop: Path) -> None:
    _same_as_cold(shop, ".")
    with (shop / "pyproject.toml").open("a") as config:
        config.write('\n[tool.fastapi-lint.per-file-ignores]\n"shop/api/items.py" = ["FPI110"]\n')
    code, output, _ = _warm(shop, ".")
    assert (code, output) == _cold(shop, ".")
    assert "items.py:24" not in output
    code, output, _ = _warm(shop, "--select", "FPI400", ".")
    assert (code, output) == _cold(shop, "--select", "FPI400", ".")


@pytest.mark.parametrize("content", [b"", b"garbage\x00\xff", b"\x80\x05\x95", None])
def test_a_corrupt_or_truncated_results_file_is_an_empty_cache(shop: Path, content: bytes | None) -> None:
    _same_as_cold(shop, ".")
    path = shop / CACHE_DIRECTORY / RESULTS_FILE
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2] if content is None else content)
    code, output, cached = _warm(shop, ".")
    assert (code, output) == _cold(shop, ".") and cached == 0
    assert _same_as_cold(shop, ".") == 18  # rewritten whole
    assert not list((shop / CACHE_DIRECTORY).glob("*.tmp"))


class _Planted:
    """What a planted results file could hold: unpickled, it would run `touch`."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self):
        import os

        return os.system, (f"touch {self.marker}",)


def test_a_planted_results_file_runs_no_code(shop: Path, tmp_path: Path) -> None:
    # The cache lives in the checked tree: a repository can ship one. Loading it must not
    # run what it names, and the run must still report what a cold run does.
    import pickle

    from fastapi_lint.project.cache import code_version
    from fastapi_lint.project.results import FORMAT

    marker = tmp_path / "ran"
    (shop / CACHE_DIRECTORY).mkdir(exist_ok=True)
    document = {"format": FORMAT, "version": code_version(), "files": {"shop/main.py": _Planted(marker)}}
    (shop / CACHE_DIRECTORY / RESULTS_FILE).write_bytes(pickle.dumps(document))
    code, output, cached = _warm(shop, ".")
    assert not marker.exists()
    assert (code, output) == _cold(shop, ".") and cached == 0


def test_entries_of_deleted_files_are_dropped(shop: Path) -> None:
    _same_as_cold(shop, ".")
    assert "shop/api/latest.py" in ResultCache(shop).load().entries
    (shop / "shop/api/latest.py").unlink()
    _same_as_cold(shop, ".")
    entries = ResultCache(shop).load().entries
    assert "shop/api/latest.py" not in entries and len(entries) == 17


def test_no_cache_neither_reads_nor_writes_results(shop: Path) -> None:
    _cold(shop, ".")
    assert not (shop / CACHE_DIRECTORY).exists()


def test_a_copied_project_with_its_cache_reports_its_own_paths(shop: Path, tmp_path: Path) -> None:
    _same_as_cold(shop, "--output-format", "json", ".")
    copy = tmp_path / "elsewhere"
    shutil.copytree(shop, copy)
    assert (copy / CACHE_DIRECTORY / RESULTS_FILE).exists()
    for args in (["--output-format", "json", "."], ["--output-format", "sarif", "."], ["."]):
        _same_as_cold(copy, *args)


def test_concurrent_runs_neither_fail_nor_disagree(shop: Path) -> None:
    import subprocess
    import sys

    expected = _cold(shop, ".")
    command = [sys.executable, "-m", "fastapi_lint", "check", "."]
    for _ in range(2):
        runs = [subprocess.Popen(command, cwd=shop, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
                for _ in range(3)]
        for process in runs:
            out, err = process.communicate(timeout=120)
            assert "Traceback" not in err, err
            assert (process.returncode, out) == expected
    assert _same_as_cold(shop, ".") == 18


def test_recorded_facts_replay_what_changed() -> None:
    from fastapi_lint.project.facts import FactLog, FactRecorder, replay

    class Model:
        def __init__(self, chains: dict[str, tuple[str, ...]]) -> None:
            self.chains = chains

        def blocking_chain(self, name: str):
            return self.chains.get(name)

        def takes_anything(self, value) -> int:
            return 1

    log = FactLog()
    recorder = FactRecorder(Model({"app.helpers.compute": ("time.sleep",)}), log)
    assert recorder.blocking_chain("app.helpers.compute") == ("time.sleep",)
    assert recorder.blocking_chain("app.other.f") is None
    assert log.complete and len(log.facts) == 2
    assert replay(Model({"app.helpers.compute": ("time.sleep",), "app.unrelated": ("x",)}), log.facts)
    assert not replay(Model({}), log.facts)  # the helper no longer blocks
    assert not replay(Model({"app.helpers.compute": ("time.sleep",), "app.other.f": ("y",)}), log.facts)
    assert not replay(object(), log.facts)  # a question the model cannot answer: changed, no exception
    # An argument that cannot be recorded (an object of the check's own): not replayable.
    recorder.takes_anything(object())
    assert not log.complete
    # Nor an answer too large to fingerprint in every file that asks for it.
    big = FactLog()
    FactRecorder(Model({"everything": [[i] for i in range(5000)]}), big).blocking_chain("everything")
    assert not big.complete


def test_a_run_on_an_unchanged_tree_answers_without_building_the_model(shop: Path, monkeypatch, capsys) -> None:
    # What pre-commit does: one file named, nothing changed since the last run. The tree's
    # stamp (a `stat` per file) says the project is as it was, so its model is not built.
    _same_as_cold(shop, ".")
    code, output = _cold(shop, "shop/api/items.py")
    import fastapi_lint.project.build as build
    from fastapi_lint.cli import main

    def refuse(*args, **kwargs):
        raise AssertionError("the project model was built")

    monkeypatch.setattr(build, "load_project", refuse)
    monkeypatch.chdir(shop)
    assert main(["shop/api/items.py"]) == code
    assert capsys.readouterr().out == output
    whole = _cold(shop, ".")
    assert main(["."]) == whole[0]
    assert capsys.readouterr().out == whole[1]
    # A file that must be checked again builds the model, once: here, an edited file.
    monkeypatch.undo()
    items = shop / "shop/api/items.py"
    items.write_text(items.read_text() + "\n# a comment\n")
    assert _same_as_cold(shop, "shop/api/items.py") == 0
    assert _same_as_cold(shop, ".") == 18  # and the stamp of the new tree is kept


def test_touching_another_file_builds_the_model_once_and_keeps_the_answers(shop: Path) -> None:
    _same_as_cold(shop, ".")
    orders = shop / "shop/api/orders.py"
    os.utime(orders, ns=(orders.stat().st_atime_ns, orders.stat().st_mtime_ns + 10**9))
    result = run("-v", "shop/api/items.py", cwd=shop)
    assert "modules" in result.stderr and "1 from the result cache" in result.stderr  # built, still answered
    result = run("-v", "shop/api/items.py", cwd=shop)
    assert "unchanged since the last run" in result.stderr and "1 from the result cache" in result.stderr


def _backdate(root: Path, seconds: int = 60) -> None:
    """Every file and directory of `root` as if last modified `seconds` ago (a watch of
    paths modified in the last two seconds is not kept: their mtimes may not move)."""
    when = (os.stat(root).st_mtime_ns - seconds * 10**9,) * 2
    for directory, _, names in os.walk(root):
        for name in names:
            os.utime(os.path.join(directory, name), ns=when)
        os.utime(directory, ns=when)


def test_an_unchanged_tree_is_not_listed_again_and_an_added_file_is_seen(shop: Path, monkeypatch, capsys) -> None:
    # A one-file run on an unchanged tree stats the directories and files the last run
    # saw (`build.tree_watch`) instead of walking the tree again.
    import fastapi_lint.project.build as build
    from fastapi_lint.cli import main

    _same_as_cold(shop, ".")
    _backdate(shop)
    _same_as_cold(shop, ".")  # the stamp changed (mtimes): the model is built, the watch kept
    code, output = _cold(shop, "shop/api/items.py")
    listed = []
    real_project_files = build.project_files

    def counting(*args, **kwargs):
        listed.append(args[0])
        return real_project_files(*args, **kwargs)

    monkeypatch.setattr(build, "project_files", counting)
    monkeypatch.chdir(shop)
    assert main(["shop/api/items.py"]) == code
    assert capsys.readouterr().out == output
    assert listed == []
    # A file added anywhere in the tree changes its directory's mtime: the tree is listed.
    write(shop, {"shop/services/extra.py": "import time\n\n\ndef pause():\n    time.sleep(1)\n"})
    assert main(["shop/api/items.py"]) == code
    assert capsys.readouterr().out == output
    assert listed == [shop.resolve()]
    # So is an ignore file edited in place (its directory's mtime does not move).
    (shop / "shop/services/extra.py").unlink()
    write(shop, {".ignore": ""})
    _backdate(shop)
    _same_as_cold(shop, ".")
    listed.clear()
    assert main(["shop/api/items.py"]) == code
    capsys.readouterr()
    assert listed == []
    ignore = shop / ".ignore"
    directory_mtime = shop.stat().st_mtime_ns
    ignore.write_text("shop/api/orders.py\n")
    assert shop.stat().st_mtime_ns == directory_mtime
    main(["shop/api/items.py"])
    capsys.readouterr()
    assert listed == [shop.resolve()]


def test_a_one_file_run_answered_from_the_cache_imports_no_rule(shop: Path) -> None:
    # Pre-commit's run on an unchanged file: the settings choose the rules from the rule
    # index (`rules/_index.py`), the result comes from the cache, and neither the checker,
    # a rule, the semantic model nor `importlib.metadata` (the FastAPI version is read from
    # its `.dist-info` directory's name) is imported: importing them was most of its time.
    import subprocess
    import sys

    _same_as_cold(shop, ".")
    _backdate(shop)
    _same_as_cold(shop, ".")
    code, output = _cold(shop, "shop/api/items.py")
    script = (
        "import sys\n"
        "from fastapi_lint.cli import main\n"
        "code = main(['shop/api/items.py'])\n"
        "heavy = [m for m in sys.modules if m.startswith(('fastapi_lint.checker', 'fastapi_lint.semantic',"
        " 'fastapi_lint.project.model', 'importlib.metadata')) or (m.startswith('fastapi_lint.rules.')"
        " and m not in ('fastapi_lint.rules._index', 'fastapi_lint.rules._fastapi_version',"
        " 'fastapi_lint.rules._option'))]\n"
        "print('imported:', sorted(heavy), file=sys.stderr)\n"
        "sys.exit(code)\n"
    )
    result = subprocess.run([sys.executable, "-c", script], cwd=shop, capture_output=True, text=True)
    assert (result.returncode, result.stdout) == (code, output)
    assert "imported: []" in result.stderr, result.stderr
