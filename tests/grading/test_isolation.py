"""Isolation between runs and candidates, on the session's long-lived sandbox pool.

Each attack runs as one "candidate"; then another candidate's run must find nothing of it
and a correct solution must still be Accepted: memory of earlier jobs (the zygote never
holds one), namespaces and mounts (seccomp), memory summed over a run's processes, state
left in a slot's network namespace or shared files, and times measured outside the run.
"""

from __future__ import annotations

import os
import re
import secrets
import threading
from typing import Any

import pytest

from tests.grading.conftest import SLOTS, UID_BASE, kernel_job, zygote_processes
from viva.grading.challenges import Challenge, Limits
from viva.grading.judge.outcome import RunOutcome, RunStatus, Verdict, build_job
from viva.grading.judge.verdict import grade
from viva.grading.sandbox.doctor import probe
from viva.grading.sandbox.host import available
from viva.grading.sandbox.pool import SandboxRunner
from viva.judge0 import execution
from viva.judge0.execution import Program
from viva.judge0.statuses import Status

SOLVE = (
    "\nimport unicodedata as _u\n"
    "def is_palindrome(t):\n"
    "    c = [x.casefold() for x in _u.normalize('NFC', t) if x.isalnum()]\n"
    "    return c == c[::-1]\n"
)
ROOMY = Limits(cpu_seconds=10, wall_seconds=30, memory_mb=512)


def call_job(source: str, call: str, *args: Any) -> dict[str, Any]:
    return kernel_job(
        {"source": source, "tests": [{"id": 0, "kind": "call", "call": call, "args": list(args)}]}
    )


def value_of(outcome: RunOutcome) -> Any:
    records = [r for r in outcome.records if r.get("test") == 0]
    assert records, f"no result: {outcome.status} {outcome.stderr[-800:]}"
    steps = records[-1].get("steps")
    assert steps, f"the test failed: {records[-1].get('error')}"
    return steps[0].get("value")


def verdict_of(sandbox: SandboxRunner, challenge: Challenge, source: str) -> Verdict:
    job = kernel_job(build_job(challenge, source, challenge.tests))
    return grade(challenge, challenge.tests, sandbox.run(job, challenge.meta.limits)).verdict


def another_candidate_is_accepted(sandbox: SandboxRunner, palindrome: Challenge) -> None:
    for _ in range(SLOTS):  # every slot, so the one the attack ran on too
        assert verdict_of(sandbox, palindrome, SOLVE) == Verdict.ACCEPTED


# The scanner looks for "VIVA-MARK-" and 16 hex digits; its own text never forms one.
SCANNER = r"""
import ctypes, gc, re, sys
ctypes.CDLL(None).prctl(4, 1, 0, 0, 0)  # dumpable again after the uid change: /proc/self/mem
PATTERN = re.compile(rb"VIVA" + rb"-MARK-[0-9a-f]{16}")

def scan():
    found = set()
    with open("/proc/self/maps") as maps:
        regions = [line.split() for line in maps]
    with open("/proc/self/mem", "rb", 0) as mem:
        for fields in regions:
            if not fields[1].startswith("r") or fields[-1].startswith(("[vvar", "[vsys")):
                continue
            low, high = (int(x, 16) for x in fields[0].split("-"))
            step = 8 << 20
            for start in range(low, high, step):
                try:
                    mem.seek(start)
                    chunk = mem.read(min(step + 64, high - start))
                except (OSError, OverflowError, ValueError):
                    continue
                found.update(m.decode() for m in PATTERN.findall(chunk))
    frame = sys._getframe()
    while frame is not None:
        for value in [*frame.f_locals.values(), *frame.f_globals.values()]:
            found.update(m.decode() for m in PATTERN.findall(repr(value)[:1 << 20].encode()))
        frame = frame.f_back
    for obj in gc.get_objects():
        if isinstance(obj, (dict, list, tuple)):
            for item in (obj.values() if isinstance(obj, dict) else obj):
                if isinstance(item, (str, bytes)):
                    text = item.encode(errors="replace") if isinstance(item, str) else item
                    found.update(m.decode() for m in PATTERN.findall(text))
    return sorted(found)
"""


