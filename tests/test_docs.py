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


# Rules that only speak in a whole-project run: their example is checked as a project.
PROJECT_ONLY = {"FPI401"}


def check_example(rule, source: str, settings: Settings, tmp_path):
    if rule.code not in PROJECT_ONLY:
        return check_source(source, "example.py", settings)
    from project_harness import actual

    root = tmp_path / f"example{len(list(tmp_path.iterdir()))}"
    root.mkdir()
    (root / "pyproject.toml").write_text(f'[tool.fastapi-lint]\nselect = ["{rule.code}"]\n')
    (root / "main.py").write_text(source)

    class Found:
        error = None
        diagnostics = [type("D", (), {"code": code})() for _path, _row, code in actual(root)]

    return Found()


@pytest.mark.parametrize("rule", RULES, ids=[r.code for r in RULES])
def test_example_triggers_the_rule_and_use_instead_does_not(rule, tmp_path) -> None:
    example, use_instead = example_blocks(rule)
    settings = Settings(select=[rule.code], rule_options=EXAMPLE_OPTIONS.get(rule.code, {}))
    flagged = check_example(rule, example, settings, tmp_path)
    assert flagged.error is None
    assert [d.code for d in flagged.diagnostics] and {d.code for d in flagged.diagnostics} == {rule.code}
    fixed = check_example(rule, use_instead, settings, tmp_path)
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
