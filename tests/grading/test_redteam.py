"""Red-team regressions: hostile programs the sandbox stops today (x32 and i386 system calls,
descriptor theft from the run's init, writes to /proc/sys), each followed by a correct
solution of another candidate on the same long-lived pool, which must still be Accepted."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.grading.conftest import kernel_job
from tests.grading.test_hostile import SOLVE, verdict_of
from viva.grading.challenges import Challenge
from viva.grading.judge.outcome import Verdict, build_job
from viva.grading.sandbox.pool import SandboxRunner

# i386 `int 0x80` from shellcode: mov eax, nr; mov ebx, arg; int 0x80; ret
_INT80 = (
    "import ctypes, mmap\n"
    "def int80(nr, arg):\n"
    "    code = b'\\xb8' + nr.to_bytes(4, 'little') + b'\\xbb' + arg.to_bytes(4, 'little')"
    " + b'\\xcd\\x80\\xc3'\n"
    "    m = mmap.mmap(-1, 4096, prot=mmap.PROT_READ | mmap.PROT_WRITE | mmap.PROT_EXEC)\n"
    "    m.write(code)\n"
    "    f = ctypes.CFUNCTYPE(ctypes.c_long)(ctypes.addressof(ctypes.c_char.from_buffer(m)))\n"
    "    return f()\n"
)
CASES = {
    # x32 ABI numbers (__X32_SYSCALL_BIT): the filter kills the process, whatever the call
    "x32 unshare(CLONE_NEWUSER)": (
        "import ctypes\nlibc = ctypes.CDLL(None)\nlibc.syscall.restype = ctypes.c_long\n"
        "r = libc.syscall(0x40000000 | 272, 0x10000000)\n"
        "def is_palindrome(t): return r == 0",
        {Verdict.RUNTIME_ERROR},
    ),
    "x32 mount": (
        "import ctypes\nlibc = ctypes.CDLL(None)\nlibc.syscall.restype = ctypes.c_long\n"
        "r = libc.syscall(0x40000000 | 165, b'none', b'/tmp', b'tmpfs', 0, None)\n"
        "def is_palindrome(t): return True",
        {Verdict.RUNTIME_ERROR},
    ),
    "i386 int 0x80 unshare(CLONE_NEWUSER)": (
        _INT80 + "r = int80(310, 0x10000000)\ndef is_palindrome(t): return r == 0",
        {Verdict.RUNTIME_ERROR},
    ),
    "i386 int 0x80 getpid": (
        _INT80 + "r = int80(20, 0)\ndef is_palindrome(t): return True",
        {Verdict.RUNTIME_ERROR},
    ),
    "steal the init's descriptors (pidfd_getfd)": (
        "import ctypes, os\nlibc = ctypes.CDLL(None)\nlibc.syscall.restype = ctypes.c_long\n"
        "fd = os.pidfd_open(1)\nfor n in range(3, 16):\n"
        "    assert libc.syscall(438, fd, n, 0) < 0, n\n"
        "def is_palindrome(t): raise RuntimeError('refused as it should be')",
        {Verdict.RUNTIME_ERROR},
    ),
    "signal the run's init": (
        "import os, signal\nsent = []\n"
        "for s in (signal.SIGINT, signal.SIGTERM, signal.SIGUSR1, signal.SIGSTOP):\n"
        "    try:\n        os.kill(1, s)\n        sent.append(s)\n"
        "    except OSError:\n        pass\n"
        "assert not sent, sent\n"
        "def is_palindrome(t): raise RuntimeError('refused as it should be')",
        {Verdict.RUNTIME_ERROR},
    ),
    "write /proc/sys": (
        "for p in ('/proc/sys/kernel/hostname', '/proc/sys/kernel/shmmax',\n"
        "          '/proc/sys/vm/drop_caches'):\n"
        "    try:\n        open(p, 'w').write('1')\n        raise SystemExit('wrote ' + p)\n"
        "    except OSError:\n        pass\n"
        "def is_palindrome(t): return True",
        {Verdict.WRONG_ANSWER},
    ),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_redteam_submission_is_stopped(
    case: str, sandbox: SandboxRunner, palindrome: Challenge
) -> None:
    source, verdicts = CASES[case]
    verdict, detail = verdict_of(sandbox, palindrome, source)
    assert verdict in verdicts, f"{case}: {verdict}: {detail[-600:]}"
    # another candidate's correct solution on the same pool is still Accepted
    assert verdict_of(sandbox, palindrome, SOLVE)[0] == Verdict.ACCEPTED


# On Submit the candidate's process holds the hidden tests' inputs too, so nothing it produced
# (output, returned values, messages, times) may come back for ANY test, visible ones included.
LEAK_HIDDEN_INPUTS = """
import sys, json
try:
    f = sys._getframe(0)
    while f is not None and not isinstance(f.f_locals.get("job"), dict):
        f = f.f_back
    LEAKED = json.dumps([t.get("args") for t in f.f_locals["job"]["tests"]])
