"""WebSocket benchmark: N notification sockets on one Viva process, and a busy room.

1. Starts Viva (uvicorn, 1 process, wsproto, SQLite) and, as the baseline in the same run,
   a bare ASGI app that holds sockets and broadcasts (bench/raw_ws.py).
2. Opens N WebSocket clients to each (spread over several 127.0.0.x source addresses so
   loopback ports do not run out), all subscribed; measures connect time and server RSS.
3. Broadcasts one message to all, `--broadcasts` times; measures delivery p50/p99 and drops.
4. A room with 2 editors and 20 observers (real Yjs peers, pycrdt): each editor makes
   `--edit-rate` edits per second for `--edit-seconds`; measures edit propagation p99.

    .venv/bin/python bench/bench_ws.py [--clients 10000] [--broadcasts 10]

Targets (issue 14): 0 drops, RSS <= 400 MB at 10,000 clients, broadcast p99 <= 200 ms,
room edit propagation p99 <= 50 ms.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import websockets
from pycrdt import Doc, Provider, Text

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))
from bench_http import free_port  # noqa: E402

SOURCES = [f"127.0.0.{i}" for i in range(2, 12)]


@dataclass
class Fanout:
    connect_s: float
    rss_mb: float
    p50_ms: float
    p99_ms: float
    drops: int


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def raise_nofile() -> None:
    _, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))


def start(argv: list[str], env: dict[str, str], port: int) -> subprocess.Popen[bytes]:
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "uvicorn",
            *argv,
            "--port",
            str(port),
            "--ws",
            "wsproto",
            "--no-access-log",
            "--log-level",
            "warning",
            "--backlog",
            "4096",
        ],
        env=env,
        cwd=ROOT,
        preexec_fn=raise_nofile,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200:
                return proc
        except httpx.HTTPError:
            time.sleep(0.2)
    proc.kill()
    raise SystemExit("server did not start")


async def fanout(
    url: str, pid: int, n: int, headers: list[dict[str, str]], broadcast: Any, rounds: int
) -> Fanout:
    received: list[list[float]] = []
    sockets: list[Any] = []
    t0 = time.monotonic()
    sem = asyncio.Semaphore(200)

    async def connect(i: int) -> None:
        async with sem:
            ws = await websockets.connect(
                url,
                additional_headers=headers[i % len(headers)],
                max_queue=64,
                local_addr=(SOURCES[i % len(SOURCES)], 0),
                open_timeout=60,
                ping_interval=None,
            )
            sockets.append(ws)
            received.append([])

    await asyncio.gather(*(connect(i) for i in range(n)))
    connect_s = time.monotonic() - t0
    await asyncio.sleep(1.0)
    rss = rss_mb(pid)

    async def reader(ws: Any, sink: list[float]) -> None:
        try:
            async for _ in ws:
                sink.append(time.monotonic())
        except websockets.ConnectionClosed:
            pass

    readers = [
        asyncio.create_task(reader(ws, sink)) for ws, sink in zip(sockets, received, strict=True)
    ]
    latencies: list[float] = []
    drops = 0
    for _ in range(rounds):
        for sink in received:
            sink.clear()
        sent = time.monotonic()
        await broadcast()
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and any(not s for s in received):  # noqa: ASYNC110
            await asyncio.sleep(0.01)
        drops += sum(1 for s in received if not s)
        latencies += [(s[0] - sent) * 1000 for s in received if s]
        await asyncio.sleep(0.3)
    for task in readers:
        task.cancel()
    await asyncio.gather(*(ws.close() for ws in sockets), return_exceptions=True)
    latencies.sort()
    return Fanout(
        connect_s,
        rss,
        statistics.median(latencies) if latencies else 0.0,
        latencies[int(len(latencies) * 0.99) - 1] if latencies else 0.0,
        drops,
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

    async def peer(headers: dict[str, str], editor: int | None, stop: asyncio.Event) -> None:
        doc: Doc[Any] = Doc()
        if editor is None:
            watch(doc)
        async with (
            websockets.connect(url, additional_headers=headers, max_size=None) as ws,
            Provider(doc, Peer(ws)) as provider,
        ):
            await provider.synced.wait()
            if editor is None:
                await stop.wait()
                return
            text = doc.get("code", type=Text)
            seq = 0
            while not stop.is_set():
                key = f"{editor}.{seq}"
                sent[key] = time.monotonic()
                text += f"@{key};"
                seq += 1
                await asyncio.sleep(1 / rate)

    stop = asyncio.Event()
    watchers = [asyncio.create_task(peer(observer_headers, None, stop)) for _ in range(observers)]
    await asyncio.sleep(2.0)
    editors = [asyncio.create_task(peer(h, i, stop)) for i, h in enumerate(editor_headers)]
    await asyncio.sleep(seconds)
    stop.set()
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
    args = parser.parse_args()
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
    try:
        headers, admin, editors = await make_people(env, args.users)
        base = f"http://127.0.0.1:{viva_port}"
        async with httpx.AsyncClient(base_url=base, timeout=30) as c:

            async def announce() -> None:
                r = await c.post(
                    "/api/v1/notifications/announce", json={"message": "hello"}, headers=admin
                )
                r.raise_for_status()

            async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{raw_port}", timeout=60) as rc:

                async def raw_broadcast() -> None:
                    (await rc.post("/broadcast")).raise_for_status()

                baseline = await fanout(
                    f"ws://127.0.0.1:{raw_port}/ws",
                    raw.pid,
                    args.clients,
                    [{}],
                    raw_broadcast,
                    args.broadcasts,
                )
            result = await fanout(
                base.replace("http", "ws") + "/api/v1/notifications/ws",
                viva.pid,
                args.clients,
                headers,
                announce,
                args.broadcasts,
            )
            r = await c.post("/api/v1/rooms", json={"title": "bench"}, headers=editors[0])
            room = r.json()
            token = room["invite_url"].rsplit("/", 1)[1]
            (await c.post(f"/api/v1/rooms/invites/{token}", headers=editors[1])).raise_for_status()
        room_p50, room_p99, room_missing = await room_bench(
            base, room["id"], editors, admin, args.observers, args.edit_rate, args.edit_seconds
        )
    finally:
        for proc in (viva, raw):
            proc.terminate()
            proc.wait(timeout=20)
    print(f"{args.clients} clients, {args.broadcasts} broadcasts, date {time.strftime('%Y-%m-%d')}")
    print("| server | connect s | RSS MB | broadcast p50 ms | p99 ms | drops |")
    print("|---|---:|---:|---:|---:|---:|")
    for name, f in (("bare ASGI (baseline)", baseline), ("Viva notifications", result)):
        cells = f"{f.connect_s:.1f} | {f.rss_mb:.0f} | {f.p50_ms:.1f} | {f.p99_ms:.1f}"
        print(f"| {name} | {cells} | {f.drops} |")
    print(
        f"RSS ratio Viva/baseline: {result.rss_mb / max(baseline.rss_mb, 1):.2f}x; "
        f"p99 ratio: {result.p99_ms / max(baseline.p99_ms, 0.1):.2f}x"
    )
    print(
        f"room: 2 editors x {args.edit_rate}/s, {args.observers} observers, "
        f"{args.edit_seconds:.0f} s: "
        f"propagation p50 {room_p50:.1f} ms, p99 {room_p99:.1f} ms, missing {room_missing}"
    )
    print(
        json.dumps(
            {
                "clients": args.clients,
                "viva": result.__dict__,
                "baseline": baseline.__dict__,
                "room_p99_ms": room_p99,
                "room_missing": room_missing,
            }
        )
    )


if __name__ == "__main__":
    asyncio.run(main())
