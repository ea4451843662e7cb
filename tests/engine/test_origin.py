"""Whose code a mock replaces (own, standard library, third party), said in the finding and
selectable by a toleration: real git repositories with a project package in the head tree."""

from __future__ import annotations

TEST = """\
from unittest.mock import patch

from app.clients import Client


def test_sync():
    with patch("app.db.engine"), patch("redis.Redis.get"), patch("shutil.disk_usage"), patch.object(Client, "send"):
        pass
"""


def _change(repo, rules: str | None = None):
    base = {"app/__init__.py": "", "app/db.py": "engine = None\n", "tests/integration/test_sync.py": "def test_sync():\n    pass\n",
            "pyproject.toml": "[project]\nname = 'app'\ndependencies = ['redis>=5', 'httpx']\n"}
    if rules is not None:
        base[".github/mockguard.yml"] = rules
    head = {**base, "tests/integration/test_sync.py": TEST}
    return repo.change(base, head)


def test_each_finding_says_whose_code_it_mocks(repo):
    report = _change(repo).check_change().report
    by_target = {f["target"]: f for f in report["findings"]}
    assert by_target["app.db.engine"]["origin"] == "own"
    assert "It mocks your own code (`app`)." in by_target["app.db.engine"]["message"]
    assert by_target["redis.Redis.get"]["origin"] == "third-party"
    assert "It mocks the boundary to `redis`." in by_target["redis.Redis.get"]["message"]
    assert by_target["shutil.disk_usage"]["origin"] == "stdlib"
    assert by_target["Client.send"]["origin"] is None  # an object, not a module path: not judged


def test_a_module_neither_in_the_tree_nor_declared_gets_no_origin(repo):
    base = {"tests/integration/test_sync.py": "def test_sync():\n    pass\n"}
    head = {"tests/integration/test_sync.py": "from unittest.mock import patch\n\ndef test_sync():\n    with patch('backend_app.db.engine'):\n        pass\n"}
    [finding] = repo.change(base, head).check_change().report["findings"]
    assert finding["origin"] is None and "It mocks" not in finding["message"]


def test_a_toleration_can_select_by_origin(repo):
    rules = "version: 1\ntolerate:\n  - origin: third-party\n    paths: ['tests/integration/**']\n    reason: vendors have no test instance\n"
    run = _change(repo, rules).check_change()
    assert sorted(f["target"] for f in run.report["findings"]) == ["Client.send", "app.db.engine", "shutil.disk_usage"]
    [tolerated] = run.report["tolerated"]
    assert tolerated["target"] == "redis.Redis.get" and "vendors" in tolerated["reason"]


def test_an_unknown_origin_is_a_rules_file_error(repo):
    rules = "version: 1\ntolerate:\n  - origin: thirdparty\n    reason: typo\n"
    run = _change(repo, rules).check_change()
    # a broken rules file on the base never locks the repository: the change is judged with the
    # defaults (its findings block) and the problem is said, with the expected shape
    assert run.returncode == 1
    assert "origin" in run.stderr and "did you mean 'third-party'" in run.stderr
