"""The GitHub Actions workflow runs the same `make test`, with PostgreSQL and Redis services
that the test suite is pointed at (it cannot run here: checked by its structure)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

WORKFLOW = Path(__file__).resolve().parents[2] / ".github" / "workflows" / "ci.yml"


def test_ci_runs_make_test_with_postgres_and_redis_services() -> None:
    flow: dict[str, Any] = yaml.safe_load(WORKFLOW.read_text())
    (job,) = flow["jobs"].values()
    assert {"postgres", "redis"} <= set(job["services"])
    for service in job["services"].values():
        assert "--health-cmd" in service["options"]
    runs = [step.get("run", "") for step in job["steps"]]
    assert "make test" in runs
    assert job["env"]["CI"] == "true"  # missing services fail the run instead of skipping
    assert job["env"]["VIVA_TEST_PG_ADMIN"].endswith(":5432/postgres")
    assert job["env"]["VIVA_TEST_REDIS_URL"].startswith("redis://127.0.0.1:6379/")
    assert any("redis-server" in run and "bubblewrap" in run for run in runs)
