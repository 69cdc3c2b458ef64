"""Runs a candidate's solution against test inputs and reports what it produced.

This file runs INSIDE the sandbox, next to untrusted code, so it decides nothing: it never
sees expected values. It writes one JSON line per test to the result fd, each with the run's
secret (so a line the candidate writes there is told apart); the host compares the observed
values with the expected ones it kept outside. Before any candidate code runs it installs
the guard (runtime/guard.py) and leaves `sys.modules`; its functions resolve builtins from a
private copy and encode with the C JSON encoder, so patching `builtins` or `json` cannot
reach it. Standard library only (plus the allowed packages a test kind needs, lazily).

A script test's own code (setup and steps) runs beside the candidate's, so it is kept apart
from what the candidate can reach (see `_Script`): it is compiled before any candidate code
runs, gets fresh builtins for each statement, its variables may be changed only by itself,
and a step that compares values compares only plain built-in data, in the harness.
"""

from __future__ import annotations

import ast
import builtins as _builtins
import operator
import sys
from binascii import b2a_base64
from json.encoder import c_make_encoder, encode_basestring_ascii  # type: ignore[attr-defined]
from math import isfinite
from time import perf_counter
from types import BuiltinFunctionType, CodeType, FunctionType, MethodType, ModuleType
from typing import Any

import guard as _guard
from testkit import Capture as _Capture
from testkit import FakeClock

# What test code gets as builtins: a fresh copy of this for each statement it runs, taken
# before any candidate code runs (graded code may rebind names in the `builtins` module).
TEST_BUILTINS = dict(vars(_builtins))
# Functions defined below look builtins up here (bound when each is defined): a copy taken
# before any candidate code runs.
globals()["__builtins__"] = dict(vars(_builtins))

SOLUTION = "solution.py"
MAX_VALUE_CHARS = 20_000
BUILTIN_EXCEPTIONS = {
    id(v): v.__name__
    for v in vars(_builtins).values()
    if isinstance(v, type) and issubclass(v, BaseException)
}


def _fail(value: Any) -> Any:
    raise TypeError(f"not JSON data: {type(value).__name__}")


_ENCODER = c_make_encoder(None, _fail, encode_basestring_ascii, None, ":", ",", False, False, False)


def dumps(value: Any) -> str:
    """JSON text of plain data (what `encode` returns), by the C encoder."""
    return "".join(_ENCODER(value, 0))


# Exact types only, told apart by identity: `type(v) in (...)` would ask a metaclass's __eq__.
_KINDS = {id(t): name for t, name in ((bool, "atom"), (int, "atom"), (str, "atom"))}
_KINDS |= {id(float): "float", id(list): "list", id(tuple): "list", id(dict): "dict"}
_KINDS |= {id(set): "set", id(frozenset): "set", id(bytes): "bytes"}


def encode(value: Any, depth: int = 0) -> Any:
    """Plain JSON data only: an object with a lying __eq__ cannot survive this."""
    if depth > 50:
        return {"$unsupported": "nesting deeper than 50"}
    kind = "atom" if value is None else _KINDS.get(id(type(value)))
    if kind == "atom":
        return value
    if kind == "float":
        return value if isfinite(value) else {"$float": repr(value)}
    if kind == "list":
        return [encode(v, depth + 1) for v in value]
    if kind == "dict":
        if all(type(k) is str for k in value):
            return {k: encode(v, depth + 1) for k, v in value.items()}
        return {"$dict": [[encode(k, depth + 1), encode(v, depth + 1)] for k, v in value.items()]}
    if kind == "set":
        items = [encode(v, depth + 1) for v in value]
        return {"$set": sorted(items, key=dumps)}
    if kind == "bytes":
        return {"$bytes": b2a_base64(value, newline=False).decode()}
    return {"$unsupported": type.__dict__["__name__"].__get__(type(value))}


def raised_name(exc: BaseException) -> str:
    """The exception's class name; a class of the candidate's that takes a built-in
    exception's name is told apart from the built-in one."""
    cls = type(exc)
    builtin = BUILTIN_EXCEPTIONS.get(id(cls))
    if builtin is not None:
        return builtin
    name = type.__dict__["__name__"].__get__(cls)
    return f"solution.{name}" if name in vars(_builtins) else name


def _trim_traceback(exc: BaseException, guard: Any) -> str:
    """Only the frames of the candidate's own code, read without calling any of it."""
    lines = ["Traceback (most recent call last):\n"]
    with guard.privileged():
        tb = exc.__traceback__
        while tb is not None:
            code = tb.tb_frame.f_code
            if code.co_filename == SOLUTION:
                lines.append(f'  File "{SOLUTION}", line {tb.tb_lineno}, in {code.co_name}\n')
            tb = tb.tb_next
    try:
        text = str(exc)
    except BaseException:
        text = "<unprintable>"
    text = text if type(text) is str else "<unprintable>"
    lines.append(f"{raised_name(exc)}: {text}\n" if text else f"{raised_name(exc)}\n")
    return "".join(lines if len(lines) > 1 else lines[1:])[-2000:]


