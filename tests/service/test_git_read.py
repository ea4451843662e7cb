"""A large pull request read through git, under GitHub's limits as the sandbox enforces them by
default: about 1,200 changed files (half of them integration tests that mention mocks in comments
and gain one line each, half of them source files; one test gains a real mock).

The budget: one review costs the same REST requests whatever its size, because the files are read
with git (two fetches: commits and trees, then the changed Python files' blobs, the conftest and
dependency files in one batch). The requests are the installation token, the check run (list,
create, complete), the pull request (read before and after the analysis), the comments already
posted (review comments, reviews, issue comments), the review and the summary comment: 11. The
files the engine looks up in the head tree (conftest.py files, a helper module, whether `shop` is
the repository's own code) come from the clone: an absent one is known from its trees, a present
one outside the batch is one small git fetch, none of them a REST request. 25 leaves room for
retries and nothing for a request per changed file.
"""

from __future__ import annotations

import pytest
from tests.service.service_harness import payload, review_comments

pytestmark = pytest.mark.e2e

REST_BUDGET = 25
FILES = 1200

MENTIONS = '''"""Orders end to end: no mock here, the real server runs."""
import httpx


def test_order_{i}(live_server):
    # not a mock: the real server answers
    assert httpx.get(f"{{live_server}}/orders/{i}").status_code == 200
'''


def large_change(repo) -> tuple[str, str]:
    tests = {f"tests/integration/area_{i // 100}/test_area_{i}.py": MENTIONS.format(i=i) for i in range(FILES // 2)}
    sources = {f"shop/module_{i // 100}/handler_{i}.py": f"def handler_{i}():\n    return {i}\n"
               for i in range(FILES - FILES // 2)}
    for name, text in {**tests, **sources}.items():
        path = repo.path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    repo.git("add", "-A")
    repo.git("commit", "-q", "-m", "base")
    base = repo.git("rev-parse", "HEAD")
    repo.switch("feature")
    for name, text in {**tests, **sources}.items():
        (repo.path / name).write_text("# touched\n" + text)
    mocked = repo.path / "tests/integration/area_0/test_area_0.py"
    mocked.write_text(mocked.read_text() + "\n\ndef test_mocked(live_server):\n"
                      "    from unittest.mock import patch\n    with patch('shop.mailer.send'):\n"
                      "        httpx.get(live_server)\n")
    repo.git("add", "-A")
    repo.git("commit", "-q", "-m", "touch everything")
    return base, repo.git("rev-parse", "HEAD")


def test_a_pull_request_of_1200_files_is_read_with_git_within_a_fixed_rest_budget(world):
    base, head = large_change(world.repo)
    sandbox, service = world.start(base, head)  # the sandbox's default limits

    service.post("pull_request", payload("pull_request.opened", base=base, head=head))
    run = sandbox.completed_run(head)
    assert run["conclusion"] == "failure", run["output"]
    assert "REST API instead" not in run["output"]["summary"]
    assert len(run["annotations"]) == 1
    state = sandbox.state()
    comments = review_comments(state)
    assert [c["path"] for c in comments] == ["tests/integration/area_0/test_area_0.py"]

    api = [e for e in state["requests"] if not e["path"].startswith("/_sandbox")]
    git = [e for e in api if ".git/" in e["path"]]
    rest = [e for e in api if e not in git]
    assert not [e for e in api if e["status"] in (403, 429)]  # no limit was hit
    assert len(rest) <= REST_BUDGET, sorted(f"{e['method']} {e['path']}" for e in rest)
    fetches = [e for e in git if e["path"].endswith("/info/refs")]
    assert len(fetches) == 2  # commits and trees, then one batch of blobs
