"""GitHub's REST behaviour over real HTTP: shapes, pagination, git data, checks, comments, statuses."""

from __future__ import annotations

import base64
import re
import subprocess

import httpx
import pytest

from bot.sandbox import schemas

from .conftest import NAME, OWNER, World

R = f"/repos/{OWNER}/{NAME}"


def valid(method: str, spec_path: str, response: httpx.Response) -> dict:
    """The answer, after checking it against the OpenAPI subset's schema for its status."""
    validator = schemas.response_validator(method, spec_path, response.status_code)
    assert validator is not None, (method, spec_path, response.status_code)
    data = response.json()
    problems = sorted(validator.iter_errors(data), key=lambda e: list(e.absolute_path))
    assert not problems, [f"{list(p.absolute_path)}: {p.message}" for p in problems[:5]]
    return data


def test_every_answer_carries_rate_limit_headers(world: World) -> None:
    with world.client() as c:
        for response in (c.get(R), c.get(f"{R}/pulls/99"), c.get("/rate_limit"), c.post(f"{R}/check-runs", json={})):
            for name in ("x-ratelimit-limit", "x-ratelimit-remaining", "x-ratelimit-reset", "x-ratelimit-used",
                         "x-ratelimit-resource"):
                assert name in response.headers, (response.request.url, name)
            assert response.headers["x-ratelimit-limit"] == "5000"
        data = valid("GET", "/rate_limit", c.get("/rate_limit"))
        assert data["resources"]["core"]["limit"] == 5000 and data["rate"] == data["resources"]["core"]


def test_pull_request_and_files_match_github_shapes(world: World) -> None:
    with world.client() as c:
        pull = valid("GET", "/repos/{owner}/{repo}/pulls/{pull_number}", c.get(f"{R}/pulls/1"))
        assert pull["number"] == 1 and pull["state"] == "open"
        assert pull["head"]["ref"] == "feature" and pull["base"]["ref"] == "main"
        assert pull["commits"] == 2 and pull["changed_files"] == 111
        assert pull["url"] == f"{world.url}{R}/pulls/1"
        first = c.get(f"{R}/pulls/1/files", params={"per_page": 2})
        files = valid("GET", "/repos/{owner}/{repo}/pulls/{pull_number}/files", first)
        assert len(files) == 2
        link = first.headers["link"]
        assert 'rel="next"' in link and 'rel="last"' in link and 'rel="prev"' not in link
        assert f"<{world.url}{R}/pulls/1/files?per_page=2&page=2>; rel=\"next\"" in link
        assert f"page=56>; rel=\"last\"" in link
        middle = c.get(f"{R}/pulls/1/files", params={"per_page": 2, "page": 3})
        assert all(f'rel="{rel}"' in middle.headers["link"] for rel in ("prev", "next", "last", "first"))
        capped = c.get(f"{R}/pulls/1/files", params={"per_page": 500})
        assert len(capped.json()) == 100  # per_page is at most 100
        everything = [f for page in (1, 2) for f in c.get(f"{R}/pulls/1/files",
                                                          params={"per_page": 100, "page": page}).json()]
        assert len(everything) == 111
        assert c.get(f"{R}/pulls/1/files", params={"per_page": 100, "page": 2}).headers["link"].count("rel=") == 2


def test_patch_is_the_unified_diff_hunks(world: World) -> None:
    with world.client() as c:
        files = {f["filename"]: f for page in (1, 2)
                 for f in c.get(f"{R}/pulls/1/files", params={"per_page": 100, "page": page}).json()}
    app = files["src/app.py"]
    assert app["patch"].startswith("@@ -1,6 +1,6 @@")
    assert app["patch"].count("\n@@ ") == 1  # two hunks
    assert "-VALUE_3 = 3\n+VALUE_3 = 'three'" in app["patch"]
    assert (app["additions"], app["deletions"], app["changes"]) == (2, 2, 4)
    assert "patch" not in files["data/logo.png"]
    assert "patch" not in files["big.txt"] and files["big.txt"]["additions"] == 600
    diff = subprocess.run(["git", "-C", str(world.repo.path), "diff", world.repo.base, world.repo.head, "--",
                           "tests/integration/test_api.py"], capture_output=True, text=True, check=True).stdout
    assert files["tests/integration/test_api.py"]["patch"] == diff[diff.index("@@"):].rstrip("\n")


