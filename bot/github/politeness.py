"""Be a polite client, as Octokit's throttling plugin is: per installation, a bounded number of
requests in flight, writes spaced out, and a pause while GitHub says the rate limit is spent."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass, field

WRITE_METHODS = frozenset({"POST", "PATCH", "PUT", "DELETE"})


class RateLimitTooLong(Exception):
    """GitHub asks us to wait longer than a request should block; the job is put off until then."""

    def __init__(self, wait: float):
        super().__init__(f"GitHub's rate limit resets in {wait:.0f} s")
        self.wait = wait


@dataclass
class _Lane:
    in_flight: threading.BoundedSemaphore
    write_lock: threading.Lock = field(default_factory=threading.Lock)
    last_write: float = 0.0
    blocked_until: float = 0.0


class Politeness:
    def __init__(self, concurrency: int = 4, write_interval: float = 1.0, max_wait: float = 120.0,
                 clock: Callable[[], float] = time.monotonic, sleep: Callable[[float], None] = time.sleep):
        self.concurrency = concurrency
        self.write_interval = write_interval
        self.max_wait = max_wait
        self._clock = clock
        self._sleep = sleep
        self._lanes: dict[object, _Lane] = {}
        self._lock = threading.Lock()

    def _lane(self, key: object) -> _Lane:
        with self._lock:
            lane = self._lanes.get(key)
            if lane is None:
                lane = self._lanes[key] = _Lane(threading.BoundedSemaphore(self.concurrency))
            return lane

    @contextmanager
    def slot(self, key: object, method: str):
        """Hold one of the installation's request slots for the length of a request."""
        lane = self._lane(key)
        self._wait_for_limit(lane)
        with lane.in_flight:
            self._wait_for_limit(lane)  # a pause may have begun while this request waited for its slot
            if method.upper() in WRITE_METHODS and self.write_interval > 0:
                with lane.write_lock:  # writes go one at a time, at least write_interval apart
                    gap = lane.last_write + self.write_interval - self._clock()
                    if gap > 0:
                        self._sleep(gap)
                    lane.last_write = self._clock()
            yield

    def block(self, key: object, seconds: float) -> None:
        """GitHub told us to hold off (Retry-After, or the primary limit's reset time)."""
        lane = self._lane(key)
        lane.blocked_until = max(lane.blocked_until, self._clock() + seconds)

    def _wait_for_limit(self, lane: _Lane) -> None:
        wait = lane.blocked_until - self._clock()
        if wait > self.max_wait:
            raise RateLimitTooLong(wait)
        if wait > 0:
            self._sleep(wait)
