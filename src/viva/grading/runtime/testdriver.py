"""Runs a candidate's pytest-style test file against one version of a module, in the sandbox.

The host sends this file as the job's `source` and calls `run_tests(payload)` (a `call`
test), once per sandbox run: one run per version (the correct module, its correct rewrites,
each mutant), so nothing of one version is in the process of another. Every version is
installed the same way: the same module name and `__file__`, compiled from text that is on no
disk and in no `linecache`, the payload cleared before any candidate code runs. What the run
returns is the outcome of each test; the host decides what it means.

Real pytest is not in the sandbox (it reads files, entry points and writes a cache), so this is
the subset of its API test files commonly use: `test_*` functions and `Test*` classes,
`assert`, `pytest.raises` (with `match`), `pytest.mark.parametrize`, `pytest.fixture`
(function scope, `yield` teardown, fixtures using fixtures), `pytest.approx`, `pytest.fail`,
`pytest.skip`, and the `monkeypatch` and `tmp_path` fixtures.
"""

from __future__ import annotations

import inspect
import itertools
import math
import os
import re
import sys
import tempfile
import traceback
import types
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

TESTS_FILE = "test_candidate.py"
MAX_MESSAGE = 600
MAX_TESTS = 200


class _Skipped(Exception):
    pass


class _Failed(AssertionError):
    pass


_Skipped.__module__ = _Failed.__module__ = "pytest"
_Skipped.__qualname__, _Failed.__qualname__ = "Skipped", "Failed"


class _Raises:
    def __init__(self, expected: Any, match: str | None) -> None:
        self.expected, self.match, self.value = expected, match, None

    def __enter__(self) -> _Raises:
        return self

    def __exit__(self, kind: Any, value: Any, tb: Any) -> bool:
        if kind is None:
            raise _Failed(f"DID NOT RAISE {getattr(self.expected, '__name__', self.expected)}")
        if not issubclass(kind, self.expected):
            return False
        if self.match is not None and not re.search(self.match, str(value)):
            raise _Failed(f"exception message {str(value)!r} does not match {self.match!r}")
        self.value = value
        return True


def _raises(expected: Any, *args: Any, match: str | None = None, **kwargs: Any) -> Any:
    context = _Raises(expected, match)
    if args:
        with context:
            args[0](*args[1:], **kwargs)
        return context
    return context


class _Approx:
    def __init__(self, expected: Any, rel: float | None, abs: float | None) -> None:
        self.expected, self.rel, self.abs = expected, rel, abs

    def _close(self, a: Any, b: Any) -> bool:
        if isinstance(a, (list, tuple)) and isinstance(b, (list, tuple)):
            return len(a) == len(b) and all(self._close(x, y) for x, y in zip(a, b, strict=True))
        try:
            return math.isclose(
                a, b, rel_tol=1e-6 if self.rel is None else self.rel, abs_tol=self.abs or 1e-12
            )
        except TypeError:
            return bool(a == b)

    def __eq__(self, other: object) -> bool:
        return self._close(other, self.expected)

    def __repr__(self) -> str:
        return f"approx({self.expected!r})"


def _approx(expected: Any, rel: float | None = None, abs: float | None = None) -> _Approx:
    return _Approx(expected, rel, abs)


