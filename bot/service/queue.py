"""The durable job queue: huey, on SQLite in MOCKGUARD_DATA_DIR by default, Redis by URL (backend.py).

A message names a job key only; the store (store.py) holds the job. huey removes a message when a
worker takes it, so a worker killed mid-job loses the message: the store still says "running", and
`Worker.recover` (on start and every heartbeat) queues such jobs again once their lease has run out.
"""

from __future__ import annotations

from collections.abc import Callable

from huey import Huey
from huey.consumer import Consumer


class _QuietConsumer(Consumer):
    """huey's consumer, without taking over the process's signal handlers (uvicorn owns them)."""

    def _set_signal_handlers(self) -> None:
        pass


class JobQueue:
    def __init__(self, huey: Huey):
        self.huey = huey  # on SQLite or Redis, as backend.py opened it
        self.runner: Callable[[str], None] | None = None
        self._review = self.huey.task(name="mockguard.review")(self._run)

    def _run(self, key: str) -> None:
        if self.runner is None:  # a web-only process never takes messages; guard all the same
            raise RuntimeError("no worker in this process")
        self.runner(key)

    def push(self, key: str, delay: float = 0) -> None:
        if delay > 0:
            self._review.schedule(args=(key,), delay=delay)
        else:
            self._review(key)

    def consumer(self, workers: int) -> Consumer:
        return _QuietConsumer(self.huey, workers=workers, worker_type="thread", periodic=False,
                              initial_delay=0.05, max_delay=0.5, backoff=1.5, check_worker_health=False)

    def pending(self) -> int:
        return self.huey.pending_count()