def test_contents_blobs_trees_commits_and_compare(world: World) -> None:
    with world.client() as c:
        content = valid("GET", "/repos/{owner}/{repo}/contents/{path}",
                        c.get(f"{R}/contents/tests/integration/test_api.py", params={"ref": world.repo.base}))
        assert content["type"] == "file" and content["encoding"] == "base64"
        text = base64.b64decode(content["content"]).decode()
        assert "from unittest import mock" not in text and text.startswith("import httpx")
        head_text = c.get(f"{R}/contents/tests/integration/test_api.py", params={"ref": "feature"}).json()
        assert "from unittest import mock" in base64.b64decode(head_text["content"]).decode()
        raw = c.get(f"{R}/contents/src/app.py", headers={"Accept": "application/vnd.github.raw"})
        assert raw.content.decode().startswith("VALUE_1 = 1")
        listing = c.get(f"{R}/contents/tests", params={"ref": world.repo.head}).json()
        assert [(e["name"], e["type"]) for e in listing] == [("integration", "dir")]
        assert c.get(f"{R}/contents/nope.py").status_code == 404

        blob = valid("GET", "/repos/{owner}/{repo}/git/blobs/{file_sha}", c.get(f"{R}/git/blobs/{content['sha']}"))
        assert base64.b64decode(blob["content"]).decode() == text and blob["size"] == len(text.encode())
        assert c.get(f"{R}/git/blobs/{'0' * 40}").status_code == 404

        tree = valid("GET", "/repos/{owner}/{repo}/git/trees/{tree_sha}",
                     c.get(f"{R}/git/trees/{world.repo.head}", params={"recursive": "1"}))
        assert "many/gen_104.py" in {e["path"] for e in tree["tree"]} and tree["truncated"] is False

        commit = valid("GET", "/repos/{owner}/{repo}/commits/{ref}", c.get(f"{R}/commits/{world.repo.head}"))
        assert commit["sha"] == world.repo.head and commit["commit"]["message"] == "More files"
        assert len(commit["files"]) == 109 and commit["parents"][0]["sha"] != world.repo.base

        compare = valid("GET", "/repos/{owner}/{repo}/compare/{basehead}",
                        c.get(f"{R}/compare/{world.repo.base}...{world.repo.head}"))
        assert compare["status"] == "ahead" and compare["ahead_by"] == 2 and compare["behind_by"] == 0
        assert len(compare["files"]) == 111 and len(compare["commits"]) == 2
        assert c.get(f"{R}/compare/main...feature").json()["ahead_by"] == 2
        diff = c.get(f"{R}/pulls/1", headers={"Accept": "application/vnd.github.diff"})
        assert diff.status_code == 200 and diff.text.startswith("diff --git ")


def test_repository_installation_and_app(world: World) -> None:
    with world.client() as c:
        repo = valid("GET", "/repos/{owner}/{repo}/installation", httpx.get(
            f"{world.url}{R}/installation", headers={"Authorization": f"Bearer {world.app_jwt()}"}))
        assert repo["id"] == 1 and repo["app_id"] == 424242
        app = valid("GET", "/app", httpx.get(f"{world.url}/app", headers={"Authorization": f"Bearer {world.app_jwt()}"}))
        assert app["id"] == 424242 and app["slug"] == "mockguard"
        assert c.get(R).json()["full_name"] == f"{OWNER}/{NAME}"
        assert [p["number"] for p in c.get(f"{R}/pulls").json()] == [1]
        listed = c.get("/installation/repositories").json()
        assert listed["total_count"] == 1 and listed["repositories"][0]["name"] == NAME


