"""Runs a candidate's solution against test inputs and reports what it produced.

This file runs INSIDE the sandbox, next to untrusted code, so it decides nothing: it never
sees expected values. It writes one JSON line per test step to the result fd; the host
compares the observed values with the expected ones it kept outside. Standard library only
(plus the allowed packages a test kind needs, imported lazily).
"""

from __future__ import annotations

import base64
import io
import json
import math
import os
import sys
import time
import traceback
from typing import Any

SOLUTION = "solution.py"
MAX_CAPTURE = 4096
MAX_VALUE_CHARS = 20_000


class _Capture(io.StringIO):
    """Keeps the first 4 KB a test prints for its report; the rest goes on to the real
    stdout, where the supervisor counts it against the output limit."""

    def write(self, s: str) -> int:
        room = MAX_CAPTURE - self.tell()
        if room > 0:
            super().write(s[:room])
        if len(s) > room and sys.__stdout__ is not None:
            sys.__stdout__.write(s[max(room, 0) :])
        return len(s)


def encode(value: Any, depth: int = 0) -> Any:
    """Plain JSON data only: an object with a lying __eq__ cannot survive this."""
    if depth > 50:
        return {"$unsupported": "nesting deeper than 50"}
    if value is None or type(value) in (bool, int, str):
        return value
    if type(value) is float:
        return value if math.isfinite(value) else {"$float": repr(value)}
    if type(value) in (list, tuple):
        return [encode(v, depth + 1) for v in value]
    if type(value) is dict:
        if all(type(k) is str for k in value):
            return {k: encode(v, depth + 1) for k, v in value.items()}
        return {"$dict": [[encode(k, depth + 1), encode(v, depth + 1)] for k, v in value.items()]}
    if type(value) in (set, frozenset):
        items = [encode(v, depth + 1) for v in value]
        return {"$set": sorted(items, key=lambda x: json.dumps(x, sort_keys=True))}
    if type(value) is bytes:
        return {"$bytes": base64.b64encode(value).decode()}
    return {"$unsupported": type(value).__name__}


def _trim_traceback(exc: BaseException) -> str:
    """Only the frames of the candidate's own code."""
    frames = [f for f in traceback.extract_tb(exc.__traceback__) if f.filename == SOLUTION]
    lines = traceback.format_list(frames) if frames else []
    lines += traceback.format_exception_only(type(exc), exc)
    return "".join(lines)[-2000:]


def _fresh_module(code: Any) -> dict[str, Any]:
    namespace: dict[str, Any] = {"__name__": "solution", "__file__": SOLUTION}
    exec(code, namespace)
    return namespace


class FakeClock:
    """A controllable clock for rate limiters and breakers: clock() and clock.advance(s)."""

    def __init__(self, start: float = 1000.0) -> None:
        self.now = start

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


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
        return [{"raised": type(exc).__name__}]


def _run_script(test: dict[str, Any], module: dict[str, Any]) -> list[dict[str, Any]]:
    ns = _script_namespace(module)
    if test.get("setup"):
        exec(compile(test["setup"], "<setup>", "exec", dont_inherit=True), ns)
    observed: list[dict[str, Any]] = []
    for step in test["steps"]:
        if "exec" in step:
            exec(compile(step["exec"], "<step>", "exec", dont_inherit=True), ns)
            observed.append({"value": None})
        else:
            try:
                observed.append(
                    {
                        "value": encode(
                            eval(compile(step["eval"], "<step>", "eval", dont_inherit=True), ns)
                        )
                    }
                )
            except Exception as exc:
                if not step.get("may_raise"):
                    raise
                observed.append({"raised": type(exc).__name__})
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
            observed.append({"raised": type(exc).__name__})
    return observed


RUNNERS = {"call": _run_call, "script": _run_script, "http": _run_http, "property": _run_property}


def run(job: dict[str, Any], out: Any) -> None:
    def emit(record: dict[str, Any]) -> None:
        line = json.dumps(record, default=str)
        if len(line) > MAX_VALUE_CHARS:
            record = {**record, "steps": [{"error": "value too large to report", "kind": "big"}]}
            line = json.dumps(record, default=str)
        out.write(line + "\n")
        out.flush()

    try:
        code = compile(job["source"], SOLUTION, "exec", dont_inherit=True)
    except SyntaxError as exc:
        emit({"syntax_error": f"line {exc.lineno}: {exc.msg}", "text": (exc.text or "")[:200]})
        return
    # Before any candidate code runs: the supervisor times the first test from here.
    emit({"begin": True})
    for index, test in enumerate(job["tests"]):
        capture = _Capture()
        real_out, real_err = sys.stdout, sys.stderr
        sys.stdout = sys.stderr = capture
        started = time.perf_counter()
        module: dict[str, Any] | None = None
        try:
            module = _fresh_module(code)
            steps = RUNNERS[test["kind"]](test, module)
            record: dict[str, Any] = {"test": test["id"], "steps": steps}
        except MemoryError:
            record = {"test": test["id"], "error": "MemoryError", "kind": "memory"}
        except BaseException as exc:  # SystemExit, KeyboardInterrupt too: the test failed
            record = {"test": test["id"], "error": _trim_traceback(exc), "kind": "runtime"}
        finally:
            sys.stdout, sys.stderr = real_out, real_err
        record["ms"] = round((time.perf_counter() - started) * 1000, 2)
        record["output"] = capture.getvalue()
        emit(record)
        if module is None and index == 0:
            # The module itself failed to load: every test would fail the same way.
            for rest in job["tests"][1:]:
                emit({**record, "test": rest["id"], "ms": 0.0})
            break
    emit({"done": True})


def main(job_path: str, result_fd: int) -> None:
    with open(job_path) as fh:
        job = json.load(fh)
    os.unlink(job_path)
    with os.fdopen(result_fd, "w") as out:
        run(job, out)


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]))