def test_a_later_run_finds_nothing_of_an_earlier_job_in_its_memory(
    sandbox: SandboxRunner, palindrome: Challenge
) -> None:
    """Class 1: the zygote never holds a job, so a run forked after another candidate's
    finds neither its source, nor its inputs, nor its outputs: not in its whole address
    space, not in its frames, not among the objects the collector knows."""
    planted = {name: "VIVA-MARK-" + secrets.token_hex(8) for name in ("src", "arg", "out", "ret")}
    attacker = (
        f"KEEP = {planted['src']!r}\n"
        "import sys\n"
        "def leak(x):\n"
        f"    print({planted['out']!r}); print({planted['out']!r}, file=sys.stderr)\n"
        f"    return [x, {planted['ret']!r}]\n"
    )
    for _ in range(SLOTS):  # the pool hands slots out in turn: a victim follows on each
        outcome = sandbox.run(call_job(attacker, "leak", planted["arg"]), ROOMY)
        assert value_of(outcome) == [planted["arg"], planted["ret"]]
    for _ in range(SLOTS):
        found = value_of(sandbox.run(scanner_job(SCANNER), ROOMY))
        assert isinstance(found, list)
        assert not set(found) & set(planted.values()), f"a later run read {found}"
    another_candidate_is_accepted(sandbox, palindrome)


def memory_markers(pid: int) -> set[str]:
    """Every "VIVA-MARK-..." in a process's readable memory, read from the host."""
    found: set[str] = set()
    with open(f"/proc/{pid}/maps") as maps:
        regions = [line.split() for line in maps]
    with open(f"/proc/{pid}/mem", "rb", 0) as mem:
        for fields in regions:
            if not fields[1].startswith("r") or fields[-1].startswith(("[vvar", "[vsys")):
                continue
            low, high = (int(x, 16) for x in fields[0].split("-"))
            try:
                mem.seek(low)
                chunk = mem.read(high - low)
            except (OSError, OverflowError, ValueError):
                continue
            found.update(m.decode() for m in MARKER.findall(chunk))
    return found


MARKER = re.compile(rb"VIVA-MARK-[0-9a-f]{16}")


def test_the_zygote_never_holds_a_job_or_its_output(
    sandbox: SandboxRunner, palindrome: Challenge
) -> None:
    """Class 1 at its root: after a job ran on every slot, no byte of its source, input or
    output is anywhere in the zygotes' memory (read from the host, which may)."""
    planted = {name: "VIVA-MARK-" + secrets.token_hex(8) for name in ("src", "arg", "out")}
    source = (
        f"KEEP = {planted['src']!r}\ndef leak(x):\n    print({planted['out']!r})\n    return x\n"
    )
    for _ in range(SLOTS):
        assert value_of(sandbox.run(call_job(source, "leak", planted["arg"]), ROOMY))
    zygotes = zygote_processes(sandbox)
    assert len(zygotes) == SLOTS
    for pid in zygotes:
        try:
            found = memory_markers(pid)
        except PermissionError:
            pytest.skip("this user may not read the zygote's memory (ptrace scope)")
        assert not found & set(planted.values()), f"zygote {pid} holds {found}"
    another_candidate_is_accepted(sandbox, palindrome)


def test_the_scanner_finds_a_marker_of_its_own_run(sandbox: SandboxRunner) -> None:
    """The scan above can fail: it sees a marker that is in its own run's memory."""
    mine = "VIVA-MARK-" + secrets.token_hex(8)
    source = SCANNER + f"\nMINE = bytes.fromhex({mine.encode().hex()!r}).decode()\n"
    assert mine in value_of(sandbox.run(scanner_job(source), ROOMY))


def scanner_job(source: str) -> dict[str, Any]:
    """The scanner is the test's instrument, not an attack: it runs without the harness's
    guard, which would refuse it /proc/self/mem (see the next test), so that it measures
    what the kernel and the zygote leave in a run's memory."""
    return {**call_job(source, "scan"), "guard": False}


def test_the_guard_refuses_graded_code_its_own_memory(sandbox: SandboxRunner) -> None:
    # The scanner without its ctypes line (the guard refuses ctypes too: test_redteam.py)
    without_ctypes = "\n".join(line for line in SCANNER.splitlines() if "CDLL" not in line)
    outcome = sandbox.run({**call_job(without_ctypes, "scan"), "guard": True}, ROOMY)
    record = next(r for r in outcome.records if r.get("test") == 0)
    assert "reading process memory is not available" in record.get("error", ""), record


