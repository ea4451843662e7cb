"""Bad input never crashes `mockguard check`: unparsable files (head or base), other encodings,
empty, deleted, mode-only and binary files, and a huge diff. Each on a real git repository."""

from __future__ import annotations

import pytest

T = "tests/integration/test_threads.py"
CLEAN = "def test_threads(client):\n    assert client.get('/threads').ok\n"


def assert_no_crash(run):
    assert run.returncode in (0, 1), run.stderr
    assert "Traceback" not in run.stderr


def test_an_unparsable_head_file_is_a_notice_and_its_new_mocks_are_still_found(repo):
    head = (
        "from unittest.mock import patch, AsyncMock\n"
        "\n"
        "\n"
        "def test_threads(client:\n"  # the syntax error: an unclosed parenthesis
        "    with patch('app.services.thread_service.create_websocket_manager'):\n"
        "        session = AsyncMock()\n"
        "    # patch('app.in.a.comment') is not a site, even here\n"
        "    assert client.get('/threads').ok\n"
    )
    run = repo.change({T: CLEAN}, {T: head}).check_change()
    assert_no_crash(run)
    report = run.report
    [notice] = report["notices"]
    assert notice["path"] == T and "does not parse" in notice["message"]
    found = sorted((f["line"], f["construct"], f["target"]) for f in report["findings"])
    assert found == [(5, "patch", "app.services.thread_service.create_websocket_manager"), (6, "AsyncMock", None)]
    assert run.returncode == 1


def test_an_unparsable_base_file_is_a_notice_and_its_mocks_are_still_read(repo):
    base = (
        "from unittest.mock import patch\n"
        "\n"
        "\n"
        "def test_threads(client):\n"
        "    with patch('app.ws.create_manager'):\n"
        "        assert client.get('/threads').ok)\n"  # the syntax error: a stray parenthesis
    )
    # The change repairs the syntax error and edits the mock's arguments: the mock is the base's.
    head = base.replace(".ok)\n", ".ok\n").replace("create_manager')", "create_manager', autospec=True)")
    run = repo.change({T: base}, {T: head}).check_change()
    assert_no_crash(run)
    report = run.report
    assert [n["path"] for n in report["notices"]] == [T]
    assert "base version does not parse" in report["notices"][0]["message"]
    assert report["findings"] == []
    assert run.returncode == 0


def test_both_versions_unparsable_a_new_mock_is_still_found(repo):
    base = "def test_threads(client:\n    assert client.get('/threads').ok\n"
    head = "from unittest.mock import MagicMock\n\ndef test_threads(client:\n    manager = MagicMock()\n    assert client.get('/threads').ok\n"
    run = repo.change({T: base}, {T: head}).check_change()
    assert_no_crash(run)
    assert run.sites() == [(T, 4, "MG102")]


def test_a_latin_1_file_is_checked(repo):
    base = "# -*- coding: latin-1 -*-\n" + CLEAN
    head = "# -*- coding: latin-1 -*-\n# Caf\xe9 cr\xe8me\nfrom unittest.mock import MagicMock\n\nclient = MagicMock()\n" + CLEAN
    repo.write_bytes(T, base.encode("latin-1"))
    repo.commit("base", tag="base")
    repo.write_bytes(T, head.encode("latin-1"))
    repo.commit("head", tag="head")
    run = repo.check_change()
    assert_no_crash(run)
    assert run.sites() == [(T, 5, "MG102")]


def test_undeclared_non_utf8_bytes_are_a_notice_and_still_checked(repo):
    head = b"# Caf\xe9\nfrom unittest.mock import MagicMock\n\nclient = MagicMock()\n" + CLEAN.encode()
    repo.write(T, CLEAN)
    repo.commit("base", tag="base")
    repo.write_bytes(T, head)
    repo.commit("head", tag="head")
    run = repo.check_change()
    assert_no_crash(run)
    assert run.sites() == [(T, 4, "MG102")]
    assert any(n["path"] == T and "UTF-8" in n["message"] for n in run.report["notices"])


def test_an_empty_file_is_fine(repo):
    empty = "tests/integration/__init__.py"
    run = repo.change({T: CLEAN}, {T: CLEAN, empty: ""}).check_change()
    assert_no_crash(run)
    assert run.report["findings"] == [] and run.returncode == 0


