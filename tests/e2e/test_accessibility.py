"""axe-core (vendored from npm into tests/e2e/vendor/) on every page type, at phone and laptop
widths, signed out and signed in as each role: no serious or critical violations."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.e2e.conftest import login_link
from tests.e2e.test_layout import WIDTHS, _public_pages

AXE = Path(__file__).resolve().parent / "vendor" / "axe-core" / "axe.min.js"
SERIOUS = {"serious", "critical"}


def axe_violations(page: Page) -> list[dict[str, Any]]:
    """The serious and critical axe-core violations of the page as it is now."""
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        # evaluated through the DevTools protocol, so the page's CSP (script-src 'self') allows it
        page.evaluate(AXE.read_text() + "\n;undefined")
    result: dict[str, Any] = page.evaluate(
        """async () => await axe.run(document, {
            resultTypes: ["violations"],
            runOnly: {
                type: "tag",
                values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"],
            },
        })"""
    )
    return [v for v in result["violations"] if v["impact"] in SERIOUS]


def describe(name: str, label: str, violations: list[dict[str, Any]]) -> list[str]:
    lines = []
    for v in violations:
        targets = [" ".join(map(str, n["target"])) for n in v["nodes"][:4]]
        lines.append(f"{name} at {label}: {v['id']} ({v['impact']}): {v['help']} -> {targets}")
    return lines


def audit(page: Page, name: str, url: str | None) -> list[str]:
    """Open `url` (or keep the current page) at both widths and collect what axe finds."""
    problems = []
    for label, (width, height) in WIDTHS.items():
        runs = 0 if url is not None else page.evaluate("window.viva.scrollerRuns")
        page.set_viewport_size({"width": width, "height": height})
        if url is not None:
            page.goto(url, wait_until="networkidle")
        else:  # the page's own resize pass (debounced) makes new scrollers focusable
            page.wait_for_function("n => window.viva.scrollerRuns > n", arg=runs)
        problems += describe(name, label, axe_violations(page))
    return problems


def test_axe_finds_a_missing_label_and_low_contrast(browser: Browser) -> None:
    """The check itself can fail: a page with an unlabelled input and pale text is reported."""
    page = browser.new_page()
    page.set_content(
        '<html lang="en"><head><title>t</title></head><body><main>'
        '<input type="text"><p style="color:#ccc;background:#fff">pale</p></main></body></html>'
    )
    found = {v["id"] for v in axe_violations(page)}
    assert {"label", "color-contrast"} <= found, found
    page.close()


def test_public_pages_have_no_serious_accessibility_violations(
    browser: Browser, sqlite_server: str
) -> None:
    page = browser.new_page()
    problems: list[str] = []
    for name, path in _public_pages(sqlite_server).items():
        problems += audit(page, name, sqlite_server + path)
    page.close()
    assert not problems, "\n".join(problems)


def test_a_graded_challenge_has_no_serious_accessibility_violations(
    browser: Browser, sqlite_server: str, sqlite_url: str
) -> None:
    """The workspace after Run and Submit: results, console and the Submissions tab."""
    page = browser.new_page()
    page.goto(login_link(sqlite_url, sqlite_server))
    page.goto(f"{sqlite_server}/challenges/palindrome")
    page.get_by_role("button", name="Submit").click()
    expect(page.locator(".verdict")).to_be_visible(timeout=60_000)
    problems = audit(page, "challenge-graded", None)
    page.get_by_role("tab", name=re.compile("Submissions")).click()
    expect(page.locator("#submissions-panel tbody tr").first).to_be_visible(timeout=30_000)
    problems += audit(page, "challenge-submissions", None)
    page.close()
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize(
    ("role", "paths"),
    [
        (
            "candidate",
            {"home": "/", "progress": "/progress", "practice": "/practice", "mock": "/mock"},
        ),
        (
            "interviewer",
            {
                "candidates": "/candidates",
                "author-question": "/author/question",
                "author-challenge": "/author/challenge",
                "mock-interviewer": "/mock",
            },
        ),
        ("admin", {"assignments": "/admin/assignments", "candidates-admin": "/candidates"}),
    ],
)
def test_signed_in_pages_have_no_serious_accessibility_violations(
    browser: Browser, sqlite_server: str, sqlite_url: str, role: str, paths: dict[str, str]
) -> None:
    context = browser.new_context()
    page = context.new_page()
    page.goto(login_link(sqlite_url, sqlite_server, role=role))
    problems: list[str] = []
    for name, path in paths.items():
        problems += audit(page, name, sqlite_server + path)
    if role == "candidate":
        page.goto(f"{sqlite_server}/practice")
        card = page.locator("table.tests a").first.get_attribute("href") or ""
        problems += audit(page, "review-card", sqlite_server + card)
        page.keyboard.press("Space")  # the model answer and the rating buttons
        expect(page.get_by_role("heading", name="Model answer")).to_be_visible(timeout=30_000)
        problems += audit(page, "review-revealed", None)
        page.goto(f"{sqlite_server}/mock")
        card_box = page.locator(".card").filter(has_text="technical screen")
        card_box.get_by_role("button", name="Practise alone").click()
        page.get_by_role("button", name="Start").click()
        expect(page.locator("#countdown")).to_be_visible()
        problems += audit(page, "mock-take", None)
    context.close()
    assert not problems, "\n".join(problems)