LIBC = (
    "import ctypes, os\nlibc = ctypes.CDLL(None, use_errno=True)\n"
    "libc.syscall.restype = ctypes.c_long\n"
)
CLONE = (
    LIBC + "flags = {flags} | 17\n"  # SIGCHLD
    "pid = libc.syscall(56, flags, 0, 0, 0, 0)\n"
    "if pid == 0:\n    os._exit(0)\n"
    "assert pid > 0, 'clone refused'\n"
    "os.waitpid(pid, 0)\n" + SOLVE
)
NAMESPACED_MOUNT = (
    LIBC + "import struct\n"
    "r, w = os.pipe()\n"
    "pid = libc.syscall(56, 0x10000000 | 0x20000 | 17, 0, 0, 0, 0)\n"  # NEWUSER|NEWNS
    "if pid == 0:\n"
    "    ok = []\n"
    "    fs = libc.syscall(430, b'tmpfs', 0)\n"  # fsopen
    "    if fs >= 0:\n"
    "        libc.syscall(431, fs, 6, None, None, 0)\n"  # fsconfig CMD_CREATE
    "        mnt = libc.syscall(432, fs, 0, 0)\n"  # fsmount
    "        ok.append(mnt >= 0 and libc.syscall(429, mnt, b'', -100, b'/tmp', 4) == 0)\n"
    "    ok.append(libc.syscall(428, -100, b'/usr', 1) >= 0)\n"  # open_tree CLONE
    "    ok.append(libc.syscall(433, -100, b'/tmp', 0) >= 0)\n"  # fspick
    "    os.write(w, b'1' if any(ok) else b'0')\n"
    "    os._exit(0)\n"
    "assert pid > 0, 'clone refused'\n"
    "os.waitpid(pid, 0)\n"
    "assert os.read(r, 1) == b'1'\n" + SOLVE
)
DIRECT = LIBC + "assert libc.syscall({nr}, {args}) >= 0\n" + SOLVE
CLONE3 = (
    LIBC + "args = (ctypes.c_uint64 * 11)(0x10000000, 0, 0, 0, 17)\n"  # flags=NEWUSER, SIGCHLD
    "pid = libc.syscall(435, ctypes.byref(args), ctypes.sizeof(args))\n"
    "if pid == 0:\n    os._exit(0)\n"
    "assert pid == -1 and ctypes.get_errno() == 38, (pid, ctypes.get_errno())\n"  # ENOSYS
    "raise SystemExit('clone3 refused with ENOSYS')\n"
)
SOCKET = "import socket\ns = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)\n{call}\n" + SOLVE
NAMESPACE_CASES = {
    "clone a user namespace": CLONE.format(flags=0x10000000),
    "clone user, mount and net namespaces": CLONE.format(flags=0x10000000 | 0x20000 | 0x40000000),
    "clone a pid namespace": CLONE.format(flags=0x20000000),
    "clone a network namespace": CLONE.format(flags=0x40000000),
    "clone ipc, uts and cgroup namespaces": CLONE.format(flags=0x8000000 | 0x4000000 | 0x2000000),
    "mount through a namespaced child": NAMESPACED_MOUNT,
    "fsopen": DIRECT.format(nr=430, args="b'tmpfs', 0"),
    "open_tree": DIRECT.format(nr=428, args="-100, b'/usr', 1"),
    "fspick": DIRECT.format(nr=433, args="-100, b'/tmp', 0"),
    "mount_setattr": DIRECT.format(nr=442, args="-100, b'/tmp', 0, None, 0"),
    "pivot_root": DIRECT.format(nr=155, args="b'/tmp', b'/tmp'"),
    "setns": DIRECT.format(nr=308, args="0, 0"),
    "unshare": DIRECT.format(nr=272, args="0x10000000"),
    # (closed again: the module runs once per test, and a second bind would fail anyway)
    "bind an abstract unix socket": SOCKET.format(call="s.bind('\\0viva-probe')\ns.close()"),
    "bind a unix socket file": SOCKET.format(
        call="import os\ns.bind('/tmp/viva.sock')\ns.close()\nos.unlink('/tmp/viva.sock')"
    ),
    "listen on a unix socket": SOCKET.format(
        call="try:\n    s.bind('')\nexcept OSError:\n    pass\ns.listen(1)\ns.close()"
    ),
    "connect to an abstract unix socket": SOCKET.format(
        call="try:\n    s.connect('\\0viva-probe')\nexcept ConnectionRefusedError:\n    pass"
    ),
}


@pytest.mark.parametrize("case", sorted(NAMESPACE_CASES))
def test_namespaces_mounts_and_socket_addresses_are_refused(
    case: str, sandbox: SandboxRunner, palindrome: Challenge
) -> None:
    """Class 8: each program is a correct solution once its call succeeds; it must not be
    Accepted (the call is refused, so the program stops with an error)."""
    assert verdict_of(sandbox, palindrome, NAMESPACE_CASES[case]) == Verdict.RUNTIME_ERROR
    another_candidate_is_accepted(sandbox, palindrome)


