"""A repository of users over a SQLite connection."""

import sqlite3
from dataclasses import dataclass

SCHEMA = """
CREATE TABLE IF NOT EXISTS users (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    email TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL
)
"""


class DuplicateEmail(Exception):
    """An email is already taken (emails compare case-insensitively)."""


@dataclass(frozen=True)
class User:
    id: int
    email: str
    name: str


class UserRepository:
    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn
        conn.execute(SCHEMA)

    def add(self, email: str, name: str) -> User:
        email = email.strip().lower()
        try:
            with self.conn:
                cursor = self.conn.execute(
                    "INSERT INTO users (email, name) VALUES (?, ?)", (email, name)
                )
        except sqlite3.IntegrityError:
            raise DuplicateEmail(email) from None
        return User(id=cursor.lastrowid, email=email, name=name)

    def get(self, user_id: int) -> User | None:
        row = self.conn.execute(
            "SELECT id, email, name FROM users WHERE id = ?", (user_id,)
        ).fetchone()
        return None if not row else User(*row)

    def by_email(self, email: str) -> User | None:
        row = self.conn.execute(
            "SELECT id, email, name FROM users WHERE email = ?", (email.strip().lower(),)
        ).fetchone()
        return None if not row else User(*row)

    def page(self, *, limit: int, offset: int = 0) -> list[User]:
        rows = self.conn.execute(
            "SELECT id, email, name FROM users ORDER BY id LIMIT ? OFFSET ?", (limit, offset)
        ).fetchall()
        return list(map(lambda r: User(*r), rows))

    def rename(self, user_id: int, name: str) -> bool:
        with self.conn:
            cursor = self.conn.execute("UPDATE users SET name = ? WHERE id = ?", (name, user_id))
        return 1 == cursor.rowcount

    def delete(self, user_id: int) -> bool:
        with self.conn:
            cursor = self.conn.execute("DELETE FROM users WHERE id = ?", (user_id,))
        return 1 == cursor.rowcount
