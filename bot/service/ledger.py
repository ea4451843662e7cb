"""The service's durable memory (SQLite in MOCKGUARD_DATA_DIR): deliveries seen, and one row per
review job keyed by (repository, pull request, head sha) with its state.

The queue carries messages; the ledger decides whether a message still has work to do. That is
what makes a redelivery, a second event for the same head, or a duplicated message a no-op, and
what lets a restarted service find the job a killed one was in the middle of.
"""

from __future__ import annotations

import sqlite3
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

SCHEMA = """
CREATE TABLE IF NOT EXISTS deliveries (
    id TEXT PRIMARY KEY, event TEXT NOT NULL, action TEXT, received_at REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS jobs (
    key TEXT PRIMARY KEY,
    installation_id INTEGER NOT NULL, repo TEXT NOT NULL, number INTEGER NOT NULL, head_sha TEXT NOT NULL,
    state TEXT NOT NULL,               -- queued | running | done | failed
    delivery TEXT, received_at REAL NOT NULL,
    check_run_id INTEGER, attempts INTEGER NOT NULL DEFAULT 0,
    owner TEXT, updated_at REAL NOT NULL, conclusion TEXT, error TEXT,
    rerun INTEGER NOT NULL DEFAULT 0   -- a re-run asked for while running: go again when done
);
CREATE INDEX IF NOT EXISTS jobs_state ON jobs(state);
CREATE TABLE IF NOT EXISTS workers (id TEXT PRIMARY KEY, heartbeat REAL NOT NULL);
"""


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


