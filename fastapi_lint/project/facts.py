"""The project facts a file's findings used, recorded as they are read, so that a cached
result can be trusted exactly as long as those facts are unchanged.

While a file is checked for the result cache, its `ProjectContext.project` is a
`FactRecorder` around the `ProjectModel`: every attribute read, method call, `in`, `[]`,
`len` and iteration on the model (and on what hangs off it: `routing`, `serving`,
`modules`) is passed through and logged as (path, operation, arguments, digest of the
answer). A later run replays the log against its own model (`replay`): the same
questions must get answers with the same digests, else the file is checked again. An edit
in another module therefore invalidates exactly the files whose findings asked about what
changed (a helper that became blocking changes `blocking_chain`'s answer for its callers).

Rule authors need do nothing: any read of the project through `model.project` (the
`ProjectContext`) or `checker.project_model()` is recorded. Only two things defeat it,
and both are detected and make the result depend on every file of the project instead
(safe, only slower to invalidate): an argument that cannot be stored (an `ast` node, a
semantic model) unless it is itself an answer recorded earlier, a call returning a new
`ProjectModel` (`with_module`), and an answer too large or deep to fingerprint (`BUDGET`:
a routing graph of a thousand applications, as fastapi's own repository has).
"""

from __future__ import annotations

import ast
import dataclasses
import hashlib
from collections.abc import ItemsView, KeysView, ValuesView
from pathlib import PurePath
from typing import Any

_PLAIN = (str, int, float, bool, bytes, type(None))


class FactLog:
    """The facts one file's check read: `facts` in order, `complete` False when one of
    them could not be recorded in a replayable way."""

    def __init__(self) -> None:
        self.facts: list[tuple] = []
        self.complete = True
        self._index: dict[tuple, int] = {}
        self._answers: dict[int, tuple[Any, int]] = {}  # id(answer) -> (answer, fact index)
        self._memo: dict[int, tuple[Any, bytes]] = {}
        # The questions already noted whose arguments are all strings or None, by (path,
        # op, args): most reads repeat (`class_bases` asks the same of every call on a
        # class), and such arguments are stored as they are, so this key is the full
        # key's equal and a repeat is known without converting and `repr`-ing them.
        self._seen_plain: set[tuple] = set()

    def note(self, path: tuple[str, ...], op: str, args: tuple, kwargs: dict, answer: Any) -> None:
        if not self.complete:
            return  # not replayable whatever comes next: recording more costs for nothing
        plain = None
        if not kwargs and all(type(arg) is str or arg is None for arg in args):
            plain = (path, op, args)
            if plain in self._seen_plain:
                return
        self._note(path, op, args, kwargs, answer)
        if plain is not None and self.complete:
            self._seen_plain.add(plain)

    def _note(self, path: tuple[str, ...], op: str, args: tuple, kwargs: dict, answer: Any) -> None:
        stored = _storable(args, self._answers), _storable(tuple(sorted(kwargs.items())), self._answers)
        if stored[0] is _UNSTORABLE or stored[1] is _UNSTORABLE:
            self.complete = False
            return
        key = (path, op, repr(stored))
        if key in self._index:
            return
        said = digest(answer, self._memo)
        if said is None:
            self.complete = False
            return
        self._index[key] = len(self.facts)
        if not isinstance(answer, _PLAIN):
            self._answers.setdefault(id(answer), (answer, len(self.facts)))
        self.facts.append((path, op, stored[0], stored[1], said))


class _Unstorable:
    pass


_UNSTORABLE = _Unstorable()


def _storable(value: Any, answers: dict[int, tuple[Any, int]]):
    """`value` as data that can be pickled and replayed; earlier answers as references."""
    if isinstance(value, _PLAIN) or isinstance(value, PurePath):
        return value
    known = answers.get(id(value))
    if known is not None and known[0] is value:
        return _Answer(known[1])
    if isinstance(value, (tuple, list, set, frozenset)):
        items = [_storable(v, answers) for v in value]
        if any(item is _UNSTORABLE for item in items):
            return _UNSTORABLE
        if isinstance(value, (set, frozenset)):
            return frozenset(items)
        return type(value)(items) if isinstance(value, (tuple, list)) else items
    return _UNSTORABLE


