"""The worker role: huey consumer threads running review jobs, a heartbeat that lets a restarted
service find jobs a killed one left "running", and the periodic reconciler."""

from __future__ import annotations

import logging
import threading
import time
import uuid

from bot.github import GitHub, Politeness

from .jobs import Jobs
from .reconciler import reconcile
from .review_job import ReviewJob
from .settings import Settings

log = logging.getLogger("mockguard.worker")


def make_github(settings: Settings, jobs: Jobs) -> GitHub:
    politeness = Politeness(concurrency=settings.concurrency, write_interval=settings.write_interval,
                            max_wait=settings.max_rate_limit_wait)
    return GitHub(settings.api_url, settings.app_id, settings.pem, politeness=politeness,
                  attempts=settings.github_attempts, backoff=settings.github_backoff,
                  on_response=jobs.metrics.github_response)


class Worker:
    def __init__(self, settings: Settings, jobs: Jobs):
        self.settings = settings
        self.jobs = jobs
        self.id = f"worker-{uuid.uuid4().hex[:12]}"
        self.github = make_github(settings, jobs)
        self.review = ReviewJob(settings, self.github, jobs.ledger, jobs.metrics,
                                requeue=jobs.queue.push, request_review=jobs.request_review)
        jobs.queue.runner = lambda key: self.review(key, self.id)
        self._consumer = jobs.queue.consumer(settings.workers or 1)
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []

    def start(self) -> None:
        self.jobs.ledger.heartbeat(self.id)
        # Jobs queued before a crash may have lost their message; a duplicate is harmless
        # because only one claim of a queued job succeeds.
        for key in self.jobs.ledger.queued():
            self.jobs.queue.push(key)
        self.recover()
        self._consumer.start()
        loops = [self._beat] + ([self._reconcile_loop] if self.settings.reconcile_interval > 0 else [])
        for target in loops:
            thread = threading.Thread(target=target, name=target.__name__, daemon=True)
            thread.start()
            self._threads.append(thread)
        log.info("worker started", extra={"worker": self.id, "threads": self.settings.workers or 1})

    def stop(self) -> None:
        self._stop.set()
        self._consumer.stop(graceful=True)
        self.github.close()

    def recover(self) -> None:
        for key in self.jobs.ledger.recover_stale(self.settings.stale_after):
            log.info("job picked up again after its worker stopped", extra={"job": key})
            self.jobs.queue.push(key)

    def _beat(self) -> None:
        while not self._stop.wait(self.settings.heartbeat_interval):
            try:
                self.jobs.ledger.heartbeat(self.id)
                self.recover()
            except Exception:  # noqa: BLE001 - keep beating
                log.exception("heartbeat failed")

    def _reconcile_loop(self) -> None:
        next_run = time.monotonic()  # once on start, then every reconcile_interval
        while not self._stop.wait(max(0.0, next_run - time.monotonic())):
            try:
                reconcile(self.github, self.settings.check_name, self.settings.app_id, self.settings.reconcile_limit,
                          self.jobs.ledger.has_completed, self.jobs.request_review)
            except Exception as error:  # noqa: BLE001 - GitHub down now is no reason to stop trying later
                log.warning("reconcile failed", extra={"error": str(error)})
            next_run = time.monotonic() + self.settings.reconcile_interval
