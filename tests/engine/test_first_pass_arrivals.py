"""The first pass that spares MG2xx (arrivals) the parse of files whose added lines are only
markers, imports or constants: it never hides a fixture request, a helper call, an autouse
fixture or a hand-rolled patch, at module level included."""

from __future__ import annotations

from bot.engine.analyse import analyse
from bot.engine.diff import lines_from_texts, source_lines
from bot.engine.first_pass import may_start_arrival
from bot.engine.model import FileChange

PATH = "tests/integration/test_orders.py"
BASE = (
    '"""Orders, against the real service (the old mock_db fixture is gone)."""\n'
    "import pytest\n"
    "import mailer\n"
    "from unittest.mock import MagicMock\n\n\n"
    "@pytest.fixture\n"
    "def mock_db():\n"
    "    return MagicMock()\n\n\n"
    "def test_orders(\n"
    "    client,\n"
    "):\n"
    "    assert client.get('/orders').ok\n"
)


def added(base: str, head: str) -> frozenset[int]:
    return lines_from_texts(base, head)[0]


def insert_after(text: str, needle: str, new: str) -> str:
    lines = source_lines(text, keepends=True)
    index = next(i for i, line in enumerate(lines) if needle in line)
    return "".join(lines[: index + 1]) + new + "".join(lines[index + 1 :])


def findings(base: str, head: str) -> list[tuple[int, str]]:
    new, deleted = lines_from_texts(base, head)
    report = analyse([FileChange(PATH, PATH, base, head, new, deleted, "modified")], workers=1)
    return [(f.line, f.rule) for f in report.findings]


def test_a_plain_marker_import_or_constant_cannot_start_an_arrival():
    for line in ("pytestmark = pytest.mark.integration\n", "import logging\n", "TIMEOUT: int = 5\n", "x, y = 1, 2\n"):
        head = insert_after(BASE, "import pytest", line)
        assert not may_start_arrival(head, added(BASE, head)), line
        assert findings(BASE, head) == []


def test_a_usefixtures_marker_added_at_module_level_is_followed():
    head = insert_after(BASE, "import pytest", 'pytestmark = pytest.mark.usefixtures("mock_db")\n')
    assert may_start_arrival(head, added(BASE, head))
    assert findings(BASE, head) == [(3, "MG201")]


def test_a_hand_rolled_patch_at_module_level_is_followed():
    head = insert_after(BASE, "import mailer", "mailer.send = lambda *args: None\n")
    assert may_start_arrival(head, added(BASE, head))
    assert findings(BASE, head) == [(4, "MG203")]


def test_setattr_and_subscript_assignments_at_module_level_are_followed():
    for line in ('setattr(mailer, "send", print)\n', 'mailer.registry["send"] = print\n'):
        head = insert_after(BASE, "import mailer", line)
        assert may_start_arrival(head, added(BASE, head)), line


def test_a_parameter_added_on_its_own_line_of_a_multi_line_signature_is_followed():
    head = insert_after(BASE, "    client,", "    mock_db,\n")
    assert may_start_arrival(head, added(BASE, head))
    assert findings(BASE, head) == [(line, "MG201") for line, text in enumerate(source_lines(head), 1) if text == "    mock_db,"]


def test_a_marker_next_to_a_real_change_in_a_huge_file_still_reports_the_change():
    filler = "".join(f"\n\ndef test_case_{i}(client):\n    # no mock_db here\n    assert client.get('/{i}').ok\n" for i in range(400))
    base = BASE + filler
    head = insert_after(base, "import pytest", "pytestmark = pytest.mark.integration\n") + "\n\ndef test_new(mock_db):\n    assert mock_db\n"
    assert may_start_arrival(head, added(base, head))
    assert findings(base, head) == [(len(source_lines(head)) - 1, "MG201")]


def test_a_statement_that_does_not_parse_alone_is_kept():
    head = BASE + 'TEXT = """\n'
    assert may_start_arrival(head, {len(source_lines(head))})
