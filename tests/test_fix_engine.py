"""The fix engine, with test-only rules (`fix_rules_pkg/`): what it applies, in which order,
with which imports, and what it refuses."""

from __future__ import annotations

import ast
import subprocess
import sys
import textwrap
from collections import Counter

import pytest

import fix_test_rules
from fastapi_lint.diagnostics import Diagnostic, Location
from fastapi_lint.fixes import Applicability, Edit, Fix, apply_edits, line_starts_of
from fastapi_lint.fixes.engine import MAX_ITERATIONS, choose_fixes, fix_source
from fastapi_lint.settings import FixableSelection, Settings


@pytest.fixture(autouse=True, scope="module")
def _test_rules():
    with fix_test_rules.installed():
        yield


def settings(*codes: str, **kwargs) -> Settings:
    return Settings(select=list(codes), **kwargs)


SLEEPY = """\
import time

from fastapi import FastAPI

app = FastAPI()


@app.get("/")
async def index():
    time.sleep(1)  # keep this comment
    return {}
"""

SLEEPY_FIXED = """\
import time

from fastapi import FastAPI
import asyncio

app = FastAPI()


@app.get("/")
async def index():
    await asyncio.sleep(1)  # keep this comment
    return {}
"""

MODEL = """\
from pydantic import BaseModel


class Item(BaseModel):
    tags: list[str] = []
"""


# ---------------------------------------------------------------------- what is applied


def test_safe_fix_is_applied_with_its_import_and_nothing_else_changes() -> None:
    outcome = fix_source(SLEEPY, "app.py", settings("FPI990"))
    assert outcome.text == SLEEPY_FIXED
    assert outcome.fixed == Counter({"FPI990": 1})
    assert outcome.remaining == []
    assert outcome.error is None


def test_unsafe_fix_needs_unsafe() -> None:
    assert fix_source(MODEL, "m.py", settings("FPI991")).text == MODEL
    outcome = fix_source(MODEL, "m.py", settings("FPI991"), unsafe=True)
    assert outcome.text == MODEL.replace("from pydantic import BaseModel", "from pydantic import BaseModel, Field") \
        .replace("= []", "= Field(default_factory=list)")
    assert outcome.fixed == Counter({"FPI991": 1})


def test_display_only_fix_is_never_applied() -> None:
    source = "print('hello')\n"
    outcome = fix_source(source, "p.py", settings("FPI992"), unsafe=True)
    assert (outcome.text, dict(outcome.fixed)) == (source, {})
    assert [d.code for d in outcome.remaining] == ["FPI992"]


@pytest.mark.parametrize(
    ("kwargs", "applied"),
    [
        ({}, True),
        ({"unfixable": ["FPI990"]}, False),
        ({"unfixable": ["FPI9"]}, False),
        ({"fixable": ["FPI991"]}, False),
        ({"fixable": ["FPI99"], "unfixable": ["FPI9"]}, True),  # the more specific entry wins
        ({"fixable": ["FPI99"], "unfixable": ["FPI99"]}, False),  # a tie: unfixable
        ({"unfixable": ["ALL"], "extend_fixable": ["FPI990"]}, True),
        ({"fix_overrides": FixableSelection(unfixable=("FPI990",))}, False),  # `--unfixable`
        ({"unfixable": ["FPI990"], "fix_overrides": FixableSelection(fixable=("FPI990",))}, True),  # `--fixable`
    ],
)
def test_fixable_and_unfixable_as_ruff_resolves_them(kwargs: dict, applied: bool) -> None:
    outcome = fix_source(SLEEPY, "app.py", settings("FPI990", **kwargs))
    assert (outcome.text == SLEEPY_FIXED) is applied


@pytest.mark.parametrize(
    ("code", "safe", "unsafe_", "expected"),
    [
        ("FPI991", ["FPI991"], [], Applicability.SAFE),
        ("FPI990", [], ["FPI990"], Applicability.UNSAFE),
        ("FPI990", ["FPI9"], ["FPI9"], Applicability.UNSAFE),  # a tie: unsafe
        ("FPI990", ["FPI990"], ["FPI9"], Applicability.SAFE),  # the more specific entry wins
        ("FPI990", ["ALL"], ["FPI99"], Applicability.UNSAFE),
    ],
)
def test_extend_safe_and_unsafe_fixes_as_ruffs_fix_safety_table(code, safe, unsafe_, expected) -> None:
    configured = settings(code, extend_safe_fixes=safe, extend_unsafe_fixes=unsafe_)
    original = Applicability.UNSAFE if code == "FPI991" else Applicability.SAFE
    assert configured.applicability_of(code, original) is expected
    assert configured.applicability_of(code, Applicability.DISPLAY_ONLY) is Applicability.DISPLAY_ONLY
    source = MODEL if code == "FPI991" else SLEEPY
    changed = fix_source(source, "x.py", configured).text != source
    assert changed is (expected is Applicability.SAFE)


