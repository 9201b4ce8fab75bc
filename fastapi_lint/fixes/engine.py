"""The fix engine: check, apply the fixes that may be applied, re-check, until nothing changes.

One iteration, as ruff's `lint_fix`:
1. check the text; take the fixes that may be applied (safe ones, plus unsafe ones with
   `unsafe=True`, never display-only; `fixable` / `unfixable` / `extend-safe-fixes` /
   `extend-unsafe-fixes` from the settings);
2. order them by position and keep a fix only when none of its edits touches an edit
   already kept (a whole fix or nothing, exactly ruff's `apply_fixes`: an edit starting
   where the previous one ends counts as touching; an edit identical to one already kept is
   not applied twice);
3. apply the text edits, then add the imports the kept fixes requested (LibCST's
   `AddImportsVisitor`, see `imports.py`);
4. the result must compile (with the running Python; `compile` also rejects an `await`
   that `ast.parse` lets through).

It stops when no fix is left to apply. A step that does not parse is not taken: the fixes
that fail on their own are found, their rule's fixes are not tried again in this file, the
outcome's `error` names them, and the round is redone without them (so every change kept
was verified to parse). When the fixes have not settled after `MAX_ITERATIONS` rounds
(fixes that undo each other), the original text is kept. A text that does not parse in the
first place is never fixed.

libcst is imported only when a fix needs an import (`imports.add_imports`).
"""

from __future__ import annotations

import ast
import warnings
from collections import Counter
from dataclasses import dataclass, field

from ..checker import check_source
from ..diagnostics import Diagnostic
from ..settings import Settings
from . import NEWLINE, Edit, Fix, applicable_fix, line_starts_of
from ..source import parse_module

# Ruff allows 100; a real file settles in two or three rounds.
MAX_ITERATIONS = 20


@dataclass(frozen=True)
class Round:
    """One round of fixing, kept so that tests can check that nothing but these edits and
    the added imports changed: `before` with `edits` (string offsets into `before`, the
    content as inserted) applied, then the imports added, is `after`."""

    before: str
    edits: tuple[tuple[int, int, str], ...]
    after: str


@dataclass
class FixOutcome:
    # The fixed text; the original when nothing could be applied (or the file did not parse).
    text: str
    # Rule code -> how many of its fixes were applied.
    fixed: Counter[str] = field(default_factory=Counter)
    # The diagnostics of `text`.
    remaining: list[Diagnostic] = field(default_factory=list)
    # Why fixing fell short: a fix produced code that does not parse (it was left out, and
    # the text has only the fixes that parsed), or the fixes did not converge (the text is
    # the original).
    error: str | None = None
    # Fixes left out for a reason the user may want to know (an import they need would
    # rebind a name the module already uses, LibCST cannot parse the file...).
    skipped: list[str] = field(default_factory=list)
    # True when the original did not parse: it was checked (the syntax error is in
    # `remaining`) and never fixed.
    unparsable: bool = False
    # The rounds that were applied, in order (their `after` is the next one's `before`).
    rounds: list[Round] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return bool(self.fixed)


# ---------------------------------------------------------------------- one round


@dataclass(frozen=True)
class _Span:
    begin: int
    end: int
    edit: Edit


def _spans(text: str, starts: list[int], fix: Fix) -> list[_Span] | None:
    """The fix's edits as string offsets, sorted; None when an edit points outside the text
    or the fix's own edits overlap (a bug in the rule: the fix is not applied)."""
    spans = []
    for edit in fix.edits:
        offsets = []
        for location in (edit.location, edit.end_location):
            row, column = location.row, location.column
            if row < 1 or column < 1 or row > len(starts):
                return None
            line_end = starts[row] if row < len(starts) else len(text)
            offset = starts[row - 1] + column - 1
            if offset > line_end:
                return None
            offsets.append(offset)
        if offsets[1] < offsets[0]:
            return None
        spans.append(_Span(offsets[0], offsets[1], edit))
    spans.sort(key=lambda span: (span.begin, span.end))
    for previous, current in zip(spans, spans[1:]):
        if current.begin < previous.end:
            return None
    return spans


