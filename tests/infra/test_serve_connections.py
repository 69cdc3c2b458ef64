"""`viva serve`'s connection settings on a real server process: how long an idle keep-alive
connection is kept (`VIVA_KEEPALIVE_SECONDS`), the listen queue (`VIVA_BACKLOG`) and the cap
on open connections per process (`VIVA_MAX_CONNECTIONS`).

uvicorn's own default closes a connection idle for 5 s; a signed-in user who thinks longer
than that between two clicks reconnected for nearly every request, which at 10,000 users
overflowed the accept queue (bench/bench_soak.py, bench/README.md).
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import time
from urllib.parse import urlsplit

import pytest

from tests.infra.cluster import Cluster

REQUEST = b"GET /healthz HTTP/1.1\r\nHost: viva\r\n\r\n"


def _connect(url: str) -> socket.socket:
    parts = urlsplit(url)
    sock = socket.create_connection((parts.hostname, parts.port), timeout=30)
    return sock


def _exchange(sock: socket.socket) -> bytes:
    """One request on the connection; the response's status line and headers, or b"" when
    the server had closed the connection."""
    sock.sendall(REQUEST)
    data = b""
    while b"\r\n\r\n" not in data:
        try:
            chunk = sock.recv(65536)
        except ConnectionResetError:
            return b""
        if not chunk:
            return b""
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    length = next(
        int(line.split(b":", 1)[1])
        for line in head.split(b"\r\n")
        if line.lower().startswith(b"content-length:")
    )
    while len(body) < length:
        body += sock.recv(65536)
    return head


def _status(head: bytes) -> int:
    return int(head.split(b" ", 2)[1])


def _listen_queue(url: str) -> int:
    """The listening socket's backlog as the kernel applies it (`ss -lnt`: Send-Q)."""
    port = urlsplit(url).port
    out = subprocess.run(
        ["ss", "-Hlnt", f"sport = :{port}"], capture_output=True, text=True, check=True
    ).stdout
    return int(out.split()[2])


def test_an_idle_keep_alive_connection_outlives_uvicorns_five_seconds(embedded: Cluster) -> None:
    embedded.start_api()
    with _connect(embedded.api_url) as sock:
        assert _status(_exchange(sock)) == 200
        time.sleep(7)  # a user reading a question: uvicorn's default closed it after 5 s
        head = _exchange(sock)
        assert head, "the server closed a connection idle for 7 s"
        assert _status(head) == 200


@pytest.mark.skipif(shutil.which("ss") is None, reason="needs ss (iproute2)")
def test_connection_settings_reach_the_server(embedded: Cluster) -> None:
    embedded.start_api(VIVA_KEEPALIVE_SECONDS="2", VIVA_BACKLOG="100", VIVA_MAX_CONNECTIONS="2")
    assert _listen_queue(embedded.api_url) == 100  # uvicorn's default: 2048

    with _connect(embedded.api_url) as idle:
        assert _status(_exchange(idle)) == 200
        time.sleep(4)
        assert _exchange(idle) == b"", "an idle connection outlived VIVA_KEEPALIVE_SECONDS=2"

    with _connect(embedded.api_url) as first, _connect(embedded.api_url) as second:
        assert _status(_exchange(first)) == 200
        assert _status(_exchange(second)) == 200
        with _connect(embedded.api_url) as third:
            assert _status(_exchange(third)) == 503  # a third open connection
        time.sleep(0.3)  # the server has seen the third one go (first is idle < 2 s)
        assert _status(_exchange(first)) == 200
