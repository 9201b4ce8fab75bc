"""Rule docs: complete, in ruff's sections, examples that do what they say, generated files fresh."""

from __future__ import annotations

from pathlib import Path

import pytest

from fastapi_lint.checker import check_source
from fastapi_lint.docs import docstring_problems, example_blocks, stale_files
from fastapi_lint.rules import all_rules
from fastapi_lint.settings import Settings

ROOT = Path(__file__).resolve().parent.parent
RULES = all_rules()


@pytest.mark.parametrize("rule", RULES, ids=[r.code for r in RULES])
def test_docstring_has_ruff_sections(rule) -> None:
    assert docstring_problems(rule) == []


# Rules whose example holds only under a setting: FPI402 on FastAPI < 0.137.
EXAMPLE_OPTIONS = {"FPI402": {"route-added-after-include": {"fastapi-version": "0.115.2"}}}


@pytest.mark.parametrize("rule", RULES, ids=[r.code for r in RULES])
def test_example_triggers_the_rule_and_use_instead_does_not(rule) -> None:
    example, use_instead = example_blocks(rule)
    settings = Settings(select=[rule.code], rule_options=EXAMPLE_OPTIONS.get(rule.code, {}))
    flagged = check_source(example, "example.py", settings)
    assert flagged.error is None
    assert [d.code for d in flagged.diagnostics] and {d.code for d in flagged.diagnostics} == {rule.code}
    fixed = check_source(use_instead, "example.py", settings)
    assert fixed.error is None
    assert fixed.diagnostics == []


def test_rule_names_are_kebab_case_and_unique() -> None:
    names = [rule.name for rule in RULES]
    assert len(set(names)) == len(names)
    for name in names:
        assert name == name.lower() and " " not in name and "_" not in name


def test_generated_docs_are_fresh() -> None:
    stale = stale_files(ROOT)
    assert stale == [], "run `python -m fastapi_lint.docs` to regenerate: " + ", ".join(map(str, stale))


def test_every_rule_is_in_the_changelog() -> None:
    changelog = (ROOT / "CHANGELOG.md").read_text(encoding="utf-8")
    missing = [rule.code for rule in RULES if f"{rule.code} `{rule.name}`" not in changelog]
    assert missing == []
