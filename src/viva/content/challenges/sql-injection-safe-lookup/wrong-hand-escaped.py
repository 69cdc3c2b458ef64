import sqlite3


def find_user(conn: sqlite3.Connection, username: str) -> tuple[int, str, str] | None:
    # Doubles the quotes by hand instead of using a parameter.
    safe = username.replace("'", "''")
    row = conn.execute(f"SELECT id, username, role FROM users WHERE username = '{safe}'").fetchone()
    return tuple(row) if row is not None else None
