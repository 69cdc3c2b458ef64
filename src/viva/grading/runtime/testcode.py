"""A script test's own code (setup and steps), kept apart from the candidate's code it runs
beside, in the sandbox.

It is compiled before any candidate code runs, gets builtins of its own, its variables may
be changed only by itself (checked after each statement), and a step that compares values
compares only plain built-in data (or objects of classes loaded before the program ran), in
this module: no `__eq__`, `__hash__` or `__contains__` of the candidate's takes part. Imported
by the harness; standard library only.
"""

from __future__ import annotations

import ast
import builtins as _builtins
import operator
from opcode import opmap
from types import BuiltinFunctionType, CodeType, FunctionType, MethodType
from typing import Any

# What test code gets as builtins: a copy of this per test, taken before any candidate code
# runs (graded code may rebind names in the `builtins` module).
TEST_BUILTINS = dict(vars(_builtins))
# Functions defined below look builtins up here (bound when each is defined): a copy taken
# before any candidate code runs.
globals()["__builtins__"] = dict(vars(_builtins))


class Tampered(BaseException):
    """The candidate's code changed the test's own state: its variables or builtins, or
    handed a comparison a value of its own making. Not an Exception: a step that may raise
    does not swallow it."""


_MISSING = object()
_COMPARE: dict[type, Any] = {
    ast.Eq: operator.eq,
    ast.NotEq: operator.ne,
    ast.Lt: operator.lt,
    ast.LtE: operator.le,
    ast.Gt: operator.gt,
    ast.GtE: operator.ge,
    ast.In: lambda a, b: operator.contains(b, a),
    ast.NotIn: lambda a, b: not operator.contains(b, a),
    ast.Is: operator.is_,
    ast.IsNot: operator.is_not,
}
_IDENTITY = frozenset({id(operator.is_), id(operator.is_not)})
# Values a comparison may see: built-in data, built-in containers of it, classes (compared by
# identity unless their metaclass is not `type`), functions and methods (identity too). Exact
# types: a subclass of any of them may have its own __eq__ or __hash__.
_PLAIN = {id(t) for t in (type(None), bool, int, float, complex, str, bytes, type(...), type)}
_PLAIN |= {id(t) for t in (FunctionType, BuiltinFunctionType, MethodType, range)}
_ITEMS = {id(t) for t in (list, tuple, set, frozenset)}
MAX_COMPARED = 100_000  # values inside one compared operand
# Every class that existed before any job (the zygote's, after its preload: each worker
# inherits them): a compared object that is not plain data passes only if its class, every
# class in its MRO and its metaclass are among them, so no class of graded code's making
# (nor of anything it imports) takes part. Held by value, so no id is reused.
KNOWN_CLASSES: dict[int, type] = {}


def know_classes() -> None:
    """Note every class alive now; called once the preload is done, before any job."""
    todo: list[type] = [object]
    while todo:
        cls = todo.pop()
        if id(cls) not in KNOWN_CLASSES:
            KNOWN_CLASSES[id(cls)] = cls
            todo.extend(type.__subclasses__(cls))


def _known(cls: type) -> bool:
    if id(type(cls)) not in KNOWN_CLASSES:
        return False
    mro = type.__dict__["__mro__"].__get__(cls)
    return all(id(c) in KNOWN_CLASSES for c in mro)


def require_plain(value: Any) -> None:
    """Tampered unless `value` is plain data all the way down (cycles allowed), or objects of
    known classes (which are not looked into: their own `__eq__` compares what they hold)."""
    todo, seen, count = [value], set(), 0
    while todo:
        item = todo.pop()
        kind = id(type(item))
        if kind in _PLAIN:
            continue
        count += 1
        if count > MAX_COMPARED:
            raise Tampered("a compared value is too large")
        if id(item) in seen:
            continue
        if kind in _ITEMS:
            seen.add(id(item))
            todo.extend(item)
        elif kind == id(dict):
            seen.add(id(item))
            todo.extend(dict.keys(item))
            todo.extend(dict.values(item))
        elif _known(type(item)):  # e.g. an OrderedDict or a namedtuple: what it holds too
            seen.add(id(item))
            mro = type.__dict__["__mro__"].__get__(type(item))
            for base in (list, tuple, set, frozenset):
                if any(c is base for c in mro):
                    todo.extend(base.__iter__(item))
            if any(c is dict for c in mro):
                todo.extend(dict.keys(item))
                todo.extend(dict.values(item))
        else:
            name = type.__dict__["__name__"].__get__(type(item))
            raise Tampered(
                f"the test compares a {name} object: only built-in values and objects of "
                "classes loaded before the program ran are compared"
            )