def _fresh_module(code: Any) -> dict[str, Any]:
    # The real `builtins` module, as any module has: left out, exec would hand the candidate
    # the harness's own private copy.
    namespace: dict[str, Any] = {"__name__": "solution", "__file__": SOLUTION}
    namespace["__builtins__"] = _builtins
    exec(code, namespace)
    return namespace


def _script_namespace(module: dict[str, Any]) -> dict[str, Any]:
    ns = {k: v for k, v in module.items() if not k.startswith("__")}
    ns["FakeClock"] = FakeClock
    ns["solution"] = type(sys)("solution")
    ns["solution"].__dict__.update(module)
    return ns


def _run_call(test: dict[str, Any], module: dict[str, Any]) -> list[dict[str, Any]]:
    func = module.get(test["call"])
    if not callable(func):
        return [{"error": f"solution.py defines no function {test['call']}()", "kind": "missing"}]
    try:
        return [{"value": encode(func(*test.get("args", []), **test.get("kwargs", {})))}]
    except Exception as exc:
        if not test.get("may_raise"):
            raise
        return [{"raised": raised_name(exc)}]


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


def _assigned(tree: ast.AST) -> tuple[frozenset[str], bool]:
    """The names a piece of test code binds itself, and whether it may bind any (`import *`)."""
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Name) and not isinstance(node.ctx, ast.Load):
            names.add(node.id)
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.add(node.name)
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            for alias in node.names:
                if alias.name == "*":
                    return frozenset(), True
                names.add((alias.asname or alias.name).split(".")[0])
        elif isinstance(node, (ast.ExceptHandler, ast.MatchAs, ast.MatchStar)) and node.name:
            names.add(node.name)
        elif isinstance(node, ast.MatchMapping) and node.rest:
            names.add(node.rest)
    return frozenset(names), False


class _Piece:
    """One statement of a test's setup or exec step, one eval step, or one operand of an
    eval step's comparison: compiled before candidate code runs, with the names it binds."""

    def __init__(self, tree: ast.Module | ast.Expression, mode: str, name: str, trust: Any) -> None:
        self.code: CodeType = trust(compile(tree, name, mode, dont_inherit=True))
        self.mode = mode
        self.binds, self.binds_any = _assigned(tree)


class _Script:
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
            tree = ast.parse(step["eval"], "<step>", "eval")
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
        self.free: frozenset[str] = frozenset(
            name
            for source in [test.get("setup") or ""] + [s.get("exec", "") for s in test["steps"]]
            for node in ast.walk(ast.parse(source))
            if isinstance(node, ast.Global)
            for name in node.names
        )

    @staticmethod
    def _statements(source: str, name: str, trust: Any) -> list[_Piece]:
        module = ast.parse(source, name, "exec")
        return [
            _Piece(ast.Module(body=[stmt], type_ignores=[]), "exec", name, trust)
            for stmt in module.body
        ]

    def namespace(self, module: dict[str, Any]) -> dict[str, Any]:
        """The test's namespace, with its own copy of the builtins (the functions its code
        defines keep a reference to that copy, so there is one per test, checked after
        every piece)."""
        ns = _script_namespace(module)
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
        if ns.get("__builtins__") is not fresh or len(fresh) != len(TEST_BUILTINS):
            raise Tampered("the program changed the test's builtins")
        for name, value in TEST_BUILTINS.items():
            if fresh.get(name, _MISSING) is not value:
                raise Tampered(f"the program changed the test's builtin {name!r}")
        if piece.binds_any:
            return
        for name in before.keys() | ns.keys():
            if name in piece.binds or name in self.free:
                continue
            if ns.get(name, _MISSING) is not before.get(name, _MISSING):
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


def _run_script(test: dict[str, Any], module: dict[str, Any]) -> list[dict[str, Any]]:
    script: _Script = test["script"]
    ns = script.namespace(module)
    for piece in script.setup:
        script.run(piece, ns)
    observed: list[dict[str, Any]] = []
    for (kind, what), step in zip(script.steps, test["steps"], strict=True):
        if kind == "exec":
            for piece in what:
                script.run(piece, ns)
            observed.append({"value": None})
            continue
        try:
            if kind == "compare":
                value: Any = script.compare(what[0], what[1], ns)
            else:
                value = script.run(what, ns)
            observed.append({"value": encode(value)})
        except Exception as exc:
            if not step.get("may_raise"):
                raise
            observed.append({"raised": raised_name(exc)})
    return observed


