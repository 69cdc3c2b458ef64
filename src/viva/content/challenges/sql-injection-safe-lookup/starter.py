import sqlite3


def find_user(conn: sqlite3.Connection, username: str) -> tuple[int, str, str] | None:
    """The (id, username, role) row of this user, or None."""
    raise NotImplementedError