# Bytecode that binds a name of the namespace the code runs in (module-level code only; a
# nested function's `global` stores are found by `_globals_declared`).
_STORES = frozenset(
    opmap[n] for n in ("STORE_NAME", "DELETE_NAME", "STORE_GLOBAL", "DELETE_GLOBAL")
)
_IMPORT_STAR, _EXTENDED_ARG = opmap["IMPORT_STAR"], opmap["EXTENDED_ARG"]
_GLOBAL_STORES = frozenset(opmap[n] for n in ("STORE_GLOBAL", "DELETE_GLOBAL"))


def _names_stored(code: CodeType, ops: frozenset[int]) -> tuple[set[str], bool]:
    """The names `code` itself stores with one of `ops`, and whether it does `import *`."""
    raw, names, found, extended = code.co_code, code.co_names, set(), 0
    for at in range(0, len(raw), 2):
        op, arg = raw[at], raw[at + 1] | extended
        if op == _EXTENDED_ARG:
            extended = arg << 8
            continue
        extended = 0
        if op in ops:
            found.add(names[arg])
        elif op == _IMPORT_STAR:
            return found, True
    return found, False


def _globals_declared(code: CodeType) -> set[str]:
    """Names the functions (and classes) defined in `code` store as globals: those change
    whenever such a function is called, candidate code calling it included."""
    found: set[str] = set()
    todo = [c for c in code.co_consts if type(c) is CodeType]
    while todo:
        inner = todo.pop()
        found |= _names_stored(inner, _GLOBAL_STORES)[0]
        todo.extend(c for c in inner.co_consts if type(c) is CodeType)
    return found


def _names_used(code: CodeType) -> set[str]:
    """Every global or builtin name `code` and the code nested in it may look up."""
    found: set[str] = set()
    todo = [code]
    while todo:
        inner = todo.pop()
        found.update(inner.co_names)
        todo.extend(c for c in inner.co_consts if type(c) is CodeType)
    return found


# Anything that may be a comparison; other eval steps are compiled straight from their text.
_MAY_COMPARE = ("==", "!=", "<", ">", " in ", " is ", "in(", "in[", "in{", "in'", 'in"')


class _Piece:
    """One statement of a test's setup or exec step, one eval step, or one operand of an
    eval step's comparison: compiled before candidate code runs, with the names it binds."""

    def __init__(
        self, tree: ast.Module | ast.Expression | str, mode: str, name: str, trust: Any
    ) -> None:
        self.code: CodeType = trust(compile(tree, name, mode, dont_inherit=True))
        self.mode = mode
        binds, self.binds_any = _names_stored(self.code, _STORES)
        self.binds = frozenset(binds)
        self.globals = _globals_declared(self.code)
        self.names = _names_used(self.code)


