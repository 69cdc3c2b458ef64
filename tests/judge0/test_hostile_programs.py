"""The grader suite's hostile programs, submitted through the Judge0 API of a running Viva:
each ends in the Judge0 status that matches the grader's verdict, and harms nothing (the
canaries stay unread and unchanged, the host's loopback gets no connection, and the next
program still runs)."""

from __future__ import annotations

import socket
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.grading.test_hostile import CANARY, CASES
from tests.judge0.conftest import Server
from viva.grading.judge.outcome import Verdict

RUNTIME_ERRORS = {7, 8, 9, 10, 11, 12}
STATUSES = {
    Verdict.TIME_LIMIT: {5},
    Verdict.MEMORY_LIMIT: {15},
    Verdict.OUTPUT_LIMIT: {8},
    Verdict.RUNTIME_ERROR: RUNTIME_ERRORS,
}
# As a script (Python's own exit, which Judge0 keeps) the thread bomb's main thread fails,
# then the interpreter waits for its 60 s sleepers: Judge0 says Time Limit Exceeded.
AS_A_SCRIPT = {"thread bomb": {5}}
# Programs that run as scripts here just as under the grader: not the ones that define the
# graded function, nor those whose only point is to exit before the grader's tests.
SCRIPTS = {
    name: (source, verdicts)
    for name, (source, verdicts) in CASES.items()
    if "def is_palindrome" not in source
    and "sys.exit(0)" not in source
    and verdicts <= set(STATUSES)
}


@pytest.fixture(scope="module")
def host(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, object]]:
    folder = tmp_path_factory.mktemp("host")
    canary, secret = folder / "viva.db", folder / "secret_key"
    canary.write_text(CANARY)
    secret.write_text(CANARY)
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(8)
    listener.setblocking(False)
    yield {
        "canary": canary,
        "secret": secret,
        "port": listener.getsockname()[1],
        "dir": folder,
        "listener": listener,
    }
    listener.close()


def test_there_are_hostile_scripts_of_every_kind() -> None:
    kinds = set().union(*(verdicts for _, verdicts in SCRIPTS.values()))
    assert kinds == set(STATUSES) and len(SCRIPTS) >= 20


@pytest.mark.parametrize("case", sorted(SCRIPTS))
def test_a_hostile_program_ends_in_the_right_status_and_harms_nothing(
    case: str, server: Server, host: dict[str, object]
) -> None:
    template, verdicts = SCRIPTS[case]
    source = template.format(
        canary=str(host["canary"]),
        secret=str(host["secret"]),
        port=host["port"],
        project=str(Path(__file__).resolve()),
    )
    headers = {"X-Auth-Token": server.key(), "X-Viva-Extensions": "mle"}
    body = {
        "source_code": source,
        "language_id": 71,
        "cpu_time_limit": 2,
        "cpu_extra_time": 0.5,
        "wall_time_limit": 4,
        "memory_limit": 128000,
        "max_file_size": 256,
    }
    done = httpx.post(
        f"{server.url}/submissions",
        params={"wait": "true", "fields": "status_id,stdout,stderr,message"},
        headers=headers,
        json=body,
        timeout=90,
    ).json()
    allowed = AS_A_SCRIPT.get(case) or set().union(*(STATUSES[v] for v in verdicts))
    assert done["status_id"] in allowed, f"{case}: {done}"
    shown = f"{done['stdout']}{done['stderr']}"
    assert CANARY not in shown
    time.sleep(0.05)
    listener = host["listener"]
    assert isinstance(listener, socket.socket)
    with pytest.raises(BlockingIOError):
        listener.accept()  # nothing reached the host's loopback
    assert Path(str(host["canary"])).read_text() == CANARY
    assert sorted(p.name for p in Path(str(host["dir"])).iterdir()) == ["secret_key", "viva.db"]
    after = httpx.post(
        f"{server.url}/submissions",
        params={"wait": "true", "fields": "status_id,stdout"},
        headers=headers,
        json={"source_code": "print('still here')", "language_id": 71},
        timeout=90,
    ).json()
    assert after == {"status_id": 3, "stdout": "still here\n"}
