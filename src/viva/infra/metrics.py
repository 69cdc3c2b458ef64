"""Prometheus metrics: requests by route template, grading jobs, queue depth, slots busy.

Each app (and worker) has its own `Metrics` on its own registry, so two apps in one process
(tests) never clash. With several processes (`viva serve --workers N`, or API and workers
side by side) set PROMETHEUS_MULTIPROC_DIR to a directory they share (empty at start): every
process writes its samples there and `GET /metrics` of any of them answers for all.
"""

from __future__ import annotations

import hmac
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
    multiprocess,
)
from starlette.types import ASGIApp, Message, Receive, Scope, Send

LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30)
GRADING_BUCKETS = (0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60, 120)


class Metrics:
    def __init__(self, *, multiproc_dir: Path | None = None) -> None:
        self.multiproc_dir = multiproc_dir
        self.registry = CollectorRegistry(auto_describe=True)
        r = self.registry
        self.requests = Counter(
            "viva_http_requests", "HTTP requests", ["method", "route", "status"], registry=r
        )
        self.latency = Histogram(
            "viva_http_request_duration_seconds",
            "HTTP request latency",
            ["method", "route"],
            buckets=LATENCY_BUCKETS,
            registry=r,
        )
        self.graded = Counter("viva_grading_jobs", "Graded submissions", ["verdict"], registry=r)
        self.grading_seconds = Histogram(
            "viva_grading_duration_seconds",
            "Time to grade one submission",
            buckets=GRADING_BUCKETS,
            registry=r,
        )
        self.queue_depth = Gauge(
            "viva_grading_queue_depth",
            "Submissions waiting for a grader (as this process sees them)",
            multiprocess_mode="max",
            registry=r,
        )
        self.slots_busy = Gauge(
            "viva_sandbox_slots_busy",
            "Gradings running now",
            multiprocess_mode="livesum",
            registry=r,
        )
        self.websockets = Gauge(
            "viva_websocket_connections",
            "Open WebSocket connections",
            multiprocess_mode="livesum",
            registry=r,
        )

    def render(self) -> bytes:
        if self.multiproc_dir is None:
            return generate_latest(self.registry)
        merged = CollectorRegistry()
        multiprocess.MultiProcessCollector(merged, path=str(self.multiproc_dir))  # type: ignore[no-untyped-call]
        return generate_latest(merged)

    async def grading(self, grade: Callable[[], Awaitable[str | None]]) -> str | None:
        """Run one grading, counted: slots busy while it runs, its verdict and duration."""
        self.slots_busy.inc()
        started = time.perf_counter()
        try:
            verdict = await grade()
        finally:
            self.slots_busy.dec()
        if verdict is not None:
            self.graded.labels(verdict).inc()
            self.grading_seconds.observe(time.perf_counter() - started)
        return verdict


class MetricsMiddleware:
    """Count and time every HTTP request by its route template (never the raw path, which
    would make one series per submission id)."""

    def __init__(self, app: ASGIApp, *, metrics: Metrics) -> None:
        self.app = app
        self.metrics = metrics
        # (method, template, status) -> its counter and histogram children: `labels()`
        # validates and looks the labels up under a lock on every call. Templates and
        # statuses are few, so this stays small.
        self._children: dict[tuple[str, str, int], tuple[Any, Any]] = {}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "websocket":
            self.metrics.websockets.inc()
            try:
                await self.app(scope, receive, send)
            finally:
                self.metrics.websockets.dec()
            return
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        status = 500
        started = time.perf_counter()

        async def capture(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, capture)
        finally:
            route = scope.get("route")
            template = getattr(route, "path", None)
            if template is None:  # served before routing: an edge-cache hit, or no route
                template = "edge-cache" if status in (200, 304) else "unmatched"
            method = scope["method"]
            key = (method, template, status)
            children = self._children.get(key)
            if children is None:
                children = self._children[key] = (
                    self.metrics.requests.labels(method, template, str(status)),
                    self.metrics.latency.labels(method, template),
                )
            children[0].inc()
            children[1].observe(time.perf_counter() - started)


router = APIRouter(tags=["ops"])


@router.get("/metrics", response_class=Response)
async def metrics(request: Request) -> Response:
    """Prometheus text format (all processes' samples when PROMETHEUS_MULTIPROC_DIR is set);
    with VIVA_METRICS_TOKEN set, only for a caller that sends it as X-Metrics-Token (a
    bearer token would be taken for a user's credentials)."""
    token = request.app.state.settings.metrics_token
    if token is not None:
        given = request.headers.get("x-metrics-token", "")
        if not hmac.compare_digest(given.encode(), token.get_secret_value().encode()):
            return Response("metrics need the scrape token\n", status_code=401)
    found: Metrics = request.app.state.metrics
    depth = getattr(request.app.state.grading_queue, "depth", None)
    if depth is not None:
        found.queue_depth.set(await depth())
    return Response(found.render(), media_type=CONTENT_TYPE_LATEST)