def test_noqa_suppressed_diagnostic_is_not_fixed() -> None:
    source = SLEEPY.replace("# keep this comment", "# noqa: FPI990")
    assert fix_source(source, "app.py", settings("FPI990")).text == source


def test_file_that_does_not_parse_is_never_fixed() -> None:
    source = SLEEPY + "def broken(:\n"
    outcome = fix_source(source, "app.py", settings("FPI990"))
    assert outcome.unparsable
    assert outcome.text == source
    assert [d.code for d in outcome.remaining] == [None]


# ---------------------------------------------------------------------- choosing fixes


def _diagnostic(row: int = 1) -> Diagnostic:
    return Diagnostic("FPI990", "test-sleep-to-asyncio-sleep", "raw", "x.py", Location(row, 1), Location(row, 1))


def _fix(*spans: tuple[int, int, int, int, str]) -> Fix:
    edits = tuple(Edit(content, Location(r1, c1), Location(r2, c2)) for r1, c1, r2, c2, content in spans)
    return Fix("t", Applicability.SAFE, edits)


def _chosen_titles(text: str, fixes: list[Fix]) -> list[int]:
    chosen, _ = choose_fixes(text, [(_diagnostic(), fix) for fix in fixes])
    return [fixes.index(item.fix) for item in chosen]


def test_overlapping_fix_is_left_for_the_next_round_whole() -> None:
    text = "abcdefghij\n"
    first = _fix((1, 1, 1, 4, "X"))
    overlapping = _fix((1, 8, 1, 9, "Y"), (1, 3, 1, 5, "Z"))  # its second edit overlaps `first`
    later = _fix((1, 9, 1, 10, "W"))
    assert _chosen_titles(text, [overlapping, later, first]) == [2, 1]


def test_an_edit_that_starts_where_the_previous_ends_counts_as_overlapping_as_in_ruff() -> None:
    text = "abcdefghij\n"
    assert _chosen_titles(text, [_fix((1, 1, 1, 3, "X")), _fix((1, 3, 1, 4, "Y"))]) == [0]


def test_an_edit_identical_to_one_already_chosen_is_applied_once() -> None:
    text = "abc\n"
    shared = (1, 1, 1, 1, "# header\n")
    chosen, _ = choose_fixes(text, [(_diagnostic(), _fix(shared)), (_diagnostic(), _fix(shared, (1, 2, 1, 3, "B")))])
    edits = [span.edit for item in chosen for span in item.spans]
    assert apply_edits(text, edits) == "# header\naBc\n"


def test_edits_outside_the_text_are_refused_not_applied() -> None:
    chosen, skipped = choose_fixes("ab\n", [(_diagnostic(), _fix((1, 9, 1, 9, "X"))), (_diagnostic(), _fix((7, 1, 7, 1, "Y")))])
    assert chosen == []
    assert len(skipped) == 2 and "outside the file" in skipped[0]


def test_fixes_in_one_round_are_applied_in_position_order_with_nested_calls() -> None:
    source = SLEEPY.replace("time.sleep(1)", "time.sleep(time.sleep(1))")
    outcome = fix_source(source, "app.py", settings("FPI990"))
    assert "await asyncio.sleep(await asyncio.sleep(1))" in outcome.text
    assert outcome.fixed == Counter({"FPI990": 2})
    assert outcome.text.count("import asyncio") == 1


# ---------------------------------------------------------------------- failures


def test_fix_that_breaks_the_code_is_left_out_and_named_and_the_others_still_apply() -> None:
    source = SLEEPY.replace("    return {}", "    breakme()\n    return {}")
    outcome = fix_source(source, "app.py", settings("FPI990", "FPI993"))
    assert outcome.error is not None and "FPI993" in outcome.error and "FPI990" not in outcome.error
    ast.parse(outcome.text)
    assert "await asyncio.sleep(1)" in outcome.text and "breakme()" in outcome.text
    assert outcome.fixed == Counter({"FPI990": 1})
    assert [d.code for d in outcome.remaining] == ["FPI993"]


def test_fixes_that_never_settle_leave_the_original() -> None:
    source = "flip()\n"
    outcome = fix_source(source, "f.py", settings("FPI994"))
    assert outcome.text == source
    assert dict(outcome.fixed) == {}
    assert f"did not converge after {MAX_ITERATIONS} rounds" in outcome.error
    assert [d.code for d in outcome.remaining] == ["FPI994"]


# ---------------------------------------------------------------------- imports


