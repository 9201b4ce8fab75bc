"""Reading source text: encodings, and syntax errors explained for humans."""

from __future__ import annotations

import ast
import gc
import io
import re
import sys
import tokenize


class SourceDecodeError(Exception):
    pass


def decode_source(source: str | bytes) -> str:
    """Decode as Python does: a BOM or a PEP 263 coding cookie, else UTF-8."""
    if isinstance(source, str):
        return source
    try:
        encoding, _ = tokenize.detect_encoding(io.BytesIO(source).readline)
        text = source.decode(encoding)
    except (SyntaxError, LookupError, UnicodeDecodeError) as error:
        raise SourceDecodeError(f"cannot decode file: {error}") from error
    return text[1:] if text.startswith("\ufeff") else text


def parse_module(text: str, filename: str = "<unknown>", mode: str = "exec") -> ast.AST:
    """`ast.parse`, safe from a CPython AST constructor that is not reentrant.

    CPython 3.11 keeps the constructor's recursion counter in module state, not per call
    (3.11.7 here; see python/cpython#106905): a garbage collection while the tree is built
    can run a finalizer whose logging formats a traceback, and 3.11's traceback calls
    `ast.parse` for its caret lines. The inner parse overwrites the counter and the outer
    one fails with `SystemError: AST constructor recursion depth mismatch`. CI hit it from a
    leaked SQLAlchemy connection's finalizer. Collection is paused for the parse and resumes
    right after; `tests/test_parse_reentrancy.py` reproduces the failure without the pause.
    """
    paused = gc.isenabled()
    if paused:
        gc.disable()
    try:
        return ast.parse(text, filename=filename, mode=mode)
    finally:
        if paused:
            gc.enable()


# Syntax that a newer Python accepts and an older one rejects, with the version it needs.
_NEWER_SYNTAX = (
    (re.compile(r"^\s*type\s+\w+(\[.*\])?\s*="), (3, 12), "a `type` statement"),
    (re.compile(r"^\s*(async\s+)?def\s+\w+\s*\["), (3, 12), "a generic function (PEP 695)"),
    (re.compile(r"^\s*class\s+\w+\s*\["), (3, 12), "a generic class (PEP 695)"),
    (re.compile(r"^\s*except\*?\s+[\w.]+\s*,\s*[\w.]+.*:\s*(#.*)?$"), (3, 14), "`except A, B:` without parentheses"),
    (re.compile(r"""f(["']).*\{[^}]*\1"""), (3, 12), "an f-string reusing its own quotes"),
    (re.compile(r"^\s*match\s+.+:\s*(#.*)?$"), (3, 10), "a `match` statement"),
)


def syntax_error_message(error: SyntaxError, text: str) -> str:
    message = f"SyntaxError: {error.msg}"
    line = ""
    if error.lineno:
        lines = text.splitlines()
        if 0 < error.lineno <= len(lines):
            line = lines[error.lineno - 1]
    running = sys.version_info[:2]
    if running < (3, 14) and _has_template_string(line):
        return (
            f"{message} (this looks like a template string (t-string), which needs Python 3.14+; "
            f"fastapi-lint parses with the Python it runs on, {running[0]}.{running[1]}: run it "
            f"under your project's Python)"
        )
    for pattern, needed, what in _NEWER_SYNTAX:
        if needed > running and pattern.search(line):
            return (
                f"{message} (this looks like {what}, which needs Python "
                f"{needed[0]}.{needed[1]}+; fastapi-lint parses with the Python it runs on, "
                f"{running[0]}.{running[1]}: run it under your project's Python)"
            )
    return message


def _has_template_string(line: str) -> bool:
    """A `t`/`rt`/`tr` prefix glued to a string: older tokenizers see a NAME then a STRING.

    Regular expressions cannot tell `t"x"` from the end of `"don't"`; tokens can.
    """
    try:
        tokens = list(tokenize.generate_tokens(io.StringIO(line + "\n").readline))
    except (tokenize.TokenError, SyntaxError, IndentationError):
        return False
    for first, second in zip(tokens, tokens[1:]):
        if (
            first.type == tokenize.NAME
            and first.string.lower() in ("t", "rt", "tr")
            and second.type == tokenize.STRING
            and first.end == second.start
        ):
            return True
    return False
