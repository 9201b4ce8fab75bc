"""Where a fix may put an `await`, and the source text around a call, for FPI100-FPI104.

A blocking call that the rules report runs directly in an `async def` body, but an
`await` is not legal (or not harmless) everywhere in such a body:

- in a generator expression it would turn the generator into an async generator, which
  `sum()`, `list()`, `"".join()` ... cannot consume;
- in a class body (`'await' outside function`) or in an annotation (annotations of local
  variables are never evaluated; with `from __future__ import annotations` an `await`
  there is a syntax error);
- in an f-string the positions of nested nodes are not reliable on every Python this
  tool supports: no fix there;
- as the context manager of an `async with`, the code is already wrong in another way.

Positions: `ast` columns are UTF-8 byte offsets; everything here works on character
offsets into the text and turns them into `Location`s (1-based row, 1-based character
column) once, through `SourceLines`.
"""

from __future__ import annotations

import ast
import bisect

from ..diagnostics import Location, SourceLines

_NO_AWAIT_SCOPES = (ast.GeneratorExp, ast.JoinedStr, ast.Lambda)


class SourceText:
    """The module's text with character offsets, built from the checker's `SourceLines`."""

    def __init__(self, lines: SourceLines) -> None:
        self.lines = lines
        self.text = "".join(lines.lines)
        self.starts = [0]
        for line in lines.lines:
            self.starts.append(self.starts[-1] + len(line))

    def offset(self, row: int, byte_col: int) -> int:
        location = self.lines.location(row, byte_col)
        return self.starts[location.row - 1] + location.column - 1

    def start(self, node: ast.AST) -> int:
        return self.offset(node.lineno, node.col_offset)

    def end(self, node: ast.AST) -> int:
        return self.offset(node.end_lineno, node.end_col_offset)

    def location(self, offset: int) -> Location:
        row = bisect.bisect_right(self.starts, offset) - 1
        row = min(row, len(self.lines.lines) - 1)
        return Location(row + 1, offset - self.starts[row] + 1)

    def opening_parenthesis(self, call: ast.Call) -> int | None:
        """The offset of the `(` that opens `call`'s arguments.

        Between the callee and it there can only be blanks, line continuations, comments and
        the `)` of a parenthesized callee (`(requests.get)(url)`).
        """
        index = self.end(call.func)
        limit = self.end(call)
        while index < limit:
            char = self.text[index]
            if char == "(":
                return index
            if char == "#":
                index = self.text.find("\n", index)
                if index < 0:
                    return None
            elif not (char.isspace() or char in ")\\"):
                return None
            index += 1
        return None


def parent_map(function: ast.AST) -> dict[int, ast.AST]:
    parents: dict[int, ast.AST] = {}
    for node in ast.walk(function):
        for child in ast.iter_child_nodes(node):
            parents[id(child)] = node
    return parents


def can_await_at(call: ast.Call, function: ast.AST, parents: dict[int, ast.AST]) -> bool:
    """True when replacing `call` by an `await` expression keeps the code valid and the
    enclosing constructs' meaning (see the module docstring)."""
    child: ast.AST = call
    node = parents.get(id(call))
    while node is not None and node is not function:
        if isinstance(node, _NO_AWAIT_SCOPES) and not _is_lambda_default(node, child):
            return False
        if isinstance(node, ast.ClassDef) and child in node.body:
            return False
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and (child in node.body or child is node.returns):
            return False
        if isinstance(node, (ast.arg, ast.AnnAssign)) and child is node.annotation:
            return False
        if isinstance(node, ast.withitem) and isinstance(parents.get(id(node)), ast.AsyncWith):
            return False
        child, node = node, parents.get(id(node))
    return node is function


def _is_lambda_default(node: ast.AST, child: ast.AST) -> bool:
    # `lambda x=time.sleep(1): x`: the default is evaluated where the lambda is defined.
    return isinstance(node, ast.Lambda) and child is node.args


def needs_parentheses(call: ast.Call, parents: dict[int, ast.AST]) -> bool:
    """`await` binds more loosely than attribute access, subscription and calls:
    `requests.get(url).json()` must become `(await ...).json()`. Everywhere else an
    `await` expression may stand where the call stood (`await x ** 2` is `(await x) ** 2`,
    `-await x`, `f(await x)`, `[await x for ...]` are all fine)."""
    parent = parents.get(id(call))
    if isinstance(parent, (ast.Attribute, ast.Subscript)):
        return parent.value is call
    if isinstance(parent, ast.Call):
        return parent.func is call
    return False


def outer_calls_in_chain(call: ast.Call, parents: dict[int, ast.AST]) -> list[ast.Call]:
    """`conn.execute(q).fetchone()`: the calls made on `call`'s result, innermost first."""
    outer = []
    node: ast.AST = call
    while True:
        attribute = parents.get(id(node))
        if not isinstance(attribute, ast.Attribute) or attribute.value is not node:
            return outer
        parent = parents.get(id(attribute))
        if not isinstance(parent, ast.Call) or parent.func is not attribute:
            return outer
        outer.append(parent)
        node = parent
