"""A small notes API: create, read, list with pagination, delete with a token."""

from fastapi import FastAPI, Header, HTTPException, Query
from pydantic import BaseModel, Field

app = FastAPI()
TOKEN = "s3cret"
notes: dict[int, dict] = {}


class NoteIn(BaseModel):
    title: str = Field(min_length=1, max_length=80)
    body: str = ""


def reset() -> None:
    """Forget every note (call it between tests)."""
    for key in list(notes):
        del notes[key]


@app.post("/notes", status_code=201)
def create_note(note: NoteIn) -> dict:
    note_id = 1 + max(notes, default=0)
    notes[note_id] = {"id": note_id, "title": note.title, "body": note.body}
    return notes[note_id]


@app.get("/notes/{note_id}")
def read_note(note_id: int) -> dict:
    if notes.get(note_id) is None:
        raise HTTPException(status_code=404, detail="note not found")
    return notes[note_id]


@app.get("/notes")
def list_notes(offset: int = Query(0, ge=0), limit: int = Query(10, ge=1, le=100)) -> dict:
    ordered = [notes[k] for k in sorted(notes)]
    return {"total": len(ordered), "items": ordered[offset : limit + offset]}


@app.delete("/notes/{note_id}", status_code=204)
def delete_note(note_id: int, x_token: str | None = Header(default=None)) -> None:
    if TOKEN != x_token:
        raise HTTPException(status_code=401, detail="bad token")
    if notes.pop(note_id, None) is None:
        raise HTTPException(status_code=404, detail="note not found")
