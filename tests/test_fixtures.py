"""Every fixture: exactly the expected diagnostics, and silence once they are noqa'd."""

from __future__ import annotations

import pytest

from fixture_harness import Fixture, all_fixtures

FIXTURES = all_fixtures()


@pytest.mark.parametrize("fixture", FIXTURES, ids=[f.id for f in FIXTURES])
def test_fixture_reports_exactly_the_expected_diagnostics(fixture: Fixture) -> None:
    assert fixture.actual() == fixture.expected()


@pytest.mark.parametrize("fixture", FIXTURES, ids=[f.id for f in FIXTURES])
def test_fixture_is_silent_with_noqa_codes(fixture: Fixture) -> None:
    assert fixture.actual(fixture.noqa_variant()) == []


@pytest.mark.parametrize("fixture", FIXTURES, ids=[f.id for f in FIXTURES])
def test_fixture_is_silent_with_bare_noqa(fixture: Fixture) -> None:
    assert fixture.actual(fixture.noqa_variant(bare=True)) == []


def test_every_rule_has_fixtures_with_positives() -> None:
    from fastapi_lint.rules import all_rules

    from project_harness import all_projects, expected

    covered = {code for fixture in FIXTURES for _, code in fixture.expected()}
    # Whole-project rules (FPI401) have their positives in fixture projects only.
    covered |= {code for root in all_projects() for _, _, code in expected(root)}
    missing = [rule.code for rule in all_rules() if rule.code not in covered]
    assert missing == []
