"""`mockguard demo --repo PATH --base REF --head REF` on a repository of the user's: their rules file on
the base side applies; `--keep` leaves the page up until Ctrl-C; pull request content is escaped."""

from __future__ import annotations

import json
import re
from pathlib import Path

import httpx
import pytest

from tests.support.git import GitRepo, git

from .demo_process import KeptDemo, refuses_connections, run_demo

pytestmark = pytest.mark.e2e

RULES = 'version: 1\nfiles:\n  include: ["checks/**"]\n'
BASE_TEST = 'import httpx\n\n\ndef test_health(live_server):\n    assert httpx.get(live_server).status_code == 200\n'
HOSTILE = "app.api.client</script><script>alert(1)</script>"
CHECKS_HEAD = BASE_TEST + f'''

def test_orders(live_server):
    from unittest.mock import patch

    with patch("{HOSTILE}"):
        assert httpx.get(live_server + "/orders").status_code == 200
'''
# Under tests/integration/, which the default rules would cover; the base's rules file does not.
ELSEWHERE = 'from unittest.mock import patch\n\n\n@patch("app.mailer.send")\ndef test_mail(send):\n    pass\n'
SUBJECT = "Orders check <img src=x onerror=alert(1)> & co"
BODY = '<script>alert("body")</script>\n\n<details><summary>More</summary>\n\n**fine**\n</details>'


@pytest.fixture
def user_repo(tmp_path: Path) -> Path:
    repo = GitRepo(tmp_path / "their-repo")
    repo.commit_files({".github/mockguard.yml": RULES, "checks/test_api.py": BASE_TEST}, "base")
    repo.switch("feature")
    repo.commit_files({"checks/test_api.py": CHECKS_HEAD, "tests/integration/test_mail.py": ELSEWHERE},
                      f"{SUBJECT}\n\n{BODY}")
    return repo.root


def test_their_range_their_rules_the_page_until_ctrl_c(tmp_path, user_repo):
    before = git(user_repo, "status", "--porcelain", "--ignored")
    demo = KeptDemo(tmp_path, "--repo", str(user_repo), "--base", "main", "--head", "feature",
                    "--json", str(tmp_path / "result.json"))
    try:
        demo.wait_serving()
        result = json.loads((tmp_path / "result.json").read_text())
        patch_line = CHECKS_HEAD.splitlines().index(f'    with patch("{HOSTILE}"):') + 1
        # Only checks/ is an integration test folder by the base's rules file.
        assert [(c["path"], c["line"], c["rule"]) for c in result["comments"]] == [
            ("checks/test_api.py", patch_line, "MG101")]
        assert result["check_run"]["conclusion"] == "failure"
        assert result["repository"]["name"] == "their-repo"

        page = httpx.get(result["page_url"], timeout=10)
        assert page.status_code == 200
        assert page.headers["content-type"].startswith("text/html")
        html = page.text
        assert "<script" not in html.lower()
        assert "<img" not in html.lower()
        assert "Orders check &lt;img src=x onerror=alert(1)&gt; &amp; co" in html
        assert "<details><summary>More</summary>" in html and "<strong>fine</strong>" in html
        assert 'class="line add"' in html and 'data-path="checks/test_api.py"' in html
        # the check run's html_url leads to its place on the page
        run_page = httpx.get(result["sandbox_url"] + "/_sandbox/web/local/their-repo/runs/"
                             + str(_check_run_id(result)), timeout=10, follow_redirects=True)
        assert run_page.status_code == 200 and run_page.url.fragment.startswith("check-run-")
        assert httpx.get(result["sandbox_url"] + "/_sandbox/web/local/their-repo/pull/2", timeout=10).status_code == 404

        assert demo.interrupt() == 0
        assert "Stopped." in demo.output
        assert refuses_connections(result["sandbox_url"] + "/_sandbox/state")
        assert refuses_connections(result["service_url"] + "/healthz")
        kept = Path(re.search(r"Files kept in (\S+)", demo.output).group(1))
        assert (kept / "sample-repo").exists() is False and (kept / "serve.log").exists()
    finally:
        demo.close()
    assert git(user_repo, "status", "--porcelain", "--ignored") == before  # their repository is untouched


def _check_run_id(result: dict) -> int:
    state = httpx.get(result["sandbox_url"] + "/_sandbox/state?requests=false", timeout=10).json()
    return state["check_runs"][-1]["id"]


def test_usage_errors_leave_nothing_behind(tmp_path, user_repo):
    done = run_demo(tmp_path, "--base", "main")
    assert done.returncode == 2 and "--base and --head go with --repo" in done.stderr
    done = run_demo(tmp_path, "--repo", str(user_repo), "--base", "no-such-branch")
    assert done.returncode == 1
    assert "--base 'no-such-branch' is not a commit" in done.stdout
    assert list((tmp_path / "tmpdir").iterdir()) == []