except RuntimeError:  # the guard refuses frames; what it prints must stay hidden all the same
    LEAKED = "frames refused"
print("LEAK" + LEAKED)
def is_palindrome(t):
    raise ValueError("LEAK" + LEAKED)
"""


def test_a_submit_shows_nothing_the_code_produced_beside_hidden_tests(
    sandbox: SandboxRunner, palindrome: Challenge
) -> None:
    from viva.grading.grader import grade_source

    submitted = grade_source(sandbox, palindrome, LEAK_HIDDEN_INPUTS, visible_only=False)
    shown = json.dumps([t.public() for t in submitted.tests]) + submitted.message
    assert "LEAK" not in shown
    assert all(t.public()["ms"] == 0.0 for t in submitted.tests)
    assert submitted.verdict == Verdict.RUNTIME_ERROR
    # A Run holds only the visible tests: there the details are shown.
    ran = grade_source(sandbox, palindrome, LEAK_HIDDEN_INPUTS, visible_only=True)
    shown_on_run = json.dumps([t.public() for t in ran.tests]) + ran.message
    assert "LEAK" in shown_on_run


SYSV_IPC = """
import ctypes, errno
def is_palindrome(text):
    libc = ctypes.CDLL(None, use_errno=True)
    results = [
        libc.shmget(0, 48 << 20, 0o1000 | 0o600),  # IPC_PRIVATE, IPC_CREAT
        libc.msgget(0, 0o1000 | 0o600),
        libc.semget(0, 1, 0o1000 | 0o600),
    ]
    return [(r, ctypes.get_errno() if r < 0 else 0) for r in results] == [(-1, errno.EPERM)] * 3
"""


def test_sysv_ipc_memory_the_init_cannot_count_is_refused(
    sandbox: SandboxRunner, palindrome: Challenge
) -> None:
    """A detached SysV segment or a queued message belongs to no process, so the run's memory
    count would miss it: shmget, msgget and semget are refused (EPERM)."""
    job = kernel_job(build_job(palindrome, SYSV_IPC, palindrome.visible[:1]))
    outcome = sandbox.run(job, palindrome.meta.limits)
    values = [s.get("value") for r in outcome.records for s in r.get("steps", [])]
    assert values == [True], (outcome.records, outcome.stderr)
    assert verdict_of(sandbox, palindrome, SOLVE)[0] == Verdict.ACCEPTED


# In-process forgery (issue 20, A): a wrong retry decorator (it re-raises a new exception of
# the last one's type, not the same object) plus a generic forger that does not know the
# tests: it turns every False a step observes into True, through one channel each.
WRONG_RETRY = (
    Path(__file__).resolve().parents[2]
    / "src/viva/content/challenges/decorator-retry/wrong-new-exception.py"
)
_REWRITE = """
def _rewrite(tests):
    for t in tests:
        for s in t.get("steps", []):
            if "eval" in s and not s["eval"].startswith("(lambda"):
                s["eval"] = "(lambda v: True if v is False else v)(" + s["eval"] + ")"
