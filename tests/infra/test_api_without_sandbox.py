"""Server mode's API processes grade nothing themselves, so they need no sandbox (the shipped
compose and Kubernetes API pods have none): an API process on a host without bubblewrap
accepts submissions, sends Runs and the proof of an authored challenge's reference solution
to the `viva worker` processes, and answers a clear 503 only when no worker answers in time.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from tests import factories
from tests.infra.cluster import SOLUTION, STARTUP_SECONDS, Cluster

pytestmark = pytest.mark.postgres

RUN_WAIT_SECONDS = 10  # the API's wait for a worker's Run (a warm sandbox answers in < 1 s)
WRONG = "def is_palindrome(text: str) -> bool:\n    return True\n"


def _run(url: str, source: str, headers: dict[str, str]) -> httpx.Response:
    return httpx.post(
        f"{url}/api/v1/challenges/palindrome/run",
        json={"source": source},
        headers=headers,
        timeout=STARTUP_SECONDS,
    )


def _author(url: str, parts: dict[str, object], headers: dict[str, str]) -> httpx.Response:
    return httpx.post(
        f"{url}/api/v1/challenges", json=parts, headers=headers, timeout=STARTUP_SECONDS
    )


def test_an_api_without_a_sandbox_sends_submissions_and_runs_to_the_workers(
    cluster: Cluster, tmp_path: Path
) -> None:
    no_bwrap = tmp_path / "bin-without-bwrap"  # a PATH where bubblewrap is not found
    no_bwrap.mkdir()
    cluster.start_api(PATH=str(no_bwrap), VIVA_GRADING_RUN_WAIT_SECONDS=str(RUN_WAIT_SECONDS))
    api = cluster.api_urls[-1]
    headers = cluster.headers
    interviewer = cluster.new_user("interviewer")
    authored = factories.authored_challenge_parts()

    # No worker yet: the Run and the authoring wait for one, then say so (nothing is
    # stored); the submission is stored, queued.
    unanswered = _run(api, SOLUTION, headers)
    unproven = _author(api, authored, interviewer)
    for refused in (unanswered, unproven):
        assert refused.status_code == 503, refused.text
        assert refused.headers["content-type"].startswith("application/problem+json")
        assert "no grading worker answered within 10 s" in refused.json()["detail"]
        assert "Retry-After" in refused.headers
    submitted = cluster.submit(SOLUTION, headers, api)
    assert [r.status for r in cluster.rows([submitted])] == ["queued"]
    page = httpx.get(f"{api}/challenges/palindrome", headers=headers, timeout=30)
    assert page.status_code == 200 and "Grading is unavailable" not in page.text

    cluster.start_worker()
    (row,) = cluster.wait_done([submitted], 120)
    assert (row.verdict, row.attempts) == ("Accepted", 1)

    ran = _run(api, SOLUTION, headers)
    assert ran.status_code == 200, ran.text
    grade = ran.json()
    assert grade["verdict"] == "Accepted" and grade["passed"] == grade["total"] > 0
    assert all(not t["hidden"] for t in grade["tests"])  # the visible examples only
    wrong = _run(api, WRONG, headers).json()
    assert wrong["verdict"] == "Wrong Answer"
    assert any(t["got"] is True and t["expected"] is False for t in wrong["tests"]), wrong
    # Bad input is still refused by the API itself, at once, with its own status.
    empty = _run(api, "   ", headers)
    assert empty.status_code == 422 and "empty" in empty.json()["detail"]
    # Authoring: the worker proves the reference solution (and that the starter fails);
    # a reference that fails is refused with the error it gets in embedded mode.
    created = _author(api, authored, interviewer)
    assert created.status_code == 201, created.text
    assert created.json()["hidden_tests"] == 1
    slug = authored["slug"]
    on_it = httpx.post(
        f"{api}/api/v1/challenges/{slug}/run",
        json={"source": authored["solution"]},
        headers=headers,
        timeout=STARTUP_SECONDS,
    )
    assert on_it.status_code == 200 and on_it.json()["verdict"] == "Accepted", on_it.text
    wrong_reference = factories.authored_challenge_parts() | {
        "solution": "def clamp(x, lo, hi):\n    return lo\n"
    }
    refused = _author(api, wrong_reference, interviewer)
    assert refused.status_code == 422, refused.text
    assert refused.json()["detail"].startswith(
        "the reference solution must be Accepted, it got Wrong Answer; failing tests: inside"
    ), refused.json()
    passing_starter = factories.authored_challenge_parts()
    passing_starter["starter"] = passing_starter["solution"]
    too_easy = _author(api, passing_starter, interviewer)
    assert too_easy.status_code == 422 and "starter already passes" in too_easy.json()["detail"]
    listed = [c["slug"] for c in httpx.get(f"{api}/api/v1/challenges", timeout=30).json()]
    assert slug in listed and wrong_reference["slug"] not in listed
    # A Run stores nothing: the one submission is the only row.
    assert len(cluster.claim_owners()) == 1
    worker_log = next(cluster.tmp.glob("worker-*.log")).read_text()
    assert '"run_expired"' in worker_log  # the unanswered Run, skipped when read too late


def test_a_worker_on_a_host_without_a_sandbox_refuses_to_start(
    cluster: Cluster, tmp_path: Path
) -> None:
    """Rather than take jobs and store Internal Error for each (run as root here)."""
    no_bwrap = tmp_path / "bin-without-bwrap"
    no_bwrap.mkdir()
    done = subprocess.run(
        [sys.executable, "-m", "viva.cli", "worker"],
        env=cluster.env(PATH=str(no_bwrap)),
        capture_output=True,
        text=True,
        timeout=STARTUP_SECONDS,
    )
    assert done.returncode != 0
    assert "viva worker cannot grade on this host" in done.stderr
    assert "bubblewrap is not installed" in done.stderr
    if os.geteuid() != 0:
        return  # unprivileged, a slot is a user namespace: no uid range is locked
    # Nor with no sandbox uid range to be had (the lock directory cannot be made).
    (tmp_path / "a-file").write_text("")
    no_locks = subprocess.run(
        [sys.executable, "-m", "viva.cli", "worker"],
        env=cluster.env(VIVA_SANDBOX_UID_LOCK_DIR=str(tmp_path / "a-file" / "locks")),
        capture_output=True,
        text=True,
        timeout=STARTUP_SECONDS,
    )
    assert no_locks.returncode != 0
    assert "cannot create the sandbox uid lock directory" in no_locks.stderr
