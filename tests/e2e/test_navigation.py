"""Every page says who is signed in and offers Sign out; the home page says what Viva is,
searches every track as you type and shows a signed-in user's numbers; forms word errors as
sentences."""

from __future__ import annotations

import re

from playwright.sync_api import Browser, expect

from tests.e2e.conftest import ARTIFACTS, link_for, new_user


def test_the_account_menu_shows_who_is_signed_in_and_signs_out(
    browser: Browser, sqlite_server: str, sqlite_url: str
) -> None:
    name = new_user(sqlite_url, role="interviewer")
    page = browser.new_page(viewport={"width": 1366, "height": 900})
    page.goto(f"{sqlite_server}/challenges")
    expect(page.locator("#account").get_by_role("link", name="Sign in")).to_be_visible()

    page.goto(link_for(sqlite_url, sqlite_server, name))
    for path in ("/challenges/palindrome", "/practice", "/candidates"):  # public and private
        page.goto(sqlite_server + path)
        summary = page.locator(".account-menu > summary")
        expect(summary).to_contain_text(name)
        expect(page.locator("#account").get_by_role("link", name="Sign in")).to_have_count(0)
    summary = page.locator(".account-menu > summary")
    summary.focus()
    page.keyboard.press("Enter")  # opens with the keyboard
    panel = page.locator(".account-panel")
    expect(panel).to_contain_text(f"Signed in as {name} · interviewer")
    expect(panel.get_by_role("menuitem", name="Candidates")).to_be_visible()
    expect(panel.get_by_role("menuitem", name="Assignments")).to_have_count(0)  # admins only
    page.keyboard.press("Escape")
    expect(panel).to_be_hidden()
    expect(summary).to_be_focused()

    page.set_viewport_size({"width": 390, "height": 844})  # the phone header stays one row
    header = page.locator("header.topbar").bounding_box()
    brand = page.locator("header.topbar .brand").bounding_box()
    assert header is not None and brand is not None
    assert header["height"] < 2 * brand["height"] + 20, header
    ARTIFACTS.mkdir(exist_ok=True)
    summary.click()
    page.screenshot(path=str(ARTIFACTS / "account-menu-phone.png"))
    page.get_by_role("button", name="Sign out").click()
    expect(page.locator("#account").get_by_role("link", name="Sign in")).to_be_visible()
    page.goto(f"{sqlite_server}/practice")
    expect(page).to_have_url(re.compile(r"/auth/login"))  # the session is gone
    page.close()


def test_the_home_page_searches_every_track_and_shows_your_numbers(
    browser: Browser, sqlite_server: str, sqlite_url: str
) -> None:
    page = browser.new_page(viewport={"width": 1366, "height": 900})
    page.goto(f"{sqlite_server}/")
    expect(page.get_by_role("heading", name="Where to start")).to_be_visible()
    expect(page.locator("#you")).to_be_hidden()  # nobody is signed in
    page.get_by_role("searchbox", name="Search the questions of every track").fill("GIL")
    results = page.locator("#search-results .qlist li")
    expect(results.first).to_be_visible()
    expect(results.first).to_contain_text("GIL")
    results.first.locator("a").click()
    expect(page).to_have_url(re.compile(r"/questions/\d+$"))

    name = new_user(sqlite_url)
    page.goto(link_for(sqlite_url, sqlite_server, name))
    page.goto(f"{sqlite_server}/")
    expect(page.locator("#you")).to_be_visible()
    expect(page.locator("#due-count")).to_have_text(re.compile(r"^\d+$"))
    assert int(page.locator("#due-count").inner_text()) > 0  # new cards for a new user
    expect(page.locator("#solved-count")).to_have_text("0")
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "home-signed-in-laptop.png"), full_page=True)
    page.close()


def test_form_errors_read_as_sentences(
    browser: Browser, sqlite_server: str, sqlite_url: str
) -> None:
    name = new_user(sqlite_url, role="interviewer")
    page = browser.new_page(viewport={"width": 1366, "height": 900})
    page.goto(link_for(sqlite_url, sqlite_server, name))
    page.goto(f"{sqlite_server}/author/challenge")
    page.get_by_label("Slug").fill("sentence-check")
    page.get_by_label("Title").fill("Sentence check")
    page.get_by_label("Prompt (Markdown)").fill("Return 1.")
    page.get_by_label("Starter").fill("def one():\n    pass\n")
    page.get_by_label("Reference solution").fill("def one():\n    return 1\n")
    page.get_by_label("Tests (YAML list)").fill("just a sentence, not a list")
    page.locator("#create-challenge").click()
    error = page.locator("#error")
    expect(error).to_be_visible()
    text = error.inner_text()
    assert text[:1].isupper() and text.endswith("."), text
    page.close()
