"""The imports fixes request: which are missing, which cannot be added, and adding them.

Deciding what is missing uses the standard `ast` (cheap, and it sees what LibCST's
`AddImportsVisitor` does not: that visitor only knows the imports *above* the first other
statement, so `import asyncio` after a `try:` block or in `import os; import asyncio` would
be added a second time). Adding them uses LibCST's `AddImportsVisitor`, imported here only,
and its output is verified: nothing but whole import lines (and blank lines) may be inserted,
and an existing single-line `from m import a` may only gain `, b` at its end. Anything else
(the stock visitor would rewrite a parenthesized multi-line import as `(b, a,  # comment`)
is not used: the new name gets a `from m import b` line of its own instead. Where LibCST
does not print the file back exactly (form feeds), only its import lines are taken.
"""

from __future__ import annotations

import ast
import difflib
import re
from dataclasses import dataclass

from . import ImportRequest
from ..source import parse_module


class ImportError_(Exception):
    """The requested imports could not be added without touching other code."""


def bound_name(request: ImportRequest) -> str:
    """The module-level name an import binds (`import os.path` binds `os`)."""
    return request.name if request.name else request.module.split(".")[0]


@dataclass
class ModuleImports:
    """What a module's top level binds, and which of those bindings are plain imports."""

    # name -> the imports that bind it (unconditionally, at module level)
    imports: dict[str, set[ImportRequest]]
    # every name bound at module level by anything (assignment, def, class, import...)
    bound: set[str]

    @classmethod
    def of(cls, tree: ast.Module) -> ModuleImports:
        imports: dict[str, set[ImportRequest]] = {}
        bound: set[str] = set()
        for statement in _module_level_statements(tree.body, unconditional=True):
            if isinstance(statement, ast.Import):
                for alias in statement.names:
                    if alias.asname is None:
                        top = alias.name.split(".")[0]
                        imports.setdefault(top, set()).add(ImportRequest(alias.name))
                        # `import a.b` also binds `a`: it satisfies a request for `import a`.
                        imports[top].add(ImportRequest(top))
            elif isinstance(statement, ast.ImportFrom) and not statement.level and statement.module:
                for alias in statement.names:
                    if alias.asname in (None, alias.name) and alias.name != "*":
                        imports.setdefault(alias.name, set()).add(ImportRequest(statement.module, alias.name))
        for statement in _module_level_statements(tree.body, unconditional=False):
            bound.update(_names_bound_by(statement))
        return cls(imports, bound)

    def is_present(self, request: ImportRequest) -> bool:
        return request in self.imports.get(bound_name(request), ())

    def conflicts(self, request: ImportRequest) -> bool:
        """True when adding `request` would rebind a name the module binds to something else."""
        return not self.is_present(request) and bound_name(request) in self.bound


def unconditional_statements(tree: ast.Module) -> list[ast.stmt]:
    """The module-level statements that always run (as `ModuleImports` counts them): an
    import among them binds its name at runtime, not only for a type checker."""
    return list(_module_level_statements(tree.body, unconditional=True))


def _is_type_checking(test: ast.expr) -> bool:
    return "TYPE_CHECKING" in ast.unparse(test)


def _module_level_statements(body: list[ast.stmt], *, unconditional: bool):
    """Statements that run at module level. `unconditional`: only those that always run
    (top level, and both halves of `try`, whose imports bind in the usual fallbacks);
    otherwise every branch except `if TYPE_CHECKING:` (which never runs)."""
    for statement in body:
        yield statement
        if isinstance(statement, ast.Try) or type(statement).__name__ == "TryStar":
            blocks = [statement.body, statement.orelse, statement.finalbody]
            blocks += [handler.body for handler in statement.handlers]
            if unconditional:
                blocks = [statement.body, statement.finalbody]
            for block in blocks:
                yield from _module_level_statements(block, unconditional=unconditional)
        elif not unconditional and isinstance(statement, ast.If) and not _is_type_checking(statement.test):
            yield from _module_level_statements(statement.body, unconditional=False)
            yield from _module_level_statements(statement.orelse, unconditional=False)
        elif not unconditional and isinstance(statement, (ast.For, ast.AsyncFor, ast.While, ast.With, ast.AsyncWith)):
            yield from _module_level_statements(statement.body, unconditional=False)
            yield from _module_level_statements(getattr(statement, "orelse", []), unconditional=False)


