"""Each refusal answers GitHub's status code and error body."""

from __future__ import annotations

import time

import httpx
import pytest

from bot.sandbox.launcher import write_app_keys

from .conftest import APP_ID, NAME, OWNER, World, error_body, make_jwt

R = f"/repos/{OWNER}/{NAME}"
DOCS = "https://docs.github.com/rest"
REVIEWS_DOCS = "https://docs.github.com/rest/pulls/reviews#create-a-review-for-a-pull-request"
CHECKS_DOCS = "https://docs.github.com/rest/checks/runs#create-a-check-run"

NOT_DECODED = "A JSON web token could not be decoded"
TOO_FAR = "'Expiration time' claim ('exp') is too far in the future"
EXPIRED = ("'Expiration time' claim ('exp') must be a numeric value representing the future time at which the "
           "assertion expires")
IAT = "'Issued at' claim ('iat') must be an Integer representing the time that the assertion was issued"


def as_app(world: World, token: str, method: str = "GET", path: str = "/app", scheme: str = "Bearer") -> httpx.Response:
    return httpx.request(method, world.url + path, headers={"Authorization": f"{scheme} {token}"})


def jwt_cases(world: World, other_key: bytes) -> list[tuple[str, str, str]]:
    pem = world.private_key.read_bytes()
    now = int(time.time())
    return [
        ("signed with another key", make_jwt(other_key, APP_ID), NOT_DECODED),
        ("another App's id", make_jwt(pem, APP_ID + 1), NOT_DECODED),
        ("HS256", make_jwt(pem, APP_ID, algorithm="HS256"), NOT_DECODED),
        ("unsigned (alg none)", make_jwt(pem, APP_ID, algorithm="none"), NOT_DECODED),
        ("not a JWT", "eyJhbGciOi.garbage.x", "Bad credentials"),
        ("exp 11 minutes after iat", make_jwt(pem, APP_ID, iat=now - 10, exp=now + 650), TOO_FAR),
        ("exp 10 minutes and 1 s ahead", make_jwt(pem, APP_ID, iat=now, exp=now + 601), TOO_FAR),
        ("expired", make_jwt(pem, APP_ID, iat=now - 700, exp=now - 100), EXPIRED),
        ("exp not numeric", make_jwt(pem, APP_ID, exp="soon"), EXPIRED),
        ("iat in the future", make_jwt(pem, APP_ID, iat=now + 120, exp=now + 300), IAT),
        ("no iss", make_jwt(pem, APP_ID, drop=("iss",)), "Missing 'issuer' claim ('iss') in assertion"),
        ("iss not an integer", make_jwt(pem, "my-app"), "'Issuer' claim ('iss') must be an Integer"),
    ]


def test_bad_jwts_get_401_with_githubs_body(world: World, tmp_path) -> None:
    other_private, _ = write_app_keys(tmp_path)
    for label, token, message in jwt_cases(world, other_private.read_bytes()):
        for path in ("/app", "/app/installations/1/access_tokens"):
            method = "POST" if path.endswith("access_tokens") else "GET"
            response = as_app(world, token, method, path)
            assert response.status_code == 401, (label, path, response.text)
            body = error_body(response)
            assert body == {"message": message, "documentation_url": DOCS, "status": "401"}, label
            assert response.headers["x-ratelimit-limit"]


def test_good_jwts_are_accepted_in_every_allowed_form(world: World) -> None:
    pem = world.private_key.read_bytes()
    now = int(time.time())
    for token in (make_jwt(pem, APP_ID), make_jwt(pem, str(APP_ID)), make_jwt(pem, "Iv1.0000000000067932"),
                  make_jwt(pem, APP_ID, iat=now, exp=now + 600)):
        assert as_app(world, token).status_code == 200
    # A JWT must be sent as Bearer; `token` is only for installation tokens (NOTES §2.10).
    assert as_app(world, make_jwt(pem, APP_ID), scheme="token").status_code == 401


