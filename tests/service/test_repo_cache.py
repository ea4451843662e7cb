"""The App's repository cache and its git read, with the real `git` against a real repository
served over git's own transport (a `file://` remote with partial clone and any-SHA wants enabled,
as GitHub allows them): what is fetched, that nothing is fetched one blob at a time, the bounds,
and a clone left behind by a worker killed mid-fetch."""

from __future__ import annotations

import fcntl
import os
import subprocess
from pathlib import Path

import pytest
from tests.service.service_harness import BASE_TEST, MOCKED_TEST, GitRepo

from bot.engine.rulesfile import default_config
from bot.github import PullRequest
from bot.github.gitfetch import GitFetchError, fetch
from bot.service.changes import MISSING, RULES_FILE, fetch_pull, read_with_git
from bot.service.repo_cache import RepoCache

RULES = "version: 1\nfiles:\n  include: ['tests/integration/**']\n"


def served(tmp: Path) -> tuple[GitRepo, str, PullRequest]:
    """A repository whose pull request adds two mocks to an integration test, touches a unit test and
    a README, and changes the rules file; served with what partial clones need."""
    repo = GitRepo(tmp / "origin")
    base = repo.commit_files({"tests/integration/test_orders.py": BASE_TEST, "README.md": "shop\n", RULES_FILE: RULES,
                        "tests/unit/test_prices.py": "def test_price():\n    assert 1\n"}, "base")
    repo.switch("feature")
    head = repo.commit_files({"tests/integration/test_orders.py": MOCKED_TEST, "README.md": "shop!\n",
                        "tests/unit/test_prices.py": "def test_price():\n    assert 2\n",
                        RULES_FILE: RULES + "fail_on: warning\n"}, "add mocks")
    repo.git("config", "uploadpack.allowFilter", "true")
    repo.git("config", "uploadpack.allowAnySHA1InWant", "true")
    pull = PullRequest(number=7, head_sha=head, base_sha=base, changed_files=4,
                       clone_url=f"file://{repo.path}")
    return repo, f"file://{repo.path}", pull


def objects(local: Path) -> set[str]:
    """Every object id present in the clone (without fetching anything)."""
    out = subprocess.run(["git", "-C", str(local), "cat-file", "--batch-all-objects", "--batch-check=%(objectname)"],
                         capture_output=True, text=True, check=True).stdout
    return set(out.split())


def test_a_pull_request_is_read_from_two_fetches_and_the_cli_reader(tmp_path):
    repo, url, pull = served(tmp_path)
    cache = RepoCache(tmp_path / "cache")
    with cache.repository("octo-org/shop", url) as local:
        fetched = fetch_pull(local.path, "token-not-used-by-file-transport", pull)
        # Only Python files' and the rules file's blobs came: not the README's.
        readme = repo.git("rev-parse", f"{pull.head_sha}:README.md")
        assert readme not in objects(local.path)
        # Nothing more may be fetched from here on: point the remote nowhere.
        subprocess.run(["git", "-C", str(local.path), "config", "remote.origin.url", str(tmp_path / "gone")], check=True)
        changes = read_with_git(fetched, default_config())

    assert fetched.merge_base == pull.base_sha
    assert fetched.rules_at_base == RULES
    assert fetched.rules_at_head.endswith("fail_on: warning\n")
    assert fetched.rules_changed
    by_path = {c.path: c for c in changes.changes}
    orders = by_path["tests/integration/test_orders.py"]
    assert orders.status == "modified" and orders.base_text == BASE_TEST and orders.head_text == MOCKED_TEST
    patched = [n for n, line in enumerate(MOCKED_TEST.splitlines(), 1) if "patch(" in line]
    assert set(patched) <= orders.added_lines
    # Commentable: the head lines of GitHub's diff hunks (added lines and 3 lines of context).
    assert set(patched) <= changes.commentable["tests/integration/test_orders.py"]
    assert 1 not in orders.added_lines and 1 in changes.commentable["tests/integration/test_orders.py"]


