"""/docs works for writing too: the OpenAPI document declares how to authenticate (Authorize
offers the password flow and API keys), and a browser signed in to Viva passes the CSRF check."""

from __future__ import annotations

import httpx
from playwright.sync_api import Browser, Page, expect

from tests.e2e.conftest import ARTIFACTS, link_for, new_user


def _question_id(server: str) -> int:
    found = httpx.get(f"{server}/api/v1/questions", params={"limit": 1}).json()
    return int(found["items"][0]["id"])


def _try(page: Page, method: str, path: str, **params: str) -> str:
    """Open an operation in Swagger UI, fill its parameters, execute; the status it shows."""
    block = page.locator(f".opblock-{method.lower()}").filter(
        has=page.locator(".opblock-summary-path", has_text=path)
    )
    block.locator(".opblock-summary").first.click()
    block.get_by_role("button", name="Try it out").click()
    for name, value in params.items():
        block.locator(f"input[placeholder='{name}']").fill(value)
    block.get_by_role("button", name="Execute").click()
    status = block.locator(".live-responses-table tbody .response-col_status").first
    expect(status).to_be_visible(timeout=30_000)
    return status.inner_text().strip()


def test_openapi_declares_password_flow_and_api_keys(sqlite_server: str) -> None:
    spec = httpx.get(f"{sqlite_server}/openapi.json").json()
    schemes = spec["components"]["securitySchemes"]
    assert schemes["OAuth2Password"]["flows"]["password"]["tokenUrl"] == "/api/v1/auth/token"
    assert schemes["APIKey"] == {**schemes["APIKey"], "type": "apiKey", "in": "header"}
    assert schemes["APIKey"]["name"] == "X-API-Key"
    me = spec["paths"]["/api/v1/me"]["get"]
    assert {"OAuth2Password": []} in me["security"] and {"APIKey": []} in me["security"]
    assert "security" not in spec["paths"]["/api/v1/tracks"]["get"]  # public stays open


def test_signed_in_try_it_out_can_write(
    browser: Browser, sqlite_server: str, sqlite_url: str
) -> None:
    page = browser.new_page(viewport={"width": 1366, "height": 900})
    page.goto(link_for(sqlite_url, sqlite_server, new_user(sqlite_url)))
    page.goto(f"{sqlite_server}/docs")
    expect(page.get_by_role("button", name="Authorize")).to_be_visible(timeout=30_000)
    expect(page.get_by_role("link", name="← Back to Viva")).to_be_visible()
    question = str(_question_id(sqlite_server))
    assert _try(page, "post", "/api/v1/questions/{question_id}/reveal", question_id=question) == (
        "204"
    )
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "docs-try-it-out.png"))
    page.close()


def test_authorize_with_the_password_flow(
    browser: Browser, sqlite_server: str, sqlite_url: str
) -> None:
    name = new_user(sqlite_url, password="docs password 123")
    page = browser.new_page(viewport={"width": 1366, "height": 900})  # not signed in
    page.goto(f"{sqlite_server}/docs")
    page.get_by_role("button", name="Authorize").first.click()
    dialog = page.locator(".dialog-ux")
    dialog.locator("#oauth_username").fill(name)
    dialog.locator("#oauth_password").fill("docs password 123")
    dialog.get_by_role("button", name="Apply given OAuth2 credentials").click()
    expect(dialog.get_by_role("button", name="Remove authorization").first).to_be_visible(
        timeout=30_000
    )
    dialog.locator("button.close-modal").click()
    assert _try(page, "get", "/api/v1/me") == "200"
    body = page.locator(".live-responses-table tbody .response-col_description").first
    expect(body).to_contain_text(name)
    page.close()
