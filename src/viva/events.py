"""The in-process event bus: how one domain tells the others what happened.

A domain publishes a frozen dataclass; the domains that care subscribe a handler for its
type when the app (or the CLI, or a worker) is built. Handlers run in the publisher's unit
of work and get its session, so what they write commits or rolls back with the event's
cause (a graded submission and the review card it moves are one transaction). Work that
must follow the commit is registered with `viva.db.after_commit`.

The bus lives on `app.state.events` (and on the CLI's and worker's context), never in a
module global, so two apps in one process (tests) do not share subscribers.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from sqlalchemy.ext.asyncio import AsyncSession

E = TypeVar("E")
Handler = Callable[[Any, AsyncSession], Awaitable[None]]


class EventBus:
    def __init__(self) -> None:
        self._handlers: defaultdict[type, list[Handler]] = defaultdict(list)

    def subscribe(
        self, event_type: type[E], handler: Callable[[E, AsyncSession], Awaitable[None]]
    ) -> None:
        self._handlers[event_type].append(handler)

    async def publish(self, event: object, *, session: AsyncSession) -> None:
        """Call every handler of `event`'s type, in subscription order, in `session`."""
        for handler in self._handlers.get(type(event), ()):
            await handler(event, session)


# Events --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SubmissionGraded:
    """Grading stored a submission's verdict (published in the unit of work that stored it,
    once per submission: only the process holding the claim stores)."""

    submission_id: int
    user_id: int | None
    challenge: str
    seed_question: int | None  # the built-in track's question the challenge practises
    verdict: str
    accepted: bool
    earlier_graded: int  # the user's earlier graded submissions of this challenge