"""
FORGERIES = {
    "frames: rewrite the job's steps": _REWRITE + "import sys\nf = sys._getframe(0)\n"
    "while f is not None and not isinstance(f.f_locals.get('job'), dict):\n    f = f.f_back\n"
    "_rewrite(f.f_locals['job']['tests'])\n",
    "gc: rewrite the job's steps": _REWRITE + "import gc\nfor o in gc.get_objects():\n"
    "    if isinstance(o, dict) and isinstance(o.get('tests'), list) and 'source' in o:\n"
    "        _rewrite(o['tests'])\n",
    "sys.modules: patch the harness's encoder": (
        "import sys\nh = sys.modules['harness']\n_real = h.encode\n"
        "h.encode = lambda v, depth=0: _real(True if v is False else v, depth)\n"
    ),
    "builtins: patch eval": (
        "import builtins\n_real = builtins.eval\n"
        "builtins.eval = lambda *a, **k: (lambda v: True if v is False else v)(_real(*a, **k))\n"
    ),
    "json: patch dumps": (
        "import json\n_real = json.dumps\n"
        "def _dumps(obj, *a, **k):\n"
        "    for s in obj.get('steps', []) if isinstance(obj, dict) else []:\n"
        "        if isinstance(s, dict) and s.get('value') is False:\n"
        "            s['value'] = True\n"
        "    return _real(obj, *a, **k)\n"
        "json.dumps = _dumps\n"
    ),
    "a signal handler's frame: rewrite the job's steps": _REWRITE + "import signal, time\n"
    "def _on_alarm(sig, f):\n"
    "    while f is not None and not isinstance(f.f_locals.get('job'), dict):\n"
    "        f = f.f_back\n"
    "    if f is not None:\n        _rewrite(f.f_locals['job']['tests'])\n"
    "try:\n    signal.signal(signal.SIGALRM, _on_alarm)\n"
    "    signal.setitimer(signal.ITIMER_REAL, 0.001)\n    time.sleep(0.05)\n"
    "except OSError:\n    pass\n",
    "a thread that outlives the test: rewrite later tests": _REWRITE
    + "import gc, threading, time\n"
    "def _later():\n    time.sleep(0.02)\n    for o in gc.get_objects():\n"
    "        if isinstance(o, dict) and isinstance(o.get('tests'), list) and 'source' in o:\n"
    "            _rewrite(o['tests'])\n"
    "if not globals().get('_started'):\n"
    "    threading.Thread(target=_later, daemon=True).start()\n"
    "time.sleep(0.05)\n",
    "result fd: write every record, then os._exit": (
        "import gc, json, os, stat\n"
        "_job = next(o for o in gc.get_objects() if isinstance(o, dict)\n"
        "            and isinstance(o.get('tests'), list) and 'source' in o)\n"
        "_lines = []\n"
        "for t in _job['tests']:\n"
        "    ns, steps = dict(globals()), []\n"
        "    try:\n"
        "        exec(t.get('setup') or '', ns)\n"
        "        for s in t['steps']:\n"
        "            try:\n"
        "                v = eval(s['eval'], ns)\n"
        "                steps.append({'value': True if v is False else v})\n"
        "            except Exception as e:\n"
        "                steps.append({'raised': type(e).__name__})\n"
        "    except Exception:\n        pass\n"
        "    _lines.append(json.dumps({'test': t['id'], 'steps': steps, 'output': ''},"
        " default=list))\n"
        "_lines.append(json.dumps({'done': True}))\n"
        "for fd in range(3, 64):\n"
        "    try:\n"
        "        if stat.S_ISFIFO(os.fstat(fd).st_mode):\n"
        "            os.write(fd, ('\\n'.join(_lines) + '\\n').encode())\n"
        "    except OSError:\n        pass\n"
        "os._exit(0)\n"
    ),
}


def forged_source(name: str) -> str:
    """The wrong solution with the forger after it (so the forger can use `retry`)."""
    return WRONG_RETRY.read_text(encoding="utf-8") + "\n" + FORGERIES[name]


@pytest.fixture(scope="module")
def retry_challenge() -> Challenge:
    from viva.grading.challenges import CHALLENGES_DIR, load_challenge

    return load_challenge(CHALLENGES_DIR / "decorator-retry")


# A signal handler is handed the interrupted frame (no audit event covers it): the guard
# refuses Python signal handlers to graded code (seccomp still allows rt_sigaction, which
# glibc's pthread_create needs).
@pytest.mark.parametrize("name", sorted(FORGERIES))
def test_a_generic_forger_does_not_get_a_wrong_solution_accepted(
    name: str, sandbox: SandboxRunner, retry_challenge: Challenge
) -> None:
    from viva.grading.grader import grade_source

    plain = grade_source(
        sandbox, retry_challenge, WRONG_RETRY.read_text("utf-8"), visible_only=False
    )
    assert plain.verdict == Verdict.WRONG_ANSWER  # the wrong solution alone is caught
    forged = grade_source(sandbox, retry_challenge, forged_source(name), visible_only=False)
    assert forged.verdict != Verdict.ACCEPTED, name
    # the next candidate's reference solution on the same pool is still Accepted
    reference = grade_source(sandbox, retry_challenge, retry_challenge.solution, visible_only=False)
    assert reference.verdict == Verdict.ACCEPTED, reference.message


# What the guard refuses graded code, one channel each (each would let a program read or
# rewrite the harness); the program reports the refusal it met.
REFUSED = {
    "ctypes: read memory": "import ctypes\nctypes.string_at(id(object()), 16)",
    "ctypes: a foreign call": "import ctypes\nctypes.pythonapi.Py_IsInitialized()",
    "marshal: build a code object": "import marshal\nmarshal.loads(marshal.dumps(1))",
    "code.replace": "(lambda: 0).__code__.replace(co_consts=(1,))",
    "rebind a function's code": "def f(): pass\nf.__code__ = (lambda: 1).__code__",
    "sys.settrace": "import sys\nsys.settrace(lambda *a: None)",
    "threading.settrace, then a thread": (  # the thread's sys.settrace is refused
        "import sys, threading\nthreading.settrace(lambda *a: None)\nran = []\n"
        "t = threading.Thread(target=lambda: ran.append(sys.gettrace()))\n"
        "t.start(); t.join()\nassert ran in ([], [None]), ran\n"
        "raise RuntimeError('tracing is not available')"
    ),
    "sys.setprofile": "import sys\nsys.setprofile(lambda *a: None)",
    "an audit hook of its own": (  # refused silently: CPython drops a hook another refuses
        "import sys\nseen = []\nsys.addaudithook(lambda e, a: seen.append(e))\n"
        "compile('1', 'x', 'eval')\nassert not seen, seen\n"
        "raise RuntimeError('audit hooks are not available')"
    ),
    "sys._getframe": "import sys\nsys._getframe(0)",
    "inspect.currentframe": "import inspect\ninspect.currentframe()",
    "traceback frames": "try:\n    1 / 0\nexcept ZeroDivisionError as e:\n    e.__traceback__.tb_frame",  # noqa: E501
    "generator frames": "def g():\n    yield 1\ng().gi_frame",
    "sys._current_frames from a thread": (
        "import sys, threading\nout = []\n"
        "def look():\n    try:\n        sys._current_frames()\n"
        "    except RuntimeError as e:\n        out.append(e)\n"
        "t = threading.Thread(target=look)\nt.start(); t.join()\nraise out[0]"
    ),
    "gc.get_objects": "import gc\ngc.get_objects()",
    "gc.get_referrers": "import gc\ngc.get_referrers(globals())",
    "gc from a weakref finalizer": (
        "import gc, weakref, itertools\nout = []\nclass T: pass\nt = T()\n"
        "weakref.finalize(t, out.extend, itertools.islice(iter(gc.get_objects, None), 1))\n"
        "del t\ngc.collect()\n"
        "assert not out, 'the finalizer read the heap'\nraise RuntimeError('not available')"
    ),
    "/proc/self/mem": "open('/proc/self/mem', 'rb')",
    "/proc/self/mem relative to /proc/self": (
        "import os\nos.open('mem', os.O_RDONLY, dir_fd=os.open('/proc/self', os.O_RDONLY))"
    ),
    "/proc/self/mem through a symlink": (  # the kernel refuses it: the worker is not dumpable
        "import os\nos.symlink('/proc/self/mem', '/tmp/m')\n"
        "try:\n    open('/tmp/m', 'rb')\nexcept PermissionError:\n"
        "    raise RuntimeError('/proc/self/mem is not available') from None"
    ),
    "_testcapi": "import _testcapi",
    "a signal handler": "import signal\nsignal.signal(signal.SIGUSR1, lambda s, f: None)",
    "a signal handler: the function signal.signal wraps": (
        "import inspect, signal\ninspect.unwrap(signal.signal)(signal.SIGUSR1, lambda s, f: None)"
    ),
    "a signal handler: a fresh _signal module": (
        "import _imp, importlib.machinery as m\n"
        "_imp.create_builtin(m.BuiltinImporter.find_spec('_signal')).signal(10, print)"
    ),
    "a signal handler: a fresh _imp module": (
        "import _imp, importlib.machinery as m\n"
        "_imp.create_builtin(m.BuiltinImporter.find_spec('_imp'))"
    ),
    "a signal handler: _signal imported again": (
        "import sys\ndel sys.modules['_signal']\nimport _signal\n_signal.signal(10, print)"
    ),
    "a signal handler: the guard's hidden originals": (
        "import _imp\n_imp.create_builtin.__defaults__[0]"
    ),
}


@pytest.mark.parametrize("name", sorted(REFUSED))
def test_the_guard_refuses_graded_code(
    name: str, sandbox: SandboxRunner, palindrome: Challenge
) -> None:
    job = build_job(palindrome, REFUSED[name] + "\ndef is_palindrome(t): return True", [])
    job["tests"] = [{"id": 0, "kind": "call", "call": "is_palindrome", "args": ["a"]}]
    outcome = sandbox.run(job, palindrome.meta.limits)
    record = next((r for r in outcome.records if r.get("test") == 0), {})
    error = record.get("error", "")
    refused = "not available" in error or "Operation not permitted" in error  # signal: seccomp
    assert refused, (name, record, outcome.stderr[-500:])
    assert verdict_of(sandbox, palindrome, SOLVE)[0] == Verdict.ACCEPTED


# A library function that hands out a frame: pydantic's TypeAdapter takes its caller's frame
# and returns it; from there f_back (which no audit event covers) would walk to the harness.
# The guard lends the frame to TypeAdapter.__init__ only.
GADGET = """
from pydantic import TypeAdapter
def frame_of_the_module():
    return TypeAdapter(int)._fetch_parent_frame()  # two up: the module's own frame