def test_clone3_is_refused_with_enosys_so_threads_fall_back_to_clone(
    sandbox: SandboxRunner, palindrome: Challenge
) -> None:
    outcome = sandbox.run(kernel_job(build_job(palindrome, CLONE3, palindrome.tests)), ROOMY)
    assert "clone3 refused with ENOSYS" in str(outcome.records), outcome.records[:1]
    threads = (
        "import threading\nout = []\n"
        "ts = [threading.Thread(target=out.append, args=(i,)) for i in range(8)]\n"
        "[t.start() for t in ts]\n[t.join() for t in ts]\nassert sorted(out) == list(range(8))\n"
    )
    assert verdict_of(sandbox, palindrome, threads + SOLVE) == Verdict.ACCEPTED


MEMORY_SPLIT = (
    "import os, time\n"
    "children = []\n"
    "for _ in range(6):\n"
    "    pid = os.fork()\n"
    "    if pid == 0:\n"
    "        hold = b'x' * (170 << 20)\n"
    "        time.sleep(3)\n"
    "        os._exit(0)\n"
    "    children.append(pid)\n"
    "for pid in children:\n"
    "    os.waitpid(pid, 0)\n" + SOLVE
)


def test_memory_is_limited_per_run_not_per_process(
    sandbox: SandboxRunner, palindrome: Challenge
) -> None:
    """Class 10: six children holding ~170 MB each in a 256 MB run: the run's init sums them
    and ends the run: Memory Limit Exceeded, decided from what it measured."""
    outcome = sandbox.run(
        kernel_job(build_job(palindrome, MEMORY_SPLIT, palindrome.tests)), Limits()
    )
    assert outcome.status == RunStatus.MEMORY, (outcome.status, outcome.stderr[-500:])
    assert grade(palindrome, palindrome.tests, outcome).verdict == Verdict.MEMORY_LIMIT
    another_candidate_is_accepted(sandbox, palindrome)


def test_a_run_within_its_memory_limit_is_not_stopped(
    sandbox: SandboxRunner, palindrome: Challenge
) -> None:
    within = "def hold():\n    data = b'x' * (200 << 20)\n    return len(data) >> 20\n"
    outcome = sandbox.run(call_job(within, "hold"), Limits())
    assert (outcome.status, value_of(outcome)) == (RunStatus.EXITED, 200)
    another_candidate_is_accepted(sandbox, palindrome)


THREADS_THAT_ALLOCATE = b"""
import threading, time
started = 0
def work():
    data = [bytearray(1000) for _ in range(200)]  # each thread mallocs on its own
    time.sleep(0.5)
try:
    for _ in range(12):
        threading.Thread(target=work, daemon=True).start()
        started += 1
except RuntimeError:  # can't start new thread
    pass
print(started)
"""


def test_a_dozen_threads_that_allocate_fit_in_a_small_memory_limit(
    sandbox: SandboxRunner,
) -> None:
    """The address-space limit is the run's memory limit over the interpreter's own, and
    each thread reserves its stack there. With two malloc arenas the second reserved 64 MB
    more as soon as two threads allocated at once, so a Judge0 program at 128,000 KB could
    start 7 threads ("cpu burn in threads", 8 threads, failed at random; this test failed on
    two arenas in 1 of 2 runs). With one arena (under the GIL a second buys little) 12
    threads that each allocate start."""
    program = Program("python", THREADS_THAT_ALLOCATE, memory_limit_kb=128_000)
    result = execution.run(sandbox, program)
    assert (result.status, result.stdout) == (Status.ACCEPTED, "12\n"), result.stderr


LEAVE_STATE = r"""
import os, socket
marker = {marker!r}
left = []
for attempt in (
    lambda: socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM).bind("\0" + marker),
    lambda: open("/tmp/" + marker, "w").write(marker),
    lambda: open("/dev/shm/" + marker, "w").write(marker),
    lambda: open("/dev/" + marker, "w").write(marker),
):
    try:
        attempt()
        left.append(True)
    except OSError:
        pass
# Sockets that hold each other in flight outlive every process of the run; with
# SO_PASSCRED even an unbound one gets an (autobound) abstract name.
a, b = socket.socketpair(socket.AF_UNIX, socket.SOCK_DGRAM)
for sock in (a, b):
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_PASSCRED, 1)
named = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
try:
    named.bind("\0" + marker)
except OSError:
    named = a
for sock in (a, b):
    try:
        socket.send_fds(sock, [marker.encode()], [named.fileno(), a.fileno(), b.fileno()])
    except OSError:
        pass
def leave():
    return marker
"""
LOOK_FOR_STATE = r"""
import os
def look(marker):
    with open("/proc/net/unix") as fh:  # abstract and autobound names show as @name
        seen = [line.strip() for line in fh if "@" in line or marker in line]
    for folder in ("/tmp", "/dev/shm", "/dev"):
        seen += [folder + "/" + n for n in os.listdir(folder) if marker in n]
    return seen
"""


