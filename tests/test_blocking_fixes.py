"""The fixes of FPI100-FPI104 and FPI120 as edits: where they are offered, what they write.

The fixtures' `.fixed.py` snapshots show the fixes on real-looking code; these tests pin
the rules behind them: an offloaded call keeps its exact place in the expression tree
(parenthesized where precedence needs it), no fix where an `await` cannot stand or a
worker thread breaks the program, how `asyncio` and `run_in_threadpool` are spelled, and
the `offload-with` option.
"""

from __future__ import annotations

import ast
import textwrap
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fastapi_lint.checker import check_source
from fastapi_lint.config import ConfigError, load_config_file
from fastapi_lint.fixes import ImportRequest, apply_edits
from fastapi_lint.settings import Settings

FIXTURES = Path(__file__).parent / "fixtures"
OWN_CODES = ("FPI100", "FPI101", "FPI102", "FPI103", "FPI104", "FPI120")


def diagnostics(body: str, code: str, header: str = "", **options):
    source = textwrap.dedent(header) + textwrap.dedent(body)
    rule_options = {}
    if options:
        from fastapi_lint.rules import rule_by_code_or_name

        rule_options[rule_by_code_or_name(code).name] = {k.replace("_", "-"): v for k, v in options.items()}
    result = check_source(source, "app.py", Settings(select=[code], rule_options=rule_options))
    assert result.error is None
    return source, result.diagnostics


def only_fix(body: str, code: str, header: str = "", **options):
    source, found = diagnostics(body, code, header, **options)
    assert len(found) == 1, found
    return source, found[0].fix


HTTP_HEADER = "import asyncio\nimport requests\n\n\n"


class _AwaitToThread(ast.NodeTransformer):
    """What the fix must produce, as a tree: the call replaced in place."""

    def __init__(self, call_line: int) -> None:
        self.call_line = call_line

    def visit_Call(self, node: ast.Call) -> ast.AST:
        self.generic_visit(node)
        if isinstance(node.func, ast.Attribute) and node.func.attr == "get" and node.lineno == self.call_line:
            runner = ast.Attribute(ast.Name("asyncio", ast.Load()), "to_thread", ast.Load())
            return ast.Await(ast.Call(runner, [node.func, *node.args], node.keywords))
        return node


EXPRESSION_SITES = [
    "x = requests.get(u)",
    "return requests.get(u).json()",
    "return requests.get(u)['key']",
    "return requests.get(u)()",
    "return -requests.get(u).status_code",
    "return requests.get(u) ** 2",
    "return 2 ** requests.get(u)",
    "return not requests.get(u)",
    "return [requests.get(v) for v in u]",
    "return {**requests.get(u)}",
    "print(*requests.get(u))",
    "return requests.get(u) if u else None",
    "return (requests.get(u)).ok",
    "return requests.get(u).json()[0].name",
    "assert requests.get(u)",
    "return dict(k=requests.get(u))",
    "return (x := requests.get(u))",
    "return lambda v=requests.get(u): v",
    "with requests.get(u) as r:\n        pass",
    "def inner(v=requests.get(u)):\n        return v",
    "return requests.get(u, **options)",
    "return requests.get(*u)",
    "return requests.get(\n        u,  # the URL\n        timeout=5,\n    )",
    "return (requests.get)(u)",
    "return requests.get(u), requests.get('naïve')",
]


@pytest.mark.parametrize("statement", EXPRESSION_SITES)
def test_an_offloaded_call_keeps_its_place_in_the_tree(statement: str) -> None:
    body = f"async def handler(u, options):\n    {statement}\n"
    source, found = diagnostics(body, "FPI100", HTTP_HEADER)
    assert found and all(d.fix is not None for d in found)
    fixed = apply_edits(source, [edit for d in found for edit in d.fix.edits])
    compile(fixed, "fixed.py", "exec")  # also catches an `await` where none may stand
    expected = ast.parse(source)
    for d in found:
        expected = _AwaitToThread(d.location.row).visit(expected)
    assert ast.dump(ast.parse(fixed)) == ast.dump(ast.fix_missing_locations(expected))