def test_a_file_emptied_by_the_change_is_fine(repo):
    run = repo.change({T: "from unittest.mock import patch\n\n\n@patch('app.db')\ndef test_x(db):\n    pass\n"}, {T: ""}).check_change()
    assert_no_crash(run)
    assert run.report["findings"] == [] and run.returncode == 0


def test_a_deleted_file_is_fine(repo):
    run = repo.change({T: "from unittest.mock import MagicMock\n\nclient = MagicMock()\n", "tests/integration/test_keep.py": CLEAN}, {"tests/integration/test_keep.py": CLEAN}).check_change()
    assert_no_crash(run)
    assert run.report["findings"] == [] and run.returncode == 0


def test_a_mode_only_change_is_fine(repo):
    mocked = "from unittest.mock import MagicMock\n\nclient = MagicMock()\n"
    repo.write(T, mocked)
    repo.commit("base", tag="base")
    (repo.root / T).chmod(0o755)
    repo.commit("chmod +x", tag="head")
    assert "old mode" in repo.git("diff", "base", "head")
    run = repo.check_change()
    assert_no_crash(run)
    assert run.report["findings"] == [] and run.returncode == 0


def test_a_binary_file_with_a_py_name_is_skipped_with_a_notice(repo):
    binary = "tests/integration/test_blob.py"
    repo.write(T, CLEAN)
    repo.commit("base", tag="base")
    repo.write_bytes(binary, b"\x00\x01MagicMock()\x00patch('x')\xff" * 100)
    repo.commit("head", tag="head")
    run = repo.check_change()
    assert_no_crash(run)
    assert run.report["findings"] == []
    assert [n["path"] for n in run.report["notices"]] == [binary]
    assert "binary" in run.report["notices"][0]["message"]


def test_a_huge_diff_completes(repo):
    # 5,000 added lines: 1,000 tests, each with one new mock, plus a few thousand lines of real code.
    head = ["from unittest.mock import AsyncMock", "", ""]
    for n in range(1000):
        head += [f"async def test_case_{n}(client):", "    session = AsyncMock()", f"    assert client.get('/items/{n}').ok", ""]
    for n in range(1000):
        head.append(f"VALUE_{n} = {n}")
    text = "\n".join(head) + "\n"
    assert len(text.splitlines()) >= 5000
    run = repo.change({T: CLEAN}, {T: text}).check_change()
    assert_no_crash(run)
    assert run.returncode == 1
    assert len(run.report["findings"]) == 1000
    assert {f["construct"] for f in run.report["findings"]} == {"AsyncMock"}


def test_many_files_in_one_change_complete(repo):
    # Enough files to use the process pool for big changes.
    files = {f"tests/integration/test_many_{n}.py": f"from unittest.mock import patch\n\n\n@patch('app.db.session_{n}')\ndef test_x(db):\n    pass\n" for n in range(40)}
    run = repo.change({T: CLEAN}, {T: CLEAN, **files}).check_change()
    assert_no_crash(run)
    assert sorted(f["path"] for f in run.report["findings"]) == sorted(files)
    assert run.report["summary"]["files_checked"] == 41 - 1  # T is unchanged


def test_crlf_line_endings(repo):
    head = "from unittest.mock import MagicMock\r\n\r\n\r\ndef test_a():\r\n    m = MagicMock()\r\n"
    repo.write_bytes(T, CLEAN.replace("\n", "\r\n").encode())
    repo.commit("base", tag="base")
    repo.write_bytes(T, head.encode())
    repo.commit("head", tag="head")
    run = repo.check_change()
    assert_no_crash(run)
    assert run.sites() == [(T, 5, "MG102")]


def test_a_form_feed_does_not_shift_line_numbers(repo):
    head = "from unittest.mock import MagicMock\n\x0c\n\ndef test_a():\n    pass\n\n\ndef test_b():\n    m = MagicMock()\n"
    run = repo.change({T: CLEAN}, {T: head}).check_change()
    assert_no_crash(run)
    assert run.sites() == [(T, 9, "MG102")]
