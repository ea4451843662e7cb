"""What handlers may ask for: a review of a pull request's head. Shared by the web and worker roles."""

from __future__ import annotations

import logging

from .metrics import Metrics
from .queue import JobQueue
from .settings import Settings
from .store import Store, open_store

log = logging.getLogger("mockguard.jobs")


class Jobs:
    def __init__(self, store: Store, queue: JobQueue, metrics: Metrics):
        self.store = store
        self.queue = queue
        self.metrics = metrics

    @classmethod
    def open(cls, settings: Settings) -> "Jobs":
        """The store and the queue MOCKGUARD_QUEUE_URL names (Redis), or SQLite in MOCKGUARD_DATA_DIR."""
        store = open_store(settings.data_dir, settings.queue_url, lease=settings.stale_after)
        return cls(store, JobQueue(settings.data_dir, settings.queue_url), Metrics())

    def close(self) -> None:
        self.store.close()

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
