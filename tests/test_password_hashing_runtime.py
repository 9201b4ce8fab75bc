"""FPI105's claim, run: password hashing in an `async def` route holds every other request.

The app hashes with `hashlib.pbkdf2_hmac` (the standard library's; bcrypt, passlib,
argon2-cffi and pwdlib are not test dependencies), with as many iterations as this
machine needs for about BLOCK_SECONDS. While `/work` hashes, an unrelated `/ping` is due:
on the loop, it is answered only after the hash; in a worker thread (the fix) or in a
plain `def` route, while the hash still runs, because `pbkdf2_hmac` releases the GIL.
"""

from __future__ import annotations

import asyncio
import hashlib
import time

import pytest

from fastapi_lint.fixes.engine import fix_source
from fastapi_lint.settings import Settings
from test_blocking_runtime import (
    BLOCK_SECONDS, import_app, line_of, lint, ping_waited_for_work, serve_work_and_ping, write_app,
)

HASH = 'hashlib.pbkdf2_hmac("sha256", b"password", b"salt", ITERATIONS)'
HELPERS = "\nimport hashlib\n\nITERATIONS = 1  # set by the test\n"
VARIANTS = {
    "pbkdf2_hmac in async def": ("async def work()", HASH),
    "await asyncio.to_thread(pbkdf2_hmac)": (
        "async def work()", 'await asyncio.to_thread(hashlib.pbkdf2_hmac, "sha256", b"password", b"salt", ITERATIONS)'
    ),
    "pbkdf2_hmac in plain def": ("def work()", HASH),
}


def iterations_for(seconds: float) -> int:
    """How many PBKDF2-SHA256 iterations take about `seconds` here."""
    sample = 20_000
    start = time.perf_counter()
    hashlib.pbkdf2_hmac("sha256", b"password", b"salt", sample)
    return max(sample, int(sample * seconds / max(time.perf_counter() - start, 1e-6)))


@pytest.mark.parametrize("variant", VARIANTS, ids=list(VARIANTS))
def test_hashing_on_the_loop_stalls_other_requests_and_is_flagged(tmp_path, variant) -> None:
    work_def, work_body = VARIANTS[variant]
    path = write_app(tmp_path, work_def, work_body, HELPERS)
    module = import_app(path)
    module.ITERATIONS = iterations_for(BLOCK_SECONDS)
    timeline = asyncio.run(serve_work_and_ping(module))
    stalls = variant == "pbkdf2_hmac in async def"
    assert ping_waited_for_work(timeline) is stalls
    expected = [(line_of(path, HASH), "FPI105")] if stalls else []
    assert lint(path, "FPI105") == expected


def test_the_fix_takes_the_hash_off_the_loop(tmp_path) -> None:
    work_def, work_body = VARIANTS["pbkdf2_hmac in async def"]
    path = write_app(tmp_path, work_def, work_body, HELPERS)
    outcome = fix_source(path.read_text(), str(path), Settings(select=["FPI105"]), unsafe=True)
    assert outcome.error is None and outcome.fixed == {"FPI105": 1}
    assert "await asyncio.to_thread(hashlib.pbkdf2_hmac, " in outcome.text
    fixed = tmp_path / "fixed_hashing_app.py"
    fixed.write_text(outcome.text)
    assert lint(fixed, "FPI105") == []
    module = import_app(fixed)
    module.ITERATIONS = iterations_for(BLOCK_SECONDS)
    assert ping_waited_for_work(asyncio.run(serve_work_and_ping(module))) is False
