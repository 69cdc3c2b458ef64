"""A person writes tests for a test-writing challenge in the browser: Submit grades them by the
hidden mutants, and the page reports each killed mutant by its description and counts the
survivors without showing a mutant's code."""

from __future__ import annotations

from playwright.sync_api import Browser, expect

from tests.e2e.conftest import ARTIFACTS, login_link
from tests.grading.test_mutant_challenges import mutant_lines
from viva.grading.challenges import CHALLENGES_DIR, load_challenge
from viva.grading.mutants import load_mutant_challenges

SLUG = "tests-retry-decorator"


def test_submitted_tests_get_a_mutant_report(
    browser: Browser, live_server: str, db_url: str
) -> None:
    backend = db_url.split("+")[0]
    challenge = load_mutant_challenges()[SLUG]
    partial = (CHALLENGES_DIR / SLUG / "partial-tests.py").read_text(encoding="utf-8")
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.goto(login_link(db_url, live_server))
    page.goto(f"{live_server}/questions/by-number/{challenge.meta.seed_question}")
    page.get_by_role("link", name=f"{challenge.meta.title} →").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(challenge.meta.title)
    expect(page.locator("#mutant-count")).to_have_text(f"{len(challenge.mutants)} hidden mutants")
    expect(page.locator(".cm-content")).to_be_visible()

    page.evaluate("(src) => window.vivaEditor.setValue(src)", partial)
    page.get_by_role("button", name="Submit").click()
    verdict = page.locator(".verdict")
    expect(verdict).to_contain_text("Wrong Answer", timeout=180_000)
    expect(page.locator("pre.message")).to_contain_text(
        f"of {len(challenge.mutants)} mutants", timeout=5_000
    )
    rows = page.locator("table.tests tr")
    expect(rows.filter(has_text="killed: ").first).to_be_visible()
    expect(rows.filter(has_text="survived: hidden mutant").first).to_be_visible()
    text, html = page.locator("table.tests").inner_text(), page.content()
    assert not [m.id for m in challenge.mutants if m.id in text]  # descriptions, not names
    assert not [line for line in mutant_lines(challenge) if line in html]  # never their code

    page.evaluate("(src) => window.vivaEditor.setValue(src)", challenge.solution)
    page.get_by_role("button", name="Submit").click()
    expect(verdict).to_contain_text("Accepted", timeout=180_000)
    expect(rows.filter(has_text="killed: ")).to_have_count(len(challenge.mutants))
    expect(rows.filter(has_text="survived: ")).to_have_count(0)
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"mutant-report-{backend}.png"), full_page=True)
    page.close()


def test_a_performance_challenge_reports_each_measurement(
    browser: Browser, live_server: str, db_url: str
) -> None:
    """The N+1 challenge in the browser: the starter's output is right and its statement
    counts are wrong, row by row; the reference is Accepted."""
    slug = "fastapi-n-plus-one"
    challenge = load_challenge(CHALLENGES_DIR / slug)
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.goto(login_link(db_url, live_server))
    page.goto(f"{live_server}/challenges/{slug}")
    expect(page.get_by_role("heading", level=1)).to_have_text(challenge.meta.title)
    expect(page.locator(".cm-content")).to_be_visible()

    page.evaluate("(src) => window.vivaEditor.setValue(src)", challenge.starter)
    page.get_by_role("button", name="Submit").click()
    verdict = page.locator(".verdict")
    expect(verdict).to_contain_text("Wrong Answer", timeout=180_000)
    rows = page.locator("table.tests tr")
    expect(rows.filter(has_text="two authors and their books")).to_contain_text("passed")
    expect(rows.filter(has_text="at most 2 statements for 3 authors")).not_to_contain_text("passed")

    page.evaluate("(src) => window.vivaEditor.setValue(src)", challenge.solution)
    page.get_by_role("button", name="Submit").click()
    expect(verdict).to_contain_text("Accepted", timeout=180_000)
    expect(rows.filter(has_text="at most 2 statements for 3 authors")).to_contain_text("passed")
    page.close()
