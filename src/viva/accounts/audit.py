"""The audit log's one writer: every domain records who did what through `audit` (a seam)."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from viva.accounts.models import AuditEntry, User


async def audit(
    session: AsyncSession,
    *,
    actor: User | None,
    action: str,
    target: str = "",
    detail: dict[str, object] | None = None,
) -> None:
    """Add an entry to the unit of work: it is stored with the change it describes, or not."""
    session.add(
        AuditEntry(
            actor_id=actor.id if actor else None, action=action, target=target, detail=detail or {}
        )
    )