def test_check_runs_follow_githubs_rules(world: World) -> None:
    head = world.repo.head
    with world.client() as c:
        created = c.post(f"{R}/check-runs", json={"name": "rules", "head_sha": head})
        run = valid("POST", "/repos/{owner}/{repo}/check-runs", created)
        assert created.status_code == 201 and run["status"] == "queued" and run["conclusion"] is None
        # Giving a conclusion completes the run.
        done = c.post(f"{R}/check-runs", json={"name": "rules", "head_sha": head, "conclusion": "success",
                                                 "output": {"title": "ok", "summary": "fine"}}).json()
        assert done["status"] == "completed" and done["completed_at"] is not None
        # Annotations are appended, 50 per request.
        batch = [{"path": "src/app.py", "start_line": 3, "end_line": 3, "annotation_level": "warning",
                  "message": f"m{i}"} for i in range(50)]
        for _ in range(2):
            updated = c.patch(f"{R}/check-runs/{run['id']}", json={"output": {"summary": "s", "annotations": batch}})
            valid("PATCH", "/repos/{owner}/{repo}/check-runs/{check_run_id}", updated)
        assert updated.json()["output"]["annotations_count"] == 100
        annotations = c.get(f"{R}/check-runs/{run['id']}/annotations", params={"per_page": 100}).json()
        assert len(annotations) == 100 and annotations[0]["message"] == "m0"
        # The list for a ref shows the latest run per name, or all of them with filter=all.
        latest = valid("GET", "/repos/{owner}/{repo}/commits/{ref}/check-runs",
                       c.get(f"{R}/commits/{head}/check-runs", params={"check_name": "rules"}))
        assert latest["total_count"] == 1 and latest["check_runs"][0]["id"] == done["id"]
        every = c.get(f"{R}/commits/feature/check-runs", params={"check_name": "rules", "filter": "all"}).json()
        assert every["total_count"] == 2
        assert run["pull_requests"][0]["number"] == 1
        suite = c.post(f"{R}/check-suites", json={"head_sha": head})
        assert suite.status_code == 200 and suite.json()["head_sha"] == head


def test_review_comments_single_list_edit_delete(world: World) -> None:
    head = world.repo.head
    with world.client() as c:
        single = c.post(f"{R}/pulls/1/comments", json={
            "body": "on the base side", "commit_id": head, "path": "src/app.py", "line": 3, "side": "LEFT"})
        comment = valid("POST", "/repos/{owner}/{repo}/pulls/{pull_number}/comments", single)
        assert single.status_code == 201 and comment["side"] == "LEFT" and comment["line"] == 3
        assert comment["diff_hunk"].startswith("@@ -1,6 +1,6 @@") and comment["diff_hunk"].endswith("-VALUE_3 = 3")
        multi = c.post(f"{R}/pulls/1/comments", json={
            "body": "range", "commit_id": head, "path": "src/app.py", "start_line": 1, "line": 3, "side": "RIGHT"})
        assert multi.status_code == 201 and multi.json()["start_line"] == 1
        reply = c.post(f"{R}/pulls/1/comments", json={"body": "reply", "in_reply_to": comment["id"],
                                                       "commit_id": head, "path": "ignored"})
        assert reply.status_code == 201 and reply.json()["in_reply_to_id"] == comment["id"]
        assert reply.json()["path"] == "src/app.py"
        file_level = c.post(f"{R}/pulls/1/comments", json={
            "body": "whole file", "commit_id": head, "path": "big.txt", "subject_type": "file"})
        assert file_level.status_code == 201 and file_level.json()["subject_type"] == "file"

        edited = c.patch(f"{R}/pulls/comments/{comment['id']}", json={"body": "edited"})
        assert valid("PATCH", "/repos/{owner}/{repo}/pulls/comments/{comment_id}", edited)["body"] == "edited"
        ids = [x["id"] for x in c.get(f"{R}/pulls/1/comments", params={"per_page": 100}).json()]
        assert comment["id"] in ids
        assert c.delete(f"{R}/pulls/comments/{comment['id']}").status_code == 204
        assert c.get(f"{R}/pulls/comments/{comment['id']}").status_code == 404
        assert c.delete(f"{R}/pulls/comments/{comment['id']}").status_code == 404
        ids = [x["id"] for x in c.get(f"{R}/pulls/1/comments", params={"per_page": 100}).json()]
        assert comment["id"] not in ids

        # The position form (closing down, still accepted): position 3 of src/app.py is its "+" line.
        review = c.post(f"{R}/pulls/1/reviews", json={"event": "COMMENT", "comments": [
            {"path": "src/app.py", "position": 4, "body": "by position"}]})
        assert review.status_code == 200
        posted = c.get(f"{R}/pulls/1/reviews/{review.json()['id']}/comments").json()
        assert (posted[0]["line"], posted[0]["side"]) == (3, "RIGHT")
        reviews = valid("GET", "/repos/{owner}/{repo}/pulls/{pull_number}/reviews", c.get(f"{R}/pulls/1/reviews"))
        assert review.json()["id"] in {r["id"] for r in reviews}


