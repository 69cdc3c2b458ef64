"""A person solves a challenge in the browser: Run shows Expected/Got, Submit is Accepted."""

from __future__ import annotations

from playwright.sync_api import Browser, expect

from tests.e2e.conftest import ARTIFACTS, login_link
from viva.grading.challenges import load_challenges
from viva.grading.sql.challenges import load_sql_challenges

WRONG = "def is_palindrome(text):\n    return text == text[::-1]\n"


def test_run_then_submit_a_challenge(browser: Browser, live_server: str, db_url: str) -> None:
    backend = db_url.split("+")[0]
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.goto(login_link(db_url, live_server))
    page.goto(f"{live_server}/questions/by-number/8")
    page.get_by_role("link", name="Palindrome check →").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Palindrome check")
    expect(page.locator(".cm-editor")).to_be_visible()  # the vendored editor loaded

    page.evaluate("(src) => window.vivaEditor.setValue(src)", WRONG)
    page.get_by_role("button", name="Run examples").click()
    expect(page.locator(".verdict")).to_contain_text("Wrong Answer", timeout=60_000)
    failing = page.locator("table.tests tr.fail").first
    expect(failing).to_contain_text("classic sentence")
    expect(failing).to_contain_text("true")  # expected
    expect(failing).to_contain_text("false")  # got

    solution = (
        "import unicodedata\n\ndef is_palindrome(text):\n"
        "    c = [x.casefold() for x in unicodedata.normalize('NFC', text) if x.isalnum()]\n"
        "    return c == c[::-1]\n"
    )
    page.evaluate("(src) => window.vivaEditor.setValue(src)", solution)
    page.get_by_role("button", name="Submit").click()
    expect(page.locator(".verdict")).to_contain_text("Accepted", timeout=20_000)
    expect(page.locator("table.tests tr.pass")).to_have_count(
        len(load_challenges()["palindrome"].tests)
    )
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"challenge-accepted-{backend}.png"), full_page=True)
    page.close()


def test_a_sql_challenge_on_postgresql(browser: Browser, live_server: str, db_url: str) -> None:
    backend = db_url.split("+")[0]
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.goto(login_link(db_url, live_server))
    page.goto(f"{live_server}/challenges/sql-top-3-salaries")
    expect(page.locator("table.grid").first).to_contain_text("salary")  # the example data
    page.select_option("#dialect", "postgres")
    page.evaluate("(src) => window.vivaEditor.setValue(src)", "SELECT name, salary FROM employees")
    page.get_by_role("button", name="Run examples").click()
    expect(page.locator(".verdict")).to_contain_text("Wrong Answer", timeout=60_000)
    expect(page.locator("table.tests")).to_contain_text("wrong columns")
    solution = load_sql_challenges()["sql-top-3-salaries"].solution("postgres")
    page.evaluate("(src) => window.vivaEditor.setValue(src)", solution)
    page.get_by_role("button", name="Submit").click()
    expect(page.locator(".verdict")).to_contain_text("Accepted", timeout=20_000)
    page.screenshot(path=str(ARTIFACTS / f"sql-challenge-accepted-{backend}.png"), full_page=True)
    page.close()