def test_installation_token_refusals(world: World) -> None:
    token = world.token()
    with world.client(token) as c:
        assert c.get(f"{R}/pulls/1").status_code == 200
        # An installation token where the App's JWT is needed.
        response = c.get("/app")
        assert response.status_code == 401 and error_body(response)["message"] == NOT_DECODED
    assert world.sandbox.expire_tokens(token) == 1
    with world.client(token) as c:
        response = c.get(f"{R}/pulls/1")
    assert response.status_code == 401
    assert error_body(response) == {"message": "Bad credentials", "documentation_url": DOCS, "status": "401"}
    for header in ("token ghs_unknown000000000000000000000000000", "Bearer ghs_unknown", "Basic dXNlcjpwYXNz"):
        response = httpx.get(world.url + f"{R}/pulls/1", headers={"Authorization": header})
        assert response.status_code == 401 and error_body(response)["message"] == "Bad credentials", header
    # Bearer works for installation tokens too.
    fresh = world.token()
    assert httpx.get(world.url + f"{R}/pulls/1", headers={"Authorization": f"Bearer {fresh}"}).status_code == 200


def test_token_expires_after_its_lifetime(world: World) -> None:
    response = httpx.post(f"{world.url}/app/installations/1/access_tokens",
                          headers={"Authorization": f"Bearer {world.app_jwt()}"})
    expires = response.json()["expires_at"]
    from datetime import datetime, timezone

    left = datetime.strptime(expires, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=timezone.utc).timestamp() - time.time()
    assert 3590 <= left <= 3601  # one hour


def test_line_outside_the_diff_rejects_the_whole_review(world: World) -> None:
    before = len(world.sandbox.state()["review_comments"])
    with world.client() as c:
        cases = [
            ({"path": "tests/integration/test_api.py", "line": 10, "side": "RIGHT", "body": "not in a hunk"},
             "Pull request review thread line must be part of the diff and Pull request review thread diff hunk "
             "can't be blank"),
            ({"path": "src/app.py", "line": 40, "side": "LEFT", "body": "past the hunk"},
             "Pull request review thread line must be part of the diff and Pull request review thread diff hunk "
             "can't be blank"),
            ({"path": "not/in/the/pull.py", "line": 1, "body": "unknown path"},
             "Pull request review thread path is invalid and Pull request review thread diff hunk can't be blank"),
            ({"path": "src/app.py", "start_line": 3, "line": 36, "body": "two hunks"},
             "Pull request review thread start line must be part of the same hunk as the line."),
            ({"path": "src/app.py", "start_line": 3, "line": 3, "body": "start == end"},
             "Pull request review thread start line must precede the end line."),
        ]
        for bad, message in cases:
            good = {"path": "tests/integration/test_api.py", "line": 2, "side": "RIGHT", "body": "fine"}
            response = c.post(f"{R}/pulls/1/reviews", json={"event": "COMMENT", "body": "b", "comments": [good, bad]})
            assert response.status_code == 422, bad
            assert error_body(response) == {"message": "Unprocessable Entity", "errors": [message],
                                            "documentation_url": REVIEWS_DOCS, "status": "422"}
        # The single-comment endpoint words it as "Validation Failed" with error objects.
        single = c.post(f"{R}/pulls/1/comments", json={"body": "x", "commit_id": world.repo.head,
                                                        "path": "src/app.py", "line": 20})
        assert single.status_code == 422
        assert error_body(single)["message"] == "Validation Failed"
        assert error_body(single)["errors"] == [{
            "resource": "PullRequestReviewComment", "code": "custom", "field": "pull_request_review_thread.line",
            "message": "pull_request_review_thread.line must be part of the diff"}]
        request_changes = c.post(f"{R}/pulls/1/reviews", json={"event": "REQUEST_CHANGES"})
        assert request_changes.status_code == 422
        assert error_body(request_changes)["errors"] == ["You need to leave a comment indicating the requested changes."]
    state = world.sandbox.state()
    assert len(state["review_comments"]) == before  # all or nothing: nothing was posted


def test_51_annotations_are_refused(world: World) -> None:
    annotation = {"path": "src/app.py", "start_line": 3, "end_line": 3, "annotation_level": "failure", "message": "m"}
    with world.client() as c:
        created = c.post(f"{R}/check-runs", json={"name": "limits", "head_sha": world.repo.head,
                                                  "status": "in_progress"}).json()
        for method, path, body in (
            ("POST", f"{R}/check-runs", {"name": "limits", "head_sha": world.repo.head,
                                         "output": {"title": "t", "summary": "s", "annotations": [annotation] * 51}}),
            ("PATCH", f"{R}/check-runs/{created['id']}", {"output": {"summary": "s", "annotations": [annotation] * 51}}),
        ):
            response = c.request(method, path, json=body)
            assert response.status_code == 422
            body = error_body(response)
            assert body["message"] == "Invalid request.\n\nNo more than 50 items are allowed; 51 were supplied."
            assert body["status"] == "422" and body["documentation_url"].startswith(CHECKS_DOCS.rsplit("#", 1)[0])
        run = c.get(f"{R}/check-runs/{created['id']}").json()
        assert run["output"]["annotations_count"] == 0
        # Columns only on single-line annotations; GitHub's "Validation Failed" for the rest.
        wide = dict(annotation, end_line=4, start_column=1, end_column=2)
        response = c.patch(f"{R}/check-runs/{created['id']}", json={"output": {"summary": "s", "annotations": [wide]}})
        assert response.status_code == 422 and error_body(response)["errors"] == [
            {"resource": "CheckRun", "code": "invalid", "field": "annotations"}]


