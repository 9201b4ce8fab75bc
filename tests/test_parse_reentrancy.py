"""A garbage collection during a parse must not break the check (CI failure, CPython 3.11).

CPython 3.11's AST constructor keeps its recursion counter in module state: a finalizer
that runs inside it and parses too (3.11's traceback formatting does, for its caret lines)
overwrites the counter, and the outer `ast.parse` raises `SystemError`. Here the finalizer
is a cycle of `Trap` objects, collected at the first allocation of the parse.
"""

from __future__ import annotations

import ast
import gc
from contextlib import contextmanager

import pytest

from fastapi_lint.checker import check_source
from fastapi_lint.fixes.engine import fix_source
from fastapi_lint.settings import Settings
from fastapi_lint.source import parse_module

APP = """\
import time
from fastapi import FastAPI

app = FastAPI()


@app.get("/slow")
async def slow():
    time.sleep(1)
    return {"ok": True}
"""


class Trap:
    rearm = False  # leave a new cycle behind, so that every later collection parses too

    def __del__(self) -> None:
        def deeper(levels: int) -> ast.AST:
            return deeper(levels - 1) if levels else ast.parse("x = 1")

        deeper(30)
        if Trap.rearm:
            trap = Trap()
            trap.me = trap


@contextmanager
def garbage_collected_at_the_next_allocation(*, rearm: bool = False):
    Trap.rearm = rearm
    threshold = gc.get_threshold()
    gc.disable()
    for _ in range(10):
        trap = Trap()
        trap.me = trap
    del trap
    gc.set_threshold(50 if rearm else 1)  # re-armed: collect often, not at every allocation
    gc.enable()
    try:
        yield
    finally:
        Trap.rearm = False
        gc.set_threshold(*threshold)
        gc.collect()


def test_the_trap_breaks_a_bare_ast_parse_on_this_python() -> None:
    # Shows the trap is real; a CPython whose constructor is reentrant has nothing to prove.
    try:
        with garbage_collected_at_the_next_allocation():
            ast.parse("a = [1, 2, 3]\n" * 50)
    except SystemError as error:
        assert "recursion depth mismatch" in str(error)
    else:
        pytest.skip("this CPython's AST constructor is reentrant")


def test_parse_module_survives_a_collection_that_parses() -> None:
    with garbage_collected_at_the_next_allocation():
        tree = parse_module("a = [1, 2, 3]\n" * 50)
    assert len(tree.body) == 50


def test_check_and_fix_survive_collections_that_parse() -> None:
    # The check and the fix allocate before they parse: the trap re-arms until then.
    settings = Settings(select=["FPI101"])
    with garbage_collected_at_the_next_allocation(rearm=True):
        result = check_source(APP, "app.py", settings)
    assert [d.code for d in result.diagnostics] == ["FPI101"]
    with garbage_collected_at_the_next_allocation(rearm=True):
        outcome = fix_source(APP, "app.py", settings, unsafe=True)
    assert outcome.error is None
    assert "await asyncio.sleep(1)" in outcome.text
    assert gc.isenabled()
