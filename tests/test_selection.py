"""Rule selection as ruff does it, including a rule outside the default selection (FPI200)."""

from __future__ import annotations

import pytest

from fastapi_lint.rules import rule_by_code_or_name
from fastapi_lint.settings import RuleSelection, Settings

FPI200 = rule_by_code_or_name("FPI200")
FPI100 = rule_by_code_or_name("FPI100")


@pytest.mark.parametrize(
    "settings, fpi200, fpi100",
    [
        (Settings(), False, True),  # the default selection leaves FPI200 out
        (Settings(select=["FPI"]), True, True),  # a selector the user writes takes it in
        (Settings(select=["ALL"]), True, True),
        (Settings(extend_select=["FPI2"]), True, True),
        (Settings(extend_select=["FPI200"]), True, True),
        (Settings(select=["FPI1"]), False, True),
        (Settings(select=["FPI"], ignore=["FPI2"]), False, True),
        (Settings(select=["FPI200"], ignore=["FPI2"]), True, False),  # more specific wins
        (Settings(ignore=["FPI"]), False, False),
        (Settings(overrides=RuleSelection(select=("FPI2",))), True, False),  # --select replaces
        (Settings(select=["FPI200"], overrides=RuleSelection(extend_select=("FPI10",))), True, True),
    ],
)
def test_selection(settings: Settings, fpi200: bool, fpi100: bool) -> None:
    assert FPI200 is not None and FPI100 is not None
    assert settings.is_selected(FPI200) is fpi200
    assert settings.is_selected(FPI100) is fpi100
