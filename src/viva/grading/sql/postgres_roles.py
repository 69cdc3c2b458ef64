"""PostgreSQL: the grading roles and what they may not do. Each role logs in, has our session
settings only, and reaches nothing but what a grant gives it; every grading role loses the
functions and views that would show or touch another run."""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import re

import asyncpg

from viva.grading.sql.postgres_guard import GUARD_SCHEMA


def role_prefix(database: str) -> str:
    """What the names of a database's grading roles start with (roles are cluster-wide, so
    each database has its own): its name when that is short enough to leave room in a role
    name, else its first 15 characters and a digest of the whole name. Cutting long names
    short alone gave two databases that differ only past the cut (`..._gw0_sql` and
    `..._gw1_sql`) the same roles."""
    name = re.sub(r"[^a-z0-9_]", "_", database.lower())
    if len(name) <= 24:
        return name
    return f"{name[:15]}_{hashlib.sha256(database.encode()).hexdigest()[:8]}"


# Session defaults every grading role gets, re-asserted whenever a process starts using it (a
# role could once give itself others with ALTER ROLE CURRENT_USER SET ...).
ROLE_SETTINGS = {
    "lock_timeout": "500ms",
    "idle_in_transaction_session_timeout": "5s",
    "temp_file_limit": "16MB",
    "work_mem": "4MB",
    "statement_timeout": "2s",
    # The statement check parses strings as the server does only with this on.
    "standard_conforming_strings": "on",
}
CLAIM = "SELECT pg_try_advisory_lock(1986, $1)"
# Taken by every transaction that creates roles or changes privileges, in any process (two
# concurrent ACL changes on one object fail with "tuple concurrently updated").
LOCK_ROLES = "SELECT pg_advisory_xact_lock(1986, 0)"
# Functions no grading role may call: other sessions' activity and locks, statistics of every
# table (the pg_stat_*_tables views call pg_stat_get_*, as their caller), large objects (they
# outlive a run), session settings (SET ROLE by another name), advisory locks, XML dumps of
# whole schemas, queries given as text.
_REVOKED_FUNCTIONS = r"""
SELECT p.oid::regprocedure::text FROM pg_proc p
WHERE p.pronamespace = 'pg_catalog'::regnamespace
  AND (p.proname ~ '^(lo_|pg_stat_get_|pg_advisory|pg_try_advisory|pg_stat_reset)'
       OR p.proname = ANY($1::text[]))
"""
_REVOKED_BY_NAME = [
    "pg_stat_get_activity",
    "pg_stat_get_progress_info",
    "loread",
    "lowrite",
    "set_config",
    "pg_notify",
    "pg_cancel_backend",
    "pg_terminate_backend",
    "query_to_xml",
    "query_to_xmlschema",
    "query_to_xml_and_xmlschema",
    "cursor_to_xml",
    "table_to_xml",
    "table_to_xml_and_xmlschema",
    "schema_to_xml",
    "schema_to_xml_and_xmlschema",
    "database_to_xml",
    "database_to_xml_and_xmlschema",
    # They run a query given as text, which the statement check never sees.
    "ts_stat",
    "ts_rewrite",
    # Other sessions' locks and pids; a sleep that carries a hidden value out in time.
    "pg_lock_status",
    "pg_blocking_pids",
    "pg_safe_snapshot_blocking_pids",
    "pg_export_snapshot",
    "pg_sleep",
    "pg_sleep_for",
    "pg_sleep_until",
]
_REVOKED_VIEWS = ["pg_stat_activity", "pg_stat_progress_vacuum", "pg_stat_progress_analyze"]


def lock_key(name: str) -> int:
    """A stable 31-bit advisory-lock key for a name (never 0: that key is LOCK_ROLES)."""
    return int.from_bytes(hashlib.sha256(name.encode()).digest()[:4], "big") % (2**31 - 1) + 1


def quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def password(admin_dsn: str, role: str) -> str:
    """A role's password: the same in every process sharing the grading database, and secret
    while the admin DSN is (it carries the admin's password when the server asks for one)."""
    return hmac.new(admin_dsn.encode(), role.encode(), hashlib.sha256).hexdigest()


async def lock_down(conn: asyncpg.Connection, database: str) -> None:
    """Take from PUBLIC (so from every grading role) the database, the public schema, and the
    functions and views listed above. The caller holds LOCK_ROLES."""
    await conn.execute(f"REVOKE ALL ON DATABASE {quote(database)} FROM PUBLIC")
    await conn.execute("REVOKE ALL ON SCHEMA public FROM PUBLIC")
    for name in await conn.fetch(_REVOKED_FUNCTIONS, _REVOKED_BY_NAME):
        await conn.execute(f"REVOKE EXECUTE ON FUNCTION {name[0]} FROM PUBLIC")
    for view in _REVOKED_VIEWS:
        await conn.execute(f"REVOKE ALL ON pg_catalog.{view} FROM PUBLIC")


async def drop_legacy_role(conn: asyncpg.Connection, role: str) -> None:
    """The one role every run used to share had USAGE on every dataset schema."""
    if await conn.fetchval("SELECT 1 FROM pg_roles WHERE rolname = $1", role):
        await conn.execute(f"DROP OWNED BY {quote(role)}")
        with contextlib.suppress(asyncpg.PostgresError):
            async with conn.transaction():
                await conn.execute(f"DROP ROLE {quote(role)}")


async def ensure_role(
    conn: asyncpg.Connection, role: str, *, secret: str, database: str, settings: dict[str, str]
) -> None:
    """Create or re-assert a grading role: login, nothing else, our settings only."""
    quoted = quote(role)
    exists = await conn.fetchval("SELECT 1 FROM pg_roles WHERE rolname = $1", role)
    attributes = (
        "LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOINHERIT NOREPLICATION NOBYPASSRLS "
        f"CONNECTION LIMIT 16 PASSWORD '{secret}' VALID UNTIL 'infinity'"
    )
    if not exists:  # (callers hold LOCK_ROLES: no other process creates it meanwhile)
        await conn.execute(f"CREATE ROLE {quoted} {attributes}")
    await conn.execute(f"ALTER ROLE {quoted} {attributes}")
    await conn.execute(f"ALTER ROLE {quoted} RESET ALL")
    await conn.execute(f"ALTER ROLE {quoted} IN DATABASE {quote(database)} RESET ALL")
    for name, value in (ROLE_SETTINGS | settings).items():
        await conn.execute(f"ALTER ROLE {quoted} SET {name} = '{value}'")
    for granted in await conn.fetch(
        "SELECT b.rolname FROM pg_auth_members m JOIN pg_roles b ON b.oid = m.roleid "
        "WHERE m.member = (SELECT oid FROM pg_roles WHERE rolname = $1)",
        role,
    ):
        await conn.execute(f"REVOKE {quote(granted[0])} FROM {quoted}")
    await conn.execute(f"GRANT CONNECT ON DATABASE {quote(database)} TO {quoted}")
    await conn.execute(f"GRANT USAGE ON SCHEMA {GUARD_SCHEMA} TO {quoted}")
    await conn.execute(f"GRANT EXECUTE ON FUNCTION {GUARD_SCHEMA}.fits TO {quoted}")
