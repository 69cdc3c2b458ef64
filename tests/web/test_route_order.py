"""Every route is reached by its own paths, whatever order the routers are included in.

The app includes the busiest API routers first (routing scans routers in order, twice per
request, and that scan was a fifth of a cached signed-in GET); this keeps the order free to
change: a literal path (`/me/review/queue`) never falls to a parameter route of the same
method included before it (`/me/review/{question_id}`).
"""

from __future__ import annotations

import re
from pathlib import Path

from fastapi import APIRouter
from fastapi.routing import APIRoute

from viva.accounts.policy import iter_api_routes
from viva.app import create_app
from viva.settings import Settings

PARAM = re.compile(r"\{[^}]+\}")


def shadowed(routes: list[APIRoute]) -> list[str]:
    """Sample paths of a route (parameters filled in) that an earlier route takes."""
    found = []
    for route in routes:
        methods = route.methods or set()
        for sample in {PARAM.sub("1", route.path), PARAM.sub("some-slug", route.path)}:
            first = next(
                r for r in routes if (r.methods or set()) & methods and r.path_regex.match(sample)
            )
            if first is not route:
                found.append(f"{sorted(methods)} {sample}: {first.path} before {route.path}")
    return found


def test_each_route_is_the_first_to_match_its_own_sample_path(tmp_path: Path) -> None:
    settings = Settings.model_validate(
        {"database_url": f"sqlite+aiosqlite:///{tmp_path}/viva.db", "data_dir": tmp_path}
    )
    routes = list(iter_api_routes(list(create_app(settings).routes)))
    assert len(routes) > 50
    assert shadowed(routes) == []


def test_a_parameter_route_before_a_literal_one_is_found() -> None:
    router = APIRouter()

    @router.get("/me/review/{question_id}")
    async def by_id(question_id: int) -> None: ...

    @router.get("/me/review/queue")
    async def queue() -> None: ...

    @router.post("/me/review/queue")
    async def post_queue() -> None: ...

    routes = list(iter_api_routes(list(router.routes)))
    assert shadowed(routes) == [
        "['GET'] /me/review/queue: /me/review/{question_id} before /me/review/queue"
    ]
    assert shadowed(routes[::-1]) == []
