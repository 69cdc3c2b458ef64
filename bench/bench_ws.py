"""WebSocket benchmark: N notification sockets on one Viva process, and a busy room.

1. Starts Viva (uvicorn, 1 process, wsproto, SQLite: `viva serve`'s settings) and, as the
   baseline in the same run, a bare ASGI app that holds sockets and broadcasts
   (bench/raw_ws.py), on the same uvicorn settings.
2. Opens N WebSocket clients to each, at most 100 handshakes at a time, spread over twenty
   127.0.0.x source addresses so loopback ports do not run out; a failed handshake is
   retried (counted as a retry; a drop only if all 5 attempts fail). The clients are a
   minimal listening WebSocket (`Listener`), offering permessage-deflate as browsers do.
   Measures connect time and the server's RSS before, at N clients, and after broadcasting.
3. Broadcasts one message to all, `--broadcasts` times, each numbered; measures delivery
   p50/p99 from the moment the broadcast request is sent; a client that has not received a
   broadcast 30 s after it, or that the server closed, is a drop.
4. A room with 2 editors and 20 observers (real Yjs peers, pycrdt): each editor makes
   `--edit-rate` edits per second for `--edit-seconds`; measures edit propagation p99.

    .venv/bin/python bench/bench_ws.py [--clients 10000] [--broadcasts 10] [--no-deflate]

Targets (issue 14): 0 drops, RSS <= 400 MB at 10,000 clients, broadcast p99 <= 200 ms,
room edit propagation p99 <= 50 ms.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import contextlib
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
import zlib
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import websockets
from pycrdt import Doc, Provider, Text

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))
from bench_http import free_port  # noqa: E402

SOURCES = [f"127.0.0.{i}" for i in range(2, 22)]  # 20 source addresses: ports never run out
CONNECT_CONCURRENCY = 100  # handshakes in flight at once (uvicorn's listen backlog is 2048)
CONNECT_ATTEMPTS = 5
DELIVERY_WAIT_S = 30.0  # after this a missing broadcast counts as dropped
# As `viva serve` runs uvicorn (src/viva/cli/server.py); the baseline gets the same.
UVICORN_FLAGS = [
    *("--ws", "wsproto", "--ws-per-message-deflate", "false", "--ws-max-size", str(1 << 20)),
    *("--no-access-log", "--log-level", "warning"),
]


@dataclass
class Fanout:
    connect_s: float
    rss_idle_mb: float
    rss_mb: float
    rss_after_mb: float
    p50_ms: float
    p99_ms: float
    cpu_ms_per_broadcast: float  # the server's CPU: what a broadcast costs, whatever the load
    drops: int
    retries: int
    failed: int
    deflate: bool

    def per_socket_kb(self, clients: int) -> float:
        return (self.rss_mb - self.rss_idle_mb) * 1024 / max(clients, 1)


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def cpu_ms(pid: int) -> float:
    """User + system CPU time the process has used (/proc/PID/stat), in ms."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) * 1000 / os.sysconf("SC_CLK_TCK")