# Random nestings of a blocking call in expressions and statements (`{}` is the hole).
WRAPPERS = [
    "({})", "[{}]", "{}.x", "{}[0]", "{}()", "f({})", "f(k={})", "-{}", "not {}", "{} + 1", "1 ** {}", "{} ** 1",
    "({} if c else d)", "[{} for v in u]", "[v for v in {}]", "(lambda q={}: q)", "{{**{}}}", "[*{}]", "(x := {})",
    "{} and y", "await g({})", 'f"{{{}}}"', "(w for w in {})", "{{v: {} for v in u}}", "a[{}:]", "{} < 3 < 4",
    "(yield {})", "g(*{})", "{}.y.z()",
]
STATEMENTS = [
    "x = {}", "return {}", "with {} as r:\n        pass", "for v in {}:\n        pass", "assert {}", "{}",
    "class K:\n        z = {}", "def h(p={}):\n        pass", "@{}\n    def h():\n        pass", "x: int = {}",
    "x += {}", "raise {}", "async with {} as r:\n        pass", "async for v in {}:\n        pass",
]


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.sampled_from(WRAPPERS), max_size=4), st.sampled_from(STATEMENTS))
@pytest.mark.filterwarnings("ignore::SyntaxWarning")  # `1()`: nonsense the compiler warns about
def test_wherever_a_fix_is_offered_it_compiles_and_keeps_the_tree(wrappers: list[str], statement: str) -> None:
    expression = "requests.get(u)"
    for wrapper in wrappers:
        expression = wrapper.format(expression)
    body = f"async def handler(u, c, d, y, f, g, a):\n    {statement.format(expression)}\n"
    try:
        compile(HTTP_HEADER + body, "app.py", "exec")
    except SyntaxError:
        return  # `yield` in an `async for` target and the like: not a program
    source, found = diagnostics(body, "FPI100", HTTP_HEADER)
    for diagnostic in [d for d in found if d.fix is not None]:
        fixed = apply_edits(source, diagnostic.fix.edits)
        compile(fixed, "fixed.py", "exec")
        expected = _AwaitToThread(diagnostic.location.row).visit(ast.parse(source))
        assert ast.dump(ast.parse(fixed)) == ast.dump(ast.fix_missing_locations(expected))


def test_the_sleep_fix_keeps_the_argument_text_and_parenthesizes_when_needed() -> None:
    source, fix = only_fix(
        "async def handler(d):\n    return str(time.sleep(  # wait\n        d,\n    )).upper()\n", "FPI101", "import time\n\n\n"
    )
    fixed = apply_edits(source, fix.edits)
    assert "return str(await asyncio.sleep(  # wait\n        d,\n    )).upper()" in fixed
    assert fix.imports == (ImportRequest("asyncio"),)
    source, fix = only_fix("async def handler():\n    time.sleep(1).hex()\n", "FPI101", "import time\n\n\n")
    assert "(await asyncio.sleep(1)).hex()" in apply_edits(source, fix.edits)


NO_FIX = {
    "generator expression": ("FPI100", "return any(requests.get(v).ok for v in u)"),
    "f-string": ("FPI100", "return f'{requests.get(u)}'"),
    "class body": ("FPI100", "class Page:\n        body = requests.get(u)"),
    "async with item": ("FPI100", "async with requests.get(u) as r:\n        pass"),
    "inline lambda": ("FPI100", "return list(map(lambda v: requests.get(v), u))"),
    "offloaded by mistake": ("FPI100", "return await asyncio.to_thread(requests.get(u))"),
    "run_in_executor by mistake": ("FPI100", "return await loop.run_in_executor(None, requests.get(u))"),
    "bare generator argument": ("FPI103", "return open(p for p in u)"),
    "httpx.stream": ("FPI100", "with httpx.stream('GET', u) as r:\n        pass"),
    "httpx.Client.stream": ("FPI100", "with httpx.Client().stream('GET', u) as r:\n        pass"),
    "os.popen": ("FPI102", "return os.popen('ls').read()"),
    "sqlite3.connect": ("FPI104", "return sqlite3.connect('app.db')"),
    "sqlite3 method": ("FPI104", "return u.execute('SELECT 1')", "u: sqlite3.Connection"),
    "scoped_session method": ("FPI104", "registry.commit()"),
    "Engine.begin": ("FPI104", "with engine.begin() as conn:\n        pass"),
    "chained blocking call": ("FPI104", "return engine.connect().execute(q)"),
    "sleep keyword": ("FPI101", "time.sleep(secs=1)"),
    "sleep starred": ("FPI101", "time.sleep(*u)"),
    "asyncio taken": ("FPI101", "asyncio = u\n    time.sleep(1)"),
}
NO_FIX_HEADER = """\
import asyncio, os, sqlite3, time
import httpx, requests
from sqlalchemy import create_engine
from sqlalchemy.orm import scoped_session, sessionmaker

engine = create_engine("postgresql://db/app")
registry = scoped_session(sessionmaker(bind=engine))
loop = asyncio.new_event_loop()


"""


