"""`fastapi-lint --add-noqa`: every current finding silenced in place, as ruff's `--add-noqa`."""

from __future__ import annotations

import ast
import stat
from pathlib import Path

from cli_helpers import run, write

ROUTES = """\
import os
import time
from fastapi import APIRouter

router = APIRouter()
items = []


@router.post("/items")
async def create_item(name: str):
    os.makedirs(f"uploads/{name}")
    db.add(name)
    return {"id": len(items)}


@router.get("/slow")
async def slow():
    await refresh()
    time.sleep(1)  # noqa: E501 the line is long on purpose
    time.sleep(2)  # noqa
    time.sleep(3)  # type: ignore[attr-defined]
    note = \"\"\"two
    lines\"\"\"; time.sleep(4)
    return {"note": note}
"""


def add_noqa(*args: str, cwd: Path, input: str | None = None):
    return run("--isolated", "--no-cache", "--add-noqa", *args, cwd=cwd, input=input)


def test_adds_merges_and_leaves_bare_noqa_alone(tmp_path: Path) -> None:
    write(tmp_path, {"routes.py": ROUTES})
    # FPI120 (not in the default selection) puts a directive on an `async def` line too.
    before = run("--isolated", "--no-cache", "--extend-select", "FPI120", cwd=tmp_path)
    assert before.returncode == 1 and "Found 5 errors." in before.stdout
    result = add_noqa("--extend-select", "FPI120", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stderr == "Added 5 noqa directives.\n"
    assert result.stdout == ""
    lines = (tmp_path / "routes.py").read_text(encoding="utf-8").splitlines()
    assert lines[8] == '@router.post("/items")  # noqa: FPI300'
    assert lines[9] == "async def create_item(name: str):  # noqa: FPI120"
    # Merged into the existing directive, codes sorted, the reason after it kept.
    assert lines[18] == "    time.sleep(1)  # noqa: E501, FPI101 the line is long on purpose"
    assert lines[19] == "    time.sleep(2)  # noqa"
    # After another comment, as ruff does: `noqa` may follow any comment.
    assert lines[20] == "    time.sleep(3)  # type: ignore[attr-defined]  # noqa: FPI101"
    # The line where the statement starts, after a string that ended on it.
    assert lines[22] == '    lines"""; time.sleep(4)  # noqa: FPI101'
    after = run("--isolated", "--no-cache", cwd=tmp_path)
    assert after.returncode == 0 and "All checks passed!" in after.stdout
    again = add_noqa(cwd=tmp_path)
    assert (again.returncode, again.stderr) == (0, "")  # nothing more to add, nothing said


def test_codes_on_one_line_share_one_directive(tmp_path: Path) -> None:
    source = (
        "import time\n\nfrom fastapi import FastAPI\n\napp = FastAPI()\n\n\n"
        "@app.get('/')\nasync def index():\n    time.sleep(1); open('x').read()\n"
    )
    write(tmp_path, {"app.py": source})
    result = add_noqa("--select", "FPI101,FPI103", cwd=tmp_path)
    assert result.stderr == "Added 1 noqa directive.\n"
    line = (tmp_path / "app.py").read_text(encoding="utf-8").splitlines()[9]
    assert line == "    time.sleep(1); open('x').read()  # noqa: FPI101, FPI103"


def test_selection_decides_what_gets_a_directive(tmp_path: Path) -> None:
    write(tmp_path, {"routes.py": ROUTES})
    result = add_noqa("--select", "FPI300", cwd=tmp_path)
    assert result.stderr == "Added 1 noqa directive.\n"
    text = (tmp_path / "routes.py").read_text(encoding="utf-8")
    assert text.count("# noqa: FPI") == 1 and '@router.post("/items")  # noqa: FPI300' in text


def test_multi_line_statement_gets_it_on_its_reported_line(tmp_path: Path) -> None:
    source = (
        "import requests\n\nfrom fastapi import FastAPI\n\napp = FastAPI()\n\n\n"
        "@app.get('/')\nasync def index():\n    await refresh()\n"
        "    response = requests.get(\n        'https://example.com',\n        timeout=5,\n    )\n"
        "    return response.json()\n"
    )
    write(tmp_path, {"app.py": source})
    reported = run("--isolated", "--no-cache", cwd=tmp_path).stdout
    assert "app.py:11:16: FPI100" in reported
    assert add_noqa(cwd=tmp_path).stderr == "Added 1 noqa directive.\n"
    lines = (tmp_path / "app.py").read_text(encoding="utf-8").splitlines()
    assert lines[10] == "    response = requests.get(  # noqa: FPI100"
    assert run("--isolated", "--no-cache", cwd=tmp_path).returncode == 0


def test_never_writes_into_a_string_or_after_a_continuation(tmp_path: Path) -> None:
    source = (
        "import time\n\nfrom fastapi import FastAPI\n\napp = FastAPI()\n\n\n"
        "@app.get('/')\nasync def index():\n    await refresh()\n"
        '    time.sleep(1); banner = """one\n    two"""\n'
        "    time.sleep(2) or \\\n        None\n"
        "    time.sleep(3)\n    return banner\n"
    )
    write(tmp_path, {"app.py": source})
    result = add_noqa(cwd=tmp_path)
    assert result.returncode == 0
    text = (tmp_path / "app.py").read_text(encoding="utf-8")
    ast.parse(text)
    assert '"""one\n    two"""' in text  # the string is as it was
    assert text.count("# noqa") == 1 and "    time.sleep(3)  # noqa: FPI101\n" in text
    assert "app.py:11: no noqa directive added: the line ends inside a string" in result.stderr
    assert "app.py:13: no noqa directive added" in result.stderr
    assert result.stderr.endswith("Added 1 noqa directive.\n")


def test_a_file_that_does_not_parse_is_left_alone(tmp_path: Path) -> None:
    write(tmp_path, {"routes.py": ROUTES, "broken.py": "def f(:\n    time.sleep(1)\n"})
    result = add_noqa(cwd=tmp_path)
    assert result.returncode == 0
    assert (tmp_path / "broken.py").read_text(encoding="utf-8") == "def f(:\n    time.sleep(1)\n"
    assert "error: broken.py: no noqa directives added: SyntaxError" in result.stderr
    assert "Added 4 noqa directives." in result.stderr


def test_keeps_line_endings_and_encoding(tmp_path: Path) -> None:
    source = ROUTES.replace("\n", "\r\n")
    (tmp_path / "routes.py").write_bytes(b"\xef\xbb\xbf" + source.encode("utf-8"))
    assert add_noqa(cwd=tmp_path).stderr == "Added 4 noqa directives.\n"
    data = (tmp_path / "routes.py").read_bytes()
    assert data.startswith(b"\xef\xbb\xbf")
    assert b"\r\n" in data and b"\n" not in data.replace(b"\r\n", b"")
    assert b'@router.post("/items")  # noqa: FPI300\r\n' in data


def test_a_read_only_file_is_reported(tmp_path: Path) -> None:
    write(tmp_path, {"routes.py": ROUTES})
    path = tmp_path / "routes.py"
    path.chmod(stat.S_IRUSR)
    result = add_noqa(cwd=tmp_path)
    assert result.returncode == 0
    assert "routes.py: no noqa directives added" in result.stderr
    assert path.read_text(encoding="utf-8") == ROUTES


def test_quiet_says_nothing_and_stdin_is_refused(tmp_path: Path) -> None:
    write(tmp_path, {"routes.py": ROUTES})
    quiet = add_noqa("--quiet", cwd=tmp_path)
    assert (quiet.returncode, quiet.stderr) == (0, "")
    assert "# noqa: FPI300" in (tmp_path / "routes.py").read_text(encoding="utf-8")
    stdin = add_noqa("-", cwd=tmp_path, input=ROUTES)
    assert stdin.returncode == 2 and "--add-noqa" in stdin.stderr and "Traceback" not in stdin.stderr


def test_with_fix_it_warns_and_adds(tmp_path: Path) -> None:
    write(tmp_path, {"routes.py": ROUTES})
    result = add_noqa("--fix", cwd=tmp_path)
    assert result.returncode == 0
    assert result.stderr == "warning: --fix is incompatible with --add-noqa.\nAdded 4 noqa directives.\n"