class Script:
    """A script test's code, compiled (and trusted) before any candidate code runs.

    Each piece runs with fresh builtins, and afterwards the test's namespace must hold the
    same objects under the same names except those the piece binds itself: candidate code
    that reaches the namespace (the `__globals__` of a function the test hands it) cannot
    rebind the test's variables or builtins. An eval step whose expression is a comparison
    is evaluated operand by operand, each operand must be plain data (`require_plain`), and
    the harness compares them: no `__eq__` of the candidate's takes part."""

    def __init__(self, test: dict[str, Any], trust: Any) -> None:
        self.setup = self._statements(test.get("setup") or "", "<setup>", trust)
        self.steps: list[tuple[str, Any]] = []
        for step in test["steps"]:
            if "exec" in step:
                self.steps.append(("exec", self._statements(step["exec"], "<step>", trust)))
                continue
            source = step["eval"]
            if not any(token in source for token in _MAY_COMPARE):
                self.steps.append(("eval", _Piece(source, "eval", "<step>", trust)))
                continue
            tree = ast.parse(source, "<step>", "eval")
            body = tree.body
            if isinstance(body, ast.Compare):
                operands = [
                    _Piece(ast.Expression(body=node), "eval", "<step>", trust)
                    for node in (body.left, *body.comparators)
                ]
                self.steps.append(("compare", ([_COMPARE[type(o)] for o in body.ops], operands)))
            else:
                self.steps.append(("eval", _Piece(tree, "eval", "<step>", trust)))
        # Names the test's own functions declare `global` change whenever they are called.
        pieces = [*self.setup, *(p for kind, what in self.steps if kind == "exec" for p in what)]
        self.free: frozenset[str] = frozenset(n for p in pieces for n in p.globals)
        every = pieces + [p for kind, what in self.steps if kind == "eval" for p in [what]]
        every += [p for kind, what in self.steps if kind == "compare" for p in what[1]]
        named = {n for p in every for n in p.names}
        self.builtins_used = [(n, TEST_BUILTINS[n]) for n in sorted(named) if n in TEST_BUILTINS]

    @staticmethod
    def _statements(source: str, name: str, trust: Any) -> list[_Piece]:
        if "\n" not in source.strip():  # one line: one statement, mostly (`a; b` is one piece)
            return [_Piece(source, "exec", name, trust)] if source.strip() else []
        module = ast.parse(source, name, "exec")
        return [
            _Piece(ast.Module(body=[stmt], type_ignores=[]), "exec", name, trust)
            for stmt in module.body
        ]

    def namespace(self, ns: dict[str, Any]) -> dict[str, Any]:
        """The test's namespace, with its own copy of the builtins (the functions its code
        defines keep a reference to that copy, so there is one per test, checked after
        every piece)."""
        self.fresh = ns["__builtins__"] = dict(TEST_BUILTINS)
        return ns

    def run(self, piece: _Piece, ns: dict[str, Any]) -> Any:
        fresh = self.fresh
        before = dict(ns)
        try:
            if piece.mode == "exec":
                exec(piece.code, ns)
                return None
            return eval(piece.code, ns)
        finally:
            self._untouched(piece, ns, before, fresh)

    def _untouched(
        self, piece: _Piece, ns: dict[str, Any], before: dict[str, Any], fresh: dict[str, Any]
    ) -> None:
        # The builtins any of the test's code names, by identity (a value of the program's
        # could lie to ==); and no name added (it would shadow nothing the test defines).
        if ns.get("__builtins__") is not fresh or len(fresh) != len(TEST_BUILTINS):
            raise Tampered("the program changed the test's builtins")
        for name, value in self.builtins_used:
            if fresh.get(name, _MISSING) is not value:
                raise Tampered(f"the program changed the test's builtin {name!r}")
        if piece.binds_any:
            return
        allowed = piece.binds | self.free
        for name, value in before.items():
            if ns.get(name, _MISSING) is not value and name not in allowed:
                raise Tampered(f"the program changed the test's variable {name!r}")
        if len(ns) != len(before):
            for name in ns:
                if name not in before and name not in allowed:
                    raise Tampered(f"the program changed the test's variable {name!r}")

    def compare(self, ops: list[Any], operands: list[_Piece], ns: dict[str, Any]) -> bool:
        """Like Python's chained comparison (each operand evaluated once, left to right,
        stopping at the first false link), on plain values only."""
        left = self.run(operands[0], ns)
        for op, piece in zip(ops, operands[1:], strict=True):
            right = self.run(piece, ns)
            if id(op) not in _IDENTITY:
                require_plain(left)
                require_plain(right)
            if not op(left, right):
                return False
            left = right
        return True
