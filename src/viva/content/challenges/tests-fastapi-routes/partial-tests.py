from fastapi.testclient import TestClient
from notes_api import app, reset

client = TestClient(app)


def test_create_and_read():
    reset()
    r = client.post("/notes", json={"title": "milk"})
    assert r.status_code == 201
    assert client.get(f"/notes/{r.json()['id']}").json()["title"] == "milk"


def test_list():
    reset()
    for i in range(3):
        client.post("/notes", json={"title": f"n{i}"})
    assert client.get("/notes").json()["total"] == 3


def test_delete():
    reset()
    note = client.post("/notes", json={"title": "x"}).json()
    assert client.delete(f"/notes/{note['id']}", headers={"X-Token": "s3cret"}).status_code == 204
