"""FPI107 beyond its fixtures: what silences it, that it and FPI102 split the `os.spawn*`
calls exactly, and that its calls stay out of the catalogue the other blocking rules share."""

from __future__ import annotations

import textwrap

from fastapi_lint.checker import check_source
from fastapi_lint.settings import Settings

ROUTE = '''
import subprocess
from fastapi import FastAPI

app = FastAPI()


@app.get("/")
async def root():
    return {"pid": subprocess.Popen(["true"]).pid}COMMENT
'''


def route(comment: str) -> str:
    return ROUTE.replace("COMMENT", comment)


def codes(source: str, select: list[str], filename: str = "app/main.py") -> list[tuple[int, str]]:
    result = check_source(textwrap.dedent(source), filename, Settings(select=select))
    assert result.error is None
    return sorted((d.location.row, d.code) for d in result.diagnostics)


def test_flake8_async_noqa_code_does_not_silence_it() -> None:
    assert codes(route("  # noqa: ASYNC220"), ["FPI107"]) == [(10, "FPI107")]
    assert codes(route("  # noqa: FPI107"), ["FPI107"]) == []


def test_fpi102_and_fpi107_split_the_spawn_modes() -> None:
    modes = ["os.P_WAIT", "P_WAIT", "0", "foo()", "mode", "os.P_NOWAIT", "P_NOWAIT", "os.P_NOWAITO", "1", "2"]
    body = "\n".join(f"    os.spawnl({mode}, '/bin/true', 'true')" for mode in modes)
    source = f"import os\nfrom os import P_NOWAIT, P_WAIT\n\n\nasync def handler(mode):\n{body}\n"
    result = check_source(source, "app/main.py", Settings(select=["FPI102", "FPI107"], async_scope="all"))
    assert result.error is None
    by_row = {d.location.row: d.code for d in result.diagnostics}
    assert len(result.diagnostics) == len(modes)  # every call once, none twice
    assert [by_row[6 + i] for i in range(len(modes))] == ["FPI102"] * 5 + ["FPI107"] * 5


def test_not_in_the_shared_catalogue() -> None:
    """FPI110's chains and FPI120's cost policy read `classify_blocking_call`: a start must
    not become blocking for them now that FPI107 exists."""
    from test_blocking_calls import verdicts

    found = verdicts(
        """
        import os
        import subprocess

        async def handler(p):
            subprocess.Popen(p)
            os.posix_spawn(p, [p], {})
        """
    )
    assert found == {"subprocess.Popen": None, "os.posix_spawn": None}


def test_the_default_selection_leaves_it_off() -> None:
    result = check_source(textwrap.dedent(route("")), "app/main.py", Settings())
    assert result.error is None
    assert "FPI107" not in {d.code for d in result.diagnostics}


WAITED = '''
import asyncio
import subprocess
from fastapi import FastAPI

app = FastAPI()


@app.post("/build")
async def build():
    with subprocess.Popen(["make"]) as make:
        make.wait()
    tests = subprocess.Popen(["make", "test"], stdout=subprocess.PIPE)
    out, _ = tests.communicate()
    return {"out": out}


@app.post("/offloaded")
async def offloaded():
    with subprocess.Popen(["make"]) as make:
        await asyncio.to_thread(make.wait)
    return {}
'''


def test_a_process_waited_for_on_the_loop_is_one_finding_at_the_wait() -> None:
    """One process, one blocking operation: the wait (FPI102) is reported, not also the
    start it waits for (FPI107); with the wait in a thread only the start is left."""
    found = codes(WAITED, ["FPI102", "FPI107"])
    lines = textwrap.dedent(WAITED).splitlines()
    assert [(lines[row - 1].strip(), code) for row, code in found] == [
        ("make.wait()", "FPI102"),
        ("out, _ = tests.communicate()", "FPI102"),
        ("with subprocess.Popen([\"make\"]) as make:", "FPI107"),
    ]
    assert found[-1][0] > found[1][0]  # the start reported is the offloaded route's
    # The wait decides even when only FPI107 runs: its start is FPI102's finding.
    assert codes(WAITED, ["FPI107"]) == [found[-1]]


ENTERED = '''
import subprocess
from fastapi import FastAPI

app = FastAPI()


@app.post("/build")
async def build():
    with subprocess.Popen(["make"]) as make:
        print(make.pid)
    return {}
'''


def test_a_with_popen_block_is_one_blocking_operation_without_a_fix() -> None:
    """Leaving the block waits (`Popen.__exit__`): FPI102 reports the `with`, from `with`
    to the end of its item, offers no fix, and FPI107 does not report the start, even
    when it runs alone."""
    result = check_source(textwrap.dedent(ENTERED), "app/main.py", Settings(select=["FPI102", "FPI107"]))
    assert result.error is None
    [diagnostic] = result.diagnostics
    assert (diagnostic.code, diagnostic.location.row, diagnostic.location.column) == ("FPI102", 10, 5)
    assert (diagnostic.end_location.row, diagnostic.end_location.column) == (10, 44)  # up to `as make`, before the colon
    assert diagnostic.fix is None
    assert "leaving the block waits for the process to exit" in diagnostic.message
    assert codes(ENTERED, ["FPI107"]) == []
