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
        self.conn.execute(SCHEMA)

    def add(self, email: str, name: str) -> User:
        email = email.strip().lower()
        try:
            with self.conn:
                cursor = self.conn.execute(
                    "INSERT INTO users (email, name) VALUES (?, ?)", (email, name)
                )
        except sqlite3.IntegrityError:
            raise DuplicateEmail(email) from None
        return User(cursor.lastrowid, email, name)

    def get(self, user_id: int) -> User | None:
        row = self.conn.execute(
            "SELECT id, email, name FROM users WHERE id = ?", (user_id,)
        ).fetchone()
        return User(*row) if row else None

    def by_email(self, email: str) -> User | None:
        row = self.conn.execute(
            f"SELECT id, email, name FROM users WHERE email = '{email.strip().lower()}'"
        ).fetchone()
        return User(*row) if row else None

    def page(self, *, limit: int, offset: int = 0) -> list[User]:
        rows = self.conn.execute(
            "SELECT id, email, name FROM users ORDER BY id LIMIT ? OFFSET ?", (limit, offset)
        ).fetchall()
        return [User(*r) for r in rows]

    def rename(self, user_id: int, name: str) -> bool:
        with self.conn:
            cursor = self.conn.execute("UPDATE users SET name = ? WHERE id = ?", (name, user_id))
        return cursor.rowcount == 1

    def delete(self, user_id: int) -> bool:
        with self.conn:
            cursor = self.conn.execute("DELETE FROM users WHERE id = ?", (user_id,))
        return cursor.rowcount == 1