def test_the_heads_pytest_files_come_with_the_batch_and_are_read_from_the_clone(tmp_path):
    repo, url, pull = served(tmp_path)
    conftest = "import pytest\n\n\n@pytest.fixture\ndef live_server():\n    yield 'http://127.0.0.1:1'\n"
    head = repo.commit_files({"tests/integration/conftest.py": conftest, "src/helpers.py": "X = 1\n",
                              "src/schema.sql": "create table orders (id int);\n"}, "fixtures")
    cache = RepoCache(tmp_path / "cache")
    with cache.repository("octo-org/shop", url) as local:
        fetched = fetch_pull(local.path, "t", PullRequest(7, head, pull.base_sha, 6, url))
        origin = subprocess.run(["git", "-C", str(local.path), "config", "remote.origin.url"], check=True,
                                capture_output=True, text=True).stdout.strip()
        subprocess.run(["git", "-C", str(local.path), "config", "remote.origin.url", str(tmp_path / "gone")], check=True)
        assert fetched.head_text("tests/integration/conftest.py") == conftest  # no fetch: it came with the batch
        assert fetched.head_text("src/helpers.py") == "X = 1\n"  # a changed Python file: in the batch too
        assert fetched.head_text("tests/conftest.py") is None  # the head's trees say it has no such file
        # A file outside the batch: GitHub is asked when git cannot bring it ...
        assert fetched.head_text("src/schema.sql") is MISSING
        assert fetched.head_text("src/schema.sql", lambda oid: fetch(local.path, "t", [oid], blobs=True)) is MISSING
        # ... and git brings it when it can: one small fetch, no REST request.
        subprocess.run(["git", "-C", str(local.path), "config", "remote.origin.url", origin], check=True)
        fetched_blob = fetched.head_text("src/schema.sql", lambda oid: fetch(local.path, "t", [oid], blobs=True))
        assert fetched_blob == "create table orders (id int);\n"


def test_a_second_review_of_the_same_repository_reuses_the_clone(tmp_path):
    repo, url, pull = served(tmp_path)
    cache = RepoCache(tmp_path / "cache")
    with cache.repository("octo-org/shop", url) as local:
        fetch_pull(local.path, "t", pull)
        first = local.path
    later = repo.commit_files({"tests/integration/test_more.py": MOCKED_TEST}, "more")
    with cache.repository("octo-org/shop", url) as local:
        fetched = fetch_pull(local.path, "t", PullRequest(7, later, pull.base_sha, 5, url))
        changes = read_with_git(fetched, default_config())
    assert local.path == first
    assert "tests/integration/test_more.py" in {c.path for c in changes.changes}


def test_git_that_cannot_fetch_says_so(tmp_path):
    _repo, _url, pull = served(tmp_path)
    cache = RepoCache(tmp_path / "cache")
    with pytest.raises(GitFetchError), cache.repository("octo-org/shop", f"file://{tmp_path / 'nowhere'}") as local:
        fetch_pull(local.path, "t", pull)


def test_a_clone_left_by_a_worker_killed_mid_fetch_is_usable(tmp_path):
    repo, url, pull = served(tmp_path)
    cache = RepoCache(tmp_path / "cache")
    with cache.repository("octo-org/shop", url) as local:
        path = local.path
    # Killed while fetching: ref locks left behind. Killed while setting up: no ready marker.
    (path / "refs" / "mockguard").mkdir(parents=True, exist_ok=True)
    (path / "refs" / "mockguard" / "head.lock").write_text("")
    (path / "shallow.lock").write_text("")
    with cache.repository("octo-org/shop", url) as local:
        changes = read_with_git(fetch_pull(local.path, "t", pull), default_config())
    assert "tests/integration/test_orders.py" in {c.path for c in changes.changes}

    (path / "mockguard-ready").unlink()
    (path / "config").write_text("half written")
    with cache.repository("octo-org/shop", url) as local:
        changes = read_with_git(fetch_pull(local.path, "t", pull), default_config())
    assert "tests/integration/test_orders.py" in {c.path for c in changes.changes}


def test_the_cache_keeps_its_bounds_least_recently_used_first_and_skips_a_clone_in_use(tmp_path):
    _repo, url, pull = served(tmp_path)
    cache = RepoCache(tmp_path / "cache", max_repos=10)
    for index, name in enumerate(("a", "b", "c")):
        with cache.repository(f"octo-org/{name}", url) as local:
            fetch_pull(local.path, "t", pull)
        os.utime(local.path / "mockguard-used", (1000 + index, 1000 + index))
    cache.max_repos = 2
    assert cache.evict() == ["octo-org/a.git"]

    # By size: every clone goes, except one another job holds.
    cache.max_bytes = 1
    with open(tmp_path / "cache" / "octo-org" / "b.lock", "a+b") as held:
        fcntl.flock(held, fcntl.LOCK_EX)
        assert cache.evict() == ["octo-org/c.git"]
    assert [p.name for p in (tmp_path / "cache" / "octo-org").glob("*.git")] == ["b.git"]
