"""Fewer round trips between a test and its solution's process, the same behaviour: the
test's FakeClock crosses by value (its reading travels with the messages), and a plain
method of a solution's object is looked up and called in one request, looked up first
whenever anything else is asked before the call.
"""

from __future__ import annotations

from tests.grading.test_isolation import ROOMY
from tests.grading.test_separate_spare import apart_job, step_values
from viva.grading.sandbox.pool import SandboxRunner

CLOCKED = """
class Keeper:
    def __init__(self, clock):
        self.clock = clock

    def read(self):
        return self.clock()

    def push(self, seconds):
        self.clock.advance(seconds)

    def linked(self):
        try:
            object.__getattribute__(self.clock, "_link")
        except AttributeError:
            return False
        return True

    def spoil(self):
        self.clock.now = "not a number"
"""


def test_the_clock_crosses_by_value_both_ways(sandbox: SandboxRunner) -> None:
    """The solution reads the test's clock as the test set it, its own advance reaches the
    test, and its clock leads to no link back to the test's process."""
    tests = [
        {
            "setup": "clock = FakeClock()\nkeeper = Keeper(clock)\n",
            "steps": [
                {"eval": "keeper.read()"},
                {"exec": "clock.advance(5)"},
                {"eval": "keeper.read()"},
                {"exec": "keeper.push(2)"},
                {"eval": "clock()"},
                {"eval": "keeper.linked()"},
            ],
        }
    ]
    outcome = sandbox.run(apart_job(CLOCKED, tests), ROOMY)
    assert step_values(outcome, 0) == [1000.0, None, 1005.0, None, 1007.0, False]


def test_a_clock_set_to_anything_but_a_number_fails_the_test(sandbox: SandboxRunner) -> None:
    """What the solution's copy of the clock sends back is a reading, never an object."""
    tests = [
        {
            "setup": "clock = FakeClock()\nkeeper = Keeper(clock)\n",
            "steps": [{"exec": "keeper.spoil()"}, {"eval": "clock()"}],
        },
        {"setup": "clock = FakeClock()\n", "steps": [{"eval": "Keeper(clock).read()"}]},
    ]
    outcome = sandbox.run(apart_job(CLOCKED, tests), ROOMY)
    first = [r for r in outcome.records if r.get("test") == 0][-1]
    assert "malformed" in str(first.get("error")), first
    assert step_values(outcome, 1) == [1000.0]  # the next test runs on


BOXED = """
class Box:
    def value(self):
        return "original"

    def swap(self):
        self.value = lambda: "swapped"


class Dynamic:
    def __getattr__(self, name):
        return lambda: name.upper()
"""


def test_a_method_read_before_another_request_is_the_one_read(sandbox: SandboxRunner) -> None:
    """`f = box.value` then a call that replaces `value`: `f()` is still the method read
    first (looked up before the other request went out), `box.value()` the new one; an
    object whose class answers names itself (`__getattr__`) is asked as before."""
    tests = [
        {
            "setup": "box = Box()\n",
            "steps": [
                {"exec": "f = box.value\nbox.swap()"},
                {"eval": "f()"},
                {"eval": "box.value()"},
                {"eval": "[box.swap.__name__, callable(box.swap)]"},
                {"eval": "Dynamic().anything()"},
            ],
        }
    ]
    outcome = sandbox.run(apart_job(BOXED, tests), ROOMY)
    assert step_values(outcome, 0) == [None, "original", "swapped", ["swap", True], "ANYTHING"]