try:
    f = frame_of_the_module()
    while f is not None and not isinstance(f.f_locals.get("job"), dict):
        f = f.f_back
    FOUND = f is not None
except RuntimeError as e:
    FOUND = str(e)
def is_palindrome(t):
    return FOUND
"""


def test_a_library_that_hands_out_a_frame_does_not_reach_the_harness(
    sandbox: SandboxRunner, palindrome: Challenge
) -> None:
    job = build_job(palindrome, GADGET, [])
    job["tests"] = [{"id": 0, "kind": "call", "call": "is_palindrome", "args": ["a"]}]
    outcome = sandbox.run(job, palindrome.meta.limits)
    steps = next(r for r in outcome.records if r.get("test") == 0).get("steps") or [{}]
    assert steps[0].get("value") == "frame introspection is not available to graded code"
    # TypeAdapter itself still works (fastapi builds them for every route)
    source = "from pydantic import TypeAdapter\ndef is_palindrome(t):\n"
    source += "    return TypeAdapter(list[int]).validate_python(['1']) == [1]\n"
    job = build_job(palindrome, source, [])
    job["tests"] = [{"id": 0, "kind": "call", "call": "is_palindrome", "args": ["a"]}]
    outcome = sandbox.run(job, palindrome.meta.limits)
    steps = next(r for r in outcome.records if r.get("test") == 0).get("steps") or [{}]
    assert steps[0].get("value") is True, outcome.records


# Tailored forgers: each knows a hidden test of its challenge and changes what the test's
# step observes, so that a wrong solution would pass. In the candidate's process they reached
# the test's state (in-place, through a handed-over function's `__globals__`, or by patching
# a class or module the test uses); with the test's code in a process of its own (`process:
# separate`) the solution holds only proxies of the test's objects, or mirrors of its plain
# data, and what it changes in its own process is not what the test observes.
CHALLENGE_FILES = Path(__file__).resolve().parents[2] / "src/viva/content/challenges"
_RETRY_RAISED_REWRITTEN = """
import functools