@pytest.mark.parametrize(
    ("method", "path", "body", "message"),
    [
        ("POST", "/check-runs", {"head_sha": "HEAD"}, 'Invalid request.\n\n"name" wasn\'t supplied.'),
        ("POST", "/check-runs", {"name": "x"}, 'Invalid request.\n\n"head_sha" wasn\'t supplied.'),
        ("POST", "/check-runs", {"name": "x", "head_sha": "HEAD", "status": "completed"},
         'Invalid request.\n\nNo subschema in "oneOf" matched.\n"conclusion" wasn\'t supplied.\n'
         'For \'oneOf/1/properties/status\', "completed" is not a member of ["queued", "in_progress"].'),
        ("POST", "/check-runs", {"name": "x", "head_sha": "HEAD", "conclusion": "great"},
         'Invalid request.\n\nFor \'properties/conclusion\', "great" is not a member of ["action_required", '
         '"cancelled", "failure", "neutral", "success", "skipped", "stale", "timed_out"].'),
        ("POST", "/check-runs", {"name": "x", "head_sha": "HEAD", "output": {"title": "t", "summary": "s" * 65536}},
         "Invalid request.\n\nOnly 65535 characters are allowed; 65536 were supplied."),
        ("POST", "/check-runs", {"name": 5, "head_sha": "HEAD"}, "Invalid request.\n\nFor 'properties/name', 5 is not a string."),
        ("PATCH", "/check-runs/RUN", {"status": "completed"},
         'Invalid request.\n\nNo subschema in "anyOf" matched.\n"conclusion" wasn\'t supplied.\n'
         'For \'anyOf/1/properties/status\', "completed" is not a member of ["queued", "in_progress"].'),
        ("POST", "/issues/1/comments", {"text": "no body"}, 'Invalid request.\n\n"body" wasn\'t supplied.'),
        ("POST", "/statuses/HEAD", {"state": "broken"},
         'Invalid request.\n\nFor \'properties/state\', "broken" is not a member of ["error", "failure", "pending", '
         '"success"].'),
        ("POST", "/pulls/1/reviews", {"event": "LGTM"},
         'Invalid request.\n\nFor \'properties/event\', "LGTM" is not a member of ["APPROVE", "REQUEST_CHANGES", '
         '"COMMENT"].'),
        ("POST", "/pulls/1/reviews", {"comments": [{"line": 2}]},
         'Invalid request.\n\n"body", "path" weren\'t supplied.'),
        # Operations beyond the OpenAPI subset are validated against their docs pages' bodies.
        ("POST", "/pulls/1/comments/1/replies", {"text": "no body"}, 'Invalid request.\n\n"body" wasn\'t supplied.'),
        ("POST", "/pulls/1/reviews/1/events", {"event": 5}, "Invalid request.\n\nFor 'properties/event', 5 is not a string."),
    ],
)
def test_invalid_bodies_get_422_in_githubs_shape(world: World, method: str, path: str, body: dict, message: str) -> None:
    with world.client() as c:
        run = c.post(f"{R}/check-runs", json={"name": "target", "head_sha": world.repo.head}).json()
        path = path.replace("RUN", str(run["id"])).replace("HEAD", world.repo.head)
        body = {k: (world.repo.head if v == "HEAD" else v) for k, v in body.items()}
        response = c.request(method, R + path, json=body)
    assert response.status_code == 422, response.text
    data = error_body(response)
    assert data["message"] == message
    assert data["status"] == "422" and data["documentation_url"].startswith("https://docs.github.com/rest/")


def test_access_is_checked_before_the_body(world: World) -> None:
    """A caller learns nothing about an operation's body before it may call the operation."""
    bad = {"name": 5}
    with world.client() as c:
        assert c.post(f"/repos/{OWNER}/elsewhere/check-runs", json=bad).status_code == 404
        assert c.post(f"{R}/pulls/999/reviews", json={"event": "LGTM"}).status_code == 404
    with world.client(world.token(permissions={"contents": "read"})) as c:
        assert c.post(f"{R}/check-runs", json=bad).status_code == 403


