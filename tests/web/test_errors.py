"""Error responses read as sentences: a rejected request says which field and why, not a
dump of Pydantic's locations; browsers get the same words on the HTML error page."""

from __future__ import annotations

from tests.conftest import Client


async def test_a_bad_query_parameter_is_named_in_words(client: Client) -> None:
    response = await client.get("/api/v1/questions", params={"limit": "many"})
    assert response.status_code == 422
    body = response.json()
    assert body["detail"].startswith("The request is not valid: query parameter 'limit': ")
    assert body["errors"][0]["loc"] == ["query", "limit"]  # the machine-readable part stays


async def test_a_missing_form_field_says_it_is_required(client: Client) -> None:
    response = await client.post("/api/v1/auth/token", data={"password": "x" * 12})
    assert response.status_code == 422
    assert response.json()["detail"] == "The request is not valid: 'username' is required."


async def test_a_body_that_is_not_json_says_so(client: Client) -> None:
    response = await client.post(
        "/api/v1/auth/signup", content=b"{not json", headers={"content-type": "application/json"}
    )
    assert response.status_code == 422
    assert response.json()["detail"] == "The request is not valid: the body is not valid JSON."
