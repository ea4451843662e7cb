"""The worker role: huey consumer threads running review jobs, a heartbeat that renews the leases
of the jobs this process is running (and frees those of dead workers), and the periodic reconciler."""

from __future__ import annotations

import logging
import threading
import time
import uuid

from bot.github import GitHubApp

from .jobs import Jobs
from .reconciler import reconcile
from .repo_cache import RepoCache
from .review_job import ReviewJob
from .settings import Settings

log = logging.getLogger("mockguard.worker")


def make_github(settings: Settings, jobs: Jobs) -> GitHubApp:
    # The throttle comes with the backend: shared in Redis when the queue is, as GitHub's limits are
    # per installation, not per process.
    return GitHubApp(settings.api_url, settings.app_id, settings.pem, throttle=jobs.throttle,
                     attempts=settings.github_attempts, backoff=settings.github_backoff,
                     on_response=jobs.metrics.github_response, concurrency=settings.concurrency,
                     secondary_wait=settings.secondary_limit_wait)


class Worker:
    def __init__(self, settings: Settings, jobs: Jobs):
        self.settings = settings
        self.jobs = jobs
        self.id = f"worker-{uuid.uuid4().hex[:12]}"
        self.github = make_github(settings, jobs)
        cache = RepoCache(settings.repo_cache_dir or settings.data_dir / "repos", settings.repo_cache_max_bytes,
                          settings.repo_cache_max_repos) if settings.git_fetch else None
        self.review = ReviewJob(settings, self.github, jobs.store, jobs.metrics,
                                requeue=jobs.queue.push, request_review=jobs.request_review, repo_cache=cache)
        self._running: set[str] = set()
        self._running_lock = threading.Lock()
        jobs.queue.runner = self._run
        self._consumer = jobs.queue.consumer(settings.workers or 1)
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []

    def _run(self, key: str) -> None:
        with self._running_lock:
            self._running.add(key)
        try:
            self.review(key, self.id)
        finally:
            with self._running_lock:
                self._running.discard(key)

    def start(self) -> None:
        # Queued jobs keep their messages in the queue; the ones a crash cost their message come
        # back through `recover`, here and on every heartbeat.
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
        # A queued job untouched this long has lost its message (a worker took it, then could not
        # reach the store); pushing it again is harmless, as only one claim succeeds.
        stranded_after = 3 * self.settings.stale_after
        for key in self.jobs.store.recover(stranded_after):
            log.info("job queued again (its worker stopped, or its message was lost)", extra={"job": key})
            self.jobs.queue.push(key)

    def _beat(self) -> None:
        while not self._stop.wait(self.settings.heartbeat_interval):
            try:
                with self._running_lock:
                    running = sorted(self._running)
                self.jobs.store.heartbeat(self.id, running)
                self.recover()
            except Exception as error:  # noqa: BLE001 - the backend may be restarting: keep beating
                log.warning("heartbeat failed", extra={"error": str(error)})

    def _reconcile_loop(self) -> None:
        next_run = time.monotonic()  # once on start, then every reconcile_interval
        while not self._stop.wait(max(0.0, next_run - time.monotonic())):
            try:
                reconcile(self.github, self.settings.check_name, self.settings.app_id, self.settings.reconcile_limit,
                          self.jobs.store.has_completed, self.jobs.request_review)
            except Exception as error:  # noqa: BLE001 - GitHub down now is no reason to stop trying later
                log.warning("reconcile failed", extra={"error": str(error)})
            next_run = time.monotonic() + self.settings.reconcile_interval
