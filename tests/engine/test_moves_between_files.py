"""A mock that moves from one gated file of a change to another is not new; one that arrives from
a file the gate does not cover enters the integration suite and is (real git repositories)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

MOCKING_TEST = '''from unittest.mock import patch


def test_keep():
    pass


def test_moving(client):
    with patch("app.ws.create_manager"):
        client.get("/")
'''


def git(repo: Path, *args: str) -> None:
    subprocess.run(["git", "-C", str(repo), "-c", "user.email=t@example.invalid", "-c", "user.name=t", *args], check=True, capture_output=True)


def check(repo: Path) -> dict:
    out = subprocess.run(
        [sys.executable, "-m", "bot.cli", "check", "--repo", str(repo), "--base", "HEAD~1", "--head", "HEAD", "--format", "json"],
        capture_output=True,
        text=True,
    )
    assert out.returncode in (0, 1), out.stderr
    return json.loads(out.stdout)


def write(repo: Path, path: str, text: str) -> None:
    file = repo / path
    file.parent.mkdir(parents=True, exist_ok=True)
    file.write_text(text)


def test_a_test_moved_from_unit_to_integration_brings_its_mocks_into_the_gate(tmp_path):
    repo = tmp_path / "repo"
    git(tmp_path, "init", "-q", "-b", "main", str(repo))
    write(repo, "tests/unit/test_a.py", MOCKING_TEST)
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "base")
    write(repo, "tests/unit/test_a.py", "def test_keep():\n    assert True\n")
    write(
        repo,
        "tests/integration/test_a.py",
        'from unittest.mock import patch\n\n\ndef test_moving(client):\n    with patch("app.ws.create_manager"):\n        client.get("/")\n\n\n'
        'def test_new(client):\n    with patch("app.db.session"):\n        client.get("/")\n',
    )
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "head")

    report = check(repo)

    assert [(f["path"], f["line"], f["target"]) for f in report["findings"]] == [
        ("tests/integration/test_a.py", 5, "app.ws.create_manager"),
        ("tests/integration/test_a.py", 10, "app.db.session"),
    ]


def test_a_test_moved_between_two_integration_files_brings_no_new_mock(tmp_path):
    repo = tmp_path / "repo"
    git(tmp_path, "init", "-q", "-b", "main", str(repo))
    write(repo, "tests/integration/test_a.py", MOCKING_TEST)
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "base")
    write(repo, "tests/integration/test_a.py", "def test_keep():\n    assert True\n")
    write(repo, "tests/e2e/test_b.py", 'from unittest.mock import patch\n\n\ndef test_moving(client):\n    with patch("app.ws.create_manager"):\n        client.get("/")\n')
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "head")

    # MG1xx only: `assert True` is a test that cannot fail (MG3xx), judged on its own.
    assert [f for f in check(repo)["findings"] if f["rule"].startswith("MG1")] == []


def test_a_whole_file_renamed_into_the_gate_from_outside_it_is_new(tmp_path):
    repo = tmp_path / "repo"
    git(tmp_path, "init", "-q", "-b", "main", str(repo))
    write(repo, "tests/usage_tests/test_usage.py", MOCKING_TEST)
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "base")
    git(repo, "rm", "-q", "tests/usage_tests/test_usage.py")
    write(repo, "tests/integration/test_usage.py", MOCKING_TEST.replace("test_keep", "test_kept"))
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "head")

    assert [(f["line"], f["construct"]) for f in check(repo)["findings"]] == [(9, "patch")]


def test_a_copy_that_leaves_the_original_in_place_is_new(tmp_path):
    repo = tmp_path / "repo"
    git(tmp_path, "init", "-q", "-b", "main", str(repo))
    write(repo, "tests/unit/test_a.py", MOCKING_TEST)
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "base")
    write(repo, "tests/integration/test_a.py", MOCKING_TEST)
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "head")

    findings = check(repo)["findings"]

    assert [(f["line"], f["construct"]) for f in findings] == [(9, "patch")]
