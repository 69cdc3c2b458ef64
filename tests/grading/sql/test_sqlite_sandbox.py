"""SQLite grading runs in a sandboxed worker process, never in Viva's: the time limit holds
even inside one long C call, memory and result size are capped, a killed worker is replaced,
and after every attack another candidate's correct solution is still Accepted."""

from __future__ import annotations

import asyncio
import os
import shutil
import signal
from pathlib import Path

import httpx
import pytest

from viva.errors import ServiceUnavailable
from viva.grading.judge.outcome import Verdict
from viva.grading.runtime import sqlite_run
from viva.grading.sql.challenges import SqlChallenge, load_sql_challenge, load_sql_challenges
from viva.grading.sql.grading import SqlEngines, grade_sql
from viva.grading.sql.sqlite_engine import run_sqlite, run_sqlite_batch
from viva.grading.sql.sqlite_runner import SqlitePool, WorkerConfig

CORRECT = "SELECT name, salary FROM employees"
MEGA = "printf('%.*c', 1000000, 'a')"  # a 1 MB string, the longest a value may be
# Each is one long C-level call that never reaches SQLite's progress handler.
SLOW_C_CALLS = {
    "instr": f"SELECT instr({MEGA}, printf('%.*c', 500000, 'a') || 'b') AS name, 1 AS salary",
    "like": f"SELECT {MEGA} LIKE '%' || printf('%.*c', 990, 'a') || 'b%' AS name, 1 AS salary",
    "replace": (
        f"SELECT replace({MEGA}, printf('%.*c', 500000, 'a') || 'b', 'c') AS name, 1 AS salary"
    ),
    # about 5 s on this machine (linear in the count): far past the limit and its grace
    "printf": "SELECT length(printf('%.*c', 1000000000, 'x')) AS name, 1 AS salary",
}
# Each builds values or results far over the caps from a short query.
OVERSIZED = {
    "zeroblob": "SELECT length(hex(zeroblob(100000000))) AS name, 1 AS salary",
    "a 180 MB row": "SELECT hex(zeroblob(90000000)) AS name, 1 AS salary",
    "doubling recursive cte": (
        "WITH RECURSIVE r(s) AS (SELECT 'ab' UNION ALL SELECT s || s FROM r) "
        "SELECT length(s) AS name, 1 AS salary FROM r"
    ),
    "many 200 KB rows": "SELECT printf('%.*c', 200000, 'x') AS name, n AS salary FROM numbers",
}
MEMORY_HOG = (
    "WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM r LIMIT 10000000) "
    "SELECT count(*) AS name, 1 AS salary FROM (SELECT DISTINCT n || zeroblob(500000) FROM r)"
)


@pytest.fixture(scope="module")
def engines() -> SqlEngines:
    return SqlEngines()


@pytest.fixture(scope="module")
def slow_base(hostile_base: SqlChallenge, tmp_path_factory: pytest.TempPathFactory) -> SqlChallenge:
    """The hostile base with a 10 s limit: room to fill memory, or to kill a worker mid-run."""
    folder = tmp_path_factory.mktemp("sql") / "hostile-slow"
    shutil.copytree(Path(__file__).parent / "fixtures" / "hostile-base", folder)
    meta = folder / "challenge.yaml"
    meta.write_text(meta.read_text().replace("timeout_ms: 500", "timeout_ms: 10000"))
    return load_sql_challenge(folder)


def _vm_rss_mb() -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) // 1024
    raise AssertionError("no VmRSS")


def _descendants(pid: int) -> list[int]:
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                stat = Path(f"/proc/{entry}/stat").read_text()
            except OSError:
                continue
            parent = int(stat.rsplit(")", 1)[1].split()[1])
            children.setdefault(parent, []).append(int(entry))
    found, todo = [], [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            found.append(child)
            todo.append(child)
    return found


def _sqlite_workers() -> list[int]:
    """This test process's SQLite workers (never another suite's)."""
    pids = []
    for pid in _descendants(os.getpid()):
        try:
            cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        # bubblewrap's own command line names the script too: only the interpreter counts
        if b"python" in os.path.basename(cmdline[0]) and any(
            part.endswith(b"sqlite_worker.py") for part in cmdline
        ):
            pids.append(pid)
    return pids


def _busy_workers() -> list[int]:
    busy = []
    for pid in _sqlite_workers():
        try:
            if Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] == "R":
                busy.append(pid)
        except OSError:
            continue
    return busy


async def _still_accepted(engines: SqlEngines, challenge: SqlChallenge) -> None:
    ok = await grade_sql(engines, challenge, CORRECT, "sqlite", visible_only=False)
    assert ok.verdict == Verdict.ACCEPTED, ok.message


@pytest.mark.parametrize("case", sorted(SLOW_C_CALLS))
async def test_a_long_c_call_on_a_huge_string_is_cut_at_the_time_limit(
    case: str, engines: SqlEngines, hostile_base: SqlChallenge
) -> None:
    grade = await grade_sql(engines, hostile_base, SLOW_C_CALLS[case], "sqlite", visible_only=True)
    assert grade.verdict == Verdict.TIME_LIMIT, (grade.verdict, grade.message)
    assert "time limit" in grade.message
    await _still_accepted(engines, hostile_base)


