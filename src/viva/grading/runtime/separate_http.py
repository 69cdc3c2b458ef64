"""The test's HTTP view of an app in the solution's process (`TestClient`, answering plain
data) for `process: separate` tests, `drive_asgi` (one GET through the app's ASGI interface),
and the warm-up of FastAPI before the first fork."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from typing import Any

from separate_remote import Remote
from separate_solution import drive
from separate_wire import SolutionError, pack


class Response:
    """What one request answered, as plain data: `status_code`, `headers`, `content`,
    `text`, `json()`."""

    def __init__(self, value: Any) -> None:
        if type(value) is not dict or type(value.get("status")) is not int:
            raise SolutionError("the solution's process answered a request with no response")
        self.status_code: int = value["status"]
        body = value.get("body")
        self.content: bytes = body if type(body) is bytes else b""
        pairs = value.get("headers")
        self.headers = {
            str(p[0]).lower(): str(p[1])
            for p in (pairs if type(pairs) is list else [])
            if type(p) is list and len(p) == 2
        }

    @property
    def text(self) -> str:
        return self.content.decode("utf-8", "replace")

    def json(self) -> Any:
        return json.loads(self.content)


class TestClient:
    """`fastapi.testclient.TestClient` over an app in the solution's process."""

    __test__ = False

    def __init__(self, app: Remote) -> None:
        if not isinstance(app, Remote):
            raise TypeError("TestClient takes an app the solution made")
        self.link = app.link
        made = self.link.ask({"cmd": "client", "app": app.ref})
        if type(made) is not dict or type(made.get("$ref")) is not int:
            raise SolutionError("the solution's process made no client")
        self.ref: int = made["$ref"]

    def request(self, method: str, url: str, **kwargs: Any) -> Response:
        allowed = {k: kwargs[k] for k in ("json", "params", "headers") if kwargs.get(k)}
        command = {"cmd": "request", "client": self.ref, "method": method, "url": url}
        return Response(self.link.ask_value({**command, **pack(allowed)}))

    def get(self, url: str, **kwargs: Any) -> Response:
        return self.request("GET", url, **kwargs)

    def post(self, url: str, **kwargs: Any) -> Response:
        return self.request("POST", url, **kwargs)

    def put(self, url: str, **kwargs: Any) -> Response:
        return self.request("PUT", url, **kwargs)

    def delete(self, url: str, **kwargs: Any) -> Response:
        return self.request("DELETE", url, **kwargs)


def warm() -> None:
    """Once, in the harness's process before the first fork, with no candidate code: what
    every solution's first request would load lazily (FastAPI's routing and validation, the
    test client, a streaming body), so that each forked process starts warm."""
    from fastapi import FastAPI, HTTPException
    from fastapi.responses import StreamingResponse
    from fastapi.testclient import TestClient as Client
    from pydantic import BaseModel

    class Body(BaseModel):
        name: str

    app = FastAPI()

    @app.get("/warm/{n}")
    def read(n: int, limit: int = 1) -> dict[str, int]:
        if n < 0:
            raise HTTPException(404, "no")
        return {"n": n, "limit": limit}

    @app.put("/warm/{n}")
    def write(n: int, body: Body) -> dict[str, Any]:
        return {"n": n, "name": body.name}

    @app.get("/warm.csv")
    def export() -> StreamingResponse:
        return StreamingResponse(iter(["a\n", "b\n"]), media_type="text/csv")

    client = Client(app)
    client.get("/warm/1?limit=2").json()
    client.get("/warm/-1")
    client.get("/warm/x")
    client.put("/warm/1", json={"name": "w"}).json()
    client.get("/warm.csv")
    asyncio.run(drive(app, "/warm.csv", "", lambda *_: None))


def drive_asgi(
    app: Remote,
    path: str,
    query: str,
    on_start: Callable[[int, dict[str, str]], Any],
    on_body: Callable[[bytes], Any],
) -> None:
    """One GET driven through the app's ASGI interface in the solution's process (no
    buffering client): `on_start(status, headers)` and `on_body(chunk)` run here, in the
    test's process, while the solution's process waits for each to return."""
    if not isinstance(app, Remote):
        raise TypeError("drive_asgi takes an app the solution made")
    link = app.link
    handle = link.keep(Events(on_start, on_body))
    link.ask({"cmd": "drive", "app": app.ref, "path": path, "query": query, "events": handle})


class Events:
    """The test's callbacks of one `drive_asgi`, the only thing an `event` request calls."""

    def __init__(self, start: Callable[..., Any], body: Callable[[bytes], Any]) -> None:
        self.start, self.body = start, body
