"""The shared store on Redis, for web replicas and workers on any number of machines.

Each job is a hash; every change of state is one Lua script, so two replicas or two workers
never both win (Redis runs a script atomically). Times come from the Redis server's clock, so
leases mean the same on every machine. Keys:

    mockguard:delivery:{id}          pending (a replica is accepting it) or accepted (expires)
    mockguard:job:{repo#n@sha}       the job's fields (a finished one expires after JOB_TTL)
    mockguard:jobs:queued|running    sets of job keys by state
    mockguard:head:{repo@sha}        the pull request numbers reviewed at a head

The interface and what each call promises are in store.py. Durability is Redis's: run it with
`appendonly yes` (docs/scale.md says which fsync setting and why).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import redis

from .store import DELIVERY_TTL, JOB_TTL, PENDING_TTL, Job, job_key

PREFIX = "mockguard:"
QUEUED, RUNNING = PREFIX + "jobs:queued", PREFIX + "jobs:running"

# Every script reads the server's clock: a float of seconds.
NOW = "local t = redis.call('TIME'); local now = tonumber(t[1]) + tonumber(t[2]) / 1e6\n"

WANT = NOW + """
local state = redis.call('HGET', KEYS[1], 'state')
local fields = {'installation_id', ARGV[1], 'delivery', ARGV[5], 'received_at', now, 'updated_at', now,
                'due_at', now, 'attempts', 0, 'state', 'queued'}
if not state then
  redis.call('HSET', KEYS[1], 'repo', ARGV[2], 'number', ARGV[3], 'head_sha', ARGV[4], unpack(fields))
elseif state == 'running' and ARGV[6] == '1' then
  redis.call('HSET', KEYS[1], 'rerun', 1, 'updated_at', now)
  return 0
elseif state == 'queued' or state == 'running' or (state == 'done' and ARGV[6] ~= '1') then
  return 0
else
  redis.call('HDEL', KEYS[1], 'check_run_id', 'error')
  redis.call('HSET', KEYS[1], unpack(fields))
end
redis.call('PERSIST', KEYS[1])
redis.call('SADD', KEYS[2], ARGV[7])
redis.call('SADD', KEYS[3], ARGV[3])
redis.call('EXPIRE', KEYS[3], ARGV[8])
return 1
"""

CLAIM = NOW + """
if redis.call('HGET', KEYS[1], 'state') ~= 'queued' then return nil end
redis.call('HSET', KEYS[1], 'state', 'running', 'owner', ARGV[1], 'updated_at', now, 'lease_until', now + ARGV[2])
redis.call('HINCRBY', KEYS[1], 'attempts', 1)
redis.call('SREM', KEYS[2], ARGV[3])
redis.call('SADD', KEYS[3], ARGV[3])
return redis.call('HGETALL', KEYS[1])
"""

FINISH = NOW + """
if redis.call('HGET', KEYS[1], 'state') ~= 'running' or redis.call('HGET', KEYS[1], 'owner') ~= ARGV[1] then
  return 0  -- the lease ran out and the job is someone else's now
end
redis.call('SREM', KEYS[3], ARGV[5])
redis.call('HDEL', KEYS[1], 'owner')
redis.call('HSET', KEYS[1], 'conclusion', ARGV[3], 'error', ARGV[4], 'updated_at', now)
if redis.call('HGET', KEYS[1], 'rerun') == '1' then
  redis.call('HDEL', KEYS[1], 'check_run_id')
  redis.call('HSET', KEYS[1], 'state', 'queued', 'rerun', 0, 'attempts', 0, 'due_at', now)
  redis.call('SADD', KEYS[2], ARGV[5])
  return 1
end
redis.call('HSET', KEYS[1], 'state', ARGV[2])
redis.call('EXPIRE', KEYS[1], ARGV[6])
return 0
"""

RELEASE = NOW + """
if redis.call('HGET', KEYS[1], 'state') ~= 'running' or redis.call('HGET', KEYS[1], 'owner') ~= ARGV[1] then
  return 0
end
redis.call('HDEL', KEYS[1], 'owner')
redis.call('HSET', KEYS[1], 'state', 'queued', 'error', ARGV[2], 'updated_at', now, 'due_at', now + ARGV[3])
redis.call('SREM', KEYS[3], ARGV[4])
redis.call('SADD', KEYS[2], ARGV[4])
return 1
"""

HEARTBEAT = NOW + """
for i, key in ipairs(KEYS) do
  if redis.call('HGET', key, 'state') == 'running' and redis.call('HGET', key, 'owner') == ARGV[1] then
    redis.call('HSET', key, 'lease_until', now + ARGV[2])
  end
end
return 0
"""

RECOVER = NOW + """
local found = {}
for _, key in ipairs(redis.call('SMEMBERS', KEYS[2])) do
  local job = KEYS[3] .. key
  local lease = tonumber(redis.call('HGET', job, 'lease_until') or '0')
  if redis.call('HGET', job, 'state') ~= 'running' then
    redis.call('SREM', KEYS[2], key)
  elseif lease < now then
    redis.call('HDEL', job, 'owner')
    redis.call('HSET', job, 'state', 'queued', 'updated_at', now, 'due_at', now)
    redis.call('SREM', KEYS[2], key)
    redis.call('SADD', KEYS[1], key)
    table.insert(found, key)
  end
