"""PyGithub, unchanged but for its base URL, drives the whole App flow against the sandbox."""

from __future__ import annotations

import github
from github import Auth

from .conftest import APP_ID, NAME, OWNER, World


def test_pygithub_app_flow(world: World) -> None:
    app_auth = Auth.AppAuth(APP_ID, world.private_key.read_text())
    integration = github.GithubIntegration(auth=app_auth, base_url=world.url)

    installations = list(integration.get_installations())
    assert [i.id for i in installations] == [1]
    assert integration.get_repo_installation(OWNER, NAME).id == 1
    token = integration.get_access_token(1)
    assert token.token.startswith("ghs_") and token.expires_at is not None

    gh = github.Github(auth=Auth.Token(token.token), base_url=world.url)
    repo = gh.get_repo(f"{OWNER}/{NAME}")
    assert repo.full_name == f"{OWNER}/{NAME}" and repo.private

    pull = repo.get_pull(1)
    assert pull.head.sha == world.repo.head and pull.base.sha == world.repo.base
    assert pull.title == "Add mocks to the integration tests"
    files = list(pull.get_files())  # PyGithub follows the Link headers across pages
    assert len(files) == pull.changed_files == 111
    by_name = {f.filename: f for f in files}
    assert "+from unittest import mock" in by_name["tests/integration/test_api.py"].patch
    assert by_name["data/logo.png"].patch is None  # binary: no patch, as on GitHub
    assert by_name["big.txt"].patch is None  # over --max-patch-lines
    assert by_name["docs/new_name.md"].status == "renamed"
    assert by_name["docs/new_name.md"].previous_filename == "docs/old_name.md"
    assert by_name["removed.py"].status == "removed"

    head_commit = repo.get_commit(pull.head.sha)
    review = pull.create_review(
        commit=head_commit,
        body="mockguard found 2 new mocks",
        event="COMMENT",
        comments=[
            {"path": "tests/integration/test_api.py", "line": 2, "side": "RIGHT", "body": "mock imported"},
            {"path": "tests/integration/test_api.py", "line": 26, "side": "RIGHT", "body": "patch decorator"},
        ],
    )
    assert review.state == "COMMENTED" and review.commit_id == pull.head.sha
    comments = list(pull.get_review_comments())
    assert {(c.path, c.line, c.body) for c in comments} >= {
        ("tests/integration/test_api.py", 2, "mock imported"),
        ("tests/integration/test_api.py", 26, "patch decorator"),
    }

    run = repo.create_check_run(name="mockguard", head_sha=pull.head.sha, status="in_progress")
    assert run.status == "in_progress" and run.conclusion is None
    run.edit(
        status="completed",
        conclusion="failure",
        output={
            "title": "2 new mocks",
            "summary": "| file | mocks |\n| --- | --- |\n| tests/integration/test_api.py | 2 |",
            "annotations": [
                {"path": "tests/integration/test_api.py", "start_line": 2, "end_line": 2,
                 "annotation_level": "failure", "message": "new mock"},
            ],
        },
    )
    assert run.status == "completed" and run.conclusion == "failure"
    listed = list(head_commit.get_check_runs(check_name="mockguard"))
    assert [r.id for r in listed] == [run.id]

    state = world.sandbox.state()
    posted = next(r for r in state["reviews"] if r["id"] == review.id)
    assert posted["event"] == "COMMENT" and posted["body"] == "mockguard found 2 new mocks"
    assert posted["commit_id"] == world.repo.head
    assert [(c["path"], c["line"], c["side"], c["body"]) for c in posted["comments"]] == [
        ("tests/integration/test_api.py", 2, "RIGHT", "mock imported"),
        ("tests/integration/test_api.py", 26, "RIGHT", "patch decorator"),
    ]
    check = next(r for r in state["check_runs"] if r["id"] == run.id)
    assert check["head_sha"] == world.repo.head
    assert check["status"] == "completed" and check["conclusion"] == "failure"
    assert check["output"]["title"] == "2 new mocks" and check["output"]["annotations_count"] == 1
    assert {"method": "POST", "path": f"/repos/{OWNER}/{NAME}/pulls/1/reviews", "status": 200}.items() <= next(
        r for r in state["requests"] if r["path"].endswith("/pulls/1/reviews") and r["method"] == "POST"
    ).items()