@dataclasses.dataclass(frozen=True)
class _Answer:
    """An argument that is the answer of the fact at `index` (a `Symbol` from `resolve`)."""

    index: int


class _TooBig(Exception):
    """An answer too large or too deep to fingerprint within the budget."""


# Objects walked for one answer at most: beyond, the answer is not recorded and the file's
# results hold only for the same project digest (a whole routing graph of a thousand
# applications would cost more to fingerprint in every file than checking it).
BUDGET = 1_000
_MAX_DEPTH = 60


def _fingerprint(value: Any, memo: dict[int, tuple[Any, Any]], active: set[int], state: list[int],
                 depth: int = 0) -> Any:
    """What `value` says, as plain data. `state`: [cycle cuts so far, budget left]. A
    result is memoised only when no cycle was cut below it (a cut leaves out what an
    ancestor says, which another answer holding the same object may not include)."""
    if isinstance(value, _PLAIN) or isinstance(value, PurePath):
        return value
    if isinstance(value, ast.AST):  # where it is, not what object it is
        state[1] -= 1
        return (type(value).__name__, getattr(value, "lineno", None), getattr(value, "col_offset", None),
                getattr(value, "end_lineno", None), getattr(value, "end_col_offset", None))
    from .model import ProjectModel
    from .summary import ModuleSummary

    if isinstance(value, (ProjectModel, FactRecorder)):
        return "<project>"
    if isinstance(value, ModuleSummary) and getattr(value, "digest", None):
        # The digest of its JSON form, computed when it was summarised (`cache.py`): what
        # it says, without walking it again in every file that reads it.
        return ("ModuleSummary", value.digest)
    key = id(value)
    known = memo.get(key)
    if known is not None and known[0] is value:
        return known[1]
    if key in active:
        state[0] += 1
        return "<cycle>"
    state[1] -= 1
    if depth > _MAX_DEPTH or state[1] < 0:
        raise _TooBig
    cuts = state[0]
    active.add(key)

    def sub(item: Any) -> Any:
        return _fingerprint(item, memo, active, state, depth + 1)

    try:
        if isinstance(value, dict):
            # Ordered by key (a repr of each whole item would be quadratic in the depth).
            result: Any = ("dict", tuple(sorted(((sub(k), sub(v)) for k, v in value.items()),
                                                key=lambda item: repr(item[0]))))
        elif isinstance(value, (list, tuple, KeysView, ValuesView, ItemsView)):
            result = tuple(sub(v) for v in value)
        elif isinstance(value, (set, frozenset)):
            result = ("set", tuple(sorted((sub(v) for v in value), key=repr)))
        elif dataclasses.is_dataclass(value) and not isinstance(value, type):
            result = (type(value).__qualname__, tuple(
                (f.name, sub(getattr(value, f.name, None))) for f in dataclasses.fields(value)
            ))
        elif hasattr(value, "__dict__") and not callable(value):
            result = (type(value).__qualname__, sub(vars(value)))
        else:
            result = (type(value).__qualname__,)
    finally:
        active.discard(key)
    if state[0] == cuts:
        memo[key] = (value, result)
    return result


def digest(value: Any, memo: dict | None = None) -> bytes | None:
    """A digest of what `value` says (the same facts in another process: the same digest);
    None when it is too large or deep to fingerprint (`BUDGET`)."""
    if isinstance(value, _PLAIN):
        return repr(value).encode()[:64] if len(repr(value)) <= 64 else _hash(repr(value))
    try:
        return _hash(repr(_fingerprint(value, memo if memo is not None else {}, set(), [0, BUDGET])))
    except _TooBig:
        return None


def _hash(text: str) -> bytes:
    return hashlib.blake2b(text.encode("utf-8", "backslashreplace"), digest_size=12).digest()


