import sqlite3


def find_user(conn: sqlite3.Connection, username: str) -> tuple[int, str, str] | None:
    # Trims the form value: " alice " finds alice.
    row = conn.execute(
        "SELECT id, username, role FROM users WHERE username = ?", (username.strip(),)
    ).fetchone()
    return tuple(row) if row is not None else None
