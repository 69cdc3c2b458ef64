import sqlite3


def find_user(conn: sqlite3.Connection, username: str) -> tuple[int, str, str] | None:
    # LIKE instead of =: % and _ match anything, and ASCII letters match case-insensitively.
    row = conn.execute(
        "SELECT id, username, role FROM users WHERE username LIKE ?", (username,)
    ).fetchone()
    return tuple(row) if row is not None else None