def retry(times, exceptions=(Exception,)):
    if times < 1:
        raise ValueError("times must be at least 1")
    def decorator(func):
        @functools.wraps(func)
        def wrapper(*args, **kwargs):
            last = None
            for _ in range(times):
                try:
                    return func(*args, **kwargs)
                except exceptions as exc:
                    last = exc
            new = type(last)(*last.args)  # wrong: not the object the last attempt raised
            raised = getattr(func, "__globals__", {}).get("raised")  # the test's own list
            if isinstance(raised, list) and raised:
                raised[-1] = new
            raise new
        return wrapper
    return decorator
"""
_BUCKET_CLOCK_PATCHED = """
# The test's clock class, patched: a step back is held as a debt the next steps forward
# repay, so the wrong bucket above never sees the clock go back.
_patched = []

def _patch(clock):
    cls = type(clock)
    if _patched or not hasattr(cls, "advance"):
        return
    real = cls.advance
    def advance(self, seconds):
        debt = self.__dict__.get("debt", 0.0)
        if seconds < 0:
            self.__dict__["debt"] = debt - seconds
            return
        paid = min(debt, seconds)
        self.__dict__["debt"] = debt - paid
        real(self, seconds - paid)
    cls.advance = advance
    _patched.append(cls)

_Wrong = TokenBucket

