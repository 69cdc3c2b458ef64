"""The challenge workspace: only gradable SQL dialects are offered, a failing row marks only
its result, results stay inside the page, and a reload keeps the draft and the last verdict."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.e2e.conftest import ARTIFACTS, login_link

WRONG_PALINDROME = "def is_palindrome(text):\n    return text == text[::-1]\n"
WIDE_SQL = (
    "SELECT name, salary, 1 AS x, '" + "a" * 80 + "' AS y, department, id, name AS again\n"
    "FROM employees"
)
RED = "rgb(201, 42, 42)"  # --bad in viva.css


@pytest.fixture(scope="module")
def server_without_postgres(
    sqlite_url: str, tmp_path_factory: pytest.TempPathFactory, sql_postgres_url: str
) -> Iterator[str]:
    from tests.conftest import serve

    yield from serve(
        sqlite_url, tmp_path_factory.mktemp("nopg"), sql_postgres_url, VIVA_SQL_POSTGRES_URL=""
    )


def _signed_in(browser: Browser, db_url: str, server: str, width: int = 1366) -> Page:
    page = browser.new_page(viewport={"width": width, "height": 900})
    page.goto(login_link(db_url, server))
    return page


def _run(page: Page, source: str) -> None:
    page.evaluate("(src) => window.vivaEditor.setValue(src)", source)
    page.get_by_role("button", name="Run examples").click()
    expect(page.locator(".verdict")).to_contain_text("Wrong Answer", timeout=60_000)


def _fits(page: Page) -> bool:
    return bool(page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"))


def test_sql_page_offers_only_the_dialects_the_server_grades(
    browser: Browser, sqlite_server: str, server_without_postgres: str
) -> None:
    page = browser.new_page()
    page.goto(f"{server_without_postgres}/challenges/sql-top-3-salaries")
    expect(page.locator("#dialect option")).to_have_text(["SQLite"])
    expect(page.locator(".badges")).not_to_contain_text("postgres")
    page.goto(f"{sqlite_server}/challenges/sql-top-3-salaries")  # this one has PostgreSQL
    expect(page.locator("#dialect option")).to_have_text(["SQLite", "PostgreSQL"])
    page.close()


def test_a_failing_sql_row_marks_its_result_not_the_result_grids(
    browser: Browser, sqlite_server: str, sqlite_url: str
) -> None:
    page = _signed_in(browser, sqlite_url, sqlite_server)
    page.goto(f"{sqlite_server}/challenges/sql-top-3-salaries")
    _run(page, "SELECT name, salary FROM employees")
    failing = page.locator("table.tests tr.fail").first
    expect(failing.locator("td.outcome")).to_have_css("color", RED)
    nested = failing.locator("table.grid td")
    expect(nested.first).to_be_visible()
    colours = nested.evaluate_all("(cells) => cells.map((c) => getComputedStyle(c).color)")
    assert colours and RED not in colours, colours
    expect(page.locator("#results").get_by_text("wrong columns")).to_have_count(1)  # said once
    page.close()


def test_results_stay_inside_the_page_and_short_values_do_not_wrap(
    browser: Browser, sqlite_server: str, sqlite_url: str
) -> None:
    page = _signed_in(browser, sqlite_url, sqlite_server)
    for width in (1366, 390):
        page.set_viewport_size({"width": width, "height": 900})
        page.goto(f"{sqlite_server}/challenges/sql-top-3-salaries")
        _run(page, WIDE_SQL)
        assert _fits(page), f"a wide SQL result widens the page at {width} px"
        page.screenshot(path=str(ARTIFACTS / f"workspace-sql-wide-{width}.png"), full_page=True)

        page.goto(f"{sqlite_server}/challenges/palindrome")
        _run(page, WRONG_PALINDROME)
        assert _fits(page), f"the results widen the page at {width} px"
        failing = page.locator("table.tests tr.fail").first
        expect(failing.locator("code.test-input")).to_have_text(
            'is_palindrome("A man, a plan, a canal: Panama")'
        )  # the visible test's input beside its result
        got = page.locator("table.tests tr.fail td.mono").nth(1)  # Expected, then Got
        expect(got).to_contain_text("false")
        lines = got.evaluate(
            """(td) => { const range = document.createRange();
                range.selectNodeContents(td.firstChild);
                return new Set([...range.getClientRects()].map((r) => Math.round(r.top))).size; }"""
        )
        assert lines == 1, f"'false' wraps over {lines} lines at {width} px"
    page.close()


def test_prompt_code_has_no_error_boxes(browser: Browser, sqlite_server: str) -> None:
    page = browser.new_page()
    page.goto(f"{sqlite_server}/challenges/fastapi-json-route")
    errors = page.locator(".prompt pre .err")
    expect(errors.first).to_be_attached()  # Pygments marks `<repeat>`-style placeholders
    widths = errors.evaluate_all("(spans) => spans.map((s) => getComputedStyle(s).borderTopWidth)")
    assert set(widths) == {"0px"}, widths
    page.close()


def test_a_reload_keeps_the_draft_and_the_last_verdict(
    browser: Browser, sqlite_server: str, sqlite_url: str
) -> None:
    page = _signed_in(browser, sqlite_url, sqlite_server)
    page.goto(f"{sqlite_server}/challenges/palindrome")
    _run(page, WRONG_PALINDROME)
    page.reload()
    expect(page.locator(".cm-content")).to_be_visible()
    assert page.evaluate("window.vivaEditor.getValue()") == WRONG_PALINDROME
    expect(page.locator(".verdict")).to_contain_text("Wrong Answer")
    expect(page.locator(".verdict")).to_contain_text("last run")
    expect(page.locator("table.tests tr.fail").first).to_contain_text("classic sentence")

    # typing without running is kept too; "Reset code" brings the starter back
    page.locator(".cm-content").click()
    page.keyboard.press("Control+End")
    page.keyboard.type("# typed, not run")
    page.wait_for_function(  # the draft is saved shortly after the last keystroke
        "() => (localStorage.getItem('viva:draft:palindrome') || '').includes('typed, not run')"
    )
    page.reload()
    expect(page.locator(".cm-content")).to_contain_text("# typed, not run")
    page.get_by_role("button", name="Reset code").click()
    starter = page.evaluate("document.getElementById('source').defaultValue")
    assert page.evaluate("window.vivaEditor.getValue()") == starter
    page.reload()
    expect(page.locator(".cm-content")).not_to_contain_text("# typed, not run")
    page.close()


def test_run_and_submit_from_the_keyboard(
    browser: Browser, sqlite_server: str, sqlite_url: str
) -> None:
    page = _signed_in(browser, sqlite_url, sqlite_server)
    page.goto(f"{sqlite_server}/challenges/palindrome")
    page.locator(".cm-content").click()
    page.keyboard.press("Control+a")
    page.keyboard.type("def is_palindrome(text):\n")
    page.keyboard.press("Tab")  # Tab indents inside the editor (after the auto-indent)
    page.keyboard.type("return text == text[::-1]")
    assert "\n        return text" in page.evaluate("window.vivaEditor.getValue()")
    page.keyboard.press("Control+Enter")
    expect(page.locator(".verdict")).to_contain_text("Wrong Answer", timeout=60_000)
    expect(page.locator(".verdict")).to_contain_text("2/3 tests")  # the examples only

    page.locator(".cm-content").click()
    page.keyboard.press("Escape")  # leaves the editor: no keyboard trap
    run = page.get_by_role("button", name="Run examples")
    expect(run).to_be_focused()
    page.keyboard.press("Tab")
    expect(page.get_by_role("button", name="Submit")).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.locator(".verdict")).not_to_contain_text("2/3 tests", timeout=60_000)
    expect(page.locator(".verdict")).to_contain_text("Wrong Answer")  # hidden tests too
    page.close()
