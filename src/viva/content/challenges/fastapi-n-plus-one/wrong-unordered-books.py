import sqlite3

from fastapi import FastAPI


def create_app(conn: sqlite3.Connection) -> FastAPI:
    app = FastAPI()

    @app.get("/authors")
    def authors() -> list[dict]:
        people = conn.execute("SELECT id, name FROM authors ORDER BY id").fetchall()
        result = {i: {"id": i, "name": n, "books": []} for i, n in people}
        for author_id, title in conn.execute("SELECT author_id, title FROM books ORDER BY title"):
            result[author_id]["books"].append(title)
        return list(result.values())

    return app
