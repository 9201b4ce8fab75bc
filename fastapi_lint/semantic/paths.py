"""Route paths as Starlette compiles them, and exact inclusion between their languages.

Starlette turns a route path into a regex (`starlette.routing.compile_path`): literal text
is escaped and each `{name}` / `{name:convertor}` becomes the convertor's regex; a `Mount`
matches `prefix.rstrip("/") + "/{path:path}"`, so never the bare prefix. A later route B can
never run for a method when every concrete path B matches is matched by an earlier route A
that takes that method: L(B) must be a subset of L(A).

The decision is exact, not sampled. Every character that appears literally in either path is
its own character class; the remaining characters are split by membership in the convertors'
character sets (digits, hex letters, `/`, `.`, `-`, anything else). Every convertor
treats all the characters of one class alike, so the patterns become small NFAs over a
finite alphabet. A breadth-first search over the product of B's and A's subset
constructions finds the shortest path that B matches and A does not (a *witness*), or
proves there is none.

Out of scope: request paths containing a newline (`%0A`). Starlette's `path` convertor
is `.*`, which does not match a newline, so `/a/x%0Ay` escapes `/a/{p:path}`; treating
that as "not shadowed" would hide every real catch-all, so `.` is taken to match any
character here.
"""

from __future__ import annotations

import re
from collections import deque
from dataclasses import dataclass, field
from functools import cached_property
from typing import Sequence

# starlette.convertors.CONVERTOR_TYPES (a test checks that these still agree).
CONVERTOR_REGEXES = {
    "str": "[^/]+",
    "path": ".*",
    "int": "[0-9]+",
    "float": r"[0-9]+(\.[0-9]+)?",
    "uuid": "[0-9a-fA-F]{8}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{12}",
}
# starlette.routing.PARAM_REGEX: anything else in braces is literal text.
PARAM_REGEX = re.compile("{([a-zA-Z_][a-zA-Z0-9_]*)(:[a-zA-Z_][a-zA-Z0-9_]*)?}")

# The character categories the convertors distinguish.
DIGIT, HEX_LETTER, SLASH, DOT, DASH, OTHER = "digit", "hex", "/", ".", "-", "other"
_ALL = frozenset({DIGIT, HEX_LETTER, SLASH, DOT, DASH, OTHER})
_NOT_SLASH = _ALL - {SLASH}
_HEX = frozenset({DIGIT, HEX_LETTER})
_DIGITS = frozenset({DIGIT})
# Representatives for the characters of a category that no path spells out literally.
_REPRESENTATIVES = {
    OTHER: "xyzghijkmnopqrstuvwXYZGHIJKMNOPQRSTUVW_~",
    DIGIT: "1234567890",
    HEX_LETTER: "abcdefABCDEF",
    SLASH: "/",
    DOT: ".",
    DASH: "-",
}


def category(char: str) -> str:
    if char in "0123456789":
        return DIGIT
    if char in "abcdefABCDEF":
        return HEX_LETTER
    if char in "/.-":
        return char
    return OTHER


@dataclass(frozen=True)
class Param:
    name: str
    convertor: str


@dataclass(frozen=True)
class PathPattern:
    """A compiled route path (or a mount's `prefix/{path:path}`)."""

    path: str  # the full path as registered (for a mount: the prefix)
    parts: tuple[str | Param, ...]  # literal text and parameters, in order
    is_mount: bool = False
    regex: re.Pattern = field(compare=False, repr=False, default=None)

    @cached_property
    def literal_chars(self) -> frozenset[str]:
        return frozenset(c for part in self.parts if isinstance(part, str) for c in part)

    @cached_property
    def sample(self) -> str:
        """The shortest path this pattern matches, built from class representatives."""
        return shortest_match([self])

    def matches(self, path: str) -> bool:
        return self.regex.fullmatch(path) is not None


def compile_path(path: str) -> PathPattern | None:
    """Starlette's compile_path; None when Starlette would not serve it as a path route.

    None for: unknown convertors (Starlette asserts unless one was registered, which we
    cannot see), duplicated parameter names (ValueError), and paths not starting with `/`
    (Starlette compiles those as host patterns).
    """
    if not path.startswith("/"):
        return None
    parts: list[str | Param] = []
    regex = ""
    names: set[str] = set()
    index = 0
    for match in PARAM_REGEX.finditer(path):
        name, convertor = match.group(1), (match.group(2) or ":str")[1:]
        if convertor not in CONVERTOR_REGEXES or name in names:
            return None
        names.add(name)
        literal = path[index : match.start()]
        if literal:
            parts.append(literal)
        parts.append(Param(name, convertor))
        regex += re.escape(literal) + f"(?:{CONVERTOR_REGEXES[convertor]})"
        index = match.end()
    if path[index:]:
        parts.append(path[index:])
    regex += re.escape(path[index:])
    # DOTALL: paths with a newline are out of scope (see the module docstring).
    return PathPattern(path, tuple(parts), regex=re.compile(regex, re.DOTALL))


