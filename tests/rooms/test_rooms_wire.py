"""Live rooms and notifications on the wire: a real `viva serve`, real WebSocket clients
(websockets), a real Yjs peer (pycrdt's Provider), on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
import websockets
from pycrdt import Doc, Provider, Text

from tests.conftest import serve
from viva.accounts import security
from viva.accounts import service as accounts
from viva.db import Database
from viva.grading.challenges import CHALLENGES_DIR
from viva.settings import Settings

CANARY = "CANARY-" + uuid.uuid4().hex


class Channel:
    """A websockets client connection as a pycrdt Channel that records what it received."""

    def __init__(self, ws: Any) -> None:
        self.ws = ws
        self.frames: list[bytes | str] = []

    @property
    def path(self) -> str:
        return "test"

    def __aiter__(self) -> Channel:
        return self

    async def __anext__(self) -> bytes:
        try:
            return await self.recv()
        except websockets.ConnectionClosed:
            raise StopAsyncIteration from None

    async def send(self, message: bytes) -> None:
        await self.ws.send(message)

    async def recv(self) -> bytes:
        message = await self.ws.recv()
        self.frames.append(message)
        return message if isinstance(message, bytes) else message.encode()


@pytest.fixture(scope="module", params=["sqlite", "postgres"])
def served(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory, sql_postgres_url: str
) -> Iterator[tuple[str, str, Path]]:
    """One server per engine for this module; each test makes its own users and rooms."""
    db_url = request.getfixturevalue(f"{request.param}_url")
    data_dir = tmp_path_factory.mktemp(f"rooms-{request.param}")
    for url in serve(db_url, data_dir, sql_postgres_url):
        yield url, db_url, data_dir


@pytest.fixture
def server(served: tuple[str, str, Path]) -> str:
    return served[0]


class People:
    def __init__(self, db_url: str, tmp_path: Path) -> None:
        self.settings = Settings(database_url=db_url, data_dir=tmp_path)

    async def make(self, role: str) -> tuple[dict[str, str], str, str]:
        """Bearer headers, a session cookie value, and the username of a new user."""
        database = Database(self.settings.effective_database_url)
        try:
            async with database.session() as session:
                user = await accounts.create_user(
                    session,
                    username=f"r{role[:3]}-{uuid.uuid4().hex[:8]}",
                    password=None,
                    role=role,
                )
        finally:
            await database.dispose()
        key = self.settings.effective_secret_key
        access = security.encode_token(
            user_id=user.id, role=role, kind="access", ttl=security.ACCESS_TTL, key=key
        )
        cookie = security.encode_token(
            user_id=user.id, role=role, kind="session", ttl=security.SESSION_TTL, key=key
        )
        return {"Authorization": f"Bearer {access}"}, cookie, user.username


@pytest.fixture
def people(served: tuple[str, str, Path]) -> People:
    """Users made in the server's database, with tokens signed by its key (same data dir)."""
    return People(served[1], served[2])


def ws_url(server: str, path: str) -> str:
    return server.replace("http://", "ws://") + path


async def open_room(
    server: str, interviewer: dict[str, str], candidate: dict[str, str], **body: Any
) -> int:
    async with httpx.AsyncClient(base_url=server, timeout=60) as c:
        r = await c.post("/api/v1/rooms", json={"title": "Wire test", **body}, headers=interviewer)
        assert r.status_code == 201, r.text
        room = r.json()
        token = room["invite_url"].rsplit("/", 1)[1]
        r = await c.post(f"/api/v1/rooms/invites/{token}", headers=candidate)
        assert r.status_code == 200, r.text
        assert r.json()["role"] == "candidate"
        return int(room["id"])


@asynccontextmanager
async def yjs_peer(
    server: str, room_id: int, headers: dict[str, str], doc: Doc[Any] | None = None
) -> AsyncIterator[tuple[Doc[Any], Channel]]:
    doc = doc if doc is not None else Doc()
    async with websockets.connect(
        ws_url(server, f"/api/v1/rooms/{room_id}/doc/doc"), additional_headers=headers
    ) as ws:
        channel = Channel(ws)
        async with Provider(doc, channel) as provider:
            await asyncio.wait_for(provider.synced.wait(), 10)
            yield doc, channel


async def until(predicate: Any, seconds: float = 10.0) -> None:
    deadline = asyncio.get_running_loop().time() + seconds
    while not predicate():
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError("condition not reached in time")
        await asyncio.sleep(0.05)


@asynccontextmanager
async def pinging(*sockets: Any) -> AsyncIterator[None]:
    """Ping the control channels every 20 s, as the room page does (every 25 s): a run that
    takes over 90 s on a loaded host must not end them as idle (4408)."""

    async def ping() -> None:
        while True:
            await asyncio.sleep(20)
            for ws in sockets:
                await ws.send(json.dumps({"type": "ping"}))

    task = asyncio.create_task(ping())
    try:
        yield
    finally:
        task.cancel()


async def drain(ws: Any, seconds: float = 0.5) -> list[dict[str, Any]]:
    frames = []
    try:
        while True:
            frames.append(json.loads(await asyncio.wait_for(ws.recv(), seconds)))
    except TimeoutError:
        return frames


async def close_code(url: str, **kwargs: Any) -> int | None:
    try:
        async with websockets.connect(url, **kwargs) as ws:
            await asyncio.wait_for(ws.recv(), 10)
            await asyncio.wait_for(ws.recv(), 10)
    except websockets.ConnectionClosed as closed:
        return closed.rcvd.code if closed.rcvd else None
    return None


async def test_two_editors_converge_and_an_offline_edit_is_merged(
    server: str, people: People
) -> None:
    interviewer, _, _ = await people.make("interviewer")
    candidate, _, _ = await people.make("candidate")
    room_id = await open_room(server, interviewer, candidate, challenge="palindrome")
    async with yjs_peer(server, room_id, interviewer) as (doc_a, _):
        text_a = doc_a.get("code", type=Text)
        assert "def is_palindrome" in str(text_a), "the challenge's starter code is loaded"
        offline: Doc[Any] = Doc()
        async with yjs_peer(server, room_id, candidate, offline) as (doc_b, _):
            text_b = doc_b.get("code", type=Text)
            await until(lambda: str(text_b) == str(text_a))
            # Both type at once at both ends of the document.
            for i in range(20):
                text_a += f"\n# a{i}"
                text_b.insert(0, f"# b{i}\n")
            await until(lambda: str(text_a) == str(text_b))
            assert all(f"# a{i}" in str(text_a) and f"# b{i}" in str(text_a) for i in range(20))
        # The candidate's connection is gone; it keeps typing into its own document...
        text_b.insert(0, "# typed while offline\n")
        assert "typed while offline" not in str(text_a)
        # ...and reconnects with the same document: the edit is merged, nothing lost.
        async with yjs_peer(server, room_id, candidate, offline):
            await until(lambda: "typed while offline" in str(text_a))
            await until(lambda: str(text_a) == str(text_b))
        final = str(text_a)
    # Everyone left: the document was stored and a new peer gets all of it.
    await asyncio.sleep(1.5)
    async with yjs_peer(server, room_id, interviewer) as (doc_c, _):
        assert str(doc_c.get("code", type=Text)) == final
    async with httpx.AsyncClient(base_url=server) as c:
        events = (await c.get(f"/api/v1/rooms/{room_id}/timeline", headers=interviewer)).json()
    edits = [e for e in events if e["kind"] == "edit"]
    assert edits and edits[-1]["data"]["text"] == final, "the replay has the final code"


