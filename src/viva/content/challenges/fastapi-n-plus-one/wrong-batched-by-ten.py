import sqlite3

from fastapi import FastAPI


def create_app(conn: sqlite3.Connection) -> FastAPI:
    app = FastAPI()

    @app.get("/authors")
    def authors() -> list[dict]:
        people = conn.execute("SELECT id, name FROM authors ORDER BY id").fetchall()
        result = {i: {"id": i, "name": n, "books": []} for i, n in people}
        ids = [i for i, _ in people]
        for start in range(0, len(ids), 10):  # still grows with the number of authors
            chunk = ids[start : start + 10]
            marks = ",".join("?" * len(chunk))
            for author_id, title in conn.execute(
                f"SELECT author_id, title FROM books WHERE author_id IN ({marks}) ORDER BY id",
                chunk,
            ):
                result[author_id]["books"].append(title)
        return list(result.values())

    return app