def test_unparsable_bodies_get_400(world: World) -> None:
    with world.client() as c:
        broken = c.post(f"{R}/check-runs", content=b"{not json", headers={"Content-Type": "application/json"})
        array = c.post(f"{R}/check-runs", json=[1, 2])
    assert broken.status_code == 400 and error_body(broken)["message"] == "Problems parsing JSON"
    assert array.status_code == 400 and error_body(array)["message"] == "Body should be a JSON object"


def test_unknown_repository_pull_and_installation_are_404(world: World) -> None:
    with world.client() as c:
        for path, docs in (
            (f"/repos/{OWNER}/other-repo", "https://docs.github.com/rest/repos/repos#get-a-repository"),
            (f"/repos/someone-else/{NAME}/pulls/1", "https://docs.github.com/rest/pulls/pulls#get-a-pull-request"),
            (f"{R}/pulls/2", "https://docs.github.com/rest/pulls/pulls#get-a-pull-request"),
            (f"/repos/{OWNER}/other-repo/pulls/1/files",
             "https://docs.github.com/rest/pulls/pulls#list-pull-requests-files"),
        ):
            response = c.get(path)
            assert response.status_code == 404, path
            assert error_body(response) == {"message": "Not Found", "documentation_url": docs, "status": "404"}
        posted = c.post(f"/repos/{OWNER}/other-repo/check-runs", json={"name": "x", "head_sha": world.repo.head})
        assert posted.status_code == 404
    jwt_header = {"Authorization": f"Bearer {world.app_jwt()}"}
    assert httpx.post(f"{world.url}/app/installations/2/access_tokens", headers=jwt_header).status_code == 404
    assert httpx.get(f"{world.url}/repos/{OWNER}/other-repo/installation", headers=jwt_header).status_code == 404
    # Without credentials a private repository is not there at all.
    assert httpx.get(f"{world.url}{R}/pulls/1").status_code == 404


def test_missing_permission_is_403_with_accepted_permissions(world: World) -> None:
    token = world.token(permissions={"contents": "read", "pull_requests": "read"})
    with world.client(token) as c:
        assert c.get(f"{R}/pulls/1").status_code == 200
        response = c.post(f"{R}/check-runs", json={"name": "x", "head_sha": world.repo.head})
    assert response.status_code == 403
    assert error_body(response)["message"] == "Resource not accessible by integration"
    assert response.headers["x-accepted-github-permissions"] == "checks=write"
    too_much = httpx.post(f"{world.url}/app/installations/1/access_tokens",
                          headers={"Authorization": f"Bearer {world.app_jwt()}"},
                          json={"permissions": {"administration": "write"}})
    assert too_much.status_code == 422
    assert error_body(too_much)["message"] == "The permissions requested are not granted to this installation."


def test_unknown_head_sha_is_422(world: World) -> None:
    with world.client() as c:
        response = c.post(f"{R}/check-runs", json={"name": "x", "head_sha": "f" * 40})
    assert response.status_code == 422 and error_body(response)["message"] == f"No commit found for SHA: {'f' * 40}"


def test_user_agent_and_api_version(world: World) -> None:
    token = world.token()
    headers = {"Authorization": f"token {token}"}
    no_agent = httpx.get(f"{world.url}{R}/pulls/1", headers={**headers, "User-Agent": ""})
    assert no_agent.status_code == 403 and "User-Agent" in error_body(no_agent)["message"]
    old = httpx.get(f"{world.url}{R}/pulls/1", headers={**headers, "X-GitHub-Api-Version": "2019-01-01"})
    assert old.status_code == 400 and error_body(old)["message"] == "API version 2019-01-01 is not supported."
    current = httpx.get(f"{world.url}{R}/pulls/1", headers={**headers, "X-GitHub-Api-Version": "2022-11-28"})
    assert current.status_code == 200 and current.headers["x-github-api-version-selected"] == "2022-11-28"


def test_app_jwt_does_not_reach_repository_endpoints(world: World) -> None:
    response = httpx.get(f"{world.url}{R}/pulls/1", headers={"Authorization": f"Bearer {world.app_jwt()}"})
    assert response.status_code == 403
    assert error_body(response)["message"] == "Resource not accessible by integration"
