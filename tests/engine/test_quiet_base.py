"""The debt line's base count of a file whose head names no mock: taken without reading the base
only when the change's added lines cannot have turned mock code into a string or a comment."""

from __future__ import annotations

from bot.engine.analyse import analyse
from bot.engine.model import FileChange

PATH = "tests/integration/test_orders.py"


def _counts(base: str, head: str) -> tuple[int | None, int | None]:
    base_lines, head_lines = base.splitlines(), head.splitlines()
    added = frozenset(n for n, line in enumerate(head_lines, 1) if line not in base_lines)
    deleted = frozenset(n for n, line in enumerate(base_lines, 1) if line not in head_lines)
    report = analyse([FileChange(PATH, PATH, base, head, added, deleted, "modified")], workers=1)
    return report.mocks_before, report.mocks_after


def test_a_marker_added_to_a_quiet_file_counts_no_mock_before():
    base = "import pytest\n\n\ndef test_orders(client):\n    assert client.get('/orders').ok\n"
    head = base.replace("import pytest\n", "import pytest\npytestmark = pytest.mark.integration\n")
    assert _counts(base, head) == (0, 0)


def test_added_lines_that_turn_mock_code_into_a_string_leave_the_base_counted():
    # Only lines are added, and the head names no mock in code: the two added quotes made the old
    # mock a string. The base still had it, as code.
    base = "import pytest\n\nimport unittest.mock\nunittest.mock.patch('app.db.session').start()\n"
    head = 'import pytest\n\n"""\nimport unittest.mock\nunittest.mock.patch(\'app.db.session\').start()\n"""\n'
    before, after = _counts(base, head)
    assert after == 0 and before is not None and before >= 1
