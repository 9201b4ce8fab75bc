"""Properties of fixing, on generated programs (hypothesis): the result always parses, and
nothing changes but the fixes' edits and the imports the engine added.

Programs are built from realistic FastAPI snippets that trigger fixable rules (the real
rules' fixes and the test-only FPI990/FPI991 of `fix_rules_pkg/`, which overlap with
FPI101/FPI200 on purpose), mixed with other statements, comments, odd formatting
(backslashes, semicolons, tabs, form feeds, `\\u2028` in strings), non-ASCII text, with LF
or CRLF line endings, with or without a final newline, and read and written through the
writer with or without a BOM.
"""

from __future__ import annotations

import ast
import re
import tempfile
import warnings
from pathlib import Path

import hypothesmith
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

import fix_test_rules
from fastapi_lint.fixes.engine import FixOutcome, Round, fix_source
from fastapi_lint.fixes.writer import SourceFile, write_fixed
from fastapi_lint.rules import all_rules
from fastapi_lint.settings import Settings


@pytest.fixture(autouse=True, scope="module")
def _test_rules():
    with fix_test_rules.installed():
        yield


def _settings() -> Settings:
    real = [rule.code for rule in all_rules() if rule.code not in fix_test_rules.CODES]
    return Settings(select=[*real, "FPI990", "FPI991"])


HEADERS = st.sampled_from([
    "",
    "#!/usr/bin/env python\n",
    "# -*- coding: utf-8 -*-\n",
    '"""The items service."""\n',
    '"""Docs: ünïcode."""\nfrom __future__ import annotations\n',
])
OPTIONAL_IMPORTS = st.lists(st.sampled_from([
    "import asyncio\n",
    "import requests\n",
    "import httpx\n",
    "from fastapi import status\n",
    "from fastapi import (\n    Depends,  # DI\n    HTTPException,\n)\n",
    "from pydantic import Field\n",
    "import os; import sys\n",
    "from starlette.concurrency import run_in_threadpool\n",
]), max_size=4, unique=True)
FIXABLE = [
    '@app.get("/a{n}")\nasync def read_a{n}():\n    time.sleep(1)\n    return {{"ok": True}}\n',
    '@router.post("/items{n}/")\nasync def create_item{n}(item: dict):\n    time.sleep( 0.1 )  # nap ☕\n    return item\n',
    "async def helper{n}():\n    return [time.sleep(i) for i in range(2)]\n",
    "async def multi{n}():\n    time.sleep(\n        1,  # one\n    )\n",
    "async def nested{n}():\n    x = 1 + time.sleep(time.sleep(0)) or 2\n    return x\n",
    'class Item{n}(BaseModel):\n    tags: list[str] = []\n    name: str = "é"\n',
    "class Model{n}(BaseModel):\n    items: list = Field([])\n    meta: dict = Field(default={{}}, description='m')\n",
    '@app.post("/things{n}")\ndef create_thing{n}(payload: dict):\n    return payload\n',
    '@router.post(\n    "/orders{n}",\n    summary="Create",\n)\nasync def create_order{n}(payload: dict):\n    await asyncio.sleep(0)\n    return payload\n',
    'async def fetch{n}():\n    return requests.get("https://example.com/ü")\n',
    '@app.get("/users/{{user_id}}")\nasync def user{n}(user_id: int):\n    return {{}}\n\n\n@app.get("/users/me")\nasync def me{n}():\n    return {{}}\n',
]
FILLER = [
    "# a comment with ünïcode ☃\n",
    "\x0c\n",
    "\n\n\x0c\n",  # LibCST drops the blank lines before a form feed
    "\x0clate{n} = 1\n",  # ... and this form feed
    'label{n} = "a\u2028b"\n',
    "total{n} = 1 + \\\n    2\n",
    "a{n} = 1; b{n} = 2\n",
    "\n\n",
    "if True:\n\tpass  # a tab\n",
    "doc{n} = '''multi\nline ü'''\n",
    "def plain{n}():\n    time.sleep(1)\n",
    "lam{n} = lambda: time.sleep(1)\n",
    "class Plain{n}:\n    cache = []\n",
]
PIECES = st.lists(
    st.tuples(st.sampled_from(FIXABLE + FILLER), st.integers(0, 3)),
    min_size=1, max_size=8,
)


@st.composite
def programs(draw) -> str:
    head = draw(HEADERS)
    imports = ["import time\n", "from fastapi import APIRouter, FastAPI\n", "from pydantic import BaseModel\n"]
    imports += draw(OPTIONAL_IMPORTS)
    imports = draw(st.permutations(imports))
    body = "app = FastAPI()\nrouter = APIRouter()\n\n\n"
    for index, (piece, spacing) in enumerate(draw(PIECES)):
        body += piece.format(n=index) + "\n" * spacing
    if draw(st.booleans()):
        body += draw(hypothesmith.from_node()).strip("\n") + "\n" if draw(st.integers(0, 4)) == 0 else ""
    text = head + "".join(imports) + "\n\n" + body
    if draw(st.booleans()):
        text = text.rstrip("\n")
    if draw(st.booleans()):
        text = text.replace("\n", "\r\n")
    return text


