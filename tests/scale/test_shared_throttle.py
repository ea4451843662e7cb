"""The per-installation throttle kept in a real Redis: what two worker processes (here two clients
with connections of their own) see together, so GitHub's limits hold for the fleet."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
from tests.scale.scale_harness import RedisServer

from bot.github import RateLimitTooLong
from bot.service.backend import connect
from bot.service.throttle_redis import RedisThrottle

pytestmark = pytest.mark.e2e


@pytest.fixture
def redis_url(tmp_path):
    server = RedisServer(tmp_path)
    server.start()
    try:
        yield server.url
    finally:
        server.stop()


def test_no_more_requests_in_flight_than_the_installation_allows_across_processes(redis_url):
    fleet = [RedisThrottle(connect(redis_url), concurrency=3, write_interval=0) for _ in range(2)]
    lock, holding, peak = threading.Lock(), [0], [0]

    def request(index: int) -> None:
        with fleet[index % 2].slot(1, "GET"):
            with lock:
                holding[0] += 1
                peak[0] = max(peak[0], holding[0])
            time.sleep(0.05)
            with lock:
                holding[0] -= 1

    with ThreadPoolExecutor(max_workers=12) as pool:
        list(pool.map(request, range(36)))
    assert peak[0] == 3


def test_writes_are_spaced_for_the_fleet_and_each_installation_has_its_own_pace(redis_url):
    # When each write was let go: its turn, as the throttle set it (a thread that wakes up late on a
    # busy machine says nothing about the throttle).
    turn = threading.local()

    def sleep(seconds: float) -> None:
        turn.at = time.monotonic() + seconds
        time.sleep(seconds)

    fleet = [RedisThrottle(connect(redis_url), concurrency=8, write_interval=0.2, sleep=sleep) for _ in range(2)]
    sent: dict[int, list[float]] = {1: [], 2: []}

    def write(index: int) -> None:
        installation = 1 if index < 6 else 2
        turn.at = None
        with fleet[index % 2].slot(installation, "POST"):
            sent[installation].append(turn.at or time.monotonic())

    with ThreadPoolExecutor(max_workers=8) as pool:
        list(pool.map(write, range(8)))
    times = sorted(sent[1])
    assert len(times) == 6
    # The turns are set on Redis's clock and read here on ours: on a busy machine the two drift by a few
    # hundredths between calls. Unthrottled writes would be ~0 s apart; paced ones are ~0.2 s.
    assert min(b - a for a, b in zip(times, times[1:])) >= 0.15
    assert abs(sent[2][0] - sent[2][1]) >= 0.15


def test_a_pause_set_by_one_process_holds_the_others_and_a_long_one_puts_the_job_off(redis_url):
    slept: list[float] = []

    def sleep(seconds: float) -> None:
        slept.append(seconds)
        time.sleep(seconds)

    one = RedisThrottle(connect(redis_url), max_wait=30)
    other = RedisThrottle(connect(redis_url), max_wait=30, sleep=sleep)
    one.block(1, 1.0)
    with other.slot(1, "GET"):
        pass
    assert slept and 0.8 <= slept[0] <= 1.0
    one.block(1, 120)
    with pytest.raises(RateLimitTooLong), other.slot(1, "GET"):
        pass
    with other.slot(2, "GET"):  # another installation is not paused
        pass


def test_a_slot_held_by_a_killed_process_frees_itself_after_its_lease(redis_url):
    dead = RedisThrottle(connect(redis_url), concurrency=1, slot_lease=0.5)
    dead.slot(1, "GET").__enter__()  # taken, never given back: the process died mid-request
    alive = RedisThrottle(connect(redis_url), concurrency=1, slot_lease=0.5)
    with alive.slot(1, "GET"):
        pass