@pytest.mark.parametrize(
    "existing",
    [
        "import asyncio\nimport time\n",
        "import time\nimport asyncio.subprocess\n",
        "import os; import asyncio; import time\n",
        "try:\n    import uvloop\nexcept ImportError:\n    uvloop = None\nimport asyncio\nimport time\n",
        "import time\nfrom fastapi import FastAPI\napp = FastAPI()\nimport asyncio\n",
    ],
)
def test_an_import_that_exists_at_module_level_is_not_added_again(existing: str) -> None:
    source = existing + "\n\nasync def f():\n    time.sleep(1)\n"
    outcome = fix_source(source, "x.py", settings("FPI990"))
    assert outcome.fixed == Counter({"FPI990": 1})
    assert outcome.text == source.replace("    time.sleep(1)", "    await asyncio.sleep(1)")


def test_an_import_only_under_type_checking_is_added() -> None:
    source = "import time\nfrom typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    import asyncio\n\n\nasync def f():\n    time.sleep(1)\n"
    outcome = fix_source(source, "x.py", settings("FPI990"))
    assert outcome.text.startswith("import time\nfrom typing import TYPE_CHECKING\nimport asyncio\nif TYPE_CHECKING:")


def test_a_multi_line_from_import_is_left_alone_and_gets_a_line_of_its_own() -> None:
    source = "from pydantic import (\n    BaseModel,  # models\n    ConfigDict,\n)\n\n\nclass Item(BaseModel):\n    tags: list = []\n"
    outcome = fix_source(source, "m.py", settings("FPI991"), unsafe=True)
    assert outcome.text == source.replace(")\n\n\nclass", ")\nfrom pydantic import Field\n\n\nclass").replace(
        "= []", "= Field(default_factory=list)")


def test_a_single_line_from_import_gains_the_name_at_its_end_keeping_its_comment() -> None:
    source = "from pydantic import BaseModel  # models\n\n\nclass Item(BaseModel):\n    tags: list = []\n"
    outcome = fix_source(source, "m.py", settings("FPI991"), unsafe=True)
    assert outcome.text.startswith("from pydantic import BaseModel, Field  # models\n")


@pytest.mark.parametrize(
    "binding",
    ["Field = object()\n", "def Field():\n    pass\n", "from dataclasses import field as Field\n",
     "from pydantic.fields import Field\n", "for Field in range(3):\n    pass\n"],
)
def test_a_fix_whose_import_would_rebind_a_module_name_is_skipped(binding: str) -> None:
    source = "from pydantic import BaseModel\n" + binding + "\n\nclass Item(BaseModel):\n    tags: list = []\n"
    outcome = fix_source(source, "m.py", settings("FPI991"), unsafe=True)
    assert outcome.text == source
    assert dict(outcome.fixed) == {}
    assert len(outcome.skipped) == 1 and "`Field`" in outcome.skipped[0]


def test_import_goes_after_docstring_future_import_and_keeps_the_coding_cookie() -> None:
    source = (
        "#!/usr/bin/env python\n# -*- coding: latin-1 -*-\n\"\"\"Docs.\"\"\"\nfrom __future__ import annotations\n"
        "import time\n\n\nasync def f():\n    time.sleep(1)\n"
    )
    outcome = fix_source(source, "x.py", settings("FPI990"))
    assert outcome.text.splitlines()[:6] == [
        "#!/usr/bin/env python", "# -*- coding: latin-1 -*-", '"""Docs."""', "from __future__ import annotations",
        "import time", "import asyncio",
    ]


@pytest.mark.parametrize(
    ("head", "fixed_head"),
    [
        ("# Copyright\n\nSETTING = 1\n", "# Copyright\n\nimport asyncio\nSETTING = 1\n"),
        ('"""Docs."""\n# about SETTING\nSETTING = 1\n', '"""Docs."""\nimport asyncio\n# about SETTING\nSETTING = 1\n'),
    ],
)
def test_module_whose_imports_come_later_gets_the_import_at_the_top(head: str, fixed_head: str) -> None:
    body = "import time\n\n\nasync def f():\n    time.sleep(1)\n"
    outcome = fix_source(head + body, "x.py", settings("FPI990"))
    assert outcome.text == fixed_head + body.replace("time.sleep", "await asyncio.sleep")


def test_imports_are_added_exactly_where_libcst_would_not_print_the_file_back_exactly() -> None:
    # LibCST drops blank lines before a form feed and some form feeds: only its import
    # lines are used, and the rest of the file stays as it was.
    source = "import time\n\x0c\nasync def f():\n    time.sleep(1)\n\n\x0c\nx = 1\n\n\n\x0cy = 2\n"
    outcome = fix_source(source, "x.py", settings("FPI990"))
    assert outcome.text == source.replace("import time\n", "import time\nimport asyncio\n").replace(
        "time.sleep", "await asyncio.sleep")
    assert outcome.skipped == []