class _Mark:
    def __init__(self, name: str) -> None:
        self.name = name

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        if self.name != "parametrize" and len(args) == 1 and callable(args[0]) and not kwargs:
            return self._apply(args[0], (), {})
        return lambda func: self._apply(func, args, kwargs)

    def _apply(self, func: Any, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
        marks = func.__dict__.setdefault("_viva_marks", [])
        marks.insert(0, (self.name, args, kwargs))
        return func


class _Marks:
    def __getattr__(self, name: str) -> _Mark:
        return _Mark(name)


def _fixture(*args: Any, **kwargs: Any) -> Any:
    def mark(func: Any) -> Any:
        func._viva_fixture = True
        return func

    if len(args) == 1 and callable(args[0]):
        return mark(args[0])
    return mark


def _fail(reason: str = "") -> None:
    raise _Failed(reason)


def _skip(reason: str = "") -> None:
    raise _Skipped(reason)


class MonkeyPatch:
    """pytest's monkeypatch: every change is undone after the test."""

    def __init__(self) -> None:
        self._undo: list[Callable[[], None]] = []

    def setattr(self, target: Any, name: Any, value: Any = None, raising: bool = True) -> None:
        if isinstance(target, str):  # setattr("module.attr", value)
            module_name, _, attr = target.rpartition(".")
            target, value, name = sys.modules[module_name], name, attr
        old = getattr(target, name, _MISSING)
        if old is _MISSING and raising:
            raise AttributeError(f"{target!r} has no attribute {name!r}")
        setattr(target, name, value)
        self._undo.append(
            lambda: delattr(target, name) if old is _MISSING else setattr(target, name, old)
        )

    def delattr(self, target: Any, name: str, raising: bool = True) -> None:
        old = getattr(target, name, _MISSING)
        if old is _MISSING:
            if raising:
                raise AttributeError(name)
            return
        delattr(target, name)
        self._undo.append(lambda: setattr(target, name, old))

    def setitem(self, mapping: Any, key: Any, value: Any) -> None:
        old = mapping.get(key, _MISSING)
        mapping[key] = value
        self._undo.append(
            lambda: mapping.pop(key, None) if old is _MISSING else mapping.__setitem__(key, old)
        )

    def setenv(self, name: str, value: str) -> None:
        self.setitem(os.environ, name, value)

    def undo(self) -> None:
        while self._undo:
            self._undo.pop()()


_MISSING = object()


def _pytest_module() -> types.ModuleType:
    module = types.ModuleType("pytest")
    module.raises = _raises  # type: ignore[attr-defined]
    module.approx = _approx  # type: ignore[attr-defined]
    module.mark = _Marks()  # type: ignore[attr-defined]
    module.fixture = _fixture  # type: ignore[attr-defined]
    module.fail = _fail  # type: ignore[attr-defined]
    module.skip = _skip  # type: ignore[attr-defined]
    module.MonkeyPatch = MonkeyPatch  # type: ignore[attr-defined]
    return module


def _install(name: str, source: str) -> None:
    """The version under test as module `name`: the same file name for every version and no
    source anywhere to read back (inspect.getsource fails alike for all of them)."""
    module = types.ModuleType(name)
    module.__file__ = f"{name}.py"
    sys.modules[name] = module
    code = compile(source, f"{name}.py", "exec", dont_inherit=True)
    exec(code, module.__dict__)


def _message(exc: BaseException) -> str:
    try:
        tb = traceback.extract_tb(exc.__traceback__)
        frames = [f for f in tb if f.filename == TESTS_FILE]
        where = f"line {frames[-1].lineno}: " if frames else ""
    except RuntimeError:  # the sandbox's guard refuses traceback frames to graded code
        where = ""
    text = "".join(traceback.format_exception_only(type(exc), exc)).strip()
    return (where + text)[:MAX_MESSAGE]


def _cases(func: Any) -> list[tuple[str, dict[str, Any]]]:
    """(id suffix, parameters) of each case of a test: the product of its parametrize marks."""
    axes: list[list[tuple[str, dict[str, Any]]]] = []
    for name, args, kwargs in getattr(func, "_viva_marks", []):
        if name != "parametrize":
            continue
        names = args[0] if len(args) > 0 else kwargs["argnames"]
        values = list(args[1] if len(args) > 1 else kwargs["argvalues"])
        ids = kwargs.get("ids")
        keys = [n.strip() for n in names.split(",")] if isinstance(names, str) else list(names)
        axis = []
        for i, value in enumerate(values):
            row = value if len(keys) > 1 else (value,)
            label = str(ids[i]) if ids else "-".join(_label(v) for v in row)
            axis.append((label, dict(zip(keys, row, strict=True))))
        axes.append(axis)
    cases = []
    for combo in itertools.product(*axes):
        params: dict[str, Any] = {}
        for _, p in combo:
            params.update(p)
        cases.append(("-".join(label for label, _ in combo), params))
    return cases


def _label(value: Any) -> str:
    if isinstance(value, (int, float, bool, str)) or value is None:
        return str(value)[:30]
    return type(value).__name__


def _skipped(func: Any) -> bool:
    return any(name == "skip" for name, _, _ in getattr(func, "_viva_marks", []))


class _Fixtures:
    """The fixtures a test asks for, each made once per test, torn down in reverse."""

    def __init__(self, available: dict[str, Any], params: dict[str, Any]) -> None:
        self.available, self.values = available, dict(params)
        self.teardowns: list[Iterator[Any]] = []
        self.patch = MonkeyPatch()

    def get(self, name: str, depth: int = 0) -> Any:
        if name in self.values:
            return self.values[name]
        if depth > 20:
            raise RuntimeError(f"fixture {name!r}: recursion too deep")
        if name == "monkeypatch":
            value: Any = self.patch
        elif name == "tmp_path":
            value = Path(tempfile.mkdtemp())
        elif name in self.available:
            func = self.available[name]
            kwargs = {p: self.get(p, depth + 1) for p in _parameters(func)}
            value = func(**kwargs)
            if inspect.isgenerator(value):
                self.teardowns.append(value)
                value = next(value)
        else:
            raise LookupError(f"fixture {name!r} not found")
        self.values[name] = value
        return value

    def close(self) -> None:
        for gen in reversed(self.teardowns):
            for _ in gen:
                pass
        self.patch.undo()


def _parameters(func: Any) -> list[str]:
    return [
        p.name
        for p in inspect.signature(func).parameters.values()
        if p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY) and p.default is p.empty
    ]