def raise_nofile(want: int = 65_536) -> None:
    """Open file limit for 10,000+ sockets: soft up to hard, and hard up too when root."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard < want:
        with contextlib.suppress(ValueError, OSError):  # not root: keep the hard limit
            resource.setrlimit(resource.RLIMIT_NOFILE, (want, want))
            return
    resource.setrlimit(resource.RLIMIT_NOFILE, (max(soft, min(want, hard)), hard))


def start(argv: list[str], env: dict[str, str], port: int) -> subprocess.Popen[bytes]:
    proc = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", *argv, *UVICORN_FLAGS, "--port", str(port)],
        env=env,
        cwd=ROOT,
        preexec_fn=raise_nofile,
    )
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=2).status_code == 200:
                return proc
        except httpx.HTTPError:
            time.sleep(0.3)
    proc.kill()
    raise SystemExit("server did not start")


class Listener(asyncio.Protocol):
    """A minimal WebSocket client (RFC 6455) that only listens: it answers pings and notes
    when each broadcast arrived. Far cheaper per frame than a full client library, so the
    latency measured is the server's and not this process's, which reads 10,000 sockets."""

    def __init__(self, request: bytes, deflate: bool, arrivals: dict[int, float]) -> None:
        self.request = request
        self.arrivals = arrivals  # broadcast seq -> first arrival (monotonic)
        self.buffer = b""
        self.upgraded: asyncio.Future[bool] = asyncio.get_running_loop().create_future()
        self.inflate = zlib.decompressobj(-15) if deflate else None
        self.transport: asyncio.Transport | None = None
        self.closed_by: int | None = None  # close code if the server ended the socket
        self.lost = False

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport
        transport.write(self.request)

    def connection_lost(self, exc: Exception | None) -> None:
        self.lost = True
        if not self.upgraded.done():
            self.upgraded.set_exception(ConnectionError(f"lost before 101: {exc!r}"))

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        if not self.upgraded.done():
            head, sep, rest = self.buffer.partition(b"\r\n\r\n")
            if not sep:
                return
            status = head.split(b"\r\n", 1)[0]
            if b" 101 " not in status + b" ":
                self.upgraded.set_exception(ConnectionError(status.decode(errors="replace")))
                return
            if self.inflate is not None and b"permessage-deflate" not in head.lower():
                self.inflate = None  # the server declined compression
            self.upgraded.set_result(True)
            self.buffer = rest
        self._frames()

    def _frames(self) -> None:
        buf = self.buffer
        while len(buf) >= 2:
            b0, b1 = buf[0], buf[1]
            length, at = b1 & 0x7F, 2
            if length == 126:
                if len(buf) < 4:
                    break
                length, at = int.from_bytes(buf[2:4], "big"), 4
            elif length == 127:
                if len(buf) < 10:
                    break
                length, at = int.from_bytes(buf[2:10], "big"), 10
            if len(buf) < at + length:
                break
            payload, buf = buf[at : at + length], buf[at + length :]
            opcode = b0 & 0x0F
            if opcode in (1, 2):
                if b0 & 0x40 and self.inflate is not None:
                    payload = self.inflate.decompress(payload + b"\x00\x00\xff\xff")
                self._message(payload)
            elif opcode == 9:  # ping: uvicorn closes a socket that does not answer
                self._send(10, payload)
            elif opcode == 8:
                self.closed_by = int.from_bytes(payload[:2], "big") if payload else 1005
                if self.transport is not None:
                    self.transport.close()
        self.buffer = buf

    def _message(self, payload: bytes) -> None:
        now = time.monotonic()
        at = payload.find(b"seq=")  # the broadcast's message is "seq=N"
        if at >= 0:
            end = at + 4
            while end < len(payload) and payload[end : end + 1].isdigit():
                end += 1
            self.arrivals.setdefault(int(payload[at + 4 : end]), now)

    def _send(self, opcode: int, payload: bytes) -> None:
        if self.transport is None or self.transport.is_closing():
            return
        mask = os.urandom(4)
        masked = bytes(b ^ mask[i % 4] for i, b in enumerate(payload))
        self.transport.write(bytes([0x80 | opcode, 0x80 | len(payload)]) + mask + masked)

    def send_text(self, text: bytes) -> None:
        self._send(1, text)

    def close(self) -> None:
        self._send(8, (1000).to_bytes(2, "big"))
        if self.transport is not None:
            self.transport.close()


def _handshake(port: int, path: str, headers: dict[str, str], deflate: bool) -> bytes:
    lines = [
        f"GET {path} HTTP/1.1",
        f"Host: 127.0.0.1:{port}",
        "Upgrade: websocket",
        "Connection: Upgrade",
        f"Sec-WebSocket-Key: {base64.b64encode(os.urandom(16)).decode()}",
        "Sec-WebSocket-Version: 13",
        *([f"Sec-WebSocket-Extensions: {BROWSER_DEFLATE}"] if deflate else []),
        *(f"{k}: {v}" for k, v in headers.items()),
    ]
    return ("\r\n".join(lines) + "\r\n\r\n").encode()


BROWSER_DEFLATE = "permessage-deflate; client_max_window_bits"  # what Chromium offers


async def fanout(
    port: int,
    path: str,
    pid: int,
    n: int,
    headers: list[dict[str, str]],
    broadcast: Callable[[int], Awaitable[None]],
    rounds: int,
    deflate: bool,
) -> Fanout:
    loop = asyncio.get_running_loop()
    rss_idle = rss_mb(pid)
    listeners: list[Listener] = []
    retries = failed = 0
    sem = asyncio.Semaphore(CONNECT_CONCURRENCY)

    async def connect(i: int) -> None:
        nonlocal retries, failed
        request = _handshake(port, path, headers[i % len(headers)], deflate)
        for attempt in range(CONNECT_ATTEMPTS):
            arrivals: dict[int, float] = {}
            async with sem:
                listener = Listener(request, deflate, arrivals)
                try:
                    async with asyncio.timeout(30):
                        await loop.create_connection(
                            lambda listener=listener: listener,  # type: ignore[misc]
                            "127.0.0.1",
                            port,
                            local_addr=(SOURCES[(i + attempt) % len(SOURCES)], 0),
                        )
                        await listener.upgraded
                except (OSError, TimeoutError) as exc:
                    if listener.transport is not None:
                        listener.transport.close()
                    if attempt == CONNECT_ATTEMPTS - 1:
                        failed += 1
                        print(f"client {i} never connected: {exc!r}", file=sys.stderr)
                        return
                    retries += 1
                    await asyncio.sleep(0.2 * 2**attempt)
                    continue
            listeners.append(listener)
            return

    async def keep_alive() -> None:  # as a client should: Viva ends a silent socket (4408)
        while True:
            await asyncio.sleep(60)
            for listener in list(listeners):
                listener.send_text(b'{"type":"ping"}')

    pinger = asyncio.create_task(keep_alive())
    t0 = time.monotonic()
    await asyncio.gather(*(connect(i) for i in range(n)))
    connect_s = time.monotonic() - t0
    await asyncio.sleep(2.0)
    rss = rss_mb(pid)
    negotiated = any(listener.inflate is not None for listener in listeners)

    latencies: list[float] = []
    sent: dict[int, float] = {}
    cpu = 0.0
    for seq in range(1, rounds + 1):
        before = cpu_ms(pid)
        sent[seq] = time.monotonic()
        await broadcast(seq)
        deadline = time.monotonic() + DELIVERY_WAIT_S
        while time.monotonic() < deadline and any(  # noqa: ASYNC110
            seq not in x.arrivals and not x.lost for x in listeners
        ):
            await asyncio.sleep(0.01)
        cpu += cpu_ms(pid) - before
        await asyncio.sleep(0.5)
    rss_after = rss_mb(pid)
    pinger.cancel()
    drops = failed * rounds  # a client that never connected got nothing
    for listener in listeners:
        for seq, at in sent.items():
            if seq in listener.arrivals:
                latencies.append((listener.arrivals[seq] - at) * 1000)
            else:
                drops += 1
    closed = [x.closed_by for x in listeners if x.lost]
    if closed:
        print(f"{len(closed)} sockets ended by the server, codes {set(closed)}", file=sys.stderr)
    for listener in listeners:
        listener.close()
    await asyncio.sleep(1.0)
    latencies.sort()
    return Fanout(
        connect_s,
        rss_idle,
        rss,
        rss_after,
        statistics.median(latencies) if latencies else 0.0,
        latencies[max(int(len(latencies) * 0.99) - 1, 0)] if latencies else 0.0,
        cpu / max(rounds, 1),
        drops,
        retries,
        failed,
        negotiated,
    )


class Peer:
    def __init__(self, ws: Any) -> None:
        self.ws = ws

    @property
    def path(self) -> str:
        return "bench"

    def __aiter__(self) -> Peer:
        return self

    async def __anext__(self) -> bytes:
        try:
            message = await self.ws.recv()
        except websockets.ConnectionClosed:
            raise StopAsyncIteration from None
        return message if isinstance(message, bytes) else message.encode()

    async def send(self, message: bytes) -> None:
        await self.ws.send(message)

    async def recv(self) -> bytes:
        return await self.__anext__()


async def room_bench(
    base: str,
    room_id: int,
    editor_headers: list[dict[str, str]],
    observer_headers: dict[str, str],
    observers: int,
    rate: int,
    seconds: float,
) -> tuple[float, float, int]:
    url = base.replace("http://", "ws://") + f"/api/v1/rooms/{room_id}/doc/doc"
    sent: dict[str, float] = {}
    seen: list[float] = []
    subscriptions: list[Any] = []

    def watch(doc: Doc[Any]) -> None:
        def on_change(event: Any) -> None:
            now = time.monotonic()
            for op in event.delta:
                inserted = op.get("insert") if isinstance(op, dict) else None
                if isinstance(inserted, str):
                    for token in inserted.split("@")[1:]:
                        key = token.split(";", 1)[0]
                        if key in sent:
                            seen.append((now - sent[key]) * 1000)

        subscriptions.append(doc.get("code", type=Text).observe(on_change))  # kept alive

    async def peer(
        headers: dict[str, str], editor: int | None, editing: asyncio.Event, done: asyncio.Event
    ) -> None:
        doc: Doc[Any] = Doc()
        if editor is None:
            watch(doc)
        async with (
            websockets.connect(url, additional_headers=headers, max_size=None) as ws,
            Provider(doc, Peer(ws)) as provider,
        ):
            await provider.synced.wait()
            if editor is not None:
                text = doc.get("code", type=Text)
                seq = 0
                while not editing.is_set():
                    key = f"{editor}.{seq}"
                    sent[key] = time.monotonic()
                    text += f"@{key};"
                    seq += 1
                    await asyncio.sleep(1 / rate)
            await done.wait()  # every socket stays open until the last edits have arrived

    editing, done = asyncio.Event(), asyncio.Event()
    watchers = [
        asyncio.create_task(peer(observer_headers, None, editing, done)) for _ in range(observers)
    ]
    await asyncio.sleep(2.0)
    editors = [asyncio.create_task(peer(h, i, editing, done)) for i, h in enumerate(editor_headers)]
    await asyncio.sleep(seconds)
    editing.set()
    await asyncio.sleep(5.0)  # an edit not seen by then is counted missing
    done.set()
    for outcome in await asyncio.gather(*editors, *watchers, return_exceptions=True):
        if isinstance(outcome, BaseException):
            print("room peer failed:", repr(outcome), file=sys.stderr)
    seen.sort()
    expected = len(sent) * observers
    p50 = statistics.median(seen) if seen else 0.0
    p99 = seen[int(len(seen) * 0.99) - 1] if seen else 0.0
    return p50, p99, expected - len(seen)


async def make_people(
    env: dict[str, str], users: int
) -> tuple[list[dict[str, str]], dict[str, str], list[dict[str, str]]]:
    os.environ.update(env)
    from viva.accounts import security
    from viva.accounts import service as accounts
    from viva.db import Database
    from viva.settings import Settings

    settings = Settings()
    database = Database(settings.effective_database_url)
    headers: list[dict[str, str]] = []

    def bearer(user_id: int, role: str) -> dict[str, str]:
        token = security.encode_token(
            user_id=user_id,
            role=role,
            kind="access",
            ttl=security.ACCESS_TTL,
            key=settings.effective_secret_key,
        )
        return {"Authorization": f"Bearer {token}"}

    async with database.session() as session:
        for _ in range(users):
            u = await accounts.create_user(
                session, username=f"b-{uuid.uuid4().hex[:10]}", password=None, role="candidate"
            )
            headers.append(bearer(u.id, "candidate"))
        admin = await accounts.create_user(
            session, username=f"a-{uuid.uuid4().hex[:10]}", password=None, role="admin"
        )
        editors = []
        for role in ("interviewer", "candidate"):
            u = await accounts.create_user(
                session, username=f"e-{uuid.uuid4().hex[:10]}", password=None, role=role
            )
            editors.append(bearer(u.id, role))
    await database.dispose()
    return headers, bearer(admin.id, "admin"), editors


async def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--clients", type=int, default=10_000)
    parser.add_argument("--broadcasts", type=int, default=10)
    parser.add_argument("--users", type=int, default=200)
    parser.add_argument("--observers", type=int, default=20)
    parser.add_argument("--edit-rate", type=int, default=20)
    parser.add_argument("--edit-seconds", type=float, default=10.0)
    parser.add_argument(
        "--no-deflate",
        action="store_true",
        help="clients do not offer permessage-deflate (browsers do; offered by default)",
    )
    parser.add_argument("--skip", choices=["baseline", "viva", "room"], action="append", default=[])
    args = parser.parse_args()
    deflate = not args.no_deflate
    raise_nofile()
    data = Path(tempfile.mkdtemp(prefix="viva-bench-ws-"))
    env = {k: v for k, v in os.environ.items() if not k.startswith("VIVA_")}
    env.update(
        VIVA_DATA_DIR=str(data),
        VIVA_LOG_LEVEL="warning",
        VIVA_RATE_LIMIT_SUBMISSIONS="100000/minute",
    )
    subprocess.run(  # noqa: ASYNC221 (before any server starts)
        [sys.executable, "-m", "viva.cli", "db", "upgrade"],
        env=env,
        cwd=ROOT,
        check=False,
        capture_output=True,
    )
    viva_port, raw_port = free_port(), free_port()
    viva = start(["--factory", "viva.app:create_app"], env, viva_port)
    raw = start(["bench.raw_ws:app"], env, raw_port)
    # A fresh connection per broadcast: a kept-alive one can be closed by uvicorn's
    # keep-alive timeout just as the next broadcast is sent (an httpx.ReadError).
    fresh = httpx.Limits(max_keepalive_connections=0)
    results: dict[str, Fanout] = {}
    room_p50 = room_p99 = 0.0
    room_missing = 0
    try:
        headers, admin, editors = await make_people(env, args.users)
        base = f"http://127.0.0.1:{viva_port}"
        async with (
            httpx.AsyncClient(base_url=base, timeout=120, limits=fresh) as c,
            httpx.AsyncClient(
                base_url=f"http://127.0.0.1:{raw_port}", timeout=120, limits=fresh
            ) as rc,
        ):

            async def announce(seq: int) -> None:
                r = await c.post(
                    "/api/v1/notifications/announce", json={"message": f"seq={seq}"}, headers=admin
                )
                r.raise_for_status()

            async def raw_broadcast(seq: int) -> None:
                (await rc.post(f"/broadcast?seq={seq}")).raise_for_status()

            if "baseline" not in args.skip:
                results["bare ASGI (baseline)"] = await fanout(
                    raw_port, "/ws", raw.pid, args.clients, [{}], raw_broadcast,
                    args.broadcasts, deflate,
                )  # fmt: skip
            if "viva" not in args.skip:
                results["Viva notifications"] = await fanout(
                    viva_port, "/api/v1/notifications/ws", viva.pid, args.clients, headers,
                    announce, args.broadcasts, deflate,
                )  # fmt: skip
            if "room" not in args.skip:
                r = await c.post("/api/v1/rooms", json={"title": "bench"}, headers=editors[0])
                room = r.json()
                token = room["invite_url"].rsplit("/", 1)[1]
                invite = await c.post(f"/api/v1/rooms/invites/{token}", headers=editors[1])
                invite.raise_for_status()
        if "room" not in args.skip:
            room_p50, room_p99, room_missing = await room_bench(
                base, room["id"], editors, admin, args.observers, args.edit_rate, args.edit_seconds
            )
    finally:
        for proc in (viva, raw):
            proc.terminate()
            proc.wait(timeout=30)
    load = os.getloadavg()
    print(
        f"{args.clients} clients, {args.broadcasts} broadcasts, "
        f"clients offer permessage-deflate: {deflate}, date {time.strftime('%Y-%m-%d %H:%M')}, "
        f"load average at the end {load[0]:.1f} {load[1]:.1f} {load[2]:.1f}"
    )
    print(
        "| server | connect s | RSS idle MB | RSS at N MB | KB/socket | RSS after broadcasts MB "
        "| broadcast p50 ms | p99 ms | server CPU ms per broadcast | drops | connect retries |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for name, f in results.items():
        cells = (
            f"{f.connect_s:.1f} | {f.rss_idle_mb:.0f} | {f.rss_mb:.0f} | "
            f"{f.per_socket_kb(args.clients):.1f} | {f.rss_after_mb:.0f} | {f.p50_ms:.1f} | "
            f"{f.p99_ms:.1f} | {f.cpu_ms_per_broadcast:.0f} | {f.drops} | {f.retries}"
        )
        print(f"| {name}{' (deflate)' if f.deflate else ''} | {cells} |")
    if len(results) == 2:
        result, baseline = results["Viva notifications"], results["bare ASGI (baseline)"]
        print(
            f"RSS ratio Viva/baseline: {result.rss_mb / max(baseline.rss_mb, 1):.2f}x; "
            f"p99 ratio: {result.p99_ms / max(baseline.p99_ms, 0.1):.2f}x; CPU per broadcast "
            f"ratio: {result.cpu_ms_per_broadcast / max(baseline.cpu_ms_per_broadcast, 0.1):.2f}x"
        )
    if "room" not in args.skip:
        print(
            f"room: 2 editors x {args.edit_rate}/s, {args.observers} observers, "
            f"{args.edit_seconds:.0f} s: "
            f"propagation p50 {room_p50:.1f} ms, p99 {room_p99:.1f} ms, missing {room_missing}"
        )
    print(
        json.dumps(
            {
                "clients": args.clients,
                **{name: f.__dict__ for name, f in results.items()},
                "room_p99_ms": room_p99,
                "room_missing": room_missing,
            }
        )
    )


if __name__ == "__main__":
    asyncio.run(main())
