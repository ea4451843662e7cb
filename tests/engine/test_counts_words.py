"""Tests that cannot fail (MG3xx) are findings, counted apart from new mocks in every summary."""

from __future__ import annotations

from bot.engine.formats.hints import summary_line
from bot.engine.model import Finding, Report
from bot.service.render import check_title


def finding(rule: str, line: int) -> Finding:
    return Finding(path="tests/integration/test_a.py", line=line, column=1, end_line=line, construct="x", target=None,
                   category="cannot-fail" if rule.startswith("MG3") else "database", rule=rule, severity="error",
                   message="m", template=None)


def test_titles_and_summary_lines_count_cannot_fail_tests_apart():
    both = Report(findings=(finding("MG101", 3), finding("MG301", 9)), files_checked=("tests/integration/test_a.py",))
    assert check_title(both) == "1 new mock in integration tests (1 blocking), 1 test that cannot fail (1 blocking)"
    assert summary_line(both).startswith("1 new mock (1 blocking), 1 test that cannot fail (1 blocking)")
    only = Report(findings=(finding("MG301", 9), finding("MG303", 12)), files_checked=("tests/integration/test_a.py",))
    assert check_title(only) == "2 tests that cannot fail (2 blocking)"
    assert summary_line(only).startswith("no new mocks, 2 tests that cannot fail (2 blocking)")
    assert check_title(Report()) == "No new mocks in integration tests"
