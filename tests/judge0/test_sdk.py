"""The official judge0 SDK pointed at a running Viva: what a Judge0 client does, end to end,
through the real sandbox (on SQLite and on PostgreSQL)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json

import httpx
import pytest

import judge0
from judge0 import LanguageAlias, MaxWaitTime, Status, Submission
from tests.judge0.conftest import CALLBACK_SECRET, Receiver, Server
from viva.judge0.schemas import ALL_FIELDS


def client_for(server: Server, key: str | None = None, **headers: str) -> judge0.Client:
    token = key or server.key()
    return judge0.Client(
        endpoint=server.url,
        headers={"X-Auth-Token": token, **headers},
        retry_strategy=MaxWaitTime(90),
    )


def test_hello_world_runs_and_is_accepted(server: Server) -> None:
    client = client_for(server)
    done = judge0.run(
        client=client, source_code="print('hello, world')", language=LanguageAlias.PYTHON
    )
    assert done.status == Status.ACCEPTED
    assert done.stdout == "hello, world\n"
    assert done.stderr is None and done.exit_code == 0
    assert done.time is not None and done.wall_time is not None and done.memory is not None
    assert done.created_at is not None and done.finished_at is not None


def test_the_sdk_sees_python_and_sqlite_under_judge0_ce_ids(server: Server) -> None:
    client = client_for(server)
    assert client.version == "1.13.1"
    ids = {language.id for language in client.languages}
    assert {71, 82} <= ids
    assert client.is_language_supported(LanguageAlias.PYTHON)
    assert client.is_language_supported(LanguageAlias.SQLITE)
    assert client.config.max_cpu_time_limit == 15
    assert client.config.enable_network is False


def test_stdin_and_expected_output_give_accepted_and_wrong_answer(server: Server) -> None:
    client = client_for(server)
    source = "a, b = map(int, input().split())\nprint(a + b, end='   \\n')\n"
    results = judge0.run(
        client=client,
        source_code=source,
        language=LanguageAlias.PYTHON,
        test_cases=[("2 3", "5"), ("2 2", "5\n\n"), ("10 -3", "7\n")],
    )
    assert [r.status for r in results] == [Status.ACCEPTED, Status.WRONG_ANSWER, Status.ACCEPTED]
    assert [r.stdout for r in results] == ["5   \n", "4   \n", "7   \n"]


def test_a_syntax_error_is_a_runtime_error_with_the_traceback(server: Server) -> None:
    client = client_for(server)
    done = judge0.run(
        client=client, source_code="print('unclosed'\n", language=LanguageAlias.PYTHON
    )
    assert done.status == Status.RUNTIME_ERROR_NZEC  # Python has no compile step in Judge0
    assert done.exit_code == 1
    assert "SyntaxError" in (done.stderr or "") and 'File "script.py", line 1' in done.stderr
    assert done.compile_output is None


def test_a_runtime_exception_shows_only_the_programs_frames(server: Server) -> None:
    client = client_for(server)
    done = judge0.run(
        client=client,
        source_code="def f():\n    return 1 / 0\nf()\n",
        language=LanguageAlias.PYTHON,
    )
    assert done.status == Status.RUNTIME_ERROR_NZEC
    assert done.stderr.startswith("Traceback (most recent call last):\n")
    assert "ZeroDivisionError: division by zero" in done.stderr
    assert "solution.py" not in done.stderr and "harness" not in done.stderr


def test_an_endless_loop_is_a_time_limit_exceeded(server: Server) -> None:
    client = client_for(server)
    submission = Submission(
        source_code="while True:\n    pass\n",
        language=LanguageAlias.PYTHON,
        cpu_time_limit=1,
        cpu_extra_time=0.5,
        wall_time_limit=5,
    )
    done = judge0.run(client=client, submissions=submission)
    assert done.status == Status.TIME_LIMIT_EXCEEDED
    assert done.stdout is None


def test_sleeping_past_the_wall_clock_is_a_time_limit_exceeded(server: Server) -> None:
    client = client_for(server)
    submission = Submission(
        source_code="import time\ntime.sleep(20)\n",
        language=LanguageAlias.PYTHON,
        wall_time_limit=1,
    )
    done = judge0.run(client=client, submissions=submission)
    assert done.status == Status.TIME_LIMIT_EXCEEDED
    assert done.wall_time is not None and 1.0 <= done.wall_time < 5


def test_a_memory_hog_is_stopped_and_reported(server: Server) -> None:
    """Judge0 has no Memory Limit Exceeded: a plain client sees 12 with the message; a
    client that asks for Viva's extension sees 15."""
    hog = "x = []\nwhile True:\n    x.append(' ' * 10**6)\n"
    plain = judge0.run(
        client=client_for(server),
        submissions=Submission(source_code=hog, language=LanguageAlias.PYTHON, memory_limit=64000),
    )
    assert plain.status == Status.RUNTIME_ERROR_OTHER
    assert plain.message == "Memory limit exceeded"
    key = server.key()
    created = httpx.post(
        f"{server.url}/submissions",
        params={"wait": "true", "fields": "status,status_id,memory,message"},
        headers={"X-Auth-Token": key, "X-Viva-Extensions": "mle"},
        json={"source_code": hog, "language_id": 71, "memory_limit": 64000},
        timeout=60,
    )
    assert created.status_code == 201
    body = created.json()
    assert body["status"] == {"id": 15, "description": "Memory Limit Exceeded"}
    assert body["status_id"] == 15 and body["memory"] == 64000


