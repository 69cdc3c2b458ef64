import sqlite3


def find_user(conn: sqlite3.Connection, username: str) -> tuple[int, str, str] | None:
    """The (id, username, role) row of this user, or None."""
    row = conn.execute(
        "SELECT id, username, role FROM users WHERE username GLOB ?", (username,)
    ).fetchone()
    return tuple(row) if row is not None else None
