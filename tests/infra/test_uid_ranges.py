"""Two sandbox pools on one host (two `viva serve` processes, as two `viva worker` processes
or the processes of `viva serve --workers N` would be) take disjoint uid ranges, each held
by a lock file: RLIMIT_NPROC counts tasks per uid, so with the same uids a fork bomb graded
in one process would starve a correct run in the other and turn its verdict (seen before
the ranges: every threaded correct run graded beside the bomb was a Runtime Error).
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import httpx
import pytest

from tests.conftest import uid_base
from tests.infra.cluster import SOLUTION, STARTUP_SECONDS, Cluster
from viva.grading.sandbox.host import SandboxUnavailable
from viva.grading.sandbox.pool import UID_STRIDE, claim_uid_range

# Both processes are given the same base, as two processes of one deployment are. No other
# test uses this offset, nor the range one stride up (+500: the SQLite uid; see uid_base).
BASE = uid_base(4000)
# As in tests/grading/test_isolation.py: threads, then forks, until the run's task limit.
BOMB = (
    "import os, threading, time\n"
    "for _ in range(2000):\n"
    "    try:\n        threading.Thread(target=time.sleep, args=(4,), daemon=True).start()\n"
    "    except RuntimeError:\n        break\n"
    "while True:\n    try:\n        os.fork()\n    except OSError:\n        time.sleep(0.01)\n"
)

# A correct solution that starts a thread (as a candidate's may): a task of its uid, refused
# (RuntimeError: can't start new thread) when that uid's count is full.
THREADED = (
    SOLUTION
    + "\n\nimport threading\n_plain = is_palindrome\n\n\n"
    + "def is_palindrome(text: str) -> bool:\n"
    + "    found = []\n"
    + "    worker = threading.Thread(target=lambda: found.append(_plain(text)))\n"
    + "    worker.start()\n    worker.join()\n    return found[0]\n"
)


def _graded(api: str, source: str, headers: dict[str, str]) -> dict[str, object]:
    response = httpx.post(
        f"{api}/api/v1/challenges/palindrome/submissions?wait=true",
        json={"source": source},
        headers=headers,
        timeout=STARTUP_SECONDS,
    )
    assert response.status_code == 201, response.text
    body: dict[str, object] = response.json()
    return body


def _uid_bases(log: Path) -> list[int]:
    lines = [json.loads(x) for x in log.read_text().splitlines() if '"sandbox_uids"' in x]
    return [int(line["base"]) for line in lines]


def test_two_pools_on_one_host_take_disjoint_uids_and_a_fork_bomb_spares_the_other(
    embedded: Cluster, tmp_path: Path
) -> None:
    env = {
        "VIVA_SANDBOX_UID_BASE": str(BASE),
        "VIVA_SANDBOX_UID_LOCK_DIR": str(tmp_path / "uid-locks"),  # this test's own host
        "VIVA_SANDBOX_SLOTS": "1",  # so both would run in slot 0, uid BASE
        "VIVA_RATE_LIMIT_SUBMISSIONS": "1000/minute",
    }
    embedded.headers = headers = embedded.new_candidate()
    embedded.start_api(**env)
    embedded.start_api(**env)
    bomber, victim = embedded.api_urls
    # Each pool starts with its first grading.
    assert _graded(bomber, SOLUTION, headers)["verdict"] == "Accepted"
    assert _graded(victim, THREADED, headers)["verdict"] == "Accepted"
    logs = {u: embedded.tmp / f"api-{u.rsplit(':', 1)[1]}.log" for u in (bomber, victim)}
    assert _uid_bases(logs[bomber]) == [BASE]
    assert _uid_bases(logs[victim]) == [BASE + UID_STRIDE]  # the next range: BASE was held

    bomb = embedded.submit(BOMB, headers, bomber)
    embedded.wait_status(bomb, "running", STARTUP_SECONDS)
    time.sleep(0.5)  # its threads and forks fill its uid's task count
    during: list[int] = []
    deadline = time.monotonic() + STARTUP_SECONDS  # the bomb's run ends at its wall limit
    while embedded.rows([bomb])[0].status != "done":
        assert time.monotonic() < deadline, "the bomb's grading never ended"
        during.append(int(_graded(victim, THREADED, headers)["id"]))
    (bombed,) = embedded.rows([bomb])
    assert bombed.verdict != "Accepted"
    rows = embedded.rows(during)
    assert [r.finished_at < bombed.finished_at for r in rows][:1] == [True], "no overlap"
    assert [r.verdict for r in rows] == ["Accepted"] * len(rows), [r.message for r in rows]


def test_a_uid_range_is_held_until_released_and_the_next_one_is_taken_meanwhile(
    tmp_path: Path,
) -> None:
    locks = tmp_path / "uid-locks"
    first = claim_uid_range(base=BASE, offsets=[0, 1, 500], lock_dir=locks)
    second = claim_uid_range(base=BASE, offsets=[0, 1, 500], lock_dir=locks)
    # Locks are per uid: a pool whose uids overlap none held starts where it asked; one
    # whose uid is held (BASE + 1, then BASE + 1001) moves up until it is free.
    third = claim_uid_range(base=BASE + 2, offsets=[0], lock_dir=locks)
    fourth = claim_uid_range(base=BASE + 1, offsets=[0], lock_dir=locks)
    assert (first.base, second.base, third.base) == (BASE, BASE + UID_STRIDE, BASE + 2)
    assert fourth.base == BASE + 1 + 2 * UID_STRIDE
    with pytest.raises(SandboxUnavailable, match="held by another Viva process"):
        claim_uid_range(base=BASE, offsets=[500], lock_dir=locks, tries=2)
    first.release()
    again = claim_uid_range(base=BASE, offsets=[0, 1, 500], lock_dir=locks)
    assert again.base == BASE
    for held in (again, second, third, fourth):
        held.release()


def test_a_lock_directory_that_cannot_be_made_is_a_clear_error(tmp_path: Path) -> None:
    (tmp_path / "file").write_text("")
    with pytest.raises(SandboxUnavailable, match="VIVA_SANDBOX_UID_LOCK_DIR"):
        claim_uid_range(base=BASE, offsets=[0], lock_dir=tmp_path / "file" / "locks")