def test_no_state_crosses_runs_through_the_slot(
    sandbox: SandboxRunner, palindrome: Challenge
) -> None:
    """Class 11: abstract unix names (a fresh network namespace per run), files in /tmp,
    /dev/shm or /dev: nothing a run leaves is there for the next run of the slot."""
    marker = "viva-state-" + secrets.token_hex(6)
    for _ in range(SLOTS):
        assert value_of(sandbox.run(call_job(LEAVE_STATE.format(marker=marker), "leave"), ROOMY))
        for _ in range(SLOTS - 1):  # quiet runs on the other slots: the next one is ours
            assert value_of(sandbox.run(call_job("def f():\n    return 1", "f"), ROOMY)) == 1
        seen = value_of(sandbox.run(call_job(LOOK_FOR_STATE, "look", marker), ROOMY))
        assert seen == [], f"a later run saw {seen}"
    another_candidate_is_accepted(sandbox, palindrome)


def test_test_times_are_measured_outside_the_run(sandbox: SandboxRunner) -> None:
    """Class 12: a run that stops its own clock still shows the time it took (the harness
    reads a clock of its own too, bound before any candidate code ran)."""
    source = (
        "import time\n_sleep = time.sleep\ntime.perf_counter = lambda: 0.0\n"
        "def slow(x):\n    _sleep(1.0)\n    return x\n"
    )
    outcome = sandbox.run(call_job(source, "slow", 1), ROOMY)
    assert value_of(outcome) == 1
    claimed = next(r for r in outcome.records if r.get("test") == 0)
    assert claimed["ms"] >= 500  # the rebound time.perf_counter is not the harness's
    assert outcome.test_ms[0] >= 500  # what the supervisor saw (it reads late when busy)


def test_a_fork_bomb_in_one_slot_does_not_stop_a_correct_run_in_another(
    sandbox: SandboxRunner, palindrome: Challenge
) -> None:
    """The process limit is per run (per slot): a fork and thread bomb in one slot while
    another candidate's correct solution runs in the other."""
    bomb = (
        "import os, threading, time\n"
        "for _ in range(2000):\n"
        "    try:\n        threading.Thread(target=time.sleep, args=(4,), daemon=True).start()\n"
        "    except RuntimeError:\n        break\n"
        "while True:\n    try:\n        os.fork()\n    except OSError:\n        time.sleep(0.01)\n"
    )
    verdicts: list[Verdict] = []
    attacker = threading.Thread(
        target=lambda: verdicts.append(verdict_of(sandbox, palindrome, bomb))
    )
    attacker.start()
    try:
        for _ in range(5):
            assert verdict_of(sandbox, palindrome, SOLVE) == Verdict.ACCEPTED
    finally:
        attacker.join()
    assert verdicts and verdicts[0] != Verdict.ACCEPTED
    another_candidate_is_accepted(sandbox, palindrome)


def test_the_sandbox_picks_its_mode_by_itself(sandbox: SandboxRunner) -> None:
    """Root: a uid per slot; anyone else: unprivileged bubblewrap in user namespaces."""
    assert sandbox.mode == ("root" if os.geteuid() == 0 else "user")


def test_probe_passes_every_isolation_check_on_this_host() -> None:
    checks = probe(uid_base=UID_BASE + 5)  # a slot uid of its own, apart from the pool's
    assert [c for c in checks if not c.passed] == []
    names = {c.name for c in checks}
    assert {"bubblewrap", "seccomp", "process limiting", "memory limiting (per run)"} <= names
    assert available() == (True, "")


def test_probe_says_how_to_fix_a_missing_bubblewrap(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", "/nonexistent")
    ok, reason = available()
    assert not ok and "apt-get install bubblewrap" in reason
    failed = [c for c in probe() if not c.passed]
    assert failed and failed[0].name == "bubblewrap" and "apt-get install" in failed[0].fix