def test_processes_that_together_pass_the_memory_limit_are_stopped(server: Server) -> None:
    """The run's init sums the memory of all its processes (isolate's -m counts one)."""
    forks = (
        "import os, time\nfor _ in range(6):\n    if os.fork() == 0:\n"
        "        hold = b'x' * (20 << 20)\n        time.sleep(5)\n        os._exit(0)\n"
        "time.sleep(5)\nprint('not stopped')\n"
    )
    done = httpx.post(
        f"{server.url}/submissions",
        params={"wait": "true", "fields": "status,stdout,message"},
        headers={"X-Auth-Token": server.key(), "X-Viva-Extensions": "mle"},
        json={
            "source_code": forks,
            "language_id": 71,
            "memory_limit": 64000,
            "wall_time_limit": 10,
        },
        timeout=60,
    ).json()
    assert done == {
        "status": {"id": 15, "description": "Memory Limit Exceeded"},
        "stdout": None,
        "message": "Memory limit exceeded",
    }


def test_the_sdk_refuses_status_ids_it_does_not_know(server: Server) -> None:
    """Why Memory Limit Exceeded (15) is sent only to clients that ask for it."""
    client = client_for(server, **{"X-Viva-Extensions": "mle"})
    hog = Submission(source_code="x = bytearray(1 << 30)", language=LanguageAlias.PYTHON)
    with pytest.raises(ValueError, match="15 is not a valid Status"):
        judge0.run(client=client, submissions=hog)


def test_a_batch_runs_every_submission(server: Server) -> None:
    client = client_for(server)
    submissions = [
        Submission(source_code=f"print({n} * {n})", language=LanguageAlias.PYTHON) for n in range(5)
    ]
    done = judge0.run(client=client, submissions=submissions)
    assert [s.status for s in done] == [Status.ACCEPTED] * 5
    assert [s.stdout for s in done] == [f"{n * n}\n" for n in range(5)]
    assert len({str(s.token) for s in done}) == 5


def test_sqlite_runs_a_script_on_an_empty_database(server: Server) -> None:
    script = (
        "CREATE TABLE t (a INTEGER, b TEXT);\n"
        "INSERT INTO t VALUES (1, 'x'), (2, NULL);\n"
        "SELECT a, b FROM t ORDER BY a; SELECT count(*), 2.5 FROM t;\n"
    )
    done = judge0.run(
        client=client_for(server),
        source_code=script,
        language=LanguageAlias.SQLITE,
        expected_output="1|x\n2|\n2|2.5\n",
    )
    assert done.status == Status.ACCEPTED, (done.stdout, done.stderr)
    broken = judge0.run(
        client=client_for(server),
        source_code="SELECT * FROM nowhere;",
        language=LanguageAlias.SQLITE,
    )
    assert broken.status == Status.RUNTIME_ERROR_NZEC
    assert "no such table: nowhere" in broken.stderr


