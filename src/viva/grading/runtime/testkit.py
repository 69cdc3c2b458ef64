"""Objects the harness hands to graded code (a fake clock, the stdout capture). They live
apart from the harness so that nothing reachable from them (their functions' globals) leads
to the harness's state."""

from __future__ import annotations

import io
import sys

MAX_CAPTURE = 4096


class Capture(io.StringIO):
    """Keeps the first 4 KB a test prints for its report; the rest goes on to the real
    stdout, where the supervisor counts it against the output limit."""

    def write(self, s: str) -> int:
        room = MAX_CAPTURE - self.tell()
        if room > 0:
            super().write(s[:room])
        if len(s) > room and sys.__stdout__ is not None:
            sys.__stdout__.write(s[max(room, 0) :])
        return len(s)


class FakeClock:
    """A controllable clock for rate limiters and breakers: clock() and clock.advance(s)."""

    def __init__(self, start: float = 1000.0) -> None:
        self.now = start

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds
