"""The notifications a mock interview and a room send, on the wire (a real `viva serve` per
engine, real WebSocket clients): the candidate hears "interview.invited" when an interviewer
names them for a mock interview or a room and "report.released" when the report is out; the
interviewer hears "mock.progress" as the candidate starts, moves on and submits. Nobody
hears the other's notices."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import httpx
import websockets

from tests.rooms.test_rooms_wire import People, people, served, server, ws_url  # noqa: F401
from viva.practice import mock_templates

STREAM = "/api/v1/notifications/ws"


class Stream:
    """One notification socket, and every notice it received."""

    def __init__(self, ws: Any) -> None:
        self.ws = ws
        self.seen: list[dict[str, Any]] = []

    async def next(self, type: str, seconds: float = 15.0) -> dict[str, Any]:
        """The next notice of `type` (others before it are recorded, not returned)."""
        deadline = asyncio.get_running_loop().time() + seconds
        while True:
            left = max(deadline - asyncio.get_running_loop().time(), 0.01)
            notice: dict[str, Any] = json.loads(await asyncio.wait_for(self.ws.recv(), left))
            self.seen.append(notice)
            if notice["type"] == type:
                return notice

    async def quiet(self, seconds: float = 0.5) -> set[str]:
        """Read until nothing comes for `seconds`; the types of everything received so far."""
        try:
            while True:
                self.seen.append(json.loads(await asyncio.wait_for(self.ws.recv(), seconds)))
        except TimeoutError:
            return {notice["type"] for notice in self.seen}


async def test_invites_progress_and_release_reach_the_right_person(
    server: str,  # noqa: F811
    people: People,  # noqa: F811
) -> None:
    interviewer, _, interviewer_name = await people.make("interviewer")
    candidate, _, candidate_name = await people.make("candidate")
    admin, _, _ = await people.make("admin")
    async with httpx.AsyncClient(base_url=server, timeout=60) as c:
        me = (await c.get("/api/v1/me", headers=candidate)).json()
        iv = (await c.get("/api/v1/me", headers=interviewer)).json()
        assigned = await c.post(
            "/api/v1/assignments",
            json={"interviewer_id": iv["id"], "candidate_id": me["id"]},
            headers=admin,
        )
        assert assigned.status_code == 204, assigned.text
        async with (
            websockets.connect(ws_url(server, STREAM), additional_headers=candidate) as c_ws,
            websockets.connect(ws_url(server, STREAM), additional_headers=interviewer) as i_ws,
        ):
            cand, ivws = Stream(c_ws), Stream(i_ws)
            await asyncio.sleep(0.3)  # both streams are subscribed
            body = {
                "template": mock_templates.DEFAULT_TEMPLATE,
                "question_count": 2,
                "candidate_id": me["id"],
            }
            created = await c.post("/api/v1/mock/interviews", json=body, headers=interviewer)
            assert created.status_code == 201, created.text
            iid = created.json()["id"]
            invited = await cand.next("interview.invited")
            assert invited["data"] == {
                "kind": "mock",
                "id": iid,
                "title": created.json()["title"],
                "interviewer": interviewer_name,
                "url": f"/mock/{iid}",
            }
            room = await c.post(
                "/api/v1/rooms",
                json={"title": "Pairing", "candidate": candidate_name},
                headers=interviewer,
            )
            assert room.status_code == 201, room.text
            to_room = await cand.next("interview.invited")
            assert to_room["data"]["kind"] == "room"
            assert to_room["data"]["id"] == room.json()["id"]
            assert to_room["data"]["url"] == f"/rooms/{room.json()['id']}"

            base = f"/api/v1/mock/interviews/{iid}"
            assert (await c.post(f"{base}/start", headers=candidate)).status_code == 200
            started = await ivws.next("mock.progress")
            assert started["data"] == {
                "interview_id": iid,
                "status": "running",
                "question": 1,
                "total": 2,
                "answered": 0,
            }
            saved = await c.put(
                f"{base}/items/0", json={"answer": "the GIL", "go_to": 1}, headers=candidate
            )
            assert saved.status_code == 200, saved.text
            moved = await ivws.next("mock.progress")
            assert (moved["data"]["question"], moved["data"]["answered"]) == (2, 1)
            assert (await c.post(f"{base}/submit", headers=candidate)).status_code == 200
            submitted = await ivws.next("mock.progress")
            assert submitted["data"]["status"] == "submitted"

            report = (await c.get(f"{base}/report", headers=interviewer)).json()
            for position, item in enumerate(report["items"]):
                scored = await c.put(
                    f"{base}/items/{position}/score",
                    json={"rubric": [3] * len(item["points"])},
                    headers=interviewer,
                )
                assert scored.status_code == 204, scored.text
            decision = {"signal": "hire", "private_summary": "PRIVATE", "release": True}
            kept = await c.post(
                f"{base}/decision", json=decision | {"release": False}, headers=interviewer
            )
            assert kept.status_code == 200
            assert "report.released" not in await cand.quiet()  # deciding is not releasing
            released = await c.post(f"{base}/decision", json=decision, headers=interviewer)
            assert released.status_code == 200, released.text
            out = await cand.next("report.released")
            assert out["data"]["interview_id"] == iid
            assert out["data"]["url"] == f"/mock/{iid}/report"
            assert "PRIVATE" not in json.dumps(out)

            # Each heard only their own: no progress for the candidate, no invite or report
            # for the interviewer (every notice either socket received is counted).
            assert await cand.quiet() == {"interview.invited", "report.released"}
            assert await ivws.quiet() == {"mock.progress"}
