"""The demo's page in a real headless Chromium (Selenium + Debian's chromium-driver): each inline
comment sits right under its diff line, the check's conclusion shows, and a screenshot is saved."""

from __future__ import annotations

import json
import shutil

import pytest

from .demo_process import (MOVED, PRICING, SUPPRESSED, TOLERATED_ENV, KeptDemo, expected_comments, line_of)

pytestmark = pytest.mark.e2e

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMEDRIVER = shutil.which("chromedriver")
webdriver = pytest.importorskip("selenium.webdriver")
if not (CHROMIUM and CHROMEDRIVER):
    pytest.skip("needs chromium and chromedriver (scripts/setup.sh installs them)", allow_module_level=True)

from selenium.webdriver.common.by import By  # noqa: E402


@pytest.fixture
def page(tmp_path):
    demo = KeptDemo(tmp_path, "--json", str(tmp_path / "result.json"))
    try:
        demo.wait_serving()
        yield json.loads((tmp_path / "result.json").read_text())
        assert demo.interrupt() == 0
    finally:
        demo.close()


def _file(browser, path: str):
    return browser.find_element(By.CSS_SELECTOR, f'.file[data-path="{path}"]')


def _row(browser, path: str, line: int):
    return _file(browser, path).find_element(By.CSS_SELECTOR, f'tr.line[data-new="{line}"]')


def _next_row(row):
    return row.find_element(By.XPATH, "following-sibling::tr[1]")


def test_each_comment_under_its_line_and_the_check_conclusion(browser, page, tmp_path):
    browser.get(page["page_url"])
    assert "Chat: push new messages to watchers" in browser.title

    check = browser.find_element(By.CSS_SELECTOR, '#checks .check[data-name="mockguard"]')
    assert check.get_attribute("data-conclusion") == "failure"
    assert check.find_element(By.CSS_SELECTOR, ".conclusion").text.lower() == "failure"
    assert "3 new mocks in integration tests (3 blocking)" in check.text
    assert len(check.find_elements(By.CSS_SELECTOR, ".annotation")) == 3

    for path, line, rule in expected_comments():
        row = _row(browser, path, line)
        assert "add" in row.get_attribute("class").split()
        below = _next_row(row)
        assert "comment-row" in below.get_attribute("class").split(), (path, line)
        assert below.is_displayed() and below.location["y"] > row.location["y"]
        assert f"mockguard {rule}" in below.text
        assert "mockguard[bot]" in below.text
        # the real-connection template is a highlighted code block, as GitHub renders it
        assert below.find_elements(By.CSS_SELECTOR, "pre code span")

    assert len(browser.find_elements(By.CSS_SELECTOR, "tr.comment-row")) == 3
    assert _file(browser, PRICING).find_elements(By.CSS_SELECTOR, "tr.comment-row") == []
    for path, code in (TOLERATED_ENV, SUPPRESSED, MOVED):
        after = _next_row(_row(browser, path, line_of(path, code)))
        assert "comment-row" not in after.get_attribute("class").split(), code

    summary = browser.find_element(By.CSS_SELECTOR, ".issue-comment")
    assert "3 blocking the merge" in summary.text
    assert summary.find_elements(By.CSS_SELECTOR, "table")  # the Markdown table is a table

    height = browser.execute_script("return document.documentElement.scrollHeight")
    browser.set_window_size(1280, min(height + 120, 12000))
    screenshot = tmp_path / "pull-1-files-changed.png"
    assert browser.save_screenshot(str(screenshot))
    assert screenshot.stat().st_size > 50_000
