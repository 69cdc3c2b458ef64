"""Runs one job without isolation: the job arrives on stdin, results leave on the fd in argv.

Used only for trusted content checks and the explicit VIVA_SANDBOX=none opt-in.
"""

from __future__ import annotations

import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import harness

if __name__ == "__main__":
    job = json.load(sys.stdin)
    with os.fdopen(int(sys.argv[1]), "w") as out:
        harness.run(job, out)
