"""FPI500's claims, checked against real FastAPI apps and Starlette's CORSMiddleware.

Each configuration is linted and served: with `allow_origins=["*"]` (or a regex that
matches everything) and `allow_credentials=True`, the middleware reflects a foreign
`Origin` and allows credentials; the configurations the rule leaves alone answer that
origin with a literal `*` without credentials, or not at all.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from fastapi_lint.checker import check_source
from fastapi_lint.settings import Settings
from test_fix_runtime import load

ATTACKER = "https://attacker.invalid"

APP_TEMPLATE = '''
from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware

app = FastAPI()
app.add_middleware(CORSMiddleware, {options}, allow_methods=["*"], allow_headers=["*"])


@app.get("/me")
def read_me():
    return {{"email": "ada@example.com"}}
'''

CONFIGURATIONS = {
    "wildcard with credentials": ('allow_origins=["*"], allow_credentials=True', True),
    "match-all regex with credentials": ('allow_origin_regex=".*", allow_credentials=True', True),
    "wildcard without credentials": ('allow_origins=["*"]', False),
    "allow-list with credentials": ('allow_origins=["https://app.example.com"], allow_credentials=True', False),
}


@pytest.mark.parametrize("name", CONFIGURATIONS, ids=list(CONFIGURATIONS))
def test_only_the_reflecting_configurations_are_flagged(tmp_path: Path, name: str) -> None:
    options, reflects = CONFIGURATIONS[name]
    source = APP_TEMPLATE.format(options=options)
    client = TestClient(load(tmp_path, source).app)

    simple = client.get("/me", headers={"Origin": ATTACKER})
    preflight = client.options(
        "/me", headers={"Origin": ATTACKER, "Access-Control-Request-Method": "GET"}
    )
    assert simple.status_code == 200
    if reflects:
        # The foreign origin is echoed with credentials allowed: its pages may read this.
        for response in (simple, preflight):
            assert response.headers["access-control-allow-origin"] == ATTACKER
            assert response.headers["access-control-allow-credentials"] == "true"
        assert preflight.status_code == 200
    elif "allow_credentials=True" in options:
        # An allow-list: the foreign origin gets no CORS grant, the trusted one does.
        assert "access-control-allow-origin" not in simple.headers
        assert preflight.status_code == 400
        trusted = client.get("/me", headers={"Origin": "https://app.example.com"})
        assert trusted.headers["access-control-allow-origin"] == "https://app.example.com"
    else:
        # A literal `*` and no credentials: browsers do not expose credentialed responses.
        assert simple.headers["access-control-allow-origin"] == "*"
        assert "access-control-allow-credentials" not in simple.headers

    result = check_source(source, "app.py", Settings(select=["FPI500"]))
    assert result.error is None
    assert [d.location.row for d in result.diagnostics] == ([6] if reflects else [])
