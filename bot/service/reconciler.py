"""GitHub does not redeliver a failed delivery by itself, so the service looks for itself: each
open pull request of each installation whose head has no completed mockguard check gets a job
(bounded per scan; requests go through the same polite, per-installation client, and are
conditional: a scan that finds nothing changed costs no rate limit)."""

from __future__ import annotations

import logging
from collections.abc import Callable

from bot.github import GitHubApp, GitHubRequestError

log = logging.getLogger("mockguard.reconciler")


def reconcile(github: GitHubApp, check_name: str, app_id: int, limit: int,
              is_done: Callable[[str, int, str], bool],
              request_review: Callable[[int, str, int, str, str | None], bool],
              installation_ids: list[int] | None = None) -> int:
    queued = 0
    ids = installation_ids if installation_ids is not None else github.installation_ids()
    for installation_id in ids:
        inst = github.installation(installation_id)
        try:
            for repo in inst.repositories():
                for pull in inst.open_pulls(repo):
                    number, head = pull.number, pull.head_sha
                    if is_done(repo, number, head):
                        continue
                    runs = inst.check_runs(repo, head, check_name)
                    if any(r.status == "completed" and r.app_id in (None, app_id) for r in runs):
                        continue
                    if request_review(installation_id, repo, number, head, None):
                        queued += 1
                    if queued >= limit:
                        log.info("reconcile done", extra={"queued": queued, "limited": True})
                        return queued
        except GitHubRequestError as error:
            log.warning("reconcile skipped an installation", extra={"installation": installation_id,
                                                                      "error": str(error)})
    log.info("reconcile done", extra={"queued": queued})
    return queued