def _run_http(test: dict[str, Any], module: dict[str, Any]) -> list[dict[str, Any]]:
    from fastapi.testclient import TestClient

    app = module.get(test.get("app", "app"))
    if app is None:
        return [{"error": "solution.py defines no `app`", "kind": "missing"}]
    observed = []
    with TestClient(app, raise_server_exceptions=False) as client:
        for req in test["requests"]:
            files = req.get("files")
            if files:
                files = {k: (v[0], v[1].encode(), v[2]) for k, v in files.items()}
            r = client.request(
                req.get("method", "GET"),
                req["url"],
                json=req.get("json"),
                params=req.get("params"),
                headers=req.get("headers"),
                files=files,
                data=req.get("data"),
            )
            try:
                body: Any = r.json()
            except ValueError:
                body = {"$text": r.text[:2000]}
            observed.append(
                {
                    "status": r.status_code,
                    "json": encode(body),
                    "headers": {k.lower(): v for k, v in r.headers.items()},
                }
            )
    return observed


def _run_property(test: dict[str, Any], module: dict[str, Any]) -> list[dict[str, Any]]:
    func = module.get(test["call"])
    if not callable(func):
        return [{"error": f"solution.py defines no function {test['call']}()", "kind": "missing"}]
    observed: list[dict[str, Any]] = []
    for args in test["cases"]:
        try:
            observed.append({"value": encode(func(*args))})
        except Exception as exc:
            observed.append({"raised": raised_name(exc)})
    return observed


RUNNERS = {"call": _run_call, "script": _run_script, "http": _run_http, "property": _run_property}


def _leave_sys_modules() -> list[Any]:
    """Take the sandbox's own modules out of `sys.modules` (graded code would find the harness
    and the zygote there) and return their functions, whose frames the guard protects."""
    functions: list[Any] = []
    for name in ("harness", "guard", "testkit", "seccomp", "__main__"):
        module = sys.modules.get(name)
        if module is None or (name == "__main__" and not hasattr(module, "harness")):
            continue
        for value in vars(module).values():
            if isinstance(value, FunctionType):
                functions.append(value)
            elif isinstance(value, type):
                functions.extend(v for v in vars(value).values() if isinstance(v, FunctionType))
        del sys.modules[name]
    sys.modules["__main__"] = ModuleType("__main__")
    return functions


def run(job: dict[str, Any], out: Any) -> None:
    nonce = job.pop("nonce", "")
    functions = [v for v in globals().values() if isinstance(v, FunctionType)]
    functions += _leave_sys_modules()
    guard = None
    if job.pop("guard", True):
        sys.pycache_prefix = "/nonexistent"  # imports compile from source: no marshal
        guard = _guard.install(functions)
    write, flush = out.write, out.flush

    def emit(record: dict[str, Any]) -> None:
        record["nonce"] = nonce
        try:
            line = dumps(record)
        except (TypeError, ValueError, RecursionError):
            line = ""
        if not line or len(line) > MAX_VALUE_CHARS:
            record = {**record, "steps": [{"error": "value too large to report", "kind": "big"}]}
            record.pop("output", None)
            line = dumps(record)
        write(line + "\n")
        flush()

    try:
        code = compile(job["source"], SOLUTION, "exec", dont_inherit=True)
    except SyntaxError as exc:
        emit({"syntax_error": f"line {exc.lineno}: {exc.msg}", "text": (exc.text or "")[:200]})
        return
    trust = guard.trust if guard is not None else (lambda code: code)
    for test in job["tests"]:
        if test["kind"] == "script":
            try:  # before any candidate code runs: the test's code is compiled untouched
                test["script"] = _Script(test, trust)
            except SyntaxError as exc:
                test["script_error"] = f"the test's own code does not compile: {exc}"
    # Before any candidate code runs: the supervisor times the first test from here.
    emit({"begin": True})
    for index, test in enumerate(job["tests"]):
        capture = _Capture()
        real_out, real_err = sys.stdout, sys.stderr
        sys.stdout = sys.stderr = capture
        started = perf_counter()
        module: dict[str, Any] | None = None
        try:
            if "script_error" in test:
                raise RuntimeError(test["script_error"])
            module = _fresh_module(code)
            steps = RUNNERS[test["kind"]](test, module)
            record: dict[str, Any] = {"test": test["id"], "steps": steps}
        except MemoryError:
            record = {"test": test["id"], "error": "MemoryError", "kind": "memory"}
        except BaseException as exc:  # SystemExit, KeyboardInterrupt too: the test failed
            text = _trim_traceback(exc, guard) if guard else f"{raised_name(exc)}: {exc}"
            record = {"test": test["id"], "error": text, "kind": "runtime"}
        finally:
            sys.stdout, sys.stderr = real_out, real_err
        record["ms"] = round((perf_counter() - started) * 1000, 2)
        record["output"] = capture.getvalue()
        emit(record)
        if module is None and index == 0:
            # The module itself failed to load: every test would fail the same way.
            for rest in job["tests"][1:]:
                emit({**record, "test": rest["id"], "ms": 0.0})
            break
    emit({"done": True})
