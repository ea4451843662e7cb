"""The throttle for a fleet: the same per-installation rules as bot/github's `LocalThrottle`, kept in
Redis so that they hold across every worker process on every machine, not per process.

- Slots: a sorted set of holders per installation, each with a lease (a process killed while
  holding one does not keep it); at most `concurrency` holders at a time for the whole fleet.
- Writes: one key holding the time the next write may go. Taking a turn reserves it and moves
  it on by `write_interval`, so writes leave in order, spaced out, without polling.
- Pauses: one key holding the time until which GitHub asked the installation to hold off.

Each step is a Lua script timed by the Redis server's clock (one clock for all machines).
"""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import redis

from bot.github import RateLimitTooLong
from bot.github.throttle import WRITE_METHODS

PREFIX = "mockguard:throttle:"
NOW = "local t = redis.call('TIME'); local now = tonumber(t[1]) + tonumber(t[2]) / 1e6\n"

# KEYS: holders; ARGV: limit, lease, holder -> 1 when the slot is taken
TAKE_SLOT = NOW + """
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[1]) then return 0 end
redis.call('ZADD', KEYS[1], now + tonumber(ARGV[2]), ARGV[3])
redis.call('EXPIRE', KEYS[1], math.ceil(tonumber(ARGV[2])) + 1)
return 1
"""

# KEYS: next write time; ARGV: interval -> seconds to wait before this write may go
TAKE_WRITE_TURN = NOW + """
local turn = math.max(now, tonumber(redis.call('GET', KEYS[1]) or '0'))
local interval = tonumber(ARGV[1])
redis.call('SET', KEYS[1], tostring(turn + interval), 'PX', math.ceil((turn - now + interval) * 1000) + 1000)
return tostring(turn - now)
"""

# KEYS: paused-until time; ARGV: seconds -> nothing
PAUSE = NOW + """
local until_ = math.max(now + tonumber(ARGV[1]), tonumber(redis.call('GET', KEYS[1]) or '0'))
redis.call('SET', KEYS[1], tostring(until_), 'PX', math.ceil((until_ - now) * 1000) + 1000)
return 0
"""

# KEYS: paused-until time -> seconds left (0 when not paused)
PAUSED_FOR = NOW + """
return tostring(math.max(0, tonumber(redis.call('GET', KEYS[1]) or '0') - now))
"""


class RedisThrottle:
    def __init__(self, client: redis.Redis, concurrency: int = 4, write_interval: float = 1.0, max_wait: float = 120.0,
                 slot_lease: float = 60.0, poll: float = 0.02, sleep: Callable[[float], None] = time.sleep):
        self.concurrency = concurrency
        self.write_interval = write_interval
        self.max_wait = max_wait
        self.slot_lease = slot_lease  # longer than any request (timeout + retries of one send)
        self.poll = poll
        self._sleep = sleep
        self._leftovers: list[tuple[str, str]] = []  # slots taken while Redis went away, to give back
        self._leftovers_lock = threading.Lock()
        self.redis = client  # the process's one Redis client (backend.py)
        self._take_slot = self.redis.register_script(TAKE_SLOT)
        self._take_write_turn = self.redis.register_script(TAKE_WRITE_TURN)
        self._pause = self.redis.register_script(PAUSE)
        self._paused_for = self.redis.register_script(PAUSED_FOR)

    def close(self) -> None:
        pass  # the client belongs to the backend, which closes it

    @contextmanager
    def slot(self, key: object, method: str) -> Iterator[None]:
        """Hold one of the installation's request slots, fleet-wide, for the length of a request."""
        self._release_leftovers()
        self._wait_for_limit(key)
        holders, holder = f"{PREFIX}{key}:slots", uuid.uuid4().hex
        while not self._take_slot(keys=[holders], args=[self.concurrency, self.slot_lease, holder]):
            self._sleep(self.poll)
        try:
            # A pause may have begun while this request waited for its slot or its turn: look again,
            # right before it goes.
            while True:
                if method.upper() in WRITE_METHODS and self.write_interval > 0:
                    wait = float(self._take_write_turn(keys=[f"{PREFIX}{key}:next_write"],
                                                       args=[self.write_interval]))
                    if wait > 0:
                        self._sleep(wait)
                if not self._wait_for_limit(key):
                    break
            yield
        finally:
            self._release(holders, holder)

    def _release(self, holders: str, holder: str) -> None:
        try:
            self.redis.zrem(holders, holder)
        except redis.RedisError:
            # Redis is away (restarting): give the slot back once it answers again, rather than
            # leaving it taken for the whole lease (a restarted Redis replays it from its file).
            with self._leftovers_lock:
                self._leftovers.append((holders, holder))

    def _release_leftovers(self) -> None:
        if not self._leftovers:
            return
        with self._leftovers_lock:
            leftovers, self._leftovers = self._leftovers, []
        for holders, holder in leftovers:
            self._release(holders, holder)

    def block(self, key: object, seconds: float) -> None:
        """GitHub told us to hold off (Retry-After, or the primary limit's reset time): the whole fleet does."""
        self._pause(keys=[f"{PREFIX}{key}:paused_until"], args=[seconds])

    def _wait_for_limit(self, key: object) -> bool:
        """Wait out a pause of the installation; True if there was one."""
        wait = float(self._paused_for(keys=[f"{PREFIX}{key}:paused_until"]))
        if wait > self.max_wait:
            raise RateLimitTooLong(wait)
        if wait > 0:
            self._sleep(wait)
        return wait > 0
