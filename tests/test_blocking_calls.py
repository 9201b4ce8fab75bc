"""The blocking-call classifier's contract, and FPI104's `extra-blocking-calls` option.

`classify_blocking_call` is shared: FPI100-FPI104 report its verdicts on the event loop,
FPI120 uses it to decide whether an async route may block.
"""

from __future__ import annotations

import ast
import textwrap
import tomllib
from pathlib import Path

import pytest

from fastapi_lint.checker import Checker, check_source
from fastapi_lint.config import ConfigError, parse_config
from fastapi_lint.diagnostics import SourceLines
from fastapi_lint.rules.base import Rule
from fastapi_lint.semantic.blocking import BlockingCall, classify_blocking_call
from fastapi_lint.settings import Settings

CLIENT_RULE = "blocking-client-call-in-async-function"


class _Collect(Rule):
    """Records the classifier's verdict for every call, wherever it is."""

    code = "FPI999"
    name = "collect"
    verdicts: list[tuple[str, BlockingCall | None]] = []

    def visit_call(self, call, ctx) -> None:
        self.verdicts.append((ast.unparse(call.func), classify_blocking_call(call, ctx, self.model, ["mylib.fetch"])))


def verdicts(source: str) -> dict[str, BlockingCall | None]:
    source = textwrap.dedent(source)
    _Collect.verdicts = []
    Checker(ast.parse(source), SourceLines(source), "m.py", [_Collect], Settings()).run()
    return dict(_Collect.verdicts)


def test_classifier_names_the_api_and_code_wherever_the_call_is() -> None:
    found = verdicts(
        """
        import time
        import mylib
        import requests as rq
        from pathlib import Path
        from sqlalchemy.orm import Session

        def helper(db: Session):  # a plain def: classification does not care
            rq.get("https://example.com")
            db.execute("SELECT 1")
            db.add(None)
            Path("a").read_text()
            time.sleep(1)
            mylib.fetch()
            {}.get("a")
        """
    )
    assert found == {
        "rq.get": BlockingCall("FPI100", "requests.get", found["rq.get"].alternative),
        "db.execute": BlockingCall("FPI104", "Session.execute", found["db.execute"].alternative),
        "db.add": None,
        "Path": None,
        "Path('a').read_text": BlockingCall("FPI103", "Path.read_text", found["Path('a').read_text"].alternative),
        "time.sleep": BlockingCall("FPI101", "time.sleep", "use `await asyncio.sleep(...)`"),
        "mylib.fetch": BlockingCall("FPI104", "mylib.fetch", ""),
        "{}.get": None,
    }


def test_messages_name_the_api_the_function_and_the_fix() -> None:
    source = textwrap.dedent(
        """
        import time
        import requests

        async def fetch_user():
            requests.get("https://example.com/me")
            time.sleep(1)
        """
    )
    result = check_source(source, "m.py", Settings(select=["FPI100", "FPI101"]))
    assert [d.message for d in result.diagnostics] == [
        "`requests.get()` blocks the event loop in `async def fetch_user`; use an async client "
        "(`httpx.AsyncClient`) or run it in a thread (`await asyncio.to_thread(...)`)",
        "`time.sleep()` blocks the event loop in `async def fetch_user`; use `await asyncio.sleep(...)`",
    ]
    # Reported at the call: start and end of `requests.get(...)`.
    first = result.diagnostics[0]
    assert (first.location.row, first.location.column) == (6, 5)
    assert (first.end_location.row, first.end_location.column) == (6, 43)


EXTRAS_SOURCE = """\
from fastapi import FastAPI

import mylib
from mylib import Client
from mylib.client import fetch
from .services.mail import send_mail

app = FastAPI()


@app.get("/")
async def index():
    fetch("a")
    mylib.client.fetch("b")
    Client().get("c")
    Client().post("d")
    send_mail("e")
    await fetch("f")
    return {}


def sync_index():
    fetch("g")
"""


def rows(source: str, settings: Settings) -> list[int]:
    result = check_source(source, "app/main.py", settings)
    assert result.error is None
    return [d.location.row for d in result.diagnostics]


def test_extra_blocking_calls_are_reported_as_fpi104() -> None:
    extras = ["mylib.client.fetch", "mylib.Client.get", "app.services.mail.send_mail"]
    settings = Settings(select=["FPI104"], rule_options={CLIENT_RULE: {"extra-blocking-calls": extras}})
    # Not the awaited call, not the one in a plain def, not the method nobody listed.
    assert rows(EXTRAS_SOURCE, settings) == [13, 14, 15, 17]
    assert rows(EXTRAS_SOURCE, Settings(select=["FPI104"])) == []


def test_extra_blocking_calls_option_is_read_from_pyproject() -> None:
    document = tomllib.loads(
        f'[tool.fastapi-lint.{CLIENT_RULE}]\nextra-blocking-calls = ["mylib.client.fetch"]\n'
    )
    config = parse_config(Path("pyproject.toml"), document)
    assert config.rule_options[CLIENT_RULE] == {"extra-blocking-calls": ["mylib.client.fetch"]}
    settings = Settings(select=["FPI104"], rule_options=config.rule_options)
    assert rows(EXTRAS_SOURCE, settings) == [13, 14]

    with pytest.raises(ConfigError, match="extra-blocking-calls"):
        parse_config(
            Path("pyproject.toml"),
            tomllib.loads(f'[tool.fastapi-lint.{CLIENT_RULE}]\nextra-blocking-calls = "mylib.fetch"\n'),
        )
