"""A repository with a pull request #7 that adds mocks, and a runner's view of it (tests/package).

`work` has main (which moved on after the branch point) and feature (examples/sample-change's head);
`origin` is a bare copy at `<tmp>/acme/widgets.git` with refs/pull/7/head and refs/pull/7/merge, as
GitHub has them; `workspace` is what actions/checkout leaves on `pull_request`: the merge commit,
one commit deep.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

from workflow_sim import clean_env, run_composite

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = ROOT / "examples/sample-change"
PAYLOAD = ROOT / "bot/sandbox/data/webhooks/pull_request/opened.json"  # a byte-for-byte copy of GitHub's example
SHARED_PAYLOAD = ROOT.parent / "shared/github/webhooks/pull_request/opened.json"
GIT = {"GIT_CONFIG_GLOBAL": "/dev/null", "GIT_CONFIG_NOSYSTEM": "1", "GIT_AUTHOR_NAME": "t",
       "GIT_AUTHOR_EMAIL": "t@example.invalid", "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@example.invalid"}


def git(cwd: Path, *args: str) -> str:
    done = subprocess.run(["git", *args], cwd=cwd, env={**clean_env(), **GIT}, capture_output=True, text=True)
    assert done.returncode == 0, f"git {args}: {done.stderr}"
    return done.stdout.strip()


class Workflow:
    """A repository with a pull request #7 that adds mocks, and a runner's view of it."""

    def __init__(self, tmp: Path):
        self.tmp = tmp
        work = tmp / "work"
        work.mkdir()
        git(work, "init", "-q", "-b", "main")
        shutil.copytree(SAMPLE / "base", work, dirs_exist_ok=True)
        git(work, "add", "-A")
        git(work, "commit", "-qm", "base")
        self.base = git(work, "rev-parse", "HEAD")
        git(work, "checkout", "-qb", "feature")
        git(work, "rm", "-rq", ".")
        shutil.copytree(SAMPLE / "head", work, dirs_exist_ok=True)
        git(work, "add", "-A")
        git(work, "commit", "-qm", "add mocks")
        self.head = git(work, "rev-parse", "HEAD")
        git(work, "checkout", "-q", "main")
        (work / "CHANGES").write_text("the base branch moved on\n")
        git(work, "add", "-A")
        git(work, "commit", "-qm", "base moves on")
        self.base = git(work, "rev-parse", "HEAD")
        git(work, "checkout", "-q", "--detach")  # GitHub's merge commit is on no branch
        git(work, "merge", "-q", "--no-ff", "-m", "merge", "feature")
        merge = git(work, "rev-parse", "HEAD")
        git(work, "checkout", "-q", "main")
        self.work = work
        self.origin = tmp / "acme" / "widgets.git"
        self.origin.parent.mkdir()
        git(tmp, "clone", "-q", "--bare", str(work), str(self.origin))
        git(self.origin, "update-ref", "refs/pull/7/head", self.head)
        git(self.origin, "update-ref", "refs/pull/7/merge", merge)
        git(self.origin, "update-ref", "refs/heads/main", self.base)
        # actions/checkout on pull_request: the merge commit, one commit deep.
        self.workspace = tmp / "workspace"
        self.workspace.mkdir()
        git(self.workspace, "init", "-q")
        git(self.workspace, "remote", "add", "origin", self.origin.as_uri())
        git(self.workspace, "fetch", "-q", "--no-tags", "--depth=1", "origin", "+refs/pull/7/merge:refs/remotes/pull/7/merge")
        git(self.workspace, "checkout", "-q", "--detach", "refs/remotes/pull/7/merge")
        assert git(self.workspace, "rev-parse", "--is-shallow-repository") == "true"

    def event(self, name: str = "pull_request") -> Path:
        payload = json.loads(PAYLOAD.read_text())
        payload["pull_request"]["number"] = payload["number"] = 7
        payload["pull_request"]["base"].update(sha=self.base, ref="main")
        payload["pull_request"]["head"].update(sha=self.head, ref="feature")
        payload["repository"]["full_name"] = "acme/widgets"
        payload["pull_request"]["head"]["repo"]["full_name"] = "acme/widgets"
        path = self.tmp / f"event-{name}.json"
        path.write_text(json.dumps(payload))
        return path

    def run(self, inputs: dict[str, str], *, event_name: str = "pull_request", extra_env: dict | None = None,
            token: str = "unused-in-this-mode"):
        runner_temp = self.tmp / f"runner-{len(list(self.tmp.glob('runner-*')))}"
        runner_temp.mkdir()
        env = {**clean_env(), **GIT, "PATH": f"{Path(sys.executable).parent}:/usr/local/bin:/usr/bin:/bin",
               "GITHUB_EVENT_NAME": event_name, "GITHUB_EVENT_PATH": str(self.event(event_name)),
               "GITHUB_REPOSITORY": "acme/widgets", **(extra_env or {})}
        github = {"token": token, "api_url": env.get("GITHUB_API_URL", "https://api.github.com")}
        return run_composite(ROOT, inputs=inputs, github=github, env=env, workspace=self.workspace,
                             runner_temp=runner_temp)


APP_ID = 31337
INSTALLATION_ID = 1


def sandbox_for(workflow: Workflow):
    """`mockguard sandbox` serving acme/widgets with pull request #7 (main <- feature) on loopback."""
    from bot.sandbox.launcher import running_sandbox, write_app_keys

    private, public = write_app_keys(workflow.tmp / "keys")
    workflow.private_key = private.read_text()
    return running_sandbox(workflow.work, "main", "feature", "acme", "widgets", APP_ID, public, pr=7,
                           installation_id=INSTALLATION_ID)


def plain_token(url: str, private_key: str, permissions: dict[str, str]) -> str:
    """A token with exactly `permissions`, minted the way GitHub mints one (an App JWT, then
    POST /app/installations/ID/access_tokens with a narrowed `permissions`)."""
    import time

    import httpx
    import jwt

    now = int(time.time())
    assertion = jwt.encode({"iat": now - 60, "exp": now + 540, "iss": str(APP_ID)}, private_key, algorithm="RS256")
    answer = httpx.post(f"{url}/app/installations/{INSTALLATION_ID}/access_tokens",
                        headers={"Authorization": f"Bearer {assertion}", "Accept": "application/vnd.github+json",
                                 "User-Agent": "mockguard-tests", "X-GitHub-Api-Version": "2022-11-28"},
                        json={"permissions": permissions}, timeout=10)
    assert answer.status_code == 201, answer.text
    return answer.json()["token"]


WRITE_ALL = {"contents": "read", "pull_requests": "write", "checks": "write", "statuses": "write", "issues": "write"}
NO_CHECKS = {"contents": "read", "pull_requests": "write", "statuses": "write", "issues": "write"}
READ_ONLY = {"contents": "read", "pull_requests": "read"}  # a fork's pull request on `pull_request`


def workflow_token(url: str, permissions: dict[str, str]) -> str | None:
    """A workflow's GITHUB_TOKEN from the sandbox (POST /_sandbox/tokens), or None where the sandbox
    has no such endpoint."""
    import httpx

    answer = httpx.post(f"{url}/_sandbox/tokens", json={"permissions": permissions}, timeout=10)
    if answer.status_code == 404:
        return None
    assert answer.status_code == 201, answer.text
    return answer.json()["token"]
