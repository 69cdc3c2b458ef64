"""Tailored verdict forgery: a wrong solution that steers the test code's own checks.

A script test's steps run beside the candidate's code, in its process. A wrong solution
can try to make them report what they expect: objects whose `__eq__`/`__ne__`/`__hash__`
lie to a comparison, a patched `eval` or `compile` in the builtins the harness and the
test code share, or a test's variables rebound through the `__globals__` of a function
the test hands over. None may be Accepted, and after each attack another candidate's
correct solution on the same long-lived pool still is.
"""

from __future__ import annotations

import pytest

from tests.grading.test_hostile import verdict_of
from viva.grading import challenges as ch
from viva.grading.challenges import Challenge, ChallengeMeta, Step
from viva.grading.judge.outcome import Verdict
from viva.grading.sandbox.pool import SandboxRunner

CORRECT = """
def answer(x):
    return 2 * x

def apply_twice(fn, value):
    return fn(fn(value))
"""


def _script(name: str, setup: str, steps: list[Step], *, hidden: bool) -> ch.TestCase:
    return ch.TestCase(name=name, kind="script", hidden=hidden, setup=setup, steps=steps)


CHALLENGE = Challenge(
    slug="forgery-target",
    meta=ChallengeMeta(title="Forgery target", kind="function"),
    prompt="",
    starter="",
    solution=CORRECT,
    tests=[
        _script("doubles", "r = answer(2)", [Step(eval="r == 4", expected=True)], hidden=False),
        _script(
            "doubles hidden",
            "r = answer(21)",
            [
                Step(eval="r == 42", expected=True),
                Step(eval="r != 41", expected=True),
                Step(eval="r in (42, 43)", expected=True),
                Step(eval="{r: 1} == {42: 1}", expected=True),
            ],
            hidden=True,
        ),
        _script(
            "calls the function twice",
            "calls = []\ndef probe(v):\n    calls.append(v)\n    return v\n"
            "r = apply_twice(probe, 5)",
            [Step(eval="calls == [5, 5]", expected=True), Step(eval="r == 5", expected=True)],
            hidden=True,
        ),
    ],
)

# Every one is wrong: `answer` returns no double, or `apply_twice` never calls the function.
FORGERIES = {
    "an object whose __eq__ and __ne__ always agree": """
class Yes:
    def __eq__(self, other): return True
    def __ne__(self, other): return True
    def __hash__(self): return hash(42)
def answer(x): return Yes()
def apply_twice(fn, value): return fn(fn(value))
""",
    "an int subclass with a lying __eq__": """
class Int(int):
    def __eq__(self, other): return True
    def __ne__(self, other): return True
    def __hash__(self): return hash(42)
def answer(x): return Int(0)
def apply_twice(fn, value): return fn(fn(value))
""",
    "a str subclass with a lying __eq__": """
class Text(str):
    __eq__ = lambda self, other: True
    __ne__ = lambda self, other: True
    __hash__ = lambda self: hash(42)
def answer(x): return Text('no')
def apply_twice(fn, value): return fn(fn(value))
""",
    "a class whose metaclass lies to the comparison": """
class Meta(type):
    def __eq__(cls, other): return True
    def __ne__(cls, other): return True
    def __hash__(cls): return hash(42)
class Liar(metaclass=Meta):
    pass
def answer(x): return Liar
def apply_twice(fn, value): return fn(fn(value))
""",
    "eval patched in the builtins the harness uses": """
_b = __builtins__ if type(__builtins__) is dict else vars(__builtins__)
_eval = _b['eval']
def _lying_eval(code, *args):
    value = _eval(code, *args)
    return True if type(value) is bool else value
_b['eval'] = _lying_eval
def answer(x): return 0
def apply_twice(fn, value): return fn(fn(value))
""",
    "compile patched in the builtins the harness uses": """
_b = __builtins__ if type(__builtins__) is dict else vars(__builtins__)
_compile = _b['compile']
def _lying_compile(source, filename, mode, *args, **kwargs):
    if mode == 'eval' and ('==' in source or '!=' in source or ' in ' in source):
        source = 'True'
    return _compile(source, filename, mode, *args, **kwargs)
_b['compile'] = _lying_compile
def answer(x): return 0
def apply_twice(fn, value): return fn(fn(value))
""",
    "the test's variables rebound through the function's __globals__": """
def answer(x): return 2 * x
def apply_twice(fn, value):
    fn.__globals__['calls'] = [value, value]
    return value
""",
    "the test's builtins patched through the function's __globals__": """
def answer(x): return 2 * x
def apply_twice(fn, value):  # calls it once
    b = fn.__globals__['__builtins__']
    b = b if type(b) is dict else vars(b)
    real = b['eval']
    b['eval'] = lambda code, *a: True if type(real(code, *a)) is bool else real(code, *a)
    return fn(value)
""",
    "the guard blinded by a patched builtins.type, then records forged with its secret": """
import builtins, os
def _harness_frame():
    try:
        raise ValueError
    except ValueError as exc:
        tb = exc.__traceback__
    real = builtins.type
    builtins.type = lambda *args: None  # the guard's own checks call type()
    try:
        frame = tb.tb_frame
    finally:
        builtins.type = real
    while frame is not None and 'nonce' not in frame.f_locals:
        frame = frame.f_back
    return frame.f_locals
_run = _harness_frame()
for _test in _run['job']['tests']:
    _steps = [{'value': True} for _ in _test['steps']]
    _run['emit']({'test': _test['id'], 'steps': _steps})
_run['emit']({'done': True})
os._exit(0)
""",
}


@pytest.mark.parametrize("case", sorted(FORGERIES))
def test_a_tailored_forgery_is_not_accepted(case: str, sandbox: SandboxRunner) -> None:
    verdict, detail = verdict_of(sandbox, CHALLENGE, FORGERIES[case])
    assert verdict != Verdict.ACCEPTED, f"{case}: {detail[-600:]}"
    # another candidate's correct solution on the same pool is still Accepted
    assert verdict_of(sandbox, CHALLENGE, CORRECT)[0] == Verdict.ACCEPTED


def test_the_correct_solution_is_accepted(sandbox: SandboxRunner) -> None:
    verdict, detail = verdict_of(sandbox, CHALLENGE, CORRECT)
    assert verdict == Verdict.ACCEPTED, detail[-600:]
