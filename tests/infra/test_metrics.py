"""GET /metrics: request counts and latency histograms by route template, grading counters,
and the multi-process mode (several processes, one directory, one answer); request ids."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import httpx
from prometheus_client.parser import text_string_to_metric_families
from pydantic import SecretStr

from viva.infra.metrics import Metrics


def _samples(text: str, name: str) -> list[tuple[dict[str, str], float]]:
    return [
        (s.labels, s.value)
        for family in text_string_to_metric_families(text)
        for s in family.samples
        if s.name == name
    ]


async def test_metrics_show_latency_histograms_by_route_template(client: httpx.AsyncClient) -> None:
    for _ in range(3):
        assert (await client.get("/api/v1/tracks", headers=client.candidate)).status_code == 200
    for missing in (910001, 910002):
        response = await client.get(f"/api/v1/submissions/{missing}", headers=client.candidate)
        assert response.status_code == 404
    text = (await client.get("/metrics")).text
    buckets = _samples(text, "viva_http_request_duration_seconds_bucket")

    def total(route: str) -> float:  # the +Inf bucket counts every request
        return max(v for labels, v in buckets if labels["route"] == route)

    # The first read reached the route; the public cache answered the two others.
    assert total("/api/v1/tracks") == 1
    assert total("edge-cache") >= 2
    counts = {
        (labels["route"], labels["status"]): v
        for labels, v in _samples(text, "viva_http_requests_total")
    }
    # Two ids, one series: the template, never the raw path.
    assert counts[("/api/v1/submissions/{submission_id}", "404")] == 2
    assert not any("910001" in route for route, _ in counts)
    assert _samples(text, "viva_grading_queue_depth") == [({}, 0.0)]


async def test_a_request_id_is_taken_from_the_caller_or_generated(
    client: httpx.AsyncClient,
) -> None:
    given = await client.get("/healthz", headers={"X-Request-ID": "trace-42.a"})
    assert given.headers["x-request-id"] == "trace-42.a"
    made = await client.get("/healthz")
    assert len(made.headers["x-request-id"]) == 32
    forged = await client.get("/healthz", headers={"X-Request-ID": "x" * 500})
    assert forged.headers["x-request-id"] != "x" * 500


CHILD = """
from pathlib import Path
from viva.infra.metrics import Metrics
m = Metrics(multiproc_dir=Path({dir!r}))
m.requests.labels("GET", "/api/v1/tracks", "200").inc({n})
m.graded.labels("Accepted").inc()
"""


def test_several_processes_share_one_metrics_directory(tmp_path: Path) -> None:
    env = {**os.environ, "PROMETHEUS_MULTIPROC_DIR": str(tmp_path)}
    for n in (2, 3):
        code = CHILD.format(dir=str(tmp_path), n=n)
        subprocess.run([sys.executable, "-c", code], env=env, check=True, timeout=60)
    text = Metrics(multiproc_dir=tmp_path).render().decode()
    assert _samples(text, "viva_http_requests_total") == [
        ({"method": "GET", "route": "/api/v1/tracks", "status": "200"}, 5.0)
    ]
    assert _samples(text, "viva_grading_jobs_total") == [({"verdict": "Accepted"}, 2.0)]


async def test_metrics_want_the_scrape_token_when_one_is_set(
    client: httpx.AsyncClient,
) -> None:
    app = client._transport.app  # type: ignore[attr-defined]
    app.state.settings = app.state.settings.model_copy(
        update={"metrics_token": SecretStr("s3cret-scrape")}
    )
    assert (await client.get("/metrics")).status_code == 401
    wrong = await client.get("/metrics", headers={"X-Metrics-Token": "nope"})
    assert wrong.status_code == 401
    right = await client.get("/metrics", headers={"X-Metrics-Token": "s3cret-scrape"})
    assert right.status_code == 200 and "viva_http_requests_total" in right.text