def _collect(namespace: dict[str, Any]) -> list[tuple[str, Any, Any]]:
    """(name, function, class or None) of every test, in the order the file defines them."""
    found: list[tuple[str, Any, Any]] = []
    for name, value in list(namespace.items()):
        if name.startswith("test") and inspect.isfunction(value):
            found.append((name, value, None))
        elif name.startswith("Test") and inspect.isclass(value):
            for attr, method in vars(value).items():
                if attr.startswith("test") and inspect.isfunction(method):
                    found.append((f"{name}::{attr}", method, value))
    return found


def run_tests(payload: dict[str, Any]) -> dict[str, Any]:
    module_name, module_source = payload["module"], payload["module_source"]
    tests_source = payload["tests_source"]
    payload.clear()  # the job holds the same dict: no copy of the version's text stays there
    sys.modules["pytest"] = _pytest_module()
    try:
        _install(module_name, module_source)
    except BaseException as exc:  # the module itself must load; a host-side content error
        return {"load_error": f"module: {type(exc).__name__}: {exc}"[:MAX_MESSAGE]}
    del module_source
    namespace: dict[str, Any] = {"__name__": "test_candidate", "__file__": TESTS_FILE}
    try:
        exec(compile(tests_source, TESTS_FILE, "exec", dont_inherit=True), namespace)
    except BaseException as exc:
        return {"load_error": _message(exc)}
    fixtures = {
        n: v for n, v in namespace.items() if callable(v) and getattr(v, "_viva_fixture", False)
    }
    results: list[dict[str, Any]] = []
    for name, func, cls in _collect(namespace):
        for suffix, params in _cases(func) or [("", {})]:
            if len(results) >= MAX_TESTS:
                break
            results.append(_run_one(name, suffix, func, cls, params, fixtures))
    return {"results": results}


def _run_one(
    name: str, suffix: str, func: Any, cls: Any, params: dict[str, Any], fixtures: dict[str, Any]
) -> dict[str, Any]:
    test_id = f"{name}[{suffix}]" if suffix else name
    if _skipped(func):
        return {"name": test_id, "outcome": "skipped", "message": ""}
    needed = _parameters(func)
    if cls is not None:
        needed = needed[1:]  # self
    scope = _Fixtures(fixtures, params)
    try:
        kwargs = {p: scope.get(p) for p in needed}
        if cls is not None:
            func(cls(), **kwargs)
        else:
            func(**kwargs)
        outcome, message = "passed", ""
    except _Skipped:
        outcome, message = "skipped", ""
    except (AssertionError, Exception) as exc:
        outcome, message = "failed", _message(exc)
    except BaseException as exc:  # SystemExit, KeyboardInterrupt: the test failed
        outcome, message = "failed", _message(exc)
    finally:
        try:
            scope.close()
        except Exception as exc:  # a teardown failing fails the test
            outcome, message = "failed", "teardown: " + _message(exc)
    return {"name": test_id, "outcome": outcome, "message": message}