def compile_mount(prefix: str) -> PathPattern | None:
    """What `Mount(prefix, ...)` matches: `prefix.rstrip("/") + "/{path:path}"`."""
    stripped = prefix.rstrip("/")
    if stripped and not stripped.startswith("/"):
        return None
    compiled = compile_path(stripped + "/{path:path}")
    if compiled is None:
        return None
    return PathPattern(prefix, compiled.parts, is_mount=True, regex=compiled.regex)


# ---------------------------------------------------------------------- alphabet


@dataclass(frozen=True)
class CharClass:
    category: str
    literal: str | None  # the character, when it is spelled out in one of the paths
    representative: str


def alphabet(patterns: Sequence[PathPattern]) -> list[CharClass]:
    """The classes, unspelled ones first so that witnesses read `/books/x`, not `/books/b`."""
    literals = sorted(set().union(*(p.literal_chars for p in patterns)))
    classes = []
    for cat, candidates in _REPRESENTATIVES.items():
        free = next((c for c in candidates if c not in literals), None)
        if free is None and cat == OTHER:
            free = next(chr(n) for n in range(0x100, 0x10000) if chr(n) not in literals)
        if free is not None:  # otherwise every character of the category is literal
            classes.append(CharClass(cat, None, free))
    return classes + [CharClass(category(c), c, c) for c in literals]


# ---------------------------------------------------------------------- automata


class _NFA:
    """States with labelled edges (a literal char or a set of categories) and epsilons."""

    def __init__(self) -> None:
        self.edges: list[list[tuple[str | frozenset[str], int]]] = []
        self.epsilons: list[list[int]] = []
        self.start = self._new()
        self.accepting: set[int] = set()

    def _new(self) -> int:
        self.edges.append([])
        self.epsilons.append([])
        return len(self.edges) - 1

    def _step(self, state: int, label: str | frozenset[str]) -> int:
        target = self._new()
        self.edges[state].append((label, target))
        return target

    def _repeat(self, state: int, label: frozenset[str], at_least_one: bool) -> int:
        """`label+` or `label*`, on a fresh state so loops never mix."""
        if at_least_one:
            target = self._step(state, label)
        else:
            target = self._new()
            self.epsilons[state].append(target)
        self.edges[target].append((label, target))
        return target

    def _convertor(self, state: int, convertor: str) -> int:
        if convertor == "str":
            return self._repeat(state, _NOT_SLASH, True)
        if convertor == "path":
            return self._repeat(state, _ALL, False)
        if convertor == "int":
            return self._repeat(state, _DIGITS, True)
        if convertor == "float":
            whole = self._repeat(state, _DIGITS, True)
            fraction = self._repeat(self._step(whole, frozenset({DOT})), _DIGITS, True)
            end = self._new()  # "(\.[0-9]+)?": with or without the fraction
            self.epsilons[whole].append(end)
            self.epsilons[fraction].append(end)
            return end
        if convertor == "uuid":
            for index, count in enumerate((8, 4, 4, 4, 12)):
                if index:
                    dash = self._new()
                    self.epsilons[state].append(dash)
                    self.edges[state].append((frozenset({DASH}), dash))
                    state = dash
                for _ in range(count):
                    state = self._step(state, _HEX)
            return state
        raise ValueError(convertor)

    def add(self, pattern: PathPattern) -> None:
        state = self._new()
        self.epsilons[self.start].append(state)
        for part in pattern.parts:
            if isinstance(part, Param):
                state = self._convertor(state, part.convertor)
            else:
                for char in part:
                    state = self._step(state, char)
        self.accepting.add(state)

    def closure(self, states) -> frozenset[int]:
        seen = set(states)
        stack = list(states)
        while stack:
            for target in self.epsilons[stack.pop()]:
                if target not in seen:
                    seen.add(target)
                    stack.append(target)
        return frozenset(seen)

    def move(self, states: frozenset[int], char_class: CharClass) -> frozenset[int]:
        targets = []
        for state in states:
            for label, target in self.edges[state]:
                if isinstance(label, str):
                    if label == char_class.literal:
                        targets.append(target)
                elif char_class.category in label:
                    targets.append(target)
        return self.closure(targets) if targets else frozenset()

    def accepts(self, states: frozenset[int]) -> bool:
        return not self.accepting.isdisjoint(states)


