import pytest
from fastapi.testclient import TestClient
from notes_api import app, reset

TOKEN = {"X-Token": "s3cret"}


@pytest.fixture
def client():
    reset()
    with TestClient(app) as c:
        yield c
    reset()


def create(client, title="t", body=""):
    r = client.post("/notes", json={"title": title, "body": body})
    assert r.status_code == 201, r.text
    return r.json()


def test_create_answers_201_with_the_note(client):
    r = client.post("/notes", json={"title": "milk", "body": "2 l"})
    assert r.status_code == 201
    assert r.json() == {"id": 1, "title": "milk", "body": "2 l"}
    assert client.post("/notes", json={"title": "eggs"}).json() == {
        "id": 2,
        "title": "eggs",
        "body": "",
    }


@pytest.mark.parametrize("title", ["", "x" * 81])
def test_title_length_is_validated(client, title):
    assert client.post("/notes", json={"title": title}).status_code == 422
    assert client.get("/notes").json()["total"] == 0


def test_title_of_80_characters_is_fine(client):
    assert client.post("/notes", json={"title": "x" * 80}).status_code == 201


def test_read_a_note_and_a_missing_one(client):
    note = create(client, "a")
    assert client.get(f"/notes/{note['id']}").json() == note
    assert client.get("/notes/99").status_code == 404


def test_pagination(client):
    for i in range(5):
        create(client, f"n{i}")
    page = client.get("/notes", params={"offset": 1, "limit": 2}).json()
    assert page["total"] == 5
    assert [n["title"] for n in page["items"]] == ["n1", "n2"]
    assert len(client.get("/notes", params={"limit": 5}).json()["items"]) == 5
    assert client.get("/notes", params={"offset": 4}).json()["items"][0]["title"] == "n4"


def test_pagination_bounds_and_default_limit(client):
    for i in range(12):
        create(client, f"p{i}")
    first = client.get("/notes", params={"offset": 0, "limit": 1})
    assert first.status_code == 200
    assert [n["title"] for n in first.json()["items"]] == ["p0"]
    assert len(client.get("/notes", params={"limit": 100}).json()["items"]) == 12
    assert len(client.get("/notes").json()["items"]) == 10


@pytest.mark.parametrize("params", [{"limit": 0}, {"limit": 101}, {"offset": -1}])
def test_bad_pagination_is_422(client, params):
    assert client.get("/notes", params=params).status_code == 422


def test_delete_needs_the_token(client):
    note = create(client)
    assert client.delete(f"/notes/{note['id']}").status_code == 401
    wrong = client.delete(f"/notes/{note['id']}", headers={"X-Token": "nope"})
    assert wrong.status_code == 401
    assert client.get(f"/notes/{note['id']}").status_code == 200
    assert client.delete(f"/notes/{note['id']}", headers=TOKEN).status_code == 204
    assert client.get(f"/notes/{note['id']}").status_code == 404
    assert client.delete(f"/notes/{note['id']}", headers=TOKEN).status_code == 404


def test_ids_are_never_reused(client):
    first, second, third = create(client, "1"), create(client, "2"), create(client, "3")
    client.delete(f"/notes/{first['id']}", headers=TOKEN)
    fourth = create(client, "4")
    assert fourth["id"] not in (second["id"], third["id"])
    assert client.get(f"/notes/{third['id']}").json()["title"] == "3"