@dataclass
class _Chosen:
    diagnostic: Diagnostic
    fix: Fix
    spans: list[_Span]


def choose_fixes(text: str, candidates: list[tuple[Diagnostic, Fix]]) -> tuple[list[_Chosen], list[str]]:
    """Non-overlapping fixes in position order (ruff's `apply_fixes` / `cmp_fix`)."""
    starts = line_starts_of(text)
    prepared = []
    skipped = []
    for diagnostic, fix in candidates:
        spans = _spans(text, starts, fix)
        if spans is None:
            skipped.append(f"{_where(diagnostic)}: {diagnostic.code}'s fix has edits outside the file or "
                           "overlapping each other (a bug: please report it)")
            continue
        prepared.append((diagnostic, fix, spans))
    prepared.sort(key=lambda item: (item[2][0].begin if item[2] else -1))
    chosen: list[_Chosen] = []
    applied: set[tuple[int, int, str]] = set()
    last_end: int | None = None
    for diagnostic, fix, spans in prepared:
        new = [s for s in spans if (s.begin, s.end, s.edit.content) not in applied]
        if new and last_end is not None and last_end >= new[0].begin:
            continue
        for span in new:
            applied.add((span.begin, span.end, span.edit.content))
        if new:
            last_end = new[-1].end
        chosen.append(_Chosen(diagnostic, fix, new))
    return chosen, skipped


def _where(diagnostic: Diagnostic) -> str:
    return f"{diagnostic.location.row}:{diagnostic.location.column}"


def _parses(text: str) -> bool:
    # `compile`, not `ast.parse`: only the compiler rejects an `await` outside an async
    # function (in a lambda, a plain `def`, a generator expression), the very mistake an
    # offloading fix could make.
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            compile(text, "<fixed>", "exec", dont_inherit=True)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return False
    return True


def _newline_of(text: str) -> str:
    """The file's line ending: that of its first line, as LibCST and ruff's Stylist decide."""
    match = NEWLINE.search(text)
    return match.group() if match else "\n"


class _StepFailed(Exception):
    pass


class _ImportsImpossible(Exception):
    """LibCST cannot add imports to this text (it cannot parse it, or would change more)."""


def _apply(text: str, chosen: list[_Chosen], module_tree: ast.Module | None) -> Round:
    """Apply the chosen fixes' edits and imports; raise `_StepFailed` if the result does not parse."""
    from .imports import ImportError_, ModuleImports, add_imports

    # Inserted text uses the file's line ending (Python reads every style the same, so
    # this never changes what a string literal holds).
    newline = _newline_of(text)
    spans = sorted(
        ((span.begin, span.end, NEWLINE.sub(newline, span.edit.content)) for item in chosen for span in item.spans),
        key=lambda span: (span[0], span[1]),
    )
    fixed = _splice(text, spans)
    requests = [request for item in chosen for request in item.fix.imports]
    if requests:
        if not _parses(fixed):  # the edits themselves are wrong: not LibCST's business
            raise _StepFailed("the result does not parse")
        present = ModuleImports.of(module_tree) if module_tree is not None else None
        missing = [r for r in dict.fromkeys(requests) if present is None or not present.is_present(r)]
        try:
            fixed = add_imports(fixed, missing)
        except ImportError_ as error:
            raise _ImportsImpossible(str(error)) from None
    if not _parses(fixed):
        raise _StepFailed("the result does not parse")
    return Round(text, tuple(spans), fixed)


def _splice(text: str, spans: list[tuple[int, int, str]]) -> str:
    """`text` with sorted, non-overlapping (begin, end, content) replacements."""
    out, cursor = [], 0
    for begin, end, content in spans:
        out.append(text[cursor:begin])
        out.append(content)
        cursor = end
    out.append(text[cursor:])
    return "".join(out)