def _automaton(patterns: Sequence[PathPattern]) -> _NFA:
    nfa = _NFA()
    for pattern in patterns:
        nfa.add(pattern)
    return nfa


def shortest_match(patterns: Sequence[PathPattern]) -> str:
    """The shortest path matched by one of `patterns` (representatives for free chars)."""
    return _search(patterns, [], limit=None)[1]


# Product states explored before giving up (no verdict). Real route tables stay far below:
# literal-heavy paths keep the subset construction nearly deterministic.
MAX_STATES = 50_000


class TooComplex(Exception):
    pass


def _search(
    later: Sequence[PathPattern], earlier: Sequence[PathPattern], limit: int | None
) -> tuple[str | None, str]:
    """(witness, example): witness is the shortest path `later` matches and no `earlier`
    matches (None when there is none); example is the shortest path `later` matches."""
    classes = alphabet([*later, *earlier])
    b, a = _automaton(later), _automaton(earlier)
    start = (b.closure([b.start]), a.closure([a.start]))
    parents: dict[tuple, tuple | None] = {start: None}
    queue = deque([start])
    example: str | None = None

    def spell(node) -> str:
        chars = []
        while parents[node] is not None:
            node, char = parents[node]
            chars.append(char)
        return "".join(reversed(chars))

    while queue:
        node = queue.popleft()
        b_states, a_states = node
        if b.accepts(b_states):
            if example is None:
                example = spell(node)
            if not a.accepts(a_states):
                return spell(node), example
        for char_class in classes:
            next_b = b.move(b_states, char_class)
            if not next_b:
                continue
            successor = (next_b, a.move(a_states, char_class) if a_states else frozenset())
            if successor not in parents:
                if limit is not None and len(parents) >= limit:
                    raise TooComplex
                parents[successor] = (node, char_class.representative)
                queue.append(successor)
    assert example is not None  # every pattern matches at least one path
    return None, example


@dataclass(frozen=True)
class Inclusion:
    """Whether every path `later` matches is matched by `earlier`.

    `path` is a witness when not included (matched by `later` only) and an example
    matched by both when included; None when the search gave up (`MAX_STATES`), which
    counts as "not included": the rule then says nothing.
    """

    included: bool
    path: str | None


def covers(earlier: PathPattern | Sequence[PathPattern], later: PathPattern) -> Inclusion:
    """Does `earlier` (one pattern, or several taken together) match every path of `later`?"""
    earlier = [earlier] if isinstance(earlier, PathPattern) else list(earlier)
    # Cheap refutation first: the shortest path of `later` is usually matched by nothing
    # earlier, and Python's regex engine says so in microseconds.
    if not any(p.matches(later.sample) for p in earlier):
        return Inclusion(False, later.sample)
    try:
        witness, example = _search([later], earlier, MAX_STATES)
    except TooComplex:
        return Inclusion(False, None)
    if witness is not None:
        return Inclusion(False, witness)
    return Inclusion(True, example)


@dataclass(frozen=True)
class Overlap:
    """Whether some path is matched by both patterns; `path` is the shortest one. Giving up
    (`MAX_STATES`) answers `exists=True` with no path: a caller proving that two routes
    never compete must not take silence for proof."""

    exists: bool
    path: str | None


def overlap(first: PathPattern, second: PathPattern) -> Overlap:
    """Is there a path that both patterns match?"""
    classes = alphabet([first, second])
    a, b = _automaton([first]), _automaton([second])
    start = (a.closure([a.start]), b.closure([b.start]))
    parents: dict[tuple, tuple | None] = {start: None}
    queue = deque([start])
    while queue:
        node = queue.popleft()
        if a.accepts(node[0]) and b.accepts(node[1]):
            chars = []
            while parents[node] is not None:
                node, char = parents[node]
                chars.append(char)
            return Overlap(True, "".join(reversed(chars)))
        for char_class in classes:
            next_a = a.move(node[0], char_class)
            next_b = b.move(node[1], char_class) if next_a else frozenset()
            if not next_b:
                continue
            successor = (next_a, next_b)
            if successor not in parents:
                if len(parents) >= MAX_STATES:
                    return Overlap(True, None)
                parents[successor] = (node, char_class.representative)
                queue.append(successor)
    return Overlap(False, None)
