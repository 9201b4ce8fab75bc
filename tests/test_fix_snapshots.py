"""Fixable fixtures against their `.fixed.py` snapshots, in flake8-async's style.

Every fixture `X.py` whose fixes change something has a snapshot `X.fixed.py`: the fixture
fixed with unsafe fixes on, under its `select=` header. The fixed text must equal the
snapshot byte for byte and parse; fixing it again must change nothing and leave nothing
fixable (idempotent).

`FASTAPI_LINT_UPDATE_SNAPSHOTS=1 .venv/bin/pytest tests/test_fix_snapshots.py` (re)writes
the snapshots and deletes those of fixtures that no longer change; read every one it
writes before keeping it.
"""

from __future__ import annotations

import ast
import os

import pytest

from fastapi_lint.fixes.engine import applicable_fix
from fixture_harness import Fixture, all_fixtures

UPDATE = os.environ.get("FASTAPI_LINT_UPDATE_SNAPSHOTS") == "1"
FIXTURES = all_fixtures()
SNAPSHOTTED = [f for f in FIXTURES if f.snapshot_path.exists()]


def _exact_source(fixture: Fixture) -> str:
    # Bytes, decoded: `read_text` would translate newlines and hide a CRLF difference.
    return fixture.path.read_bytes().decode("utf-8")


@pytest.mark.parametrize("fixture", FIXTURES, ids=[f.id for f in FIXTURES])
def test_fixture_that_fixes_change_has_its_snapshot(fixture: Fixture) -> None:
    outcome = fixture.fix(_exact_source(fixture))
    assert outcome.error is None, outcome.error
    if UPDATE:
        if outcome.fixed:
            fixture.snapshot_path.write_bytes(outcome.text.encode("utf-8"))
        elif fixture.snapshot_path.exists():
            fixture.snapshot_path.unlink()
        return
    if outcome.fixed:
        assert fixture.snapshot_path.exists(), (
            f"{fixture.id}: fixes change this fixture ({dict(outcome.fixed)}) but it has no "
            f"{fixture.snapshot_path.name}; write it with FASTAPI_LINT_UPDATE_SNAPSHOTS=1 and read it"
        )
    else:
        assert not fixture.snapshot_path.exists(), f"{fixture.id}: nothing is fixed, the snapshot is stale"


@pytest.mark.parametrize("fixture", SNAPSHOTTED, ids=[f.id for f in SNAPSHOTTED])
def test_fixed_fixture_equals_its_snapshot(fixture: Fixture) -> None:
    outcome = fixture.fix(_exact_source(fixture))
    snapshot = fixture.snapshot_path.read_bytes().decode("utf-8")
    assert outcome.error is None, outcome.error
    assert outcome.text == snapshot


@pytest.mark.parametrize("fixture", SNAPSHOTTED, ids=[f.id for f in SNAPSHOTTED])
def test_snapshot_parses_and_fixing_it_again_changes_nothing(fixture: Fixture) -> None:
    snapshot = fixture.snapshot_path.read_bytes().decode("utf-8")
    ast.parse(snapshot)
    again = fixture.fix(snapshot)
    assert again.error is None, again.error
    assert dict(again.fixed) == {}
    assert again.text == snapshot
    left = [(d.location.row, d.code) for d in again.remaining if applicable_fix(d, fixture.settings, True)]
    assert left == []


def test_snapshots_are_not_fixtures_themselves() -> None:
    assert all(not f.path.name.endswith(".fixed.py") for f in FIXTURES)
