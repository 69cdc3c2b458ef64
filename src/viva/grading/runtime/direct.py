"""Runs one job without isolation: the job arrives on stdin, results leave on the fd in argv.

Used only for trusted content checks and the explicit VIVA_SANDBOX=none opt-in.
"""

from __future__ import annotations

import contextlib
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import harness
import separate_forbid
import testcode

# What the zygote preloads, so that graded code meets the same modules (the guard trusts
# library code that is loaded before any graded code runs).
PRELOAD = ("fastapi", "fastapi.testclient", "fakeredis")

if __name__ == "__main__":
    for name in PRELOAD:
        with contextlib.suppress(Exception):
            __import__(name)
    testcode.know_classes()
    separate_forbid.index_module_names()  # what solution_without takes out
    job = json.load(sys.stdin)
    with os.fdopen(int(sys.argv[1]), "w") as out:
        harness.run(job, out)