async def test_the_interviewer_panel_never_reaches_the_candidate_socket(
    server: str, people: People
) -> None:
    interviewer, _, _ = await people.make("interviewer")
    candidate, _, candidate_name = await people.make("candidate")
    room_id = await open_room(server, interviewer, candidate, challenge="palindrome")
    live = ws_url(server, f"/api/v1/rooms/{room_id}/live")
    async with (
        websockets.connect(live, additional_headers=candidate) as cand,
        websockets.connect(live, additional_headers=interviewer) as inter,
        yjs_peer(server, room_id, candidate) as (_, cand_doc),
        httpx.AsyncClient(base_url=server, timeout=60) as c,
    ):
        cand_hello = json.loads(await cand.recv())
        inter_hello = json.loads(await inter.recv())
        assert cand_hello["room"]["private"] is None
        assert inter_hello["room"]["private"] == {"notes": "", "rubric": [], "signal": None}
        r = await c.put(
            f"/api/v1/rooms/{room_id}/private",
            json={"notes": f"weak on SQL {CANARY}", "rubric": [2, 4], "signal": "no_hire"},
            headers=interviewer,
        )
        assert r.status_code == 200, r.text
        await cand.send(json.dumps({"type": "signal", "kind": "paste", "size": 321}))
        await cand.send(json.dumps({"type": "signal", "kind": "blur"}))
        # The candidate cannot read the panel over HTTP either.
        r = await c.get(f"/api/v1/rooms/{room_id}", headers=candidate)
        assert r.status_code == 200 and r.json()["private"] is None and CANARY not in r.text
        assert (
            await c.get(f"/api/v1/rooms/{room_id}/timeline", headers=candidate)
        ).status_code == 403
        r = await c.put(
            f"/api/v1/rooms/{room_id}/private", json={"notes": "mine"}, headers=candidate
        )
        assert r.status_code == 403
        inter_frames = await drain(inter)
        cand_frames = await drain(cand)
    everything_candidate_got = (
        json.dumps(cand_frames) + repr(cand_doc.frames) + json.dumps(cand_hello)
    )
    assert CANARY not in everything_candidate_got
    assert "no_hire" not in everything_candidate_got
    assert not [f for f in cand_frames if f["type"] in ("private", "signal")]
    private = [f for f in inter_frames if f["type"] == "private"]
    assert private and CANARY in private[0]["notes"] and private[0]["rubric"] == [2, 4]
    signals = [(f["kind"], f["size"], f["by"]) for f in inter_frames if f["type"] == "signal"]
    assert signals == [("paste", 321, candidate_name), ("blur", 0, candidate_name)]


async def test_strangers_other_rooms_and_closed_rooms_are_refused_with_close_codes(
    server: str, people: People
) -> None:
    interviewer, interviewer_cookie, _ = await people.make("interviewer")
    candidate, _, _ = await people.make("candidate")
    stranger, _, _ = await people.make("candidate")
    other_candidate, _, _ = await people.make("candidate")
    room_id = await open_room(server, interviewer, candidate)
    other_room = await open_room(server, interviewer, other_candidate)
    live = ws_url(server, f"/api/v1/rooms/{room_id}/live")
    doc = ws_url(server, f"/api/v1/rooms/{room_id}/doc/doc")
    assert await close_code(live) == 4401
    assert await close_code(doc) == 4401
    assert await close_code(live, additional_headers={"Authorization": "Bearer nope"}) == 4401
    assert await close_code(live, additional_headers=stranger) == 4404
    assert await close_code(doc, additional_headers=stranger) == 4404
    assert await close_code(live, additional_headers=other_candidate) == 4404
    assert (
        await close_code(ws_url(server, "/api/v1/rooms/x/live"), additional_headers=candidate)
        == 4404
    )
    assert (
        await close_code(
            ws_url(server, f"/api/v1/rooms/{other_room + 1000}/live"), additional_headers=candidate
        )
        == 4404
    )
    # A session cookie from another site's page (cross-site WebSocket hijacking).
    cookie = {"Cookie": f"viva_session={interviewer_cookie}"}
    assert await close_code(live, additional_headers=cookie, origin="http://evil.example") == 4403
    async with websockets.connect(live, additional_headers=cookie, origin=server) as ok:
        assert json.loads(await ok.recv())["type"] == "hello"
    async with httpx.AsyncClient(base_url=server, timeout=30) as c:
        # An invite used by someone else, then the room closed.
        r = await c.post("/api/v1/rooms", json={"title": "x"}, headers=interviewer)
        token = r.json()["invite_url"].rsplit("/", 1)[1]
        assert (await c.post(f"/api/v1/rooms/invites/{token}", headers=stranger)).status_code == 200
        r = await c.post(f"/api/v1/rooms/invites/{token}", headers=other_candidate)
        assert r.status_code == 404
        async with websockets.connect(live, additional_headers=candidate) as cand:
            await cand.recv()
            r = await c.post(f"/api/v1/rooms/{room_id}/close", headers=interviewer)
            assert r.status_code == 200
            with pytest.raises(websockets.ConnectionClosed) as closed:
                while True:
                    await asyncio.wait_for(cand.recv(), 10)
            assert closed.value.rcvd is not None and closed.value.rcvd.code == 4410
    assert await close_code(live, additional_headers=candidate) == 4410
    assert await close_code(live, additional_headers=interviewer) is None  # may still look


