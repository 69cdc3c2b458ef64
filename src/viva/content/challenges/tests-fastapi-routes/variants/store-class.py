"""A small notes API: create, read, list with pagination, delete with a token."""

from typing import Annotated

from fastapi import FastAPI, HTTPException, Query, Request, Response, status
from pydantic import BaseModel, Field


class NoteIn(BaseModel):
    title: Annotated[str, Field(min_length=1, max_length=80)]
    body: str = ""


TOKEN = "s3cret"
notes: dict[int, dict] = {}
app = FastAPI()


def reset() -> None:
    notes.clear()


def _missing() -> HTTPException:
    return HTTPException(status.HTTP_404_NOT_FOUND, "note not found")


@app.get("/notes")
def list_notes(
    offset: Annotated[int, Query(ge=0)] = 0,
    limit: Annotated[int, Query(ge=1, le=100)] = 10,
):
    keys = sorted(notes)[offset:][:limit]
    return {"total": len(notes), "items": [notes[k] for k in keys]}


@app.get("/notes/{note_id}")
def read_note(note_id: int):
    found = notes.get(note_id)
    if found is None:
        raise _missing()
    return found


@app.post("/notes", status_code=status.HTTP_201_CREATED)
def create_note(note: NoteIn):
    new_id = 1 + (max(notes) if notes else 0)
    notes[new_id] = dict(id=new_id, title=note.title, body=note.body)
    return notes[new_id]


@app.delete("/notes/{note_id}")
def delete_note(note_id: int, request: Request):
    if request.headers.get("x-token") != TOKEN:
        raise HTTPException(status.HTTP_401_UNAUTHORIZED, "bad token")
    if note_id not in notes:
        raise _missing()
    del notes[note_id]
    return Response(status_code=status.HTTP_204_NO_CONTENT)
