"""The rule index (`rules/_index.py`) the settings choose rules from without importing them:
it names every rule, and each entry loads its class. (`test_docs.py` checks that the file
is what `python -m fastapi_lint.docs` generates from the classes.)"""

from __future__ import annotations

from fastapi_lint.rules import all_rules, info_of, rule_by_code_or_name, rule_index
from fastapi_lint.settings import Settings


def test_every_rule_is_in_the_index_and_loads_its_class() -> None:
    assert [info.as_row() for info in rule_index()] == [info_of(rule).as_row() for rule in all_rules()]
    assert [info.load() for info in rule_index()] == list(all_rules())


def test_selection_from_the_index_is_the_selection_of_the_classes() -> None:
    settings = Settings(select=["FPI1", "FPI304"], ignore=["FPI10"])
    assert settings.enabled_codes() == tuple(rule.code for rule in settings.enabled_rules())
    assert "FPI304" in settings.enabled_codes() and not any(c.startswith("FPI10") for c in settings.enabled_codes())
    # Test code: the async rules stay out by default, as the classes say.
    tests = settings.enabled_codes("tests/test_app.py")
    assert tests == tuple(rule.code for rule in settings.enabled_rules("tests/test_app.py"))
    assert not any(rule_by_code_or_name(code).async_code for code in tests)