class Ledger:
    def __init__(self, path: Path):
        path.parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(str(path), isolation_level=None, check_same_thread=False, timeout=30)
        self._db.row_factory = sqlite3.Row
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.executescript(SCHEMA)
        self._lock = threading.Lock()

    def close(self) -> None:
        self._db.close()

    @contextmanager
    def _transaction(self):
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                yield self._db
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")

    # -- deliveries -------------------------------------------------------------------------
    def record_delivery(self, delivery: str, event: str, action: str | None) -> bool:
        """True the first time a delivery id is seen; a redelivery (same id) gives False."""
        with self._transaction() as db:
            cursor = db.execute("INSERT OR IGNORE INTO deliveries VALUES (?, ?, ?, ?)",
                                (delivery, event, action, time.time()))
            return cursor.rowcount == 1

    def forget_delivery(self, delivery: str) -> None:
        with self._transaction() as db:
            db.execute("DELETE FROM deliveries WHERE id = ?", (delivery,))

    # -- jobs -------------------------------------------------------------------------------
    def want(self, installation_id: int, repo: str, number: int, head_sha: str, delivery: str | None,
             *, force: bool = False) -> str | None:
        """Record that this head wants a review; the job key if it must be queued, else None.

        Queued or running: already on its way. Done: only a re-run (`force`) does it again.
        Failed: any new event tries again.
        """
        key = job_key(repo, number, head_sha)
        now = time.time()
        with self._transaction() as db:
            row = db.execute("SELECT state FROM jobs WHERE key = ?", (key,)).fetchone()
            if row is None:
                db.execute(
                    "INSERT INTO jobs (key, installation_id, repo, number, head_sha, state, delivery, received_at,"
                    " updated_at) VALUES (?, ?, ?, ?, ?, 'queued', ?, ?, ?)",
                    (key, installation_id, repo, number, head_sha, delivery, now, now))
                return key
            if row["state"] == "running" and force:
                # The Re-run button pressed while a run is finishing: do it again right after.
                db.execute("UPDATE jobs SET rerun = 1, updated_at = ? WHERE key = ?", (now, key))
                return None
            if row["state"] in ("queued", "running") or (row["state"] == "done" and not force):
                return None
            db.execute(
                "UPDATE jobs SET state = 'queued', delivery = ?, received_at = ?, updated_at = ?, attempts = 0,"
                " check_run_id = NULL, error = NULL, installation_id = ? WHERE key = ?",
                (delivery, now, now, installation_id, key))
            return key

    def claim(self, key: str, owner: str) -> Job | None:
        """Queued -> running for this worker; None if someone else has it or it is finished."""
        with self._transaction() as db:
            cursor = db.execute(
                "UPDATE jobs SET state = 'running', owner = ?, attempts = attempts + 1, updated_at = ?"
                " WHERE key = ? AND state = 'queued'", (owner, time.time(), key))
            if cursor.rowcount != 1:
                return None
            return self._job(db, key)

    def get(self, key: str) -> Job | None:
        with self._lock:
            return self._job(self._db, key)

    @staticmethod
    def _job(db, key: str) -> Job | None:
        row = db.execute(
            "SELECT key, installation_id, repo, number, head_sha, state, delivery, received_at, check_run_id,"
            " attempts FROM jobs WHERE key = ?", (key,)).fetchone()
        return Job(**dict(row)) if row else None

    def set_check_run(self, key: str, check_run_id: int) -> None:
        with self._transaction() as db:
            db.execute("UPDATE jobs SET check_run_id = ?, updated_at = ? WHERE key = ?",
                       (check_run_id, time.time(), key))

    def finish(self, key: str, state: str, conclusion: str | None = None, error: str | None = None) -> bool:
        """Record the outcome; True when a re-run was asked for meanwhile and the job is queued again."""
        with self._transaction() as db:
            row = db.execute("SELECT rerun FROM jobs WHERE key = ?", (key,)).fetchone()
            if row is not None and row["rerun"]:
                db.execute("UPDATE jobs SET state = 'queued', rerun = 0, attempts = 0, check_run_id = NULL,"
                           " conclusion = ?, error = ?, owner = NULL, updated_at = ? WHERE key = ?",
                           (conclusion, error, time.time(), key))
                return True
            db.execute("UPDATE jobs SET state = ?, conclusion = ?, error = ?, owner = NULL, updated_at = ?"
                       " WHERE key = ?", (state, conclusion, error, time.time(), key))
            return False

    def release(self, key: str, error: str) -> None:
        """Back to queued for another attempt (keeping the check run it already created)."""
        with self._transaction() as db:
            db.execute("UPDATE jobs SET state = 'queued', owner = NULL, error = ?, updated_at = ? WHERE key = ?",
                       (error, time.time(), key))

    def queued(self) -> list[str]:
        with self._lock:
            return [r["key"] for r in self._db.execute("SELECT key FROM jobs WHERE state = 'queued'")]

    def pulls_for_head(self, repo: str, head_sha: str) -> list[int]:
        """Pull requests this service has reviewed at a head (for re-runs whose payload names none)."""
        with self._lock:
            rows = self._db.execute("SELECT DISTINCT number FROM jobs WHERE repo = ? AND head_sha = ?",
                                    (repo, head_sha)).fetchall()
        return [r["number"] for r in rows]

    def has_completed(self, repo: str, number: int, head_sha: str) -> bool:
        job = self.get(job_key(repo, number, head_sha))
        return job is not None and job.state == "done"

    # -- workers ----------------------------------------------------------------------------
    def heartbeat(self, owner: str) -> None:
        with self._transaction() as db:
            db.execute("INSERT INTO workers VALUES (?, ?) ON CONFLICT(id) DO UPDATE SET heartbeat = excluded.heartbeat",
                       (owner, time.time()))

    def recover_stale(self, stale_after: float) -> list[str]:
        """Running jobs whose worker stopped beating (killed mid-job) go back to queued."""
        limit = time.time() - stale_after
        with self._transaction() as db:
            rows = db.execute(
                "SELECT key FROM jobs WHERE state = 'running' AND (owner IS NULL OR owner NOT IN"
                " (SELECT id FROM workers WHERE heartbeat >= ?))", (limit,)).fetchall()
            keys = [r["key"] for r in rows]
            for key in keys:
                db.execute("UPDATE jobs SET state = 'queued', owner = NULL, updated_at = ? WHERE key = ?",
                           (time.time(), key))
            db.execute("DELETE FROM workers WHERE heartbeat < ?", (limit - 3600,))
            return keys