@pytest.mark.parametrize("case", NO_FIX, ids=list(NO_FIX))
def test_no_fix_where_an_await_cannot_stand_or_a_thread_breaks_the_program(case: str) -> None:
    code, statement, *annotation = NO_FIX[case]
    parameter = annotation[0] if annotation else "u, q"
    body = f"async def handler({parameter}):\n    {statement}\n"
    _, found = diagnostics(body, code, NO_FIX_HEADER)
    assert found and [d.fix for d in found] == [None] * len(found)


def test_sqlite3_connect_for_any_thread_is_fixed() -> None:
    _, fix = only_fix("async def h():\n    return sqlite3.connect('a.db', check_same_thread=False)\n", "FPI104", NO_FIX_HEADER)
    assert fix is not None


# --------------------------------------------------------------------------- spelling


@pytest.mark.parametrize(
    ("header", "body", "written", "imports"),
    [
        ("import time\n", "async def h():\n    time.sleep(1)\n", "await asyncio.sleep(1)", (ImportRequest("asyncio"),)),
        ("import asyncio as aio\nimport time\n", "async def h():\n    time.sleep(1)\n", "await aio.sleep(1)", ()),
        ("import time\n", "async def h():\n    import asyncio\n    time.sleep(1)\n", "await asyncio.sleep(1)", ()),
    ],
    ids=["import-requested", "module-alias", "local-import"],
)
def test_asyncio_is_spelled_as_the_code_at_the_call_sees_it(header, body, written, imports) -> None:
    source, fix = only_fix(body, "FPI101", header + "\n\n")
    assert written in apply_edits(source, fix.edits)
    assert fix.imports == imports


THREADPOOL_MODULE = """\
import requests
from fastapi.concurrency import run_in_threadpool as offload


async def legacy():
    return await offload(requests.get, "https://example.com")


"""


@pytest.mark.parametrize(
    ("header", "options", "call", "written", "imports"),
    [
        ("import requests\n\n\n", {}, "requests.get(u)", "await asyncio.to_thread(requests.get, u)", (ImportRequest("asyncio"),)),
        (THREADPOOL_MODULE, {}, "requests.get(u)", "await offload(requests.get, u)", ()),
        (THREADPOOL_MODULE, {}, "requests.get(u, func=1)", "await asyncio.to_thread(requests.get, u, func=1)", (ImportRequest("asyncio"),)),
        (THREADPOOL_MODULE, {"offload_with": "asyncio.to_thread"}, "requests.get(u)", "await asyncio.to_thread(requests.get, u)", (ImportRequest("asyncio"),)),
        ("import requests\n\n\n", {"offload_with": "run_in_threadpool"}, "requests.get(u)", "await run_in_threadpool(requests.get, u)",
         (ImportRequest("fastapi.concurrency", "run_in_threadpool"),)),
        (THREADPOOL_MODULE, {"offload_with": "run_in_threadpool"}, "requests.get(u, **kw)", None, None),
        ("import requests\nrun_in_threadpool = None\n\n\n", {"offload_with": "run_in_threadpool"}, "requests.get(u)", None, None),
    ],
    ids=["auto-default", "auto-module-uses-it", "auto-func-keyword", "forced-to_thread", "forced-threadpool-import",
         "forced-threadpool-kwargs", "forced-threadpool-name-taken"],
)
def test_offload_with_option(header, options, call, written, imports) -> None:
    source, fix = only_fix(f"async def h(u, kw):\n    return {call}\n", "FPI100", header, **options)
    if written is None:
        assert fix is None
        return
    assert f"    return {written}\n" in apply_edits(source, fix.edits)
    assert fix.imports == imports


def test_offload_with_rejects_unknown_values(tmp_path) -> None:
    (tmp_path / "pyproject.toml").write_text(
        '[tool.fastapi-lint.blocking-http-call-in-async-function]\noffload-with = "threads"\n'
    )
    with pytest.raises(ConfigError, match='must be one of "auto", "asyncio.to_thread", "run_in_threadpool"'):
        load_config_file(tmp_path / "pyproject.toml")