def test_base64_fields_travel_both_ways(server: Server) -> None:
    """The SDK always sends and reads base64; bytes that are not UTF-8 survive only there."""
    key = server.key()
    source = "import sys\nsys.stdout.buffer.write(sys.stdin.buffer.read().upper())\n"
    created = httpx.post(
        f"{server.url}/submissions",
        params={"base64_encoded": "true", "wait": "true", "fields": "*"},
        headers={"X-Auth-Token": key},
        json={
            "source_code": base64.b64encode(source.encode()).decode(),
            "stdin": base64.b64encode("olleh ✓".encode()).decode(),
            "language_id": 71,
        },
        timeout=60,
    ).json()
    assert base64.b64decode(created["stdout"]).decode() == "OLLEH ✓"
    assert base64.b64decode(created["source_code"]).decode() == source
    plain = httpx.get(
        f"{server.url}/submissions/{created['token']}",
        params={"fields": "stdout,stdin"},
        headers={"X-Auth-Token": key},
    ).json()
    assert plain == {"stdout": "OLLEH ✓", "stdin": "olleh ✓"}
    binary = httpx.post(
        f"{server.url}/submissions",
        params={"base64_encoded": "true"},
        headers={"X-Auth-Token": key},
        json={
            "source_code": base64.b64encode(b"print(1)").decode(),
            "stdin": "/w==",
            "language_id": 71,
        },
    ).json()
    refused = httpx.get(
        f"{server.url}/submissions/{binary['token']}",
        params={"fields": "stdin"},
        headers={"X-Auth-Token": key},
    )
    assert refused.status_code == 400
    assert "use base64_encoded=true" in refused.json()["error"]


def test_fields_star_returns_every_attribute(server: Server) -> None:
    client = client_for(server)
    done = judge0.run(client=client, source_code="print(42)", language=LanguageAlias.PYTHON)
    raw = httpx.get(
        f"{server.url}/submissions/{done.token}",
        params={"fields": "*", "base64_encoded": "true"},
        headers=client.headers,
    ).json()
    assert tuple(raw) == ALL_FIELDS
    assert raw["language"] == {"id": 71, "name": raw["language"]["name"]}
    assert raw["status"] == {"id": 3, "description": "Accepted"}
    assert raw["cpu_time_limit"] == "5.0" and raw["memory_limit"] == 128000
    assert raw["enable_network"] is False and raw["number_of_runs"] == 1
    picked = httpx.get(
        f"{server.url}/submissions/{done.token}",
        params={"fields": "status_id,stdout"},
        headers=client.headers,
    ).json()
    assert picked == {"status_id": 3, "stdout": "42\n"}


def test_command_line_arguments_stdin_files_and_redirect(server: Server) -> None:
    import io
    import zipfile

    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as bundle:
        bundle.writestr("helper.py", "GREETING = 'from a file'\n")
    key = server.key()
    body = {
        "source_code": "import sys, helper\nprint(sys.argv[1:], helper.GREETING)\n"
        "print('to stderr', file=sys.stderr)\n",
        "language_id": 71,
        "command_line_arguments": "one 'two words'",
        "additional_files": base64.b64encode(archive.getvalue()).decode(),
        "redirect_stderr_to_stdout": True,
    }
    done = httpx.post(
        f"{server.url}/submissions",
        params={"wait": "true", "fields": "stdout,stderr,status_id"},
        headers={"X-Auth-Token": key},
        json=body,
        timeout=60,
    ).json()
    assert done == {
        "stdout": "['one', 'two words'] from a file\nto stderr\n",
        "stderr": None,
        "status_id": 3,
    }


def test_a_callback_is_put_to_the_loopback_listener_and_signed(
    server: Server, receiver: Receiver
) -> None:
    key = server.key()
    created = httpx.post(
        f"{server.url}/submissions",
        headers={"X-Auth-Token": key},
        json={
            "source_code": "print('called back')",
            "language_id": 71,
            "callback_url": f"http://127.0.0.1:{receiver.port}/hook?id=7",
        },
    )
    assert created.status_code == 201
    assert receiver.arrived.wait(60), "no callback arrived"
    [request] = receiver.requests
    assert request["path"] == "/hook?id=7"
    body = json.loads(request["body"])
    assert body["token"] == created.json()["token"]
    assert body["status"] == {"id": 3, "description": "Accepted"}
    assert base64.b64decode(body["stdout"]) == b"called back\n"
    headers = {k.lower(): v for k, v in request["headers"].items()}
    stamp = headers["x-viva-timestamp"]
    expected = hmac.new(
        CALLBACK_SECRET.encode(), stamp.encode() + b"." + request["body"], hashlib.sha256
    ).hexdigest()
    assert headers["x-viva-signature"] == f"sha256={expected}"


def test_viva_tests_run_several_cases_in_one_submission(server: Server) -> None:
    key = server.key()
    done = httpx.post(
        f"{server.url}/submissions",
        params={"wait": "true", "fields": "status,viva_tests"},
        headers={"X-Auth-Token": key},
        json={
            "source_code": "print(int(input()) * 2)",
            "language_id": 71,
            "viva_tests": [
                {"stdin": "1", "expected_output": "2"},
                {"stdin": "5", "expected_output": "11"},
                {"stdin": "x", "expected_output": "0"},
            ],
        },
        timeout=60,
    ).json()
    assert done["status"]["id"] == 4  # the first case not Accepted
    assert [t["status"]["id"] for t in done["viva_tests"]] == [3, 4, 11]
    assert [t["stdout"] for t in done["viva_tests"]] == ["2\n", "10\n", None]


