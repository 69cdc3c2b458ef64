"""Alembic environment: runs migrations on the async engine of the configured URL."""

from __future__ import annotations

import asyncio

from alembic import context
from sqlalchemy.engine import Connection

from viva.accounts import models as _account_models  # noqa: F401
from viva.bank import models as _bank_models  # noqa: F401  (registers the tables)
from viva.db import Base, create_engine
from viva.grading import models as _grading_models  # noqa: F401
from viva.judge0 import models as _judge0_models  # noqa: F401
from viva.practice import models as _practice_models  # noqa: F401

config = context.config
target_metadata = Base.metadata


def _run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
    )
    with context.begin_transaction():
        context.run_migrations()


async def _main() -> None:
    engine = create_engine(config.get_main_option("sqlalchemy.url") or "")
    async with engine.connect() as connection:
        await connection.run_sync(_run)
        await connection.commit()
    await engine.dispose()


if context.is_offline_mode():
    raise SystemExit("offline migrations are not supported; run `viva db upgrade`")
asyncio.run(_main())
