"""The per-installation throttle: be a polite client, as Octokit's throttling plugin is. Per
installation, a bounded number of requests in flight, writes spaced out, and a pause while GitHub
says a rate limit is spent. It replaces PyGithub's own pacing (`seconds_between_requests`, per
process), which knows nothing of the other replicas.

`Throttle` is what the client needs; `LocalThrottle` keeps it in this process, and the service's
Redis throttle (bot/service/throttle_redis.py) keeps it for a whole fleet.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass, field
from typing import Protocol

from .errors import RateLimitTooLong

WRITE_METHODS = frozenset({"POST", "PATCH", "PUT", "DELETE"})


class Throttle(Protocol):
    def slot(self, key: object, method: str) -> AbstractContextManager[None]:
        """Hold one of the installation's request slots for the length of a request; a write also
        waits for its turn. Raises RateLimitTooLong when the installation is paused for too long."""

    def block(self, key: object, seconds: float) -> None:
        """GitHub told us to hold off (Retry-After, or a rate limit's reset time)."""

    def close(self) -> None: ...


@dataclass
class _Lane:
    in_flight: threading.BoundedSemaphore
    write_lock: threading.Lock = field(default_factory=threading.Lock)
    last_write: float = 0.0
    blocked_until: float = 0.0


class LocalThrottle:
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

    def close(self) -> None:
        pass

    @contextmanager
    def slot(self, key: object, method: str) -> Iterator[None]:
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
