"""The SQLite worker: runs candidate SQL on fresh in-memory databases, one JSON job per line.

Started by viva.grading.sql.sqlite_runner inside bubblewrap (or, with VIVA_SANDBOX=none, as a
plain subprocess). It limits itself before it reads a job: rlimits, SQLite's process-wide
hard heap limit, a slot uid. Stdlib only: in the sandbox it runs from /sandbox/runtime.

Protocol (stdin/stdout, one JSON object per line):
  hello    <- {"ready": true, "sqlite": "3.40.1"}
  prepare  -> {"op": "prepare", "key": digest, "sql": schema + dataset}  <- {"ok": true}
  runs     -> {"op": "runs", "runs": [{"key": digest, "sql", "mode", limits...}, ...]}
           <- one line per run as it ends: {"columns", "rows", "error", "error_kind", "plan",
              "plan_uses_index", "ms"}, the final one with "last": true (a run that hit the
              time or memory limit is final); or {"missing": [digests]} when a dataset is not
              (or no longer) prepared here.
BLOBs travel as {"$blob": hex}; floats as JSON numbers (repr round-trips them exactly).
"""

from __future__ import annotations

import json
import os
import resource
import sqlite3
import sys
import time
from collections.abc import Iterator
from typing import Any

# Run as a script (never imported by Viva): its sibling sqlite_run.py is beside it.
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from sqlite_run import ERROR_CHARS, Templates, run


def handle(job: dict[str, Any], templates: Templates) -> Iterator[dict[str, Any]]:
    """The replies to one job, each sent as soon as it is ready; the final one says "last"."""
    op = job.get("op")
    if op == "prepare":
        try:
            templates.prepare(str(job["key"]), str(job["sql"]))
        except (sqlite3.Error, MemoryError) as exc:
            yield {"error": f"the dataset failed to load: {exc}"[:ERROR_CHARS], "last": True}
            return
        yield {"ok": True, "last": True}
    elif op == "runs":
        runs = list(job["runs"])
        missing = sorted({str(r["key"]) for r in runs if templates.get(str(r["key"])) is None})
        if missing or not runs:
            yield {"missing": missing, "last": True}
            return
        for i, one in enumerate(runs):
            started = time.perf_counter()
            reply = run(one, templates)
            reply["ms"] = (time.perf_counter() - started) * 1000
            # A run that hit the time or memory limit ends the batch: the parent asks again
            # for the rest, each with its own deadline.
            reply["last"] = i == len(runs) - 1 or reply["error_kind"] in ("timeout", "memory")
            yield reply
            if reply["last"]:
                break
        templates.refill([str(r["key"]) for r in runs])  # once the replies are out
    else:
        yield {"error": f"unknown operation {op!r}", "last": True}


def confine(config: dict[str, Any]) -> None:
    """Limits for the worker's whole life, then the slot uid (root only) and no new privileges."""
    memory = int(config["memory_mb"]) << 20
    cpu = int(config["cpu_seconds"])
    for res, value in (
        (resource.RLIMIT_AS, (memory, memory)),
        (resource.RLIMIT_CPU, (cpu, cpu + 5)),
        (resource.RLIMIT_NPROC, (1, 1)),  # no process or thread beside this one
        (resource.RLIMIT_NOFILE, (16, 16)),
        (resource.RLIMIT_FSIZE, (0, 0)),  # nothing is written to files
        (resource.RLIMIT_CORE, (0, 0)),
        (resource.RLIMIT_MEMLOCK, (0, 0)),
        (resource.RLIMIT_MSGQUEUE, (0, 0)),
    ):
        resource.setrlimit(res, value)
    uid = config.get("uid")
    if uid is not None:
        os.setgroups([])
        os.setresgid(int(uid), int(uid), int(uid))
        os.setresuid(int(uid), int(uid), int(uid))
    if sys.platform == "linux":
        import ctypes

        if ctypes.CDLL(None, use_errno=True).prctl(38, 1, 0, 0, 0) != 0:  # PR_SET_NO_NEW_PRIVS
            raise OSError(ctypes.get_errno(), "no_new_privs")
    heap = sqlite3.connect(":memory:")
    heap.execute(f"PRAGMA hard_heap_limit = {int(config['heap_mb']) << 20}")
    heap.close()


def serve(config: dict[str, Any]) -> None:
    os.chdir("/")
    confine(config)
    stdin, stdout = sys.stdin.buffer, sys.stdout.buffer
    stdout.write(json.dumps({"ready": True, "sqlite": sqlite3.sqlite_version}).encode() + b"\n")
    stdout.flush()
    templates = Templates()
    for line in stdin:
        answered = False  # once the final reply is out, nothing more may be written for a job
        try:
            for reply in handle(json.loads(line), templates):
                _send(stdout, reply)
                answered = bool(reply.get("last"))
        except MemoryError:
            # Not enough memory even to answer properly: say so, and let a fresh worker on.
            if not answered:
                stdout.write(OUT_OF_MEMORY + b"\n")
                stdout.flush()
            return
        except (ValueError, KeyError, TypeError, sqlite3.Error) as exc:
            if answered:
                return
            _send(stdout, {"error": f"bad job: {exc}"[:ERROR_CHARS], "last": True})


OUT_OF_MEMORY = b'{"error": "out of memory", "error_kind": "memory", "retire": true, "last": true}'


def _send(stdout: Any, reply: dict[str, Any]) -> None:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    reply["cpu_seconds"] = round(usage.ru_utime + usage.ru_stime, 3)
    try:
        data = json.dumps(reply, ensure_ascii=False).encode("utf-8", "surrogatepass")
    except MemoryError:
        data = OUT_OF_MEMORY
    stdout.write(data + b"\n")
    stdout.flush()


if __name__ == "__main__":
    serve(json.loads(sys.argv[1]))