def _names_bound_by(statement: ast.stmt) -> set[str]:
    names: set[str] = set()
    if isinstance(statement, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
        return {statement.name}
    if isinstance(statement, (ast.Import, ast.ImportFrom)):
        for alias in statement.names:
            if alias.name != "*":
                names.add(alias.asname or alias.name.split(".")[0])
        return names
    # Assignments, for/with targets, walrus, `del`, `global` declarations at module level:
    # every Name stored anywhere in the statement itself (not in nested blocks, which
    # `_module_level_statements` yields on their own; not inside lambdas/comprehensions,
    # which have their own scopes... except walrus, which binds in the module).
    nested = ("body", "orelse", "finalbody", "handlers")
    for field_name, value in ast.iter_fields(statement):
        if field_name in nested:
            continue
        for node in ast.walk(value) if isinstance(value, ast.AST) else (
            n for item in (value if isinstance(value, list) else []) if isinstance(item, ast.AST)
            for n in ast.walk(item)
        ):
            if isinstance(node, ast.Name) and isinstance(node.ctx, (ast.Store, ast.Del)):
                names.add(node.id)
    return names


# ---------------------------------------------------------------------- adding (LibCST)


def add_imports(text: str, requests: list[ImportRequest]) -> str:
    """`text` with `requests` (already known to be missing and conflict-free) imported.

    Raises `ImportError_` when LibCST cannot parse the text or its output would change
    anything but import lines.
    """
    if not requests:
        return text
    import libcst
    from libcst.codemod import CodemodContext
    from libcst.codemod.visitors import ImportItem

    try:
        module = libcst.parse_module(text)
    except Exception as error:  # libcst.ParserSyntaxError, or a libcst limitation
        raise ImportError_(f"LibCST cannot parse this file ({type(error).__name__})") from None
    items = [ImportItem(r.module, r.name) for r in sorted(set(requests), key=lambda r: (r.module, r.name or ""))]
    unchanged = module.code
    visitor = _appending_visitor_class()(CodemodContext(), items)
    result = visitor.transform_module(module).code
    if unchanged != text:
        # LibCST does not print every file back exactly (it drops blank lines before a form
        # feed, and some form feeds): take only its import lines, and put them into the
        # original text at the same places.
        result = _transplant(text, unchanged, result)
    verify_only_imports_added(text, result)
    return result


def _transplant(text: str, unchanged: str, changed: str) -> str:
    """`text` with the line insertions and replacements that turn `unchanged` (LibCST's
    rendering of `text`) into `changed`, at the matching lines of `text`."""
    original, rendered, target = _lines(text), _lines(unchanged), _lines(changed)
    alignment = difflib.SequenceMatcher(a=rendered, b=original, autojunk=False).get_matching_blocks()

    def original_index(rendered_index: int) -> int:
        """Where rendered line `rendered_index` is in `text` (it must be an unchanged line)."""
        for block in alignment:
            if block.a <= rendered_index < block.a + block.size:
                return block.b + rendered_index - block.a
        raise ImportError_("LibCST changed the lines around the imports")

    edits: list[tuple[int, int, list[str]]] = []  # (start, end) lines of `text` -> new lines
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(a=rendered, b=target, autojunk=False).get_opcodes():
        if tag == "equal":
            continue
        if tag == "insert":
            at = 0 if i1 == 0 else original_index(i1 - 1) + 1
            edits.append((at, at, target[j1:j2]))
        elif tag == "replace":
            start = original_index(i1)
            if original_index(i2 - 1) != start + (i2 - i1) - 1:
                raise ImportError_("LibCST changed the lines around the imports")
            edits.append((start, start + (i2 - i1), target[j1:j2]))
        else:
            raise ImportError_("LibCST removed lines")
    out, cursor = [], 0
    for start, end, lines in sorted(edits, key=lambda edit: edit[0]):
        out += original[cursor:start] + lines
        cursor = end
    out += original[cursor:]
    return "".join(out)


_VISITOR_CLASS = None


def _appending_visitor_class():
    """`AddImportsVisitor`, except that a name joins an existing `from m import ...` only
    when that statement fits on one physical line, and goes *after* the names already there
    (the stock visitor puts it first and rewrites multi-line lists); and no blank line is
    added after the imports."""
    global _VISITOR_CLASS
    if _VISITOR_CLASS is not None:
        return _VISITOR_CLASS
    import libcst
    from libcst.codemod.visitors import AddImportsVisitor
    from libcst.helpers import get_absolute_module_from_package_for_import

    class AppendingAddImportsVisitor(AddImportsVisitor):
        def leave_ImportFrom(self, original_node, updated_node):
            if isinstance(updated_node.names, libcst.ImportStar) or original_node not in self.all_imports:
                return updated_node
            module = get_absolute_module_from_package_for_import(self.context.full_package_name, updated_node)
            if module is None or module not in self.module_mapping:
                return updated_node
            rendered = libcst.Module(body=[]).code_for_node(original_node)
            names = list(updated_node.names)
            if "\n" in rendered or "\r" in rendered or updated_node.lpar or not isinstance(
                names[-1].comma, libcst.MaybeSentinel
            ):
                # Leave it alone: `leave_Module` adds a `from module import name` line.
                return updated_node
            added = sorted(self.module_mapping.pop(module))
            return updated_node.with_changes(
                names=[*names, *(libcst.ImportAlias(name=libcst.Name(name)) for name in added)]
            )

        def _insert_empty_line(self, statements):
            # The stock visitor adds a blank line between the imports and the next statement;
            # the file's own layout stays as it is.
            return statements

    _VISITOR_CLASS = AppendingAddImportsVisitor
    return _VISITOR_CLASS


_IMPORT_LINE = re.compile(r"^(?:import|from)\s+[\w.]+.*$")


def _lines(text: str) -> list[str]:
    return re.findall(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+$", text)


def verify_only_imports_added(before: str, after: str) -> None:
    """Raise `ImportError_` unless `after` is `before` with whole import lines inserted, and
    single-line `from` imports extended at their end."""
    old, new = _lines(before), _lines(after)
    matcher = difflib.SequenceMatcher(a=old, b=new, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            continue
        if tag in ("insert", "replace"):
            inserted = new[j1:j2]
            replaced = old[i1:i2]
            if tag == "replace":
                if len(replaced) != 1 or not _extends(replaced[0], inserted[0]):
                    raise ImportError_("LibCST changed more than the import lines")
                inserted = inserted[1:]
            for line in inserted:
                if not _IMPORT_LINE.match(line):
                    raise ImportError_("LibCST inserted something that is not an import")
            continue
        raise ImportError_("LibCST removed lines")


def _extends(old_line: str, new_line: str) -> bool:
    """`from m import a  # c` -> `from m import a, b  # c`: the old line with `, names`
    inserted (and nothing else changed)."""
    if not old_line.lstrip().startswith("from ") or len(new_line) <= len(old_line):
        return False
    prefix = 0
    while prefix < len(old_line) and old_line[prefix] == new_line[prefix]:
        prefix += 1
    suffix = len(old_line) - prefix
    if new_line[len(new_line) - suffix:] != old_line[prefix:]:
        return False
    inserted = new_line[prefix:len(new_line) - suffix]
    return re.fullmatch(r"(?:,\s*[A-Za-z_]\w*)+", inserted) is not None


# ---------------------------------------------------------------------- imports as edits


def import_edits(text: str, requests: tuple[ImportRequest, ...]):
    """The imports `requests` need in `text`, as ruff-style text edits (for JSON output,
    where a fix must be complete on its own); None when they cannot be added."""
    from ..diagnostics import Location
    from . import Edit

    try:
        module = ModuleImports.of(parse_module(text))
    except (SyntaxError, ValueError, RecursionError):
        return None
    if any(module.conflicts(r) for r in requests):
        return None
    missing = [r for r in dict.fromkeys(requests) if not module.is_present(r)]
    try:
        result = add_imports(text, missing)
    except ImportError_:
        return None
    old, new = _lines(text), _lines(result)
    edits = []
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(a=old, b=new, autojunk=False).get_opcodes():
        if tag == "insert":
            at = Location(i1 + 1, 1)
            edits.append(Edit("".join(new[j1:j2]), at, at))
        elif tag == "replace":  # `from m import a` -> `from m import a, b`, then inserted lines
            before, after = old[i1], new[j1]
            prefix = 0
            while before[prefix] == after[prefix]:
                prefix += 1
            at = Location(i1 + 1, prefix + 1)
            edits.append(Edit(after[prefix:len(after) - (len(before) - prefix)], at, at))
            if j2 - j1 > 1:
                at = Location(i1 + 2, 1)
                edits.append(Edit("".join(new[j1 + 1:j2]), at, at))
    return edits


def with_import_edits(diagnostics: list, text: str) -> list:
    """Diagnostics whose fixes request imports get those imports as edits (ruff's JSON has
    every edit of a fix); a fix whose imports cannot be added keeps its other edits."""
    from dataclasses import replace

    from . import Fix

    cache: dict[tuple[ImportRequest, ...], list | None] = {}
    out = []
    for diagnostic in diagnostics:
        fix = diagnostic.fix
        if isinstance(fix, Fix) and fix.imports:
            if fix.imports not in cache:
                cache[fix.imports] = import_edits(text, fix.imports)
            extra = cache[fix.imports] or []
            edits = tuple(sorted((*fix.edits, *extra), key=lambda e: (e.location, e.end_location)))
            diagnostic = replace(diagnostic, fix=replace(fix, edits=edits))
        out.append(diagnostic)
    return out