class FactRecorder:
    """A `ProjectModel` (or an object reached from it) whose reads are logged to `log`."""

    __slots__ = ("_target", "_log", "_path")

    def __init__(self, target: Any, log: FactLog, path: tuple[str, ...] = ()) -> None:
        object.__setattr__(self, "_target", target)
        object.__setattr__(self, "_log", log)
        object.__setattr__(self, "_path", path)

    def __getattr__(self, name: str) -> Any:
        value = getattr(self._target, name)
        path = (*self._path, name)
        if callable(value) and not isinstance(value, type):
            return _RecordedMethod(value, self._log, path)
        if isinstance(value, _PLAIN) or isinstance(value, PurePath):
            self._log.note(path, "attr", (), {}, value)
            return value
        return FactRecorder(value, self._log, path)

    def __setattr__(self, name: str, value: Any) -> None:
        setattr(self._target, name, value)

    def _note(self, op: str, args: tuple, answer: Any) -> Any:
        self._log.note(self._path, op, args, {}, answer)
        return answer

    def __iter__(self):
        return iter(self._note("iter", (), list(self._target)))

    def __len__(self) -> int:
        return self._note("len", (), len(self._target))

    def __bool__(self) -> bool:
        return self._note("bool", (), bool(self._target))

    def __contains__(self, item: Any) -> bool:
        return self._note("contains", (item,), item in self._target)

    def __getitem__(self, item: Any) -> Any:
        return self._note("getitem", (item,), self._target[item])


class _RecordedMethod:
    __slots__ = ("_method", "_log", "_path")

    def __init__(self, method, log: FactLog, path: tuple[str, ...]) -> None:
        self._method, self._log, self._path = method, log, path

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        answer = self._method(*args, **kwargs)
        if isinstance(answer, _project_model()):  # `with_module`: its reads are not recorded
            self._log.complete = False
            return answer
        self._log.note(self._path, "call", args, kwargs, answer)
        return answer


def _project_model() -> type:
    """`ProjectModel`, imported on first use (it imports this module) and then kept: an
    import statement in `__call__` cost a lookup on every recorded call."""
    global _PROJECT_MODEL
    if _PROJECT_MODEL is None:
        from .model import ProjectModel

        _PROJECT_MODEL = ProjectModel
    return _PROJECT_MODEL


_PROJECT_MODEL: type | None = None


def read_beyond_facts(model: Any) -> None:
    """For a check that reads what no fact can replay (another module's source text, as
    FPI110 does for a generator call, `rules/_generator_handover.py`): its result then
    depends on every file of the project, as when an argument cannot be stored."""
    if isinstance(model, FactRecorder):
        model._log.complete = False


def replay(model: Any, facts: list[tuple]) -> bool:
    """Whether every recorded fact has the same answer in `model`. Never raises."""
    answers: list[Any] = []
    memo: dict = {}
    try:
        for path, op, args, kwargs, expected in facts:
            target = model
            for name in path[:-1] if op in ("attr", "call") else path:
                target = getattr(target, name)
            real_args = _resolved(args, answers)
            if op == "attr":
                answer = getattr(target, path[-1])
            elif op == "call":
                answer = getattr(target, path[-1])(*real_args, **dict(_resolved(kwargs, answers)))
            elif op == "iter":
                answer = list(target)
            elif op == "len":
                answer = len(target)
            elif op == "bool":
                answer = bool(target)
            elif op == "contains":
                answer = real_args[0] in target
            elif op == "getitem":
                answer = target[real_args[0]]
            else:
                return False
            answers.append(answer)
            if digest(answer, memo) != expected:
                return False
    except Exception:  # a question the model cannot answer any more: changed
        return False
    return True


def _resolved(value: Any, answers: list[Any]) -> Any:
    if isinstance(value, _Answer):
        return answers[value.index]
    if isinstance(value, tuple):
        return tuple(_resolved(v, answers) for v in value)
    if isinstance(value, list):
        return [_resolved(v, answers) for v in value]
    if isinstance(value, frozenset):
        return frozenset(_resolved(v, answers) for v in value)
    return value
