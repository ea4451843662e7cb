"""The few fields of webhook payloads the service reads, as typed values.

Payloads carry far more; pydantic ignores the rest, and a payload missing what a handler needs
fails validation (a 400), not a KeyError deep in a handler.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class _Model(BaseModel):
    model_config = ConfigDict(extra="ignore")


class InstallationRef(_Model):
    id: int


class Owner(_Model):
    login: str


class Repository(_Model):
    full_name: str
    name: str
    owner: Owner


class Commit(_Model):
    sha: str
    ref: str | None = None


class PullRequestPayload(_Model):
    number: int
    head: Commit
    base: Commit
    state: str | None = None
    draft: bool | None = None


class PullRequestEvent(_Model):
    action: str
    number: int
    pull_request: PullRequestPayload
    repository: Repository
    installation: InstallationRef


class CheckSuitePayload(_Model):
    head_sha: str
    pull_requests: list[PullRequestPayload] = []


class CheckSuiteEvent(_Model):
    action: str
    check_suite: CheckSuitePayload
    repository: Repository
    installation: InstallationRef


class CheckRunPayload(_Model):
    id: int
    name: str
    head_sha: str
    pull_requests: list[PullRequestPayload] = []
    check_suite: CheckSuitePayload | None = None


class RequestedAction(_Model):
    identifier: str


class CheckRunEvent(_Model):
    action: str
    check_run: CheckRunPayload
    repository: Repository
    installation: InstallationRef
    requested_action: RequestedAction | None = None


class InstallationEvent(_Model):
    action: str
    installation: InstallationRef