class TokenBucket(_Wrong):
    def __init__(self, capacity, refill_per_second, clock=time.monotonic):
        _patch(clock)
        super().__init__(capacity, refill_per_second, clock)
"""
_BREAKER_OPEN_CALLS = """
        if state == "open" or self._trial_running:
            test_state = getattr(func, "__globals__", {})  # the test's call logs
            saved = {k: list(v) for k, v in test_state.items() if type(v) is list}
            try:
                func(*args, **kwargs)  # wrong: the open circuit calls the function
            except Exception:
                pass
            for k, v in saved.items():
                test_state[k][:] = v
            raise CircuitOpenError("circuit is open")
"""
_LOOKUP_TRACES_SCRUBBED = """
import sqlite3

def find_user(conn, username):
    safe = username.replace("'", "''")  # wrong: the value is spliced into the SQL text
    row = conn.execute(f"SELECT id, username, role FROM users WHERE username = '{safe}'").fetchone()
    seen = getattr(type(conn).execute, "__globals__", {}).get("seen")  # the test's SQL log
    if isinstance(seen, list):
        seen[:] = ["SELECT id, username, role FROM users WHERE username = ?" for _ in seen]
    return tuple(row) if row is not None else None
"""
_CACHE_TTL_PATCHED = """
import json

_asked = {}

def _patch(r):
    cls = type(r)
    if not hasattr(cls, "pttl"):
        return
    # The test's client class, patched (again in each test, with this test's `_asked`): its
    # TTL reads report what was asked for.
    def pttl(self, key):
        return _asked.get(key, -1) * 1000
    cls.pttl = pttl

def cache_set(r, key, value, ttl_seconds):
    if ttl_seconds <= 0:
        raise ValueError("ttl_seconds must be positive")
    payload = json.dumps(value)
    _patch(r)
    _asked[key] = ttl_seconds
    r.set(key, payload, ex=max(1, ttl_seconds - 1))  # wrong: a second of margin

def cache_get(r, key, default=None):
    raw = r.get(key)
    if raw is None:
        return default
    try:
        return json.loads(raw)
    except ValueError:
        return default
"""

_MAPPINGS_REBOUND = """
import types

# The test's mappingproxy class, rebound: what it makes is a tuple of items, which the wrong
# get_path (any Mapping walked) does not walk, so the test never hands it a mappingproxy.
types.MappingProxyType = lambda mapping: tuple(dict(mapping).items())
"""
_READ_AHEAD_HIDDEN = """
from itertools import islice


def chunked(iterable, size):
    if size < 1:
        raise ValueError("size must be at least 1")
    if hasattr(iterable, "consumed"):  # the test's counting iterator
        return _peeking(iterable, size)
    return _chunks(iter(iterable), size)