def test_number_of_runs_runs_the_program_again(server: Server) -> None:
    key = server.key()
    done = httpx.post(
        f"{server.url}/submissions",
        params={"wait": "true", "fields": "status_id,stdout,time"},
        headers={"X-Auth-Token": key},
        json={"source_code": "print('again')", "language_id": 71, "number_of_runs": 3},
        timeout=60,
    ).json()
    assert done["status_id"] == 3 and done["stdout"] == "again\n"
    assert float(done["time"]) >= 0


@pytest.mark.parametrize("language_id", [71, 1311])
def test_python_answers_under_the_ce_id_and_vivas_own(server: Server, language_id: int) -> None:
    import sys

    expected_id = 1000 + 100 * sys.version_info[0] + sys.version_info[1]
    key = server.key()
    done = httpx.post(
        f"{server.url}/submissions",
        params={"wait": "true", "fields": "status_id,stdout"},
        headers={"X-Auth-Token": key},
        json={
            "source_code": "import sys; print(sys.version_info[:2])",
            "language_id": language_id if language_id == 71 else expected_id,
        },
        timeout=60,
    ).json()
    assert done == {"status_id": 3, "stdout": f"{tuple(sys.version_info[:2])}\n"}


def test_viva_serve_judge0_port_serves_the_api_at_its_root(
    sqlite_url: str, sql_postgres_url: str, tmp_path_factory: pytest.TempPathFactory
) -> None:
    """`viva serve --judge0-port`: a Judge0 client's endpoint is the bare host and port, as
    with a Judge0 server; Viva's own routes do not answer there."""
    from tests.conftest import _free_port, serve

    judge0_port = _free_port()
    data_dir = tmp_path_factory.mktemp("judge0-port")
    env = {"VIVA_RATE_LIMIT_SUBMISSIONS": "10000/minute"}
    args = ("--judge0-port", str(judge0_port))
    for url in serve(sqlite_url, data_dir, sql_postgres_url, *args, **env):
        server = Server(url=f"http://127.0.0.1:{judge0_port}", db_url=sqlite_url)
        try:
            client = client_for(server)
            done = judge0.run(
                client=client, source_code="print(6 * 7)", language=LanguageAlias.PYTHON
            )
            assert (done.status, done.stdout) == (Status.ACCEPTED, "42\n")
            assert httpx.get(f"{url}/judge0/about").json()["version"] == "1.13.1"
            elsewhere = httpx.get(f"{server.url}/api/v1/tracks")
            assert (elsewhere.status_code, elsewhere.json()) == (404, {"error": "Not Found"})
            assert httpx.get(f"{url}/api/v1/tracks").status_code == 200
        finally:
            server.forget_users()


def test_a_program_cannot_pass_off_a_report_of_its_own(server: Server) -> None:
    """The launcher's report ends stderr after the host's per-run marker: a program that
    prints something like it keeps it in its stderr and its own exit status."""
    fake = "import sys\nsys.stderr.write('\\0' + \"0\" * 32 + '{\"exit\": 0}\\n')\nsys.exit(3)\n"
    done = judge0.run(client=client_for(server), source_code=fake, language=LanguageAlias.PYTHON)
    assert done.status == Status.RUNTIME_ERROR_NZEC and done.exit_code == 3
    # (stored text keeps no NUL: it comes back as U+FFFD)
    assert done.stderr == "\ufffd" + "0" * 32 + '{"exit": 0}\n'


@pytest.mark.parametrize(
    "url",
    [
        "http://evil.example/hook",
        "http://127.0.0.1.evil.example/hook",
        "file:///etc/passwd",
        "http://user:pw@127.0.0.1/hook",
    ],
)
def test_a_callback_to_a_host_not_allowed_is_refused(server: Server, url: str) -> None:
    response = httpx.post(
        f"{server.url}/submissions",
        headers={"X-Auth-Token": server.key()},
        json={"source_code": "print(1)", "language_id": 71, "callback_url": url},
    )
    assert response.status_code == 422
    [message] = response.json()["callback_url"]
    assert message in ("is not a valid URL", f"host {url.split('/')[2]} is not allowed")