def test_a_query_that_returns_past_the_limit_is_a_time_limit_even_if_sqlite_never_noticed(
    hostile_base: SqlChallenge,
) -> None:
    """The worker's own rule, without the host's kill: one C call of about 0.1 s returns after
    a 20 ms limit with no VM step left for the progress handler; the time observed decides."""
    dataset = hostile_base.datasets[0]
    templates = sqlite_run.Templates(kept=1)
    templates.prepare("k", hostile_base.schema + "\n" + dataset.sql)
    job = {
        "key": "k",
        "sql": "SELECT length(printf('%.*c', 20000000, 'x')) AS name, 1 AS salary",
        "mode": "query",
        "trusted": False,
        "timeout_ms": 20,
        "max_rows": 1000,
        "max_bytes": 1 << 20,
        "max_value": 1 << 16,
    }
    reply = sqlite_run.run(job, templates)
    assert (reply["error_kind"], reply["error"]) == ("timeout", "the query ran past the time limit")
    job["timeout_ms"] = 10_000
    assert sqlite_run.run(job, templates)["error_kind"] is None  # the same query, in time


@pytest.mark.parametrize("case", sorted(OVERSIZED))
async def test_a_short_query_building_a_huge_result_is_an_output_limit(
    case: str, engines: SqlEngines, hostile_base: SqlChallenge
) -> None:
    before = _vm_rss_mb()
    grade = await grade_sql(engines, hostile_base, OVERSIZED[case], "sqlite", visible_only=False)
    assert grade.verdict == Verdict.OUTPUT_LIMIT, (grade.verdict, grade.message)
    assert "KB" in grade.message
    assert sum(len(str(t.got or "")) + len(t.message) for t in grade.tests) < 64 * 1024
    assert _vm_rss_mb() - before < 100
    await _still_accepted(engines, hostile_base)


async def test_a_memory_hog_is_a_memory_limit_and_viva_does_not_grow(
    engines: SqlEngines, slow_base: SqlChallenge
) -> None:
    before = _vm_rss_mb()
    grade = await grade_sql(engines, slow_base, MEMORY_HOG, "sqlite", visible_only=True)
    assert grade.verdict == Verdict.MEMORY_LIMIT, (grade.verdict, grade.message)
    assert "MB" in grade.message
    assert _vm_rss_mb() - before < 100
    await _still_accepted(engines, slow_base)


async def test_a_worker_killed_mid_run_is_replaced(
    engines: SqlEngines, slow_base: SqlChallenge
) -> None:
    await _still_accepted(engines, slow_base)  # a warm worker exists
    running = asyncio.create_task(
        grade_sql(engines, slow_base, SLOW_C_CALLS["instr"], "sqlite", visible_only=True)
    )
    victims: list[int] = []
    for _ in range(100):
        await asyncio.sleep(0.05)
        if victims := _busy_workers():
            break
    assert victims, "no busy SQLite worker process under this test"
    for pid in victims:
        os.kill(pid, signal.SIGKILL)
    grade = await running
    assert grade.verdict == Verdict.RUNTIME_ERROR, (grade.verdict, grade.message)
    assert "SIGKILL" in grade.message
    await _still_accepted(engines, slow_base)


def test_the_worker_is_confined() -> None:
    challenge = load_sql_challenges()["sql-top-3-salaries"]
    run_sqlite(challenge, challenge.datasets[0], challenge.solution("sqlite"), mode="query")
    workers = _sqlite_workers()
    assert workers
    project = Path(__file__).resolve().parents[3]
    for pid in workers:
        status = Path(f"/proc/{pid}/status").read_text()
        fields = dict(line.split(":", 1) for line in status.splitlines() if ":" in line)
        assert fields["Uid"].split()[0] != "0"
        assert int(fields["CapEff"].strip(), 16) == 0
        assert fields["NoNewPrivs"].strip() == "1"
        assert os.readlink(f"/proc/{pid}/ns/net") != os.readlink("/proc/self/ns/net")
        assert not os.path.exists(f"/proc/{pid}/root{project}")
        limits = Path(f"/proc/{pid}/limits").read_text()
        assert "Max address space         536870912" in limits
        assert "Max processes             1" in limits


async def test_nothing_a_script_changes_reaches_the_next_run(engines: SqlEngines) -> None:
    challenge = load_sql_challenges()["sql-delete-duplicates-keep-lowest-id"]
    vandal = "DELETE FROM customers; INSERT INTO customers (id, email) VALUES (999, 'x@y.z')"
    grade = await grade_sql(engines, challenge, vandal, "sqlite", visible_only=False)
    assert grade.verdict != Verdict.ACCEPTED
    ok = await grade_sql(
        engines, challenge, challenge.solution("sqlite"), "sqlite", visible_only=False
    )
    assert ok.verdict == Verdict.ACCEPTED, ok.message


