"""Hostile submissions: each ends in the right verdict and leaves the host untouched.

After every case the host is checked: no process of the sandbox's slot uids survives, the
canary file is unchanged, the loopback listener received no connection, and the sandbox
still grades a correct solution.
"""

from __future__ import annotations

import socket
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.grading.conftest import SLOTS, kernel_job, sandbox_processes
from viva.grading.challenges import Challenge
from viva.grading.judge.outcome import Verdict, build_job
from viva.grading.judge.verdict import grade
from viva.grading.sandbox.pool import SandboxRunner

CANARY = "canary-secret-4f1d"


@pytest.fixture
def host(tmp_path: Path, sandbox: SandboxRunner) -> Iterator[dict[str, object]]:
    canary = tmp_path / "viva.db"
    canary.write_text(CANARY)
    secret = tmp_path / "secret_key"
    secret.write_text(CANARY)
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(8)
    listener.setblocking(False)
    yield {"canary": canary, "secret": secret, "port": listener.getsockname()[1], "dir": tmp_path}
    time.sleep(0.05)
    with pytest.raises(BlockingIOError):
        listener.accept()  # nobody got through to the host's loopback
    listener.close()
    assert canary.read_text() == CANARY and secret.read_text() == CANARY
    assert sorted(p.name for p in tmp_path.iterdir()) == ["secret_key", "viva.db"]
    # Only the warm workers waiting for the next job may remain: one per slot.
    assert len(sandbox_processes(sandbox)) <= SLOTS, "a sandboxed process outlived its run"


def verdict_of(sandbox: SandboxRunner, challenge: Challenge, source: str) -> tuple[Verdict, str]:
    job = kernel_job(build_job(challenge, source, challenge.tests))
    outcome = sandbox.run(job, challenge.meta.limits)
    result = grade(challenge, challenge.tests, outcome)
    return result.verdict, result.message + outcome.stderr


SOLVE = "\ndef is_palindrome(t):\n    c = [x.casefold() for x in __import__('unicodedata').normalize('NFC', t) if x.isalnum()]\n    return c == c[::-1]\n"