async def test_a_run_in_the_room_reaches_both_with_the_same_verdict(
    server: str, people: People
) -> None:
    interviewer, _, _ = await people.make("interviewer")
    candidate, _, candidate_name = await people.make("candidate")
    room_id = await open_room(server, interviewer, candidate, challenge="palindrome")
    solution = (CHALLENGES_DIR / "palindrome" / "solution.py").read_text()
    live = ws_url(server, f"/api/v1/rooms/{room_id}/live")
    async with (
        websockets.connect(live, additional_headers=candidate) as cand,
        websockets.connect(live, additional_headers=interviewer) as inter,
        websockets.connect(
            ws_url(server, "/api/v1/notifications/ws"), additional_headers=candidate
        ) as notices,
        yjs_peer(server, room_id, candidate) as (doc, _),
        httpx.AsyncClient(base_url=server, timeout=120) as c,
        pinging(cand, inter),
    ):
        code = doc.get("code", type=Text)
        with doc.transaction():
            del code[:]
            code += solution
        await asyncio.sleep(0.5)
        r = await c.post(f"/api/v1/rooms/{room_id}/run", headers=candidate)
        assert r.status_code == 200, r.text
        assert r.json()["verdict"] == "Accepted"
        r = await c.post(f"/api/v1/rooms/{room_id}/submissions", headers=interviewer)
        assert r.status_code == 201, r.text
        submission = r.json()
        assert submission["verdict"] == "Accepted" and submission["status"] == "done"
        got = {name: await drain(ws, 1.0) for name, ws in (("cand", cand), ("inter", inter))}
        # Its author's notification stream says so, without polling.
        graded = json.loads(await asyncio.wait_for(notices.recv(), 30))
        assert graded["type"] == "submission.graded"
        assert graded["data"]["submission_id"] == submission["id"]
        assert graded["data"]["verdict"] == "Accepted"
        # The submission is the candidate's, whoever pressed Submit.
        r = await c.get(f"/api/v1/submissions/{submission['id']}", headers=candidate)
        assert r.status_code == 200
    for name in ("cand", "inter"):
        runs = [f for f in got[name] if f["type"] == "run"]
        verdicts = [f for f in got[name] if f["type"] == "verdict"]
        assert len(runs) == 1 and runs[0]["by"] == candidate_name, name
        assert runs[0]["result"]["verdict"] == "Accepted"
        assert verdicts and verdicts[0]["submission"]["id"] == submission["id"]
    assert [f["result"] for f in got["cand"] if f["type"] == "run"] == [
        f["result"] for f in got["inter"] if f["type"] == "run"
    ]


async def test_socket_limits_close_with_clear_codes(server: str, people: People) -> None:
    interviewer, _, _ = await people.make("interviewer")
    candidate, _, _ = await people.make("candidate")
    room_id = await open_room(server, interviewer, candidate)
    live = ws_url(server, f"/api/v1/rooms/{room_id}/live")
    async with websockets.connect(live, additional_headers=candidate) as ws:
        await ws.recv()
        await ws.send("not json")
        await ws.send(json.dumps({"type": "private", "notes": "x"}))
        await ws.send(json.dumps({"type": "signal", "kind": "rm -rf", "size": 1}))
        errors = [f for f in await drain(ws) if f["type"] == "error"]
        assert len(errors) == 3, "bad frames get an error frame and the socket stays open"
        await ws.send(json.dumps({"type": "ping"}))
        assert any(f["type"] == "pong" for f in await drain(ws))
        await ws.send("x" * 5000)
        with pytest.raises(websockets.ConnectionClosed) as closed:
            await drain(ws, 5)
            await ws.recv()
        assert closed.value.rcvd is not None and closed.value.rcvd.code == 1009
    async with websockets.connect(live, additional_headers=candidate) as ws:
        await ws.recv()
        with pytest.raises(websockets.ConnectionClosed) as closed:
            for _ in range(100):
                await ws.send('{"type":"ping"}')
            await drain(ws, 5)
            await ws.recv()
        assert closed.value.rcvd is not None and closed.value.rcvd.code == 1008
    doc = ws_url(server, f"/api/v1/rooms/{room_id}/doc/doc")
    async with websockets.connect(doc, additional_headers=candidate, max_size=None) as ws:
        await ws.send(bytes([0, 2]) + b"\x00" * (600 * 1024))
        with pytest.raises(websockets.ConnectionClosed) as closed:
            while True:
                await asyncio.wait_for(ws.recv(), 10)
        assert closed.value.rcvd is not None and closed.value.rcvd.code == 1009
    # An observer (an admin) sees the document but cannot change it.
    admin, _, _ = await people.make("admin")
    async with yjs_peer(server, room_id, admin) as (watched, _):
        watched.get("code", type=Text).insert(0, "# observer was here\n")
        await asyncio.sleep(0.7)
    async with yjs_peer(server, room_id, interviewer) as (doc_i, _):
        assert "observer was here" not in str(doc_i.get("code", type=Text))


