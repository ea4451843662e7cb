"""What handlers may ask for: a review of a pull request's head. Shared by the web and worker roles."""

from __future__ import annotations

import logging

from bot.github import Throttle

from .backend import Backend, open_backend
from .metrics import Metrics
from .queue import JobQueue
from .settings import Settings
from .store import Store

log = logging.getLogger("mockguard.jobs")


class Jobs:
    def __init__(self, backend: Backend, metrics: Metrics):
        self.backend = backend
        self.store: Store = backend.store
        self.queue = JobQueue(backend.huey)
        self.throttle: Throttle = backend.throttle
        self.metrics = metrics

    @classmethod
    def open(cls, settings: Settings) -> "Jobs":
        """The store, queue and throttle MOCKGUARD_QUEUE_URL names (Redis), or SQLite in MOCKGUARD_DATA_DIR."""
        return cls(open_backend(settings), Metrics())

    def close(self) -> None:
        self.backend.close()

    def request_review(self, installation_id: int, repo: str, number: int, head_sha: str,
                       delivery: str | None, force: bool = False) -> bool:
        """Queue a review unless one for this head is already queued, running or (without force) done."""
        key = self.store.want(installation_id, repo, number, head_sha, delivery, force=force)
        if key is None:
            log.info("review already done or on its way", extra={"repo": repo, "pull": number, "head": head_sha})
            return False
        self.queue.push(key)
        self.metrics.jobs_queued.inc()
        log.info("review queued", extra={"job": key})
        return True