def _drop_conflicting_imports(chosen: list[_Chosen], tree: ast.Module, skipped: list[str]) -> list[_Chosen]:
    """Leave out fixes whose import would rebind a name the module already binds otherwise."""
    if not any(item.fix.imports for item in chosen):
        return chosen
    from .imports import ModuleImports, bound_name

    module = ModuleImports.of(tree)
    kept = []
    for item in chosen:
        clashes = [r for r in item.fix.imports if module.conflicts(r)]
        if clashes:
            names = ", ".join(f"`{bound_name(r)}`" for r in clashes)
            skipped.append(f"{_where(item.diagnostic)}: {item.diagnostic.code}'s fix needs an import that "
                           f"would rebind {names}, which the module already defines otherwise")
            continue
        kept.append(item)
    return kept


def _culprits(text: str, chosen: list[_Chosen], tree: ast.Module) -> list[_Chosen]:
    """The fixes that fail on their own (all of them when only their combination fails)."""
    failing = []
    for item in chosen:
        try:
            _apply(text, [item], tree)
        except (_StepFailed, _ImportsImpossible):
            failing.append(item)
    return failing or chosen


def _describe(items: list[_Chosen]) -> str:
    return ", ".join(f"{item.diagnostic.code} at {_where(item.diagnostic)} ({item.fix.title})" for item in items)


# ---------------------------------------------------------------------- the loop


def fix_source(
    source_text: str, filename: str, settings: Settings, *, unsafe: bool = False, project=None
) -> FixOutcome:
    """Fix one file's (decoded) text. Never raises for bad input. `project`: the file's
    `fastapi_lint.project.ProjectContext` in the whole-project analysis, if any."""
    result = check_source(source_text, filename, settings, project=project)
    if result.error is not None:
        return FixOutcome(source_text, remaining=result.diagnostics, unparsable=True)
    text, diagnostics = source_text, result.diagnostics
    fixed: Counter[str] = Counter()
    skipped: list[str] = []
    errors: list[str] = []
    rounds: list[Round] = []
    no_imports = False
    # Rules whose fix produced invalid code: none of their fixes is tried again in this file.
    broken: set[str] = set()
    for _ in range(MAX_ITERATIONS):
        candidates = [
            (d, fix) for d in diagnostics
            if d.code not in broken and (fix := applicable_fix(d, settings, unsafe)) is not None
            and not (fix.imports and no_imports)
        ]
        if not candidates:
            return FixOutcome(text, fixed, diagnostics, "; ".join(errors) or None, skipped, rounds=rounds)
        chosen, invalid = choose_fixes(text, candidates)
        skipped.extend(invalid)
        tree = parse_module(text) if any(item.fix.imports for item in chosen) else None
        if tree is not None:
            chosen = _drop_conflicting_imports(chosen, tree, skipped)
        if not chosen:
            return FixOutcome(text, fixed, diagnostics, "; ".join(errors) or None, skipped, rounds=rounds)
        try:
            applied = _apply(text, chosen, tree)
        except _ImportsImpossible as failure:
            # Not the rules' fault: leave out every fix that needs an import, keep the rest.
            no_imports = True
            skipped.append(f"fixes that need an import were not applied: {failure}")
            continue
        except _StepFailed as failure:
            culprits = _culprits(text, chosen, tree if tree is not None else parse_module(text))
            errors.append(f"fix for {_describe(culprits)} produced invalid code ({failure}); not applied")
            broken.update(item.diagnostic.code for item in culprits)
            continue  # the same round again, without the culprits
        new_text = applied.after
        after = check_source(new_text, filename, settings, project=project)
        if after.error is not None:  # parsed above; only an internal limit could get here
            errors.append(f"fix for {_describe(chosen)} produced code that cannot be checked; not applied")
            broken.update(item.diagnostic.code for item in chosen)
            continue
        fixed.update(item.diagnostic.code for item in chosen)
        rounds.append(applied)
        text, diagnostics = new_text, after.diagnostics
    codes = ", ".join(sorted(fixed))
    error = (f"fixes did not converge after {MAX_ITERATIONS} rounds (rules: {codes}; a bug: please report "
             "it); the file was left unchanged")
    return FixOutcome(source_text, Counter(), result.diagnostics, error=error, skipped=skipped)