CASES = {
    "infinite loop": ("while True:\n    pass", {Verdict.TIME_LIMIT}),
    "cpu burn in threads": (
        "import threading\ndef burn():\n    while True: pass\n"
        "for _ in range(8): threading.Thread(target=burn, daemon=True).start()\nburn()",
        {Verdict.TIME_LIMIT},
    ),
    "memory hog at once": ("x = bytearray(8 * 1024**3)", {Verdict.MEMORY_LIMIT}),
    "memory hog growing": (
        "x = []\nwhile True:\n    x.append(' ' * 10**6)",
        {Verdict.MEMORY_LIMIT},
    ),
    "fork bomb": (
        "import os\nwhile True:\n    os.fork()",
        {Verdict.RUNTIME_ERROR, Verdict.TIME_LIMIT},
    ),
    "thread bomb": (
        "import threading, time\nwhile True:\n    threading.Thread(target=time.sleep, args=(60,)).start()",
        {Verdict.RUNTIME_ERROR},
    ),
    "huge stdout": (
        "import sys\nwhile True:\n    sys.stdout.write('x' * 65536)",
        {Verdict.OUTPUT_LIMIT},
    ),
    "huge stdout via fd": (
        "import os\nwhile True:\n    os.write(1, b'x' * 65536)",
        {Verdict.OUTPUT_LIMIT},
    ),
    "huge stderr": (
        "import sys\nwhile True:\n    sys.stderr.write('e' * 65536)",
        {Verdict.OUTPUT_LIMIT},
    ),
    "large file": (
        "open('/tmp/big', 'wb').write(b'x' * 200 * 1024**2)",
        {Verdict.RUNTIME_ERROR, Verdict.MEMORY_LIMIT},
    ),
    "read /etc/shadow": ("print(open('/etc/shadow').read())", {Verdict.RUNTIME_ERROR}),
    "read viva database": ("print(open({canary!r}).read())", {Verdict.RUNTIME_ERROR}),
    "read secret key": ("print(open({secret!r}).read())", {Verdict.RUNTIME_ERROR}),
    "read the project": ("print(open({project!r}).read())", {Verdict.RUNTIME_ERROR}),
    "list host processes": (
        "import os\npids = [p for p in os.listdir('/proc') if p.isdigit()]\nassert len(pids) > 3, pids",
        {Verdict.RUNTIME_ERROR},
    ),
    "connect to host loopback": (
        "import socket\nsocket.create_connection(('127.0.0.1', {port}), timeout=1)",
        {Verdict.RUNTIME_ERROR},
    ),
    "dns lookup": ("import socket\nsocket.getaddrinfo('pypi.org', 443)", {Verdict.RUNTIME_ERROR}),
    "subprocess reads secrets": (
        "import subprocess\nout = subprocess.run(['cat', {secret!r}], capture_output=True)\n"
        "assert out.returncode == 0, out",
        {Verdict.RUNTIME_ERROR},
    ),
    "os.system kill everything": (
        "import os\nos.system('kill -9 -1')\nraise SystemExit(3)",
        {Verdict.RUNTIME_ERROR},
    ),
    "ctypes mount": (
        "import ctypes\nlibc = ctypes.CDLL(None)\nassert libc.mount(b'none', b'/usr', b'tmpfs', 0, None) == 0",
        {Verdict.RUNTIME_ERROR},
    ),
    "ctypes unshare user namespace": (
        "import ctypes\nassert ctypes.CDLL(None).unshare(0x10000000) == 0",
        {Verdict.RUNTIME_ERROR},
    ),
    "become root": ("import os\nos.setuid(0)", {Verdict.RUNTIME_ERROR}),
    "signal the parent": (
        "import os, signal\nos.kill(os.getppid(), signal.SIGKILL)",
        {Verdict.RUNTIME_ERROR},
    ),
    "signal everyone": ("import os, signal\nos.kill(-1, signal.SIGKILL)", {Verdict.RUNTIME_ERROR}),
    "sleep past the wall limit": ("import time\ntime.sleep(30)", {Verdict.TIME_LIMIT}),
    "symlink out of /tmp": (
        "import os\nos.symlink({secret!r}, '/tmp/s')\nprint(open('/tmp/s').read())",
        {Verdict.RUNTIME_ERROR},
    ),
    "write to /usr": ("open('/usr/evil', 'w').write('x')", {Verdict.RUNTIME_ERROR}),
    "read the zygote's memory": (
        "print(open('/proc/1/mem', 'rb').read(10))",
        {Verdict.RUNTIME_ERROR},
    ),
    "fake result markers": (
        "import json\nfor i in range(20):\n    print(json.dumps({{'test': i, 'steps': [{{'value': True}}]}}))\n"
        "def is_palindrome(t): return True",
        {Verdict.WRONG_ANSWER},
    ),
    "forge records on the result fd": (
        "import json, os\nfor fd in range(3, 20):\n    try:\n"
        "        os.write(fd, b''.join(json.dumps({{'test': i, 'steps': [{{'value': True}}]}}).encode() + b'\\n' for i in range(20)))\n"
        "    except OSError: pass\ndef is_palindrome(t): return True",
        {Verdict.WRONG_ANSWER, Verdict.RUNTIME_ERROR},  # a forged record: never Accepted
    ),
    "sys.exit(0) before the tests": ("import sys\nsys.exit(0)", {Verdict.RUNTIME_ERROR}),
    "os._exit(0) in a test": (
        "import os\ndef is_palindrome(t):\n    os._exit(0)",
        {Verdict.RUNTIME_ERROR},
    ),
    "SystemExit in a test": (
        "def is_palindrome(t):\n    raise SystemExit(0)",
        {Verdict.RUNTIME_ERROR},
    ),
    "KeyboardInterrupt in a test": (
        "def is_palindrome(t):\n    raise KeyboardInterrupt",
        {Verdict.RUNTIME_ERROR},
    ),
    "monkeypatch the harness": (
        "import sys\nh = sys.modules['harness']\nh.encode = lambda value, depth=0: True\n"
        "def is_palindrome(t): return None",
        {Verdict.RUNTIME_ERROR},  # the harness has left sys.modules before any code runs
    ),
    "monkeypatch builtins": (
        "import builtins\nbuiltins.isinstance = lambda *a: True\nbuiltins.type = lambda *a: bool\n"
        "def is_palindrome(t): return 1",
        {Verdict.WRONG_ANSWER, Verdict.RUNTIME_ERROR},  # the harness breaks too: never Accepted
    ),
    "__eq__ always true": (
        "class Yes:\n    def __eq__(self, other): return True\ndef is_palindrome(t): return Yes()",
        {Verdict.WRONG_ANSWER},
    ),
    "bool subclass": (
        "class B(int):\n    def __eq__(self, o): return True\ndef is_palindrome(t): return B(1)",
        {Verdict.WRONG_ANSWER},
    ),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_hostile_submission(
    case: str, sandbox: SandboxRunner, palindrome: Challenge, host: dict[str, object]
) -> None:
    template, verdicts = CASES[case]
    source = template.format(
        canary=str(host["canary"]),
        secret=str(host["secret"]),
        port=host["port"],
        project=str(Path(__file__).resolve()),
    )
    verdict, detail = verdict_of(sandbox, palindrome, source)
    assert verdict in verdicts, f"{case}: {verdict}: {detail[-600:]}"
    assert CANARY not in detail
    # The sandbox still works after the attack.
    assert verdict_of(sandbox, palindrome, SOLVE)[0] == Verdict.ACCEPTED


def test_there_are_at_least_25_hostile_cases() -> None:
    assert len(CASES) >= 25