def test_issue_comments_create_list_edit(world: World) -> None:
    with world.client() as c:
        created = c.post(f"{R}/issues/1/comments", json={"body": "summary v1"})
        comment = valid("POST", "/repos/{owner}/{repo}/issues/{issue_number}/comments", created)
        assert created.status_code == 201 and comment["user"]["login"] == "mockguard[bot]"
        assert comment["performed_via_github_app"]["id"] == 424242
        edited = c.patch(f"{R}/issues/comments/{comment['id']}", json={"body": "summary v2"})
        assert valid("PATCH", "/repos/{owner}/{repo}/issues/comments/{comment_id}", edited)["body"] == "summary v2"
        listed = valid("GET", "/repos/{owner}/{repo}/issues/{issue_number}/comments", c.get(f"{R}/issues/1/comments"))
        assert [x["body"] for x in listed if x["id"] == comment["id"]] == ["summary v2"]
        assert c.post(f"{R}/issues/7/comments", json={"body": "x"}).status_code == 404
    state = world.sandbox.state()
    assert {"id": comment["id"], "issue_number": 1, "body": "summary v2"}.items() <= next(
        x for x in state["issue_comments"] if x["id"] == comment["id"]).items()


def test_commit_statuses(world: World) -> None:
    with world.client() as c:
        created = c.post(f"{R}/statuses/{world.repo.head}", json={"state": "failure", "context": "mockguard",
                                                                  "description": "2 new mocks"})
        status = valid("POST", "/repos/{owner}/{repo}/statuses/{sha}", created)
        assert created.status_code == 201 and status["state"] == "failure"
        combined = c.get(f"{R}/commits/{world.repo.head}/status").json()
        assert combined["state"] == "failure" and combined["total_count"] == 1
        unknown = c.post(f"{R}/statuses/{'1' * 40}", json={"state": "success"})
        assert unknown.status_code == 422 and unknown.json()["message"] == f"No commit found for SHA: {'1' * 40}"


def test_state_lists_requests(world: World) -> None:
    with world.client() as c:
        c.get(f"{R}/pulls/1")
    requests = world.sandbox.state()["requests"]
    assert {"method": "GET", "path": f"{R}/pulls/1", "status": 200}.items() <= requests[-1].items()
    assert all(re.match(r"^/", r["path"]) for r in requests)
    assert "requests" not in world.sandbox.state(requests=False)


@pytest.mark.parametrize("path", [f"{R}/", f"{R}/pulls/abc", f"{R}/nothing-here"])
def test_unknown_paths_are_404(world: World, path: str) -> None:
    with world.client() as c:
        response = c.get(path)
    assert response.status_code == 404 and response.json()["message"] == "Not Found"