def test_values_come_back_from_the_worker_as_sqlite_gives_them(
    hostile_base: SqlChallenge,
) -> None:
    sql = (
        "SELECT x'00ff10' AS name, 0.1 AS salary "
        "UNION ALL SELECT 9223372036854775807, 1e999 "
        "UNION ALL SELECT NULL, -1.5e-300 "
        "UNION ALL SELECT 'é\u2028\"\\\n', -9223372036854775808"
    )
    dataset = hostile_base.datasets[0]
    sandboxed = run_sqlite(hostile_base, dataset, sql, mode="query")
    local = run_sqlite(hostile_base, dataset, sql, mode="query", trusted=True)
    assert sandboxed.error is None, sandboxed.error
    assert sandboxed.rows == local.rows and len(sandboxed.rows) == 4
    assert [type(v) for r in sandboxed.rows for v in r] == [type(v) for r in local.rows for v in r]


def test_without_bubblewrap_the_same_worker_runs_as_a_plain_subprocess(
    hostile_base: SqlChallenge,
) -> None:
    pool = SqlitePool(WorkerConfig(sandbox="none", slots=1))
    try:
        datasets = hostile_base.datasets
        ok = run_sqlite_batch(
            hostile_base, datasets, CORRECT, mode="query", trusted=False, pool=pool
        )
        assert [r.error for r in ok] == [None, None] and ok[0].rows
        slow = run_sqlite_batch(
            hostile_base, datasets, SLOW_C_CALLS["instr"], mode="query", trusted=False, pool=pool
        )
        assert len(slow) == 1 and slow[0].error_kind == "timeout"
        again = run_sqlite_batch(
            hostile_base, datasets, CORRECT, mode="query", trusted=False, pool=pool
        )
        assert [r.rows for r in again] == [r.rows for r in ok]
        assert pool.started == 2  # the worker killed at the limit was replaced
    finally:
        pool.close()


def test_no_sandbox_means_sqlite_grading_is_refused(
    hostile_base: SqlChallenge, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PATH", "/nonexistent")  # no bubblewrap to be found
    pool = SqlitePool(WorkerConfig(sandbox="bwrap", slots=1))
    with pytest.raises(ServiceUnavailable, match="bubblewrap"):
        run_sqlite_batch(
            hostile_base, hostile_base.datasets, CORRECT, mode="query", trusted=False, pool=pool
        )
    # Trusted content (the reference, the page's example) still runs here.
    local = run_sqlite(hostile_base, hostile_base.datasets[0], CORRECT, mode="query", trusted=True)
    assert local.error is None and local.rows


async def test_a_huge_row_over_the_api_is_an_output_limit_and_is_not_stored(
    client: httpx.AsyncClient,
) -> None:
    attack = "SELECT hex(zeroblob(90000000)) AS name, 1 AS salary, 1 AS salary_rank"
    response = await client.post(
        "/api/v1/challenges/sql-top-3-salaries/submissions?wait=true",
        headers=client.candidate,
        json={"source": attack, "dialect": "sqlite"},
    )
    assert response.status_code == 201, response.text
    assert response.json()["verdict"] == "Output Limit Exceeded"
    stored = await client.get(
        f"/api/v1/submissions/{response.json()['id']}",
        headers=client.candidate,
    )
    assert stored.status_code == 200 and len(stored.content) < 64 * 1024
    reference = load_sql_challenges()["sql-top-3-salaries"].solution("sqlite")
    ok = await client.post(
        "/api/v1/challenges/sql-top-3-salaries/submissions?wait=true",
        headers=client.candidate,
        json={"source": reference, "dialect": "sqlite"},
    )
    assert ok.json()["verdict"] == "Accepted", ok.text


async def test_concurrent_gradings_each_get_their_own_results(
    engines: SqlEngines, hostile_base: SqlChallenge
) -> None:
    wrong = "SELECT name, salary + 1 AS salary FROM employees"
    cases = [CORRECT, wrong, SLOW_C_CALLS["instr"], CORRECT, wrong, OVERSIZED["zeroblob"]] * 2
    expected = [
        Verdict.ACCEPTED,
        Verdict.WRONG_ANSWER,
        Verdict.TIME_LIMIT,
        Verdict.ACCEPTED,
        Verdict.WRONG_ANSWER,
        Verdict.OUTPUT_LIMIT,
    ] * 2
    grades = await asyncio.gather(
        *(grade_sql(engines, hostile_base, sql, "sqlite", visible_only=False) for sql in cases)
    )
    assert [g.verdict for g in grades] == expected, [g.message for g in grades]


async def test_a_worker_that_died_while_idle_is_replaced_unnoticed(
    engines: SqlEngines, hostile_base: SqlChallenge
) -> None:
    await _still_accepted(engines, hostile_base)
    workers = _sqlite_workers()
    assert workers
    for pid in workers:
        os.kill(pid, signal.SIGKILL)
    await asyncio.sleep(0.5)  # bubblewrap exits once its worker is gone
    await _still_accepted(engines, hostile_base)
