"""Runs a candidate's solution against test inputs and reports what it produced.

This file runs INSIDE the sandbox, next to untrusted code, so it decides nothing: it never
sees expected values. It writes one JSON line per test to the result fd, each with the run's
secret (so a line the candidate writes there is told apart); the host compares the observed
values with the expected ones it kept outside. Before any candidate code runs it installs
the guard (runtime/guard.py) and leaves `sys.modules`; its functions resolve builtins from a
private copy and encode with the C JSON encoder, so patching `builtins` or `json` cannot
reach it. Standard library only (plus the allowed packages a test kind needs, lazily).

A script test's own code (setup and steps) runs beside the candidate's, so it is kept apart
from what the candidate can reach (runtime/testcode.py); tests marked `process: separate` run
it here while the solution runs in a process of its own (runtime/separate.py).
"""

from __future__ import annotations

import builtins as _builtins
import sys
from binascii import b2a_base64
from contextlib import nullcontext
from json.encoder import c_make_encoder, encode_basestring_ascii  # type: ignore[attr-defined]
from math import isfinite
from time import perf_counter
from types import FunctionType, ModuleType
from typing import Any

import guard as _guard
import separate as _separate
import separate_forbid as _separate_forbid
import separate_http as _separate_http
import separate_solution as _separate_solution
import separate_wire as _separate_wire
from testcode import Script
from testkit import Capture as _Capture
from testkit import FakeClock

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
    # The real builtins (their dict, as an imported module has): left out, exec would hand
    # the candidate the harness's own private copy.
    namespace: dict[str, Any] = {"__name__": "solution", "__file__": SOLUTION}
    namespace["__builtins__"] = vars(_builtins)
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


def _run_script(test: dict[str, Any], module: dict[str, Any]) -> list[dict[str, Any]]:
    return _run_steps(test, _script_namespace(module))


def _run_steps(test: dict[str, Any], base: dict[str, Any]) -> list[dict[str, Any]]:
    """A script test's steps on the names `base` gives (the solution's module here, or the
    solution's objects served from its own process for `process: separate`)."""
    script: Script = test["script"]
    ns = script.namespace(base)
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


def _run_apart(test: dict[str, Any], names: dict[str, Any]) -> list[dict[str, Any]]:
    """A test run in the harness's process on the solution's names served from its own
    (`process: separate`): a script's steps, or a call's (the function is a `Remote`)."""
    if test["kind"] == "script":
        return _run_steps(test, names)
    if test["kind"] in ("call", "property"):
        return RUNNERS[test["kind"]](test, names)
    return [{"error": f"a {test['kind']} test does not run apart", "kind": "missing"}]


# The sandbox's own modules (imported by name from /sandbox/runtime), and the zygote's.
SANDBOX_MODULES = (
    *("harness", "testcode", "guard", "testkit", "seccomp"),
    *("separate", "separate_solution", "separate_wire", "separate_forbid"),
    *("separate_values", "separate_remote", "separate_proxy", "separate_http"),
    *("separate_spare", "separate_raised"),
    "__main__",
)


def _leave_sys_modules() -> list[Any]:
    """Take the sandbox's own modules out of `sys.modules` (graded code would find the harness
    and the zygote there) and return their functions, whose frames the guard protects."""
    functions: list[Any] = []
    for name in SANDBOX_MODULES:
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


def _protect(source: str, guarded: bool, separate: bool) -> Any:
    """Before any candidate code runs in this process: out of `sys.modules`, and the guard
    (unless the job says no); None without it."""
    functions = [v for v in globals().values() if isinstance(v, FunctionType)]
    functions += _leave_sys_modules()
    if separate and "fastapi" in source:
        # No candidate code has run (the guard would refuse pydantic here); a solution that
        # does not name FastAPI forks faster without it.
        _separate_http.warm()
    if not guarded:
        return None
    sys.pycache_prefix = "/nonexistent"  # imports compile from source: no marshal
    return _guard.install(functions)


def _describer(guard: Any) -> Any:
    return lambda exc: _trim_traceback(exc, guard) if guard else f"{raised_name(exc)}: {exc}"


def serve_spare(wire: Any, start: dict[str, Any]) -> None:
    """The solution's process forked before the job (separate_spare.py), once started: the
    solution compiled from its source, the guard, the modules it is without taken out."""
    source, without = str(start.get("source", "")), start.get("without") or []
    guard = _protect(source, start.get("guard") is not False, True)
    code = compile(source, SOLUTION, "exec", dont_inherit=True)
    if without:
        with guard.privileged() if guard is not None else nullcontext():
            _separate_forbid.forbid_modules(list(without))
    _separate_solution.serve_solution(wire, code, _fresh_module, _describer(guard))


def run(job: dict[str, Any], out: Any, spare: Any = None) -> None:
    """A job's tests, each record written to `out`; `spare`: see separate_spare.py."""
    nonce = job.pop("nonce", "")
    # One test in a process apart makes them all so: graded code that ran here once could
    # have changed what a later test's measurements use.
    separate = any(t.get("process") == "separate" for t in job["tests"])
    if spare is not None and not separate:
        spare.discard()
        spare = None
    guarded = job.pop("guard", True)
    guard = _protect(job["source"], guarded, separate)
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
        return  # a spare solution process is killed with the run
    trust = guard.trust if guard is not None else (lambda code: code)
    for test in job["tests"]:
        if test["kind"] == "script":
            try:  # before any candidate code runs: the test's code is compiled untouched
                test["script"] = Script(test, trust)
            except SyntaxError as exc:
                test["script_error"] = f"the test's own code does not compile: {exc}"
    # Before any candidate code runs: the supervisor times the first test from here.
    emit({"begin": True})
    describe = _describer(guard)
    apart = None
    if separate:
        apart = _separate.Apart(
            code,
            shared=job.get("solution_process") == "shared",
            child_closes=[out.fileno()],
            fresh_module=_fresh_module,
            describe=describe,
            privileged=guard.privileged if guard is not None else nullcontext,
            spare=spare,
            start={"source": job["source"], "guard": bool(guarded)},
        )
    try:
        _run_tests(job, code, emit, describe, apart)
    finally:
        if apart is not None:
            apart.close()
    emit({"done": True})


def _run_tests(job: dict[str, Any], code: Any, emit: Any, describe: Any, apart: Any) -> None:
    """Each test in turn, its record emitted as soon as it is done."""
    for index, test in enumerate(job["tests"]):
        capture = _Capture()
        real_out, real_err = sys.stdout, sys.stderr
        sys.stdout = sys.stderr = capture
        started = perf_counter()
        module: dict[str, Any] | None = None
        try:
            if "script_error" in test:
                raise RuntimeError(test["script_error"])
            if apart is not None:
                try:
                    after = job["tests"][index + 1 : index + 2]
                    steps = apart.run(test, _run_apart, capture, after)
                finally:  # loaded but failed in the test: not a module that fails to load
                    module = {} if apart.loaded else None
            else:
                module = _fresh_module(code)
                steps = RUNNERS[test["kind"]](test, module)
            record: dict[str, Any] = {"test": test["id"], "steps": steps}
        except _separate_wire.SolutionError as exc:
            record = {"test": test["id"], "error": exc.text[-2000:], "kind": "runtime"}
        except MemoryError:
            record = {"test": test["id"], "error": "MemoryError", "kind": "memory"}
        except BaseException as exc:  # SystemExit, KeyboardInterrupt too: the test failed
            record = {"test": test["id"], "error": describe(exc), "kind": "runtime"}
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