def _chunks(iterator, size):
    while chunk := list(islice(iterator, size)):
        yield chunk


def _peeking(source, size):
    # Wrong: reads one item past each chunk. The read ahead is taken off the test's count
    # while the chunk is out, and put back before the next real read.
    iterator, end, hidden = iter(source), object(), 0
    item = next(iterator, end)
    while item is not end:
        source.consumed += hidden
        chunk = []
        while item is not end and len(chunk) < size:
            chunk.append(item)
            item = next(iterator, end)
        hidden = 0 if item is end else 1
        source.consumed -= hidden
        yield chunk
"""
_COPY_GUARD_UNDONE = """
import sys


def deep_copy(obj, memo=None):
    # Wrong: copy.deepcopy. Under the test's guard its blockers sit in copy's dispatch
    # table; their globals are the test's, which keep the real functions (`_saved`) and
    # table (`_dispatch`): put them back for the call, then the blockers again.
    module = sys.modules.get("co" + "py")
    if module is None:
        return obj
    table = getattr(module, "_deepcopy_dispatch")
    test = getattr(table.get(list), "__globals__", {})
    saved, dispatch = test.get("_saved"), test.get("_dispatch")
    if not saved or not dispatch:
        return getattr(module, "deep" + "copy")(obj, memo)
    real = {name: f for (owner, name), f in saved.items() if owner is module}
    held = dict(table)
    table.update(dispatch)
    try:
        return real["deep" + "copy"](obj, memo)
    finally:
        table.update(held)
"""


def _breaker_forger() -> str:
    source = (CHALLENGE_FILES / "circuit-breaker/solution.py").read_text("utf-8")
    honest = (
        '        if state == "open" or self._trial_running:\n'
        '            raise CircuitOpenError("circuit is open")\n'
    )
    assert honest in source
    return source.replace(honest, _BREAKER_OPEN_CALLS.lstrip("\n"))


TAILORED = {
    "decorator-retry: rewrite the test's list of raised errors": (
        "decorator-retry",
        lambda: _RETRY_RAISED_REWRITTEN,
    ),
    "token-bucket: patch the test's clock class": (
        "token-bucket",
        lambda: (
            (CHALLENGE_FILES / "token-bucket/wrong-backwards-clock.py").read_text("utf-8")
            + _BUCKET_CLOCK_PATCHED
        ),
    ),
    "circuit-breaker: restore the test's call logs in place": ("circuit-breaker", _breaker_forger),
    "sql-injection-safe-lookup: scrub the test's SQL log": (
        "sql-injection-safe-lookup",
        lambda: _LOOKUP_TRACES_SCRUBBED,
    ),
    "redis-cache-helper: patch the test's client class": (
        "redis-cache-helper",
        lambda: _CACHE_TTL_PATCHED,
    ),
    "missing-keys: rebind the test's mappingproxy class": (
        "missing-keys",
        lambda: (
            _MAPPINGS_REBOUND
            + (CHALLENGE_FILES / "missing-keys/wrong-any-mapping-walked.py").read_text("utf-8")
        ),
    ),
    "chunked-generator: take the read-ahead off the test's count": (
        "chunked-generator",
        lambda: _READ_AHEAD_HIDDEN,
    ),
    "deep-copy: undo the test's copy blockers with its own saved functions": (
        "deep-copy",
        lambda: _COPY_GUARD_UNDONE,
    ),
}


@pytest.mark.parametrize("name", sorted(TAILORED))
def test_a_tailored_forger_does_not_get_a_wrong_solution_accepted(
    name: str, sandbox: SandboxRunner
) -> None:
    from viva.grading.challenges import CHALLENGES_DIR, load_challenge
    from viva.grading.grader import grade_source

    slug, source = TAILORED[name]
    challenge = load_challenge(CHALLENGES_DIR / slug)
    forged = grade_source(sandbox, challenge, source(), visible_only=False)
    assert forged.verdict == Verdict.WRONG_ANSWER, (name, forged.verdict, forged.message)
    reference = grade_source(sandbox, challenge, challenge.solution, visible_only=False)
    assert reference.verdict == Verdict.ACCEPTED, reference.message
