import sqlite3

from fastapi import FastAPI


def create_app(conn: sqlite3.Connection) -> FastAPI:
    app = FastAPI()

    @app.get("/authors")
    def authors() -> list[dict]:
        rows = conn.execute(
            "SELECT a.id, a.name, b.title FROM authors a "
            "JOIN books b ON b.author_id = a.id ORDER BY a.id, b.id"
        ).fetchall()
        found: dict[int, dict] = {}
        for author_id, name, title in rows:
            found.setdefault(author_id, {"id": author_id, "name": name, "books": []})
            found[author_id]["books"].append(title)
        return list(found.values())

    return app
