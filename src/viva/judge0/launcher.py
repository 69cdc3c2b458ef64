"""Runs one Judge0 program INSIDE the sandbox: the harness loads this file as the job's source.

Standard library only. `execution.job` appends a call of `launch()` with the program, its
stdin, arguments and files. The program's CPU time, memory and exit status are reported at
the end of its stderr, after a NUL and the host's per-run marker (the host strips it).
Nothing here is secret (expected output stays on the host, which decides Accepted or Wrong
Answer), so a program that tampers with this code only changes its own report. The process
exits here with the program's own status (os._exit), so the harness never reports on it.
"""

from __future__ import annotations

import base64
import contextlib
import json
import os
import sys
from typing import Any

SOURCE_FILE = {"python": "script.py", "sqlite": "script.sql"}
RAN_OUT_OF_MEMORY: list[bool] = []  # set when the program died of a MemoryError


def _memory_kb(field: str) -> int:
    try:
        with open("/proc/self/status") as fh:
            for line in fh:
                if line.startswith(field + ":"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def _cpu_seconds() -> float:
    import resource

    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def _stdin(data: bytes) -> None:
    """The program's stdin as a real file on fd 0 (os.read(0), sys.stdin.buffer all work)."""
    import tempfile

    with tempfile.TemporaryFile(dir="/dev/shm" if len(data) < (1 << 20) else None) as fh:
        fh.write(data)
        fh.flush()
        fh.seek(0)
        os.dup2(fh.fileno(), 0)
    sys.stdin = open(0, encoding="utf-8", errors="surrogateescape", closefd=False)  # noqa: SIM115


def _extract(archive: bytes) -> None:
    """additional_files: a zip unpacked into the working directory (Judge0's box)."""
    import io
    import zipfile

    with zipfile.ZipFile(io.BytesIO(archive)) as bundle:
        bundle.extractall(".")  # zipfile drops absolute paths and ".." components


def _python(source: bytes, args: list[str]) -> int:
    import builtins
    import traceback

    sys.argv = [SOURCE_FILE["python"], *args]
    sys.path.insert(0, os.getcwd())
    namespace: dict[str, Any] = {
        "__name__": "__main__",
        "__file__": SOURCE_FILE["python"],
        "__builtins__": builtins,
        "__doc__": None,
        "__package__": None,
        "__spec__": None,
    }
    try:
        code = compile(source, SOURCE_FILE["python"], "exec", dont_inherit=True)
    except (SyntaxError, ValueError) as exc:
        sys.stderr.write("".join(traceback.format_exception_only(type(exc), exc)))
        return 1
    try:
        exec(code, namespace)
    except SystemExit as exc:
        return _exit_status(exc)
    except MemoryError as exc:
        RAN_OUT_OF_MEMORY.append(True)
        return _report_exception(exc)
    except BaseException as exc:
        return _report_exception(exc)
    return 0


def _exit_status(exc: SystemExit) -> int:
    if exc.code is None:
        return 0
    if isinstance(exc.code, int):
        return exc.code & 0xFF
    sys.stderr.write(f"{exc.code}\n")
    return 1


def _report_exception(exc: BaseException) -> int:
    """As Python prints an uncaught exception, with only the program's own frames."""
    import traceback

    frames = [
        f
        for f in traceback.extract_tb(exc.__traceback__)
        if f.filename not in ("solution.py", __file__)
    ]
    text = "Traceback (most recent call last):\n" if frames else ""
    text += "".join(traceback.format_list(frames))
    text += "".join(traceback.format_exception_only(type(exc), exc))
    try:
        sys.stderr.write(text)
    except Exception:
        sys.__stderr__.write(text) if sys.__stderr__ else None
    return 1


def _sqlite_value(value: Any, null: str) -> str:
    if value is None:
        return null
    if isinstance(value, float):
        if value != value:
            return null
        if value in (float("inf"), float("-inf")):
            return "Inf" if value > 0 else "-Inf"
        text = f"{value:.15g}"
        mantissa, sep, exponent = text.partition("e")
        if "." not in mantissa:
            mantissa += ".0"
        return mantissa + sep + exponent
    if isinstance(value, bytes):
        return value.decode("utf-8", "surrogateescape")
    return str(value)


def _statements(script: str) -> list[tuple[int, str]]:
    """(line, text) of each complete statement or dot-command, as the sqlite3 shell reads
    them from its input; an incomplete statement at the end is returned too."""
    import sqlite3

    found: list[tuple[int, str]] = []
    buffer, start = "", 1
    for number, line in enumerate(script.splitlines(keepends=True), 1):
        if not buffer.strip() and line.lstrip().startswith("."):
            found.append((number, line.strip()))
            continue
        if not buffer.strip():
            start = number
        buffer += line
        cut = 0
        for index, char in enumerate(buffer):
            if char == ";" and sqlite3.complete_statement(buffer[cut : index + 1]):
                found.append((start, buffer[cut : index + 1]))
                cut = index + 1
        buffer = buffer[cut:]
        if cut and not buffer.strip():
            buffer = ""
    if buffer.strip():
        found.append((start, buffer))
    return found


def _sqlite(source: bytes) -> int:
    """The script on an empty in-memory database, printed as the sqlite3 shell prints it
    (list mode, `|` between columns, no headers) with its .headers/.mode/.separator/.nullvalue."""
    import csv
    import sqlite3

    conn = sqlite3.connect(":memory:", isolation_level=None)
    out = sys.stdout
    headers, mode, separator, null, failed = False, "list", "|", "", False
    for line, text in _statements(source.decode("utf-8", "replace")):
        if text.startswith("."):
            words = text.split()
            command, rest = words[0], words[1:]
            if command == ".headers" and rest[:1] in (["on"], ["off"]):
                headers = rest[0] == "on"
            elif command == ".mode" and rest[:1] in (["list"], ["csv"], ["tabs"]):
                mode = rest[0]
                separator = {"list": "|", "csv": ",", "tabs": "\t"}[mode]
            elif command == ".separator" and rest:
                separator = rest[0].encode().decode("unicode_escape")
            elif command == ".nullvalue" and rest:
                null = rest[0]
            else:
                sys.stderr.write(f'Error: unknown command or invalid arguments:  "{command[1:]}"\n')
                failed = True
            continue
        try:
            cursor = conn.execute(text)
            rows = cursor.fetchall() if cursor.description else []
        except sqlite3.Warning:
            continue  # an empty statement (only a comment)
        except (sqlite3.Error, ValueError, OverflowError) as exc:
            sys.stderr.write(f"Error: near line {line}: {exc}\n")
            failed = True
            continue
        if not cursor.description:
            continue
        names = [str(d[0]) for d in cursor.description]
        table = [[_sqlite_value(v, null) for v in row] for row in rows]
        if mode == "csv":
            writer = csv.writer(out, lineterminator="\n")
            if headers:
                writer.writerow(names)
            writer.writerows(table)
        else:
            if headers:
                out.write(separator.join(names) + "\n")
            for row in table:
                out.write(separator.join(row) + "\n")
    return 1 if failed else 0


def launch(job_b64: str) -> None:
    job = json.loads(base64.b64decode(job_b64))
    # The report goes to the stderr pipe, after everything the program wrote there, marked
    # by the host's per-run token; this copy of fd 2 stays with it whatever the program does.
    report = os.dup(2)
    start_rss = _memory_kb("VmRSS")
    start_cpu = _cpu_seconds()
    for stream in (sys.__stdout__, sys.__stderr__):
        if stream is not None:
            stream.flush()
    if sys.__stdout__ is not None:
        sys.stdout = sys.__stdout__
    if sys.__stderr__ is not None:
        sys.stderr = sys.__stderr__
    if job.get("redirect_stderr_to_stdout"):
        os.dup2(1, 2)
        sys.stderr = sys.stdout
    _stdin(base64.b64decode(job.get("stdin", "")))
    if job.get("additional_files"):
        _extract(base64.b64decode(job["additional_files"]))
    source = base64.b64decode(job["source"])
    with open(SOURCE_FILE[job["language"]], "wb") as fh:
        fh.write(source)
    os.set_inheritable(report, False)
    if job["language"] == "sqlite":
        status = _sqlite(source)
    else:
        status = _python(source, list(job.get("args", [])))
        threading = sys.modules.get("threading")
        if threading is not None and hasattr(threading, "_shutdown"):
            try:
                threading._shutdown()  # non-daemon threads end first, as at interpreter exit
            except BaseException as exc:
                status = _report_exception(exc)
        import atexit

        atexit._run_exitfuncs()
    streams: list[Any] = [sys.stdout, sys.stderr, sys.__stdout__, sys.__stderr__]
    for stream in streams:
        with contextlib.suppress(Exception):
            if stream is not None:
                stream.flush()
    usage = {
        "exit": status,
        "cpu": round(max(0.0, _cpu_seconds() - start_cpu), 4),
        "memory_kb": max(0, _memory_kb("VmHWM") - start_rss),
        "out_of_memory": bool(RAN_OUT_OF_MEMORY),
    }
    trailer = "\0" + str(job["marker"]) + json.dumps(usage) + "\n"
    with contextlib.suppress(OSError):
        os.write(report, trailer.encode())
    os._exit(status)