# --------------------------------------------------------------------------- FPI120

ROUTE_HEADER = """\
import time
from fastapi import Depends, FastAPI

app = FastAPI()


def slow():
    time.sleep(1)


"""


@pytest.mark.parametrize(
    ("body", "fixed"),
    [
        ('@app.get("/")\nasync  def index():\n    slow()\n', True),
        ('@app.get("/")\nasync \\\n  def index():\n    slow()\n', False),
        ("class Checker:\n    async def __call__(self):\n        slow()\n\n\nchecker = Checker()\n"
         '@app.get("/", dependencies=[Depends(checker)])\nasync def index():\n    return 1\n', True),
        ("class Checker:\n    async def __call__(self):\n        slow()\n\n\nchecker = Checker()\n"
         '@app.get("/", dependencies=[Depends(checker)])\nasync def index():\n    return await checker()\n', False),
        ("class Checker:\n    async def __call__(self):\n        slow()\n\n\nclass Strict(Checker):\n    pass\n\n\n"
         '@app.get("/", dependencies=[Depends(Checker())])\nasync def index():\n    return 1\n', False),
        ('async def dep():\n    slow()\n\n\nTASKS = [dep]\n@app.get("/", dependencies=[Depends(dep)])\nasync def index():\n    return 1\n', False),
    ],
    ids=["two-spaces", "line-continuation", "call-instance-injected", "call-instance-awaited", "subclassed", "stored"],
)
def test_plain_def_fix_only_when_this_module_shows_nothing_needs_a_coroutine(body: str, fixed: bool) -> None:
    source, found = diagnostics(body, "FPI120", ROUTE_HEADER)
    assert len(found) == 1
    assert (found[0].fix is not None) is fixed
    if fixed:
        result = apply_edits(source, found[0].fix.edits)
        assert result.count("async") == source.count("async") - 1
        assert "\ndef index" in result or "\n    def __call__" in result
        compile(result, "fixed.py", "exec")


def test_one_blocking_call_is_one_diagnostic_fpi120_only_without_the_blocking_rule() -> None:
    source = ROUTE_HEADER + '@app.get("/")\nasync def index():\n    time.sleep(1)\n'
    # The sleep is FPI101's to report (with its fix); FPI120 would name the same call.
    both = check_source(source, "app.py", Settings(select=["FPI101", "FPI120"]))
    assert {d.code: d.fix is not None for d in both.diagnostics} == {"FPI101": True}
    alone = check_source(source, "app.py", Settings(select=["FPI120"]))
    assert {d.code: d.fix is not None for d in alone.diagnostics} == {"FPI120": True}
    assert "`time.sleep()`" in alone.diagnostics[0].message


def test_plain_def_fix_steps_aside_only_for_blocking_fixes_that_may_be_applied() -> None:
    # A never-awaiting route whose evidence FPI101 does not report (a directory walk),
    # and which also sleeps: both rules report; FPI120's fix waits for FPI101's.
    source = ROUTE_HEADER.replace("import time", "import os\nimport time") + (
        '@app.get("/")\nasync def index():\n    os.listdir(".")\n    time.sleep(1)\n'
    )
    both = check_source(source, "app.py", Settings(select=["FPI101", "FPI120"]))
    assert {d.code: d.fix is not None for d in both.diagnostics} == {"FPI101": True, "FPI120": False}
    unfixable = check_source(source, "app.py", Settings(select=["FPI101", "FPI120"], unfixable=["FPI101"]))
    assert {d.code: d.fix is not None for d in unfixable.diagnostics} == {"FPI101": True, "FPI120": True}


# --------------------------------------------------------------------------- snapshots

OWN_SNAPSHOTS = sorted(p for code in OWN_CODES for p in (FIXTURES / code).glob("*.fixed.py"))


@pytest.mark.parametrize("snapshot", OWN_SNAPSHOTS, ids=[p.relative_to(FIXTURES).as_posix() for p in OWN_SNAPSHOTS])
def test_snapshots_compile(snapshot: Path) -> None:
    # `ast.parse` accepts an `await` in a lambda or a plain `def`; the compiler does not.
    compile(snapshot.read_text(encoding="utf-8"), str(snapshot), "exec")
