"""The embedded store: SQLite in MOCKGUARD_DATA_DIR (`ledger.db`), for the processes of one machine.

The interface and what each call promises are in store.py.
"""

from __future__ import annotations

import sqlite3
import threading
import time
from contextlib import contextmanager
from pathlib import Path

from .store import DELIVERY_TTL, Job, job_key

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
    rerun INTEGER NOT NULL DEFAULT 0,  -- a re-run asked for while running: go again when done
    lease_until REAL,                  -- running: the owner renews it; past it, the job is free again
    due_at REAL                        -- queued: when its message is due (a retry may be delayed)
);
CREATE INDEX IF NOT EXISTS jobs_state ON jobs(state);
"""
# Ledgers written before leases existed get the two columns.
ADDED_COLUMNS = ("lease_until REAL", "due_at REAL")


class SqliteStore:
    def __init__(self, path: Path, lease: float = 10.0):
        path.parent.mkdir(parents=True, exist_ok=True)
        self.lease = lease
        self._db = sqlite3.connect(str(path), isolation_level=None, check_same_thread=False, timeout=30)
        self._db.row_factory = sqlite3.Row
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.executescript(SCHEMA)
        present = {row["name"] for row in self._db.execute("PRAGMA table_info(jobs)")}
        for column in ADDED_COLUMNS:
            if column.split()[0] not in present:
                self._db.execute(f"ALTER TABLE jobs ADD COLUMN {column}")
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
    def begin_delivery(self, delivery: str, event: str, action: str | None) -> str:
        # One file, one transaction per call: a copy is either recorded or not, never half-way.
        now = time.time()
        with self._transaction() as db:
            cursor = db.execute("INSERT OR IGNORE INTO deliveries VALUES (?, ?, ?, ?)", (delivery, event, action, now))
            if cursor.rowcount == 1 and now % 1 < 0.01:  # now and then, drop ids past their time
                db.execute("DELETE FROM deliveries WHERE received_at < ?", (now - DELIVERY_TTL,))
            return "new" if cursor.rowcount == 1 else "duplicate"

    def end_delivery(self, delivery: str) -> None:
        pass  # begin_delivery recorded it for good

    def forget_delivery(self, delivery: str) -> None:
        with self._transaction() as db:
            db.execute("DELETE FROM deliveries WHERE id = ?", (delivery,))

    # -- jobs -------------------------------------------------------------------------------
    def want(self, installation_id: int, repo: str, number: int, head_sha: str, delivery: str | None,
             *, force: bool = False) -> str | None:
        key = job_key(repo, number, head_sha)
        now = time.time()
        with self._transaction() as db:
            row = db.execute("SELECT state FROM jobs WHERE key = ?", (key,)).fetchone()
            if row is None:
                db.execute(
                    "INSERT INTO jobs (key, installation_id, repo, number, head_sha, state, delivery, received_at,"
                    " updated_at, due_at) VALUES (?, ?, ?, ?, ?, 'queued', ?, ?, ?, ?)",
                    (key, installation_id, repo, number, head_sha, delivery, now, now, now))
                return key
            if row["state"] == "running" and force:
                # The Re-run button pressed while a run is finishing: do it again right after.
                db.execute("UPDATE jobs SET rerun = 1, updated_at = ? WHERE key = ?", (now, key))
                return None
            if row["state"] in ("queued", "running") or (row["state"] == "done" and not force):
                return None
            db.execute(
                "UPDATE jobs SET state = 'queued', delivery = ?, received_at = ?, updated_at = ?, due_at = ?,"
                " attempts = 0, check_run_id = NULL, error = NULL, installation_id = ? WHERE key = ?",
                (delivery, now, now, now, installation_id, key))
            return key

    def claim(self, key: str, owner: str) -> Job | None:
        now = time.time()
        with self._transaction() as db:
            cursor = db.execute(
                "UPDATE jobs SET state = 'running', owner = ?, attempts = attempts + 1, updated_at = ?,"
                " lease_until = ? WHERE key = ? AND state = 'queued'", (owner, now, now + self.lease, key))
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

    def finish(self, key: str, owner: str, state: str, conclusion: str | None = None,
               error: str | None = None) -> bool:
        now = time.time()
        with self._transaction() as db:
            row = db.execute("SELECT rerun, owner, state FROM jobs WHERE key = ?", (key,)).fetchone()
            if row is None or row["state"] != "running" or row["owner"] != owner:
                return False  # the lease ran out and the job is someone else's now
            if row["rerun"]:
                db.execute("UPDATE jobs SET state = 'queued', rerun = 0, attempts = 0, check_run_id = NULL,"
                           " conclusion = ?, error = ?, owner = NULL, updated_at = ?, due_at = ? WHERE key = ?",
                           (conclusion, error, now, now, key))
                return True
            db.execute("UPDATE jobs SET state = ?, conclusion = ?, error = ?, owner = NULL, updated_at = ?"
                       " WHERE key = ?", (state, conclusion, error, now, key))
            return False

    def release(self, key: str, owner: str, error: str, delay: float = 0.0) -> None:
        now = time.time()
        with self._transaction() as db:
            db.execute("UPDATE jobs SET state = 'queued', owner = NULL, error = ?, updated_at = ?, due_at = ?"
                       " WHERE key = ? AND state = 'running' AND owner = ?", (error, now, now + delay, key, owner))

    def queued(self) -> list[str]:
        with self._lock:
            return [r["key"] for r in self._db.execute("SELECT key FROM jobs WHERE state = 'queued'")]

    def pulls_for_head(self, repo: str, head_sha: str) -> list[int]:
        with self._lock:
            rows = self._db.execute("SELECT DISTINCT number FROM jobs WHERE repo = ? AND head_sha = ?",
                                    (repo, head_sha)).fetchall()
        return [r["number"] for r in rows]

    def has_completed(self, repo: str, number: int, head_sha: str) -> bool:
        job = self.get(job_key(repo, number, head_sha))
        return job is not None and job.state == "done"

    # -- workers ----------------------------------------------------------------------------
    def heartbeat(self, owner: str, keys: list[str]) -> None:
        if not keys:
            return
        until = time.time() + self.lease
        with self._transaction() as db:
            db.executemany("UPDATE jobs SET lease_until = ? WHERE key = ? AND state = 'running' AND owner = ?",
                           [(until, key, owner) for key in keys])

    def recover(self, stranded_after: float) -> list[str]:
        now = time.time()
        with self._transaction() as db:
            lapsed = [r["key"] for r in db.execute(
                "SELECT key FROM jobs WHERE state = 'running' AND (lease_until IS NULL OR lease_until < ?)", (now,))]
            stranded = [r["key"] for r in db.execute(
                "SELECT key FROM jobs WHERE state = 'queued' AND updated_at < ? AND COALESCE(due_at, 0) < ?",
                (now - stranded_after, now - stranded_after))]
            for key in lapsed:
                db.execute("UPDATE jobs SET state = 'queued', owner = NULL, updated_at = ?, due_at = ? WHERE key = ?",
                           (now, now, key))
            for key in stranded:  # touched, so that a job is pushed again once per period, not every beat
                db.execute("UPDATE jobs SET updated_at = ? WHERE key = ?", (now, key))
            return lapsed + stranded
