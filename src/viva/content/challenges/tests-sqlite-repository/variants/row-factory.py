"""A repository of users over a SQLite connection."""

import sqlite3
from dataclasses import dataclass


class DuplicateEmail(Exception):
    pass


@dataclass(frozen=True)
class User:
    id: int
    email: str
    name: str


COLUMNS = "id, email, name"


class UserRepository:
    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn
        conn.executescript(
            "CREATE TABLE IF NOT EXISTS users (id INTEGER PRIMARY KEY AUTOINCREMENT, "
            "email TEXT NOT NULL UNIQUE, name TEXT NOT NULL);"
        )

    def _one(self, where: str, value: object) -> User | None:
        found = self.conn.execute(f"SELECT {COLUMNS} FROM users WHERE {where} = ?", [value])
        row = found.fetchone()
        return None if row is None else User(row[0], row[1], row[2])

    def add(self, email: str, name: str) -> User:
        normal = email.lower().strip()
        if self._one("email", normal) is not None:
            raise DuplicateEmail(normal)
        cur = self.conn.cursor()
        cur.execute("INSERT INTO users (email, name) VALUES (?, ?)", [normal, name])
        self.conn.commit()
        return User(cur.lastrowid, normal, name)

    def get(self, user_id: int) -> User | None:
        return self._one("id", user_id)

    def by_email(self, email: str) -> User | None:
        return self._one("email", email.lower().strip())

    def page(self, *, limit: int, offset: int = 0) -> list[User]:
        rows = self.conn.execute(
            f"SELECT {COLUMNS} FROM users ORDER BY id ASC LIMIT ? OFFSET ?", [limit, offset]
        )
        return [User(*row) for row in rows]

    def _change(self, sql: str, params: list[object]) -> bool:
        cur = self.conn.execute(sql, params)
        self.conn.commit()
        return cur.rowcount > 0

    def rename(self, user_id: int, name: str) -> bool:
        return self._change("UPDATE users SET name = ? WHERE id = ?", [name, user_id])

    def delete(self, user_id: int) -> bool:
        return self._change("DELETE FROM users WHERE id = ?", [user_id])
