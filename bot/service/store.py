"""What the service's processes share: the one interface, and the backend MOCKGUARD_QUEUE_URL picks.

- deliveries seen (a redelivery keeps its id, and may reach another replica);
- one job per (repository, pull request, head sha) with its state, the worker holding it and the
  lease that worker renews: a job whose lease ran out (its worker was killed) is queued again;
- the heads each pull request was reviewed at (re-runs whose payload names no pull request).

The queue (huey) carries messages; the store decides whether a message still has work to do.
That is what makes redeliveries, duplicate messages and a second replica's copy of an event no-ops.
Comments already posted are not recorded here: hidden markers on GitHub are the record, read
before every write. The per-installation throttle is shared the same way, so GitHub's limits hold
for the whole fleet.

Backends: `store_sqlite.SqliteStore` (a file in MOCKGUARD_DATA_DIR; processes on one machine) and
`store_redis.RedisStore` (`redis://`; any number of machines); backend.py opens the one named.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

JOB_STATES = ("queued", "running", "done", "failed")
DELIVERY_TTL = 14 * 24 * 3600  # GitHub lets a delivery be redelivered for 3 days; keep ids longer
PENDING_TTL = 60  # a delivery claimed by a replica that died before accepting it is free again after this
JOB_TTL = 30 * 24 * 3600  # a finished job's row: what re-runs and the reconciler look up


@dataclass(frozen=True)
class Job:
    key: str
    installation_id: int
    repo: str
    number: int
    head_sha: str
    state: str
    delivery: str | None
    received_at: float
    check_run_id: int | None
    attempts: int


def job_key(repo: str, number: int, head_sha: str) -> str:
    return f"{repo}#{number}@{head_sha}"


class Store(Protocol):
    # -- deliveries -------------------------------------------------------------------------
    def begin_delivery(self, delivery: str, event: str, action: str | None) -> str:
        """Claim a delivery id, on any replica: "new" the first time; "duplicate" once a copy was
        accepted; "in_progress" while another copy is being accepted (it may yet fail)."""

    def end_delivery(self, delivery: str) -> None:
        """The delivery's work is recorded and queued: from now on its copies are duplicates."""

    def forget_delivery(self, delivery: str) -> None:
        """Undo `begin_delivery` when the delivery could not be accepted (so a redelivery may pass)."""

    # -- jobs -------------------------------------------------------------------------------
    def want(self, installation_id: int, repo: str, number: int, head_sha: str, delivery: str | None,
             *, force: bool = False) -> str | None:
        """Record that a head wants a review; the job key when a message must be queued, else None.

        Queued or running: already on its way (a forced re-run while running goes again after).
        Done: only `force` does it again. Failed: any new event tries again.
        """

    def claim(self, key: str, owner: str) -> Job | None:
        """Queued -> running for `owner`, with a lease; None if another worker has it or it is finished."""

    def get(self, key: str) -> Job | None: ...

    def set_check_run(self, key: str, check_run_id: int) -> None: ...

    def finish(self, key: str, owner: str, state: str, conclusion: str | None = None,
               error: str | None = None) -> bool:
        """Record the outcome; True when a re-run was asked for meanwhile and the job is queued again."""

    def release(self, key: str, owner: str, error: str, delay: float = 0.0) -> None:
        """Back to queued for another attempt in `delay` seconds, keeping its check run."""

    def queued(self) -> list[str]: ...

    def pulls_for_head(self, repo: str, head_sha: str) -> list[int]: ...

    def has_completed(self, repo: str, number: int, head_sha: str) -> bool: ...

    # -- workers ----------------------------------------------------------------------------
    def heartbeat(self, owner: str, keys: list[str]) -> None:
        """Renew `owner`'s leases on the jobs it is running."""

    def recover(self, stranded_after: float) -> list[str]:
        """Jobs to push again: running ones whose lease ran out (their worker died), and queued ones
        left untouched `stranded_after` seconds past their time (their message was lost)."""

    def close(self) -> None: ...


def unavailable(error: BaseException) -> bool:
    """The shared backend did not answer (Redis restarting, the SQLite file locked): worth a retry."""
    import sqlite3

    import redis

    return isinstance(error, (redis.ConnectionError, redis.TimeoutError, sqlite3.OperationalError))