end
local limit = now - tonumber(ARGV[1])
for _, key in ipairs(redis.call('SMEMBERS', KEYS[1])) do
  local job = KEYS[3] .. key
  if redis.call('HGET', job, 'state') ~= 'queued' then
    redis.call('SREM', KEYS[1], key)
  elseif tonumber(redis.call('HGET', job, 'updated_at') or '0') < limit
      and tonumber(redis.call('HGET', job, 'due_at') or '0') < limit then
    redis.call('HSET', job, 'updated_at', now)  -- pushed again once per period, not every beat
    table.insert(found, key)
  end
end
return found
"""


def _job_hash(key: str) -> str:
    return PREFIX + "job:" + key


def _head_set(repo: str, head_sha: str) -> str:
    return f"{PREFIX}head:{repo}@{head_sha}"


class RedisStore:
    def __init__(self, client: redis.Redis, lease: float = 10.0):
        """`client` is the process's one Redis client (backend.py); it answers bytes, as the queue needs."""
        self.lease = lease
        self.redis = client
        self._want = self.redis.register_script(WANT)
        self._claim = self.redis.register_script(CLAIM)
        self._finish = self.redis.register_script(FINISH)
        self._release = self.redis.register_script(RELEASE)
        self._heartbeat = self.redis.register_script(HEARTBEAT)
        self._recover = self.redis.register_script(RECOVER)

    def close(self) -> None:
        pass  # the client belongs to the backend, which closes it

    # -- deliveries -------------------------------------------------------------------------
    def begin_delivery(self, delivery: str, event: str, action: str | None) -> str:
        key = PREFIX + "delivery:" + delivery
        if self.redis.set(key, "pending", nx=True, ex=PENDING_TTL):
            return "new"
        return "in_progress" if self.redis.get(key) == b"pending" else "duplicate"

    def end_delivery(self, delivery: str) -> None:
        self.redis.set(PREFIX + "delivery:" + delivery, "accepted", ex=DELIVERY_TTL)

    def forget_delivery(self, delivery: str) -> None:
        self.redis.delete(PREFIX + "delivery:" + delivery)

    # -- jobs -------------------------------------------------------------------------------
    def want(self, installation_id: int, repo: str, number: int, head_sha: str, delivery: str | None,
             *, force: bool = False) -> str | None:
        key = job_key(repo, number, head_sha)
        queued = self._want(keys=[_job_hash(key), QUEUED, _head_set(repo, head_sha)],
                            args=[installation_id, repo, number, head_sha, delivery or "", "1" if force else "0",
                                  key, JOB_TTL])
        return key if queued else None

    def claim(self, key: str, owner: str) -> Job | None:
        flat = self._claim(keys=[_job_hash(key), QUEUED, RUNNING], args=[owner, self.lease, key])
        return _job(key, _text(dict(zip(flat[::2], flat[1::2])))) if flat else None

    def get(self, key: str) -> Job | None:
        fields = self.redis.hgetall(_job_hash(key))
        return _job(key, _text(fields)) if fields else None

    def set_check_run(self, key: str, check_run_id: int) -> None:
        self.redis.hset(_job_hash(key), "check_run_id", check_run_id)

    def finish(self, key: str, owner: str, state: str, conclusion: str | None = None,
               error: str | None = None) -> bool:
        return bool(self._finish(keys=[_job_hash(key), QUEUED, RUNNING],
                                 args=[owner, state, conclusion or "", error or "", key, JOB_TTL]))

    def release(self, key: str, owner: str, error: str, delay: float = 0.0) -> None:
        self._release(keys=[_job_hash(key), QUEUED, RUNNING], args=[owner, error, delay, key])

    def queued(self) -> list[str]:
        return sorted(_str(member) for member in self.redis.smembers(QUEUED))

    def pulls_for_head(self, repo: str, head_sha: str) -> list[int]:
        return sorted(int(n) for n in self.redis.smembers(_head_set(repo, head_sha)))

    def has_completed(self, repo: str, number: int, head_sha: str) -> bool:
        return self.redis.hget(_job_hash(job_key(repo, number, head_sha)), "state") == b"done"

    # -- workers ----------------------------------------------------------------------------
    def heartbeat(self, owner: str, keys: list[str]) -> None:
        if keys:
            self._heartbeat(keys=[_job_hash(k) for k in keys], args=[owner, self.lease])

    def recover(self, stranded_after: float) -> list[str]:
        return [_str(key) for key in self._recover(keys=[QUEUED, RUNNING, PREFIX + "job:"], args=[stranded_after])]


def _text(fields: Mapping[Any, Any]) -> dict[str, str]:
    return {_str(name): _str(value) for name, value in fields.items()}


def _str(value: bytes | str) -> str:
    return value.decode() if isinstance(value, bytes) else value


def _job(key: str, fields: dict[str, str]) -> Job:
    return Job(key=key, installation_id=int(fields["installation_id"]), repo=fields["repo"],
               number=int(fields["number"]), head_sha=fields["head_sha"], state=fields["state"],
               delivery=fields.get("delivery") or None, received_at=float(fields["received_at"]),
               check_run_id=int(fields["check_run_id"]) if fields.get("check_run_id") else None,
               attempts=int(fields.get("attempts", 0)))
