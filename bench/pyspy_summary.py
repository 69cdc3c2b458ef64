"""Where a request's time goes, as text: a summary of py-spy raw stacks of the event loop.

`bench_signed_in.py --profile DIR` writes one raw (collapsed) py-spy file per target; this
prints, for each, the share of the main thread's samples spent in each layer of the request
(each sample counted once, in the innermost layer on its stack), then the functions with the
most samples of their own.

    .venv/bin/python bench/pyspy_summary.py DIR/*.txt [--top 15]
"""

from __future__ import annotations

import argparse
import re
from collections import Counter
from pathlib import Path

# The layers of a request, matched against py-spy's "Class.function (file:line)" frames. Each
# sample goes to the innermost layer on its stack, except that a "sticky" layer keeps what
# runs under it (the commit's SQL counts as the unit of work, not as a query).
LAYERS: list[tuple[str, str, bool]] = [
    ("event loop, uvicorn (HTTP parsing, transport)", r"uvicorn/|asyncio/|uvloop|runpy", False),
    (
        "middlewares",
        r"viva/infra/(cache|metrics|logging|body_limit|security_headers)\.py"
        r"|starlette/middleware/|fastapi/telemetry/|fastapi/applications\.py"
        r"|starlette/applications\.py",
        False,
    ),
    ("routing (matching, request_response)", r"starlette/routing\.py|fastapi/routing\.py", False),
    ("dependency solving", r"fastapi/dependencies/|starlette/requests\.py", False),
    (
        "yield-dependency machinery (context managers, cancel scopes)",
        r"contextlib\.py|anyio/",
        True,
    ),
    ("auth (resolve, policy, JWT)", r"viva/accounts/(auth|policy|security|roles)\.py|jwt/", False),
    ("unit of work (session open, commit, close)", r"viva/db\.py|viva/deps\.py", False),
    (
        "  of which commit/rollback/close",
        r"AsyncSession\.(close|commit|rollback|__aexit__)|_close \(viva/db",
        True,
    ),
    (
        "domain code (services, repositories, routes)",
        r"viva/(bank|grading|practice|rooms)/|viva/accounts/(service|repository|routes)",
        False,
    ),
    ("SQL: SQLAlchemy, ORM loading, driver", r"sqlalchemy/|aiosqlite/|asyncpg/|greenlet", False),
    ("FSRS scheduling", r"fsrs/", True),
    (
        "serialisation (response model, JSON)",
        r"serialize_response|pydantic|fastapi/encoders|json/",
        True,
    ),
    ("response (headers, send)", r"starlette/responses\.py", False),
]


def layer_of(frames: list[str], compiled: list[tuple[str, re.Pattern[str], bool]]) -> str:
    current = "other"
    for frame in frames:  # root first
        for label, pattern, sticky in compiled:
            if pattern.search(frame):
                current = label
                if sticky:
                    return current
                break
    return current


def main_thread_stacks(path: Path) -> list[tuple[list[str], int]]:
    stacks: list[tuple[list[str], int]] = []
    for line in path.read_text().splitlines():
        head, _, count = line.rpartition(" ")
        if not head or not count.isdigit():
            continue
        frames = head.split(";")
        if not frames[0].startswith("thread") or "MainThread" not in frames[0]:
            continue
        if len(frames) > 1:
            stacks.append((frames[1:], int(count)))
    return stacks


def summarise(path: Path, top: int) -> str:
    stacks = main_thread_stacks(path)
    total = sum(n for _, n in stacks)
    if not total:
        return f"{path.name}: no samples\n"
    layers: Counter[str] = Counter()
    own: Counter[str] = Counter()
    compiled = [(label, re.compile(pattern), sticky) for label, pattern, sticky in LAYERS]
    for frames, n in stacks:
        layers[layer_of(frames, compiled)] += n
        own[re.sub(r":\d+\)$", ")", frames[-1])] += n
    lines = [f"{path.name}: {total} samples of the event-loop thread"]
    for label in [*(label for label, _, _ in LAYERS), "other"]:
        if layers[label]:
            lines.append(f"  {100 * layers[label] / total:5.1f}%  {label}")
    lines.append("  most own samples:")
    for frame, n in own.most_common(top):
        lines.append(f"  {100 * n / total:5.1f}%    {frame}")
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("files", nargs="+", type=Path)
    parser.add_argument("--top", type=int, default=12)
    args = parser.parse_args()
    for path in args.files:
        print(summarise(path, args.top))


if __name__ == "__main__":
    main()
