"""What handlers may ask for: a review of a pull request's head. Shared by the web and worker roles."""

from __future__ import annotations

import logging

from .ledger import Ledger
from .metrics import Metrics
from .queue import JobQueue

log = logging.getLogger("mockguard.jobs")


class Jobs:
    def __init__(self, ledger: Ledger, queue: JobQueue, metrics: Metrics):
        self.ledger = ledger
        self.queue = queue
        self.metrics = metrics

    def request_review(self, installation_id: int, repo: str, number: int, head_sha: str,
                       delivery: str | None, force: bool = False) -> bool:
        """Queue a review unless one for this head is already queued, running or (without force) done."""
        key = self.ledger.want(installation_id, repo, number, head_sha, delivery, force=force)
        if key is None:
            log.info("review already done or on its way", extra={"repo": repo, "pull": number, "head": head_sha})
            return False
        self.queue.push(key)
        self.metrics.jobs_queued.inc()
        log.info("review queued", extra={"job": key})
        return True
