"""The audit's HTML report in a real headless Chromium: one self-contained page (no network), a
chart of mocks per category and per folder, each file's tests with their line ranges, and a
screenshot kept under `.artifacts/` at the project root."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.support.processes import mockguard
from test_audit import CHAT, PROFILE

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMEDRIVER = shutil.which("chromedriver")
webdriver = pytest.importorskip("selenium.webdriver")
if not (CHROMIUM and CHROMEDRIVER):
    pytest.skip("needs chromium and chromedriver (scripts/setup.sh installs them)", allow_module_level=True)

from selenium.webdriver.common.by import By  # noqa: E402

ARTIFACTS = Path(__file__).resolve().parents[2] / ".artifacts"


def test_html_report_in_chromium(repo, tmp_path, browser):
    repo.write("tests/integration/test_chat.py", CHAT)
    repo.write("tests/e2e/test_profile.py", PROFILE)
    repo.write("tests/integration/db/test_orders.py", "from unittest.mock import AsyncMock\n\nasync def test_order():\n    session = AsyncMock()\n    assert session\n")
    repo.commit()
    page = tmp_path / "audit.html"
    run = mockguard("audit", "--repo", str(repo.root), "--ref", "HEAD", "--format", "html", "--output", str(page))
    assert run.returncode == 0, run.stderr
    html = page.read_text()
    # self-contained: nothing is loaded from anywhere (the templates' code may mention URLs as text)
    assert "<script" not in html and "<link" not in html and " src=" not in html and " href=" not in html

    browser.get(page.as_uri())
    assert "mockguard audit" in browser.title
    category_bars = browser.find_elements(By.CSS_SELECTOR, "#by-category g.bar")
    assert {bar.get_attribute("data-name") for bar in category_bars} >= {"websocket", "database", "llm"}
    folders = {bar.get_attribute("data-name"): int(bar.get_attribute("data-count")) for bar in browser.find_elements(By.CSS_SELECTOR, "#by-folder g.bar")}
    assert folders == {"tests/integration": 4, "tests/integration/db": 1}  # the e2e file's mocks are tolerated or allowed
    first = browser.find_elements(By.CSS_SELECTOR, "section.file")[0]
    assert first.get_attribute("data-path") == "tests/integration/test_chat.py"
    row = first.find_element(By.CSS_SELECTOR, 'tr.site[data-line="11"]')
    assert "test_push" in row.text and "11-13" in row.text and row.is_displayed()
    tolerated = browser.find_elements(By.CSS_SELECTOR, "tr.status-tolerated")
    assert tolerated and "environment" in tolerated[0].text

    height = browser.execute_script("return document.documentElement.scrollHeight")
    browser.set_window_size(1280, min(height + 120, 8000))
    shot = tmp_path / "audit-report.png"
    assert browser.save_screenshot(str(shot))
    assert shot.stat().st_size > 30_000
    ARTIFACTS.mkdir(exist_ok=True)
    shutil.copy(shot, ARTIFACTS / shot.name)
