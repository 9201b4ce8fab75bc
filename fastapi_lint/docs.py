"""Documentation generated from the code: `docs/rules/<name>.md` and the rule table.

Run `python -m fastapi_lint.docs` after changing a rule's docstring; a test fails while
the committed docs differ from what this produces.
"""

from __future__ import annotations

import inspect
import re
import sys
from pathlib import Path

from .rules import Rule, all_rules

REQUIRED_SECTIONS = ("## What it does", "## Why is this bad?", "## Example", "## References")
SECTION_ORDER = ("## What it does", "## Why is this bad?", "## Example", "## Fix safety", "## Options", "## References")
TABLE_START = "<!-- rules-table:start -->"
TABLE_END = "<!-- rules-table:end -->"
_CODE_BLOCK = re.compile(r"```python\n(.*?)```", re.DOTALL)


def rule_doc(rule: type[Rule]) -> str:
    return inspect.cleandoc(rule.__doc__ or "")


def docstring_problems(rule: type[Rule]) -> list[str]:
    """What is wrong with a rule's docstring, as documentation (empty: nothing)."""
    doc = rule_doc(rule)
    problems = [f"missing section `{s}`" for s in REQUIRED_SECTIONS if s not in doc.splitlines()]
    headings = [line for line in doc.splitlines() if line.startswith("## ")]
    unknown = [h for h in headings if h not in SECTION_ORDER]
    problems += [f"unknown section `{h}`" for h in unknown]
    known = [h for h in headings if h in SECTION_ORDER]
    if known != sorted(known, key=SECTION_ORDER.index):
        problems.append("sections out of order")
    if rule.options and "## Options" not in headings:
        problems.append("rule has options but no `## Options` section")
    for option in rule.options:
        if f"`{option.name}`" not in doc:
            problems.append(f"option `{option.name}` is not documented")
    example, use_instead = example_blocks(rule)
    if example is None or use_instead is None:
        problems.append("`## Example` needs a python block, then `Use instead:` and another")
    return problems


def example_blocks(rule: type[Rule]) -> tuple[str | None, str | None]:
    """The `## Example` code block and its `Use instead:` block."""
    doc = rule_doc(rule)
    start = doc.find("## Example")
    if start < 0:
        return None, None
    end = doc.find("\n## ", start + 1)
    section = doc[start : end if end > 0 else None]
    before, _, after = section.partition("Use instead:")
    first = _CODE_BLOCK.search(before)
    second = _CODE_BLOCK.search(after)
    return (first.group(1) if first else None, second.group(1) if second else None)


def render_rule(rule: type[Rule]) -> str:
    status = "enabled by default" if rule.default_enabled else "off by default (select it to enable)"
    return f"# {rule.name} ({rule.code})\n\nThis rule is {status}.\n\n{rule_doc(rule)}\n"


def render_table(rules: tuple[type[Rule], ...]) -> str:
    lines = ["| Code | Name | What it catches |", "| --- | --- | --- |"]
    for rule in rules:
        summary = rule.summary().replace("|", "\\|")
        if not rule.default_enabled:
            summary += " *Not in the default selection: enable it with `extend-select`.*"
        lines.append(f"| {rule.code} | [{rule.name}](docs/rules/{rule.name}.md) | {summary} |")
    return "\n".join(lines)


def render_index(rules: tuple[type[Rule], ...]) -> str:
    table = render_table(rules).replace("(docs/rules/", "(")
    return f"# Rules\n\nGenerated from the rules' docstrings by `python -m fastapi_lint.docs`.\n\n{table}\n"


def expected_files(root: Path) -> dict[Path, str]:
    rules = all_rules()
    files = {root / "docs" / "rules" / f"{rule.name}.md": render_rule(rule) for rule in rules}
    files[root / "docs" / "rules" / "index.md"] = render_index(rules)
    readme = root / "README.md"
    if readme.exists():
        text = readme.read_text(encoding="utf-8")
        if TABLE_START in text and TABLE_END in text:
            head, _, rest = text.partition(TABLE_START)
            _, _, tail = rest.partition(TABLE_END)
            files[readme] = f"{head}{TABLE_START}\n{render_table(rules)}\n{TABLE_END}{tail}"
    return files


def stale_files(root: Path) -> list[Path]:
    stale = []
    for path, content in expected_files(root).items():
        if not path.exists() or path.read_text(encoding="utf-8") != content:
            stale.append(path)
    rules_dir = root / "docs" / "rules"
    expected = set(expected_files(root))
    stale += [p for p in rules_dir.glob("*.md") if p not in expected]
    return stale


def main(argv: list[str] | None = None) -> int:
    root = Path(argv[0] if argv else Path(__file__).resolve().parent.parent)
    expected = expected_files(root)
    (root / "docs" / "rules").mkdir(parents=True, exist_ok=True)
    for path in (root / "docs" / "rules").glob("*.md"):
        if path not in expected:
            path.unlink()
    for path, content in expected.items():
        path.write_text(content, encoding="utf-8")
    print(f"wrote {len(expected)} files")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
