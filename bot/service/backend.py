"""The one place that opens what the service's processes share: the job store, the queue and the
per-installation throttle, for the backend MOCKGUARD_QUEUE_URL names.

- `redis://`, `rediss://`, `unix://`: one Redis client for all three (the store, huey and the
  throttle share its connection pool), so replicas and workers on any number of machines agree;
- otherwise SQLite files in MOCKGUARD_DATA_DIR and a throttle in this process (one machine).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import redis
from huey import Huey, RedisHuey, SqliteHuey
from redis.backoff import ExponentialWithJitterBackoff
from redis.retry import Retry

from bot.github import LocalThrottle, Throttle

from .settings import Settings
from .store import Store


def is_redis(url: str | None) -> bool:
    return url is not None and url.startswith(("redis://", "rediss://", "unix://"))


def connect(url: str) -> redis.Redis:
    """The process's Redis client. Short timeouts and a few quick retries: a webhook must answer (or
    fail, 503) well inside GitHub's 10 s, and a blip of a second or less should not fail anything.
    Answers are bytes, not text: huey keeps pickled messages in it."""
    return redis.Redis.from_url(url, socket_timeout=3, socket_connect_timeout=2, health_check_interval=15,
                                retry=Retry(ExponentialWithJitterBackoff(base=0.05, cap=0.5), 3))


@dataclass
class Backend:
    store: Store
    huey: Huey
    throttle: Throttle
    client: redis.Redis | None = None

    def close(self) -> None:
        self.store.close()
        self.throttle.close()
        if self.client is not None:
            self.client.close()


def open_backend(settings: Settings) -> Backend:
    url = settings.queue_url
    if url is not None and is_redis(url):
        from .store_redis import RedisStore
        from .throttle_redis import RedisThrottle

        client = connect(url)
        huey = RedisHuey("mockguard", connection_pool=client.connection_pool, results=False)
        # With a shared backend the throttle is shared too: GitHub's limits are per installation,
        # not per process.
        return Backend(RedisStore(client, lease=settings.stale_after), huey, RedisThrottle(
            client, concurrency=settings.concurrency, write_interval=settings.write_interval,
            max_wait=settings.max_rate_limit_wait), client)
    from .store_sqlite import SqliteStore

    data_dir: Path = settings.data_dir
    data_dir.mkdir(parents=True, exist_ok=True)
    huey = SqliteHuey("mockguard", filename=str(data_dir / "queue.db"), results=False, timeout=30)
    return Backend(SqliteStore(data_dir / "ledger.db", lease=settings.stale_after), huey, LocalThrottle(
        concurrency=settings.concurrency, write_interval=settings.write_interval, max_wait=settings.max_rate_limit_wait))
