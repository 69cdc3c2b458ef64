"""Alembic environment: runs migrations on the async engine of the configured URL."""

from __future__ import annotations

import asyncio

from alembic import context
from sqlalchemy.engine import Connection

from viva.accounts import models as _account_models  # noqa: F401
from viva.bank import models as _bank_models  # noqa: F401  (registers the tables)
from viva.db import Base, create_engine, dialect_of
from viva.grading import models as _grading_models  # noqa: F401
from viva.judge0 import models as _judge0_models  # noqa: F401
from viva.practice import models as _practice_models  # noqa: F401
from viva.rooms import models as _room_models  # noqa: F401

config = context.config
target_metadata = Base.metadata


def _run(connection: Connection) -> None:
    sqlite = dialect_of(connection) == "sqlite"
    if sqlite:
        # SQLite changes a column by rebuilding its table; with foreign keys on, dropping the
        # old table would cascade into every table that references it. The pragma only takes
        # effect outside a transaction, so it is set before the migrations begin one.
        connection.exec_driver_sql("PRAGMA foreign_keys=OFF")
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=sqlite,
    )
    with context.begin_transaction():
        context.run_migrations()
        if sqlite and (broken := connection.exec_driver_sql("PRAGMA foreign_key_check").all()):
            raise RuntimeError(f"migrations left rows without their parent: {broken[:5]}")
    if sqlite:
        connection.exec_driver_sql("PRAGMA foreign_keys=ON")


async def _main() -> None:
    engine = create_engine(config.get_main_option("sqlalchemy.url") or "")
    async with engine.connect() as connection:
        await connection.run_sync(_run)
        await connection.commit()
    await engine.dispose()


if context.is_offline_mode():
    raise SystemExit("offline migrations are not supported; run `viva db upgrade`")
asyncio.run(_main())