async def test_notifications_over_websocket_and_sse_resume_from_the_last_id(
    server: str, people: People
) -> None:
    interviewer, _, _ = await people.make("interviewer")
    candidate, _, candidate_name = await people.make("candidate")
    stream = ws_url(server, "/api/v1/notifications/ws")
    assert await close_code(stream) == 4401
    room_id = await open_room(server, interviewer, candidate)
    live = ws_url(server, f"/api/v1/rooms/{room_id}/live")
    async with websockets.connect(stream, additional_headers=interviewer) as notes:
        async with websockets.connect(live, additional_headers=candidate) as cand:
            await cand.recv()
        first = json.loads(await asyncio.wait_for(notes.recv(), 10))
    assert first["type"] == "room.joined"
    assert first["data"] == {"room_id": room_id, "candidate": candidate_name, "title": "Wire test"}
    # Offline: the candidate joins twice more; the reconnecting stream gets both, in order.
    for _ in range(2):
        async with websockets.connect(live, additional_headers=candidate) as cand:
            await cand.recv()
    async with websockets.connect(
        stream + f"?last_event_id={first['id']}", additional_headers=interviewer
    ) as notes:
        missed = [json.loads(await asyncio.wait_for(notes.recv(), 10)) for _ in range(2)]
        assert [m["type"] for m in missed] == ["room.joined", "room.joined"]
        assert first["id"] not in [m["id"] for m in missed]
    # The same through Server-Sent Events, resuming with Last-Event-ID.
    async with httpx.AsyncClient(base_url=server, timeout=15) as c:
        assert (await c.get("/api/v1/notifications/stream")).status_code == 401
        headers = {**interviewer, "Last-Event-ID": first["id"]}
        async with c.stream("GET", "/api/v1/notifications/stream", headers=headers) as response:
            assert response.headers["content-type"].startswith("text/event-stream")
            ids: list[str] = []
            async for line in response.aiter_lines():
                if line.startswith("id: "):
                    ids.append(line[4:])
                if len(ids) == 2:
                    break
    assert ids == [m["id"] for m in missed]


async def test_notifications_fan_out_through_redis_to_another_process(
    served: tuple[str, str, Path], people: People, redis_url: str, sql_postgres_url: str
) -> None:
    """Two API processes on one database and one Redis: a candidate joins on process B, the
    interviewer's stream on process A hears it."""
    _, db_url, data_dir = served
    prefix = f"viva-test-{uuid.uuid4().hex[:8]}"
    extra = {
        "VIVA_REDIS_URL": redis_url,
        "VIVA_CACHE_PREFIX": prefix,
        "VIVA_SECRET_KEY": people.settings.effective_secret_key,  # one token works on both
    }
    a_dir, b_dir = data_dir / "a", data_dir / "b"
    a_dir.mkdir(exist_ok=True)
    b_dir.mkdir(exist_ok=True)
    interviewer, _, _ = await people.make("interviewer")
    candidate, _, candidate_name = await people.make("candidate")
    servers_a = serve(db_url, a_dir, sql_postgres_url, **extra)
    servers_b = serve(db_url, b_dir, sql_postgres_url, **extra)
    a, b = next(servers_a), next(servers_b)
    try:
        room_id = await open_room(b, interviewer, candidate)
        async with websockets.connect(
            ws_url(a, "/api/v1/notifications/ws"), additional_headers=interviewer
        ) as notes:
            await asyncio.sleep(0.5)  # A's listener is subscribed to the channel
            async with websockets.connect(
                ws_url(b, f"/api/v1/rooms/{room_id}/live"), additional_headers=candidate
            ) as cand:
                await cand.recv()
            heard = json.loads(await asyncio.wait_for(notes.recv(), 10))
        assert heard["type"] == "room.joined"
        assert heard["data"]["candidate"] == candidate_name
    finally:
        for gen in (servers_a, servers_b):
            gen.close()
