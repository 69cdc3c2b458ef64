"""`viva serve --workers 2` without Redis: each worker process grades from its own in-process
queue, on one SQLite file. A worker process SIGKILLed mid-grade is restarted by uvicorn's
supervisor; every submission is then graded exactly once, by one process.

Before conditional claims (issue 12) this lost that: the restarted process re-enqueued
everything queued or running, and `mark_running` took a submission another live process was
grading, so the live process's submissions were graded twice (`attempts = 2`).
"""

from __future__ import annotations

import os
import re
import time
from pathlib import Path

from tests.infra.cluster import LEASE_SECONDS, SLOW, STARTUP_SECONDS, Cluster

# Slow gradings, and more submissions while the killed process restarts, keep a backlog
# queued and running in the live process when the restarted one recovers at its start: the
# moment at which the old recovery graded twice.
SUBMISSIONS = 30  # before the kill
BACKLOG = 8  # kept queued until the restarted process has started
SPARE = 400  # candidates for the submissions made during the restart


def _started(log: Path) -> list[int]:
    """The pids of the worker processes uvicorn's supervisor started, in order."""
    return [int(p) for p in re.findall(r"Started server process \[(\d+)\]", log.read_text())]


def _wait(what: str, ready: object, seconds: float = STARTUP_SECONDS) -> None:
    deadline = time.monotonic() + seconds
    while not ready():  # type: ignore[operator]
        assert time.monotonic() < deadline, what
        time.sleep(0.05)


def test_serve_workers_grade_each_submission_once_through_a_worker_sigkill(
    embedded: Cluster,
) -> None:
    embedded.start_api("--workers", "2")
    log = next(embedded.tmp.glob("api-*.log"))
    _wait("two worker processes", lambda: len(_started(log)) == 2)
    first, second = _started(log)
    candidates = embedded.new_candidates(SUBMISSIONS + SPARE)  # one review card each
    # All sent before the kill: a request in flight to the killed process would be reset.
    ids = embedded.submit_all(SLOW, candidates[:SUBMISSIONS])

    def both_grading() -> bool:
        """Each process has claimed a submission and one of them holds a claim now."""
        return {first, second} <= set(embedded.claim_owners().values()) and bool(
            embedded.claims_of(first) or embedded.claims_of(second)
        )

    _wait("both processes grading", both_grading, 240)
    doomed, held = embedded.kill_holding([first, second], both_grading, 60)
    live = second if doomed == first else first
    time.sleep(0.5)
    assert embedded.claims_of(doomed) == held  # the dead process renews and stores nothing more
    # The supervisor starts a new process in its place; until it has started, the live one
    # takes every request and is kept with a backlog.
    spare = iter(candidates[SUBMISSIONS:])
    deadline = time.monotonic() + STARTUP_SECONDS
    while log.read_text().count("Application startup complete") < 3:
        assert time.monotonic() < deadline, "the killed process was not restarted"
        short = BACKLOG - list(embedded.claim_owners().values()).count(None)
        if short > 0:  # topped up in one go: one at a time fell behind at load 30
            batch = [h for _, h in zip(range(short), spare, strict=False)]
            assert batch, "the restart outlasted the spare submissions"
            ids += embedded.submit_all(SLOW, batch)
        else:
            time.sleep(0.1)
    before = embedded.claim_owners()
    restarted = _started(log)[2]
    assert restarted not in (first, second)
    # It found the live process's backlog at its start (queued; the old recovery also took
    # what was running).
    assert '"grading_recovered"' in log.read_text()

    rows = embedded.wait_done(ids, LEASE_SECONDS + 240)
    assert [r.verdict for r in rows] == ["Accepted"] * len(ids)
    # Exactly once: one claim each, and one more for each the dead process held (taken over
    # once its lease expired); the verdict was stored once.
    assert {r.id: r.attempts for r in rows} == {r.id: 2 if r.id in held else 1 for r in rows}
    owners = {r.id: int(r.claimed_by.split("-")[0]) for r in rows if r.claimed_by}
    assert len(owners) == len(ids)
    assert all(owners[i] != doomed for i in held), owners
    # Nothing the live process had claimed when the restarted one started was taken from it.
    live_before = [i for i, pid in before.items() if pid == live]
    assert live_before
    assert {i: owners[i] for i in live_before} == {i: live for i in live_before}
    # The "graded" event moved each candidate's review card once.
    assert embedded.review_logs_by_user() == {r.user_id: 1 for r in rows}
    os.kill(restarted, 0)  # still serving