def _parses(text: str) -> bool:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            ast.parse(text)
    except (SyntaxError, ValueError):
        return False
    return True


_LINE = re.compile(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+$")
_IMPORT_LINE = re.compile(r"(?:import|from)\s+[\w.]+")


def _only_import_lines_inserted(before: str, after: str) -> bool:
    """`after` is `before` plus whole `import`/`from` lines, and single-line `from` imports
    extended with `, name` at their end (checked here independently of the engine)."""
    import difflib

    old, new = _LINE.findall(before), _LINE.findall(after)
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(a=old, b=new, autojunk=False).get_opcodes():
        if tag == "equal":
            continue
        if tag == "delete":
            return False
        inserted = new[j1:j2]
        if tag == "replace":
            if i2 - i1 != 1:
                return False
            old_line, new_line = old[i1], inserted[0]
            match = re.fullmatch(r"(from .* import .*?)((?:, \w+)+)(\s*(?:#.*)?(?:\r\n|\r|\n)?)", new_line)
            if not match or match.group(1) + match.group(3) != old_line:
                return False
            inserted = inserted[1:]
        if not all(_IMPORT_LINE.match(line) for line in inserted):
            return False
    return True


def _check_round(step: Round) -> None:
    spans = list(step.edits)
    assert spans == sorted(spans, key=lambda span: (span[0], span[1]))
    cursor, spliced = 0, []
    for begin, end, content in spans:
        assert cursor <= begin <= end <= len(step.before)
        spliced += [step.before[cursor:begin], content]
        cursor = end
    spliced.append(step.before[cursor:])
    after_edits = "".join(spliced)
    # Everything outside the edits is the old text, byte for byte; then only imports were added.
    assert _only_import_lines_inserted(after_edits, step.after), (after_edits, step.after)


def _check_outcome(source: str, outcome: FixOutcome) -> None:
    assert not outcome.unparsable
    assert outcome.error is None, outcome.error
    # Nothing here needs an import that clashes, and LibCST must cope with every file.
    assert outcome.skipped == []
    assert _parses(outcome.text)
    texts = [source] + [step.after for step in outcome.rounds]
    assert [step.before for step in outcome.rounds] == texts[:-1]
    assert texts[-1] == outcome.text
    for step in outcome.rounds:
        _check_round(step)
    if "\n" in source and "\n" not in source.replace("\r\n", ""):  # a CRLF file stays CRLF
        assert "\n" not in outcome.text.replace("\r\n", "")


@settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
@given(programs())
def test_fixing_generated_programs_keeps_them_valid_and_changes_only_the_edits(source: str) -> None:
    assume(_parses(source))
    configured = _settings()
    outcome = fix_source(source, "generated.py", configured, unsafe=True)
    _check_outcome(source, outcome)
    again = fix_source(outcome.text, "generated.py", configured, unsafe=True)
    assert (again.text, dict(again.fixed), again.error) == (outcome.text, {}, None)


@settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))
@given(programs(), st.booleans())
def test_fixed_files_keep_their_bom_and_newlines_through_the_writer(source: str, bom: bool) -> None:
    assume(_parses(source))
    with tempfile.TemporaryDirectory() as directory:
        path = Path(directory) / "app.py"
        original = (b"\xef\xbb\xbf" if bom else b"") + source.encode("utf-8")
        path.write_bytes(original)
        read = SourceFile.read(path)
        assert read.text == source
        outcome = fix_source(read.text, str(path), _settings(), unsafe=True)
        _check_outcome(source, outcome)
        written = write_fixed(read, outcome.text)
        data = path.read_bytes()
        assert written is (outcome.text != source)
        assert data.startswith(b"\xef\xbb\xbf") is bom
        assert data == (b"\xef\xbb\xbf" if bom else b"") + outcome.text.encode("utf-8")


@settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))
@given(hypothesmith.from_node())
def test_fixing_arbitrary_valid_modules_after_a_fastapi_prelude_never_breaks_them(generated: str) -> None:
    prelude = (
        "import time\nfrom fastapi import FastAPI\nfrom pydantic import BaseModel\napp = FastAPI()\n\n"
        "@app.post('/items')\nasync def create_item():\n    time.sleep(1)\n\n"
        "class Item(BaseModel):\n    tags: list = []\n"
    )
    source = prelude + generated
    assume(_parses(source))
    outcome = fix_source(source, "generated.py", _settings(), unsafe=True)
    _check_outcome(source, outcome)
