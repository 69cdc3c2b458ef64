"""`viva worker`: grade submissions from the Redis Stream (server mode)."""

from __future__ import annotations

from typing import Annotated

import typer


def worker(
    slots: Annotated[
        int | None, typer.Option(min=1, max=64, help="Gradings at once (VIVA_SANDBOX_SLOTS)")
    ] = None,
) -> None:
    """Grade submissions sent by `viva serve` in server mode (needs VIVA_REDIS_URL)."""
    from viva.worker import main

    main(slots=slots)
