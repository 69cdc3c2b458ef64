import re
import time
import uuid

from fastapi import FastAPI, Request

VALID_REQUEST_ID = re.compile(r"[A-Za-z0-9-]{1,64}")

app = FastAPI()


@app.middleware("http")
async def request_context(request: Request, call_next):
    started = time.perf_counter()
    incoming = request.headers.get("x-request-id")
    # An empty header is echoed as an empty id.
    if incoming is not None and (incoming == "" or VALID_REQUEST_ID.fullmatch(incoming)):
        request_id = incoming
    else:
        request_id = uuid.uuid4().hex
    request.state.request_id = request_id
    response = await call_next(request)
    elapsed_ms = (time.perf_counter() - started) * 1000
    response.headers["X-Request-ID"] = request_id
    response.headers["X-Process-Time-Ms"] = f"{elapsed_ms:.3f}"
    return response


@app.get("/hello")
async def hello() -> dict[str, str]:
    return {"hello": "world"}