# ---------------------------------------------------------------------- text fidelity


def test_crlf_file_keeps_crlf_everywhere_including_inserted_text() -> None:
    source = SLEEPY.replace("\n", "\r\n")
    outcome = fix_source(source, "app.py", settings("FPI990"))
    assert outcome.text == SLEEPY_FIXED.replace("\n", "\r\n")


def test_inserted_newlines_follow_the_file_s_line_ending() -> None:
    from fastapi_lint.fixes.engine import _apply, _Chosen, _Span

    source = "x = 1\r\ny = 2\r\n"
    fix = Fix("t", Applicability.SAFE, (Edit("# a\n# b\n", Location(2, 1), Location(2, 1)),))
    chosen = [_Chosen(_diagnostic(), fix, [_Span(7, 7, fix.edits[0])])]
    applied = _apply(source, chosen, None)
    assert applied.after == "x = 1\r\n# a\r\n# b\r\ny = 2\r\n"
    assert applied.edits == ((7, 7, "# a\r\n# b\r\n"),)


def test_columns_are_characters_on_lines_with_non_ascii_text() -> None:
    source = SLEEPY.replace("    time.sleep(1)", "    ré = 'ü'; time.sleep(1)  # ☃")
    outcome = fix_source(source, "app.py", settings("FPI990"))
    assert "    ré = 'ü'; await asyncio.sleep(1)  # ☃  # keep this comment\n" in outcome.text


@pytest.mark.parametrize("odd", ["\u2028", "\x0c", "\x1c", "\x85"])
def test_rows_are_python_s_rows_even_with_characters_str_splitlines_splits_at(odd: str) -> None:
    source = SLEEPY.replace("app = FastAPI()", f"app = FastAPI()\nlabel = 'a{odd}b'")
    outcome = fix_source(source, "app.py", settings("FPI990"))
    assert outcome.text == SLEEPY_FIXED.replace("app = FastAPI()", f"app = FastAPI()\nlabel = 'a{odd}b'")


def test_fixing_the_fixed_text_changes_nothing() -> None:
    again = fix_source(SLEEPY_FIXED, "app.py", settings("FPI990"))
    assert (again.text, dict(again.fixed)) == (SLEEPY_FIXED, {})


def test_line_starts_agree_with_ast_rows() -> None:
    text = "a = 1\rb = 2\r\nc = '\u2028'\nd = 4"
    starts = line_starts_of(text)
    tree = ast.parse(text)
    assert [text[starts[node.lineno - 1]] for node in tree.body] == ["a", "b", "c", "d"]


# ---------------------------------------------------------------------- libcst stays out


def test_checking_and_the_flake8_plugin_and_fixing_without_imports_never_import_libcst() -> None:
    script = textwrap.dedent(
        f"""
        import ast, sys
        sys.path.insert(0, {str(fix_test_rules.PACKAGE_DIR.rsplit('/', 1)[0])!r})
        import fix_test_rules; fix_test_rules.install()
        from fastapi_lint.checker import check_source
        from fastapi_lint.flake8_plugin import FastAPILintPlugin as Plugin
        from fastapi_lint.fixes.engine import fix_source
        from fastapi_lint.settings import Settings
        source = {SLEEPY!r}
        assert check_source(source, "a.py").diagnostics
        list(Plugin(ast.parse(source), "a.py", source.splitlines(True)).run())
        # A fix with nothing to import, and a file with nothing to fix:
        fix_source("flip()\\n", "f.py", Settings(select=["FPI994"]))
        fix_source({SLEEPY_FIXED!r}, "a.py", Settings(select=["FPI990"]))
        assert "libcst" not in sys.modules, "libcst imported"
        fix_source(source, "a.py", Settings(select=["FPI990"]))
        assert "libcst" in sys.modules
        """
    )
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr


# ---------------------------------------------------------------------- fixes as JSON shows them


def test_a_fix_with_its_imports_as_edits_is_complete_on_its_own() -> None:
    from fastapi_lint.checker import check_source
    from fastapi_lint.fixes.imports import with_import_edits

    source = MODEL.replace("from pydantic import BaseModel\n", "from pydantic import BaseModel\nimport time\n") + (
        "\n\nasync def f():\n    time.sleep(1)\n"
    )
    diagnostics = check_source(source, "m.py", settings("FPI990", "FPI991")).diagnostics
    completed = with_import_edits(diagnostics, source)
    assert [len(d.fix.edits) - len(o.fix.edits) for d, o in zip(completed, diagnostics)] == [1, 1]
    for diagnostic in completed:
        alone = apply_edits(source, diagnostic.fix.edits)
        engine = fix_source(source, "m.py", settings(diagnostic.code), unsafe=True).text
        assert alone == engine
