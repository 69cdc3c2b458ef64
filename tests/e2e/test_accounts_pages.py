"""Sign-in keeps the username after a failure; an admin assigns a candidate to an interviewer
in the browser, and the interviewer then sees them."""

from __future__ import annotations

import re

from playwright.sync_api import Browser, expect

from tests.e2e.conftest import ARTIFACTS, link_for, new_user


def test_a_failed_sign_in_keeps_the_username(
    browser: Browser, sqlite_server: str, sqlite_url: str
) -> None:
    name = new_user(sqlite_url, password="correct horse battery")
    page = browser.new_page()
    page.goto(f"{sqlite_server}/auth/login")
    page.get_by_label("Username").fill(name)
    page.get_by_label("Password").fill("not the password")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("alert")).to_have_text("Wrong username or password.")
    expect(page.get_by_label("Username")).to_have_value(name)
    expect(page.get_by_label("Password")).to_be_focused()
    page.get_by_label("Password").fill("correct horse battery")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="Tracks")).to_be_visible()
    page.close()


def test_an_admin_assigns_a_candidate_and_the_interviewer_sees_them(
    browser: Browser, sqlite_server: str, sqlite_url: str
) -> None:
    admin = new_user(sqlite_url, role="admin")
    interviewer = new_user(sqlite_url, role="interviewer")
    candidate = new_user(sqlite_url)

    page = browser.new_context(viewport={"width": 1366, "height": 900}).new_page()
    page.goto(link_for(sqlite_url, sqlite_server, interviewer))
    page.goto(f"{sqlite_server}/candidates")
    expect(page.locator("#candidates")).to_contain_text("No candidates assigned to you yet")
    expect(page.locator("body")).not_to_contain_text("/api/v1/assignments")
    page.context.close()

    page = browser.new_context(viewport={"width": 1366, "height": 900}).new_page()
    page.goto(link_for(sqlite_url, sqlite_server, admin))
    page.goto(f"{sqlite_server}/candidates")
    page.get_by_role("link", name="Assign candidates to interviewers").click()
    page.get_by_label("Candidate").select_option(label=candidate)
    page.get_by_label("Interviewer").select_option(label=interviewer)
    page.get_by_role("button", name="Assign").click()
    expect(page.get_by_role("status")).to_have_text(f"{candidate} is assigned to {interviewer}.")
    row = page.locator("#assignments tr").filter(has_text=interviewer)
    expect(row).to_contain_text(candidate)
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "admin-assignments.png"), full_page=True)
    page.context.close()

    page = browser.new_context(viewport={"width": 1366, "height": 900}).new_page()
    page.goto(link_for(sqlite_url, sqlite_server, interviewer))
    page.goto(f"{sqlite_server}/candidates")
    page.get_by_role("link", name=candidate).click()
    expect(page).to_have_url(re.compile(r"/candidates/\d+$"))
    page.context.close()


def test_only_an_admin_opens_the_assignments_page(
    browser: Browser, sqlite_server: str, sqlite_url: str
) -> None:
    page = browser.new_context().new_page()
    page.goto(link_for(sqlite_url, sqlite_server, new_user(sqlite_url, role="interviewer")))
    response = page.goto(f"{sqlite_server}/admin/assignments")
    assert response is not None and response.status == 403
    page.context.close()
