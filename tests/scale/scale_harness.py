"""The scaled setup as real processes: a real `redis-server` (AOF on, in a temp dir, on a free
loopback port), the sandbox holding many pull requests, `serve --no-worker` replicas and
`mockguard worker` processes, each with a data directory of its own (so that anything they shared
through a local file would show). Built on tests/service/service_harness.py; the bench uses it too."""

from __future__ import annotations

import json
import os
import shutil
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import redis

from bot.sandbox.launcher import sandbox_args
from tests.service.service_harness import (
    APP_ID,
    BASE_TEST,
    MOCKED_TEST,
    NAME,
    OWNER,
    UNIT_PATH,
    UNIT_TEST,
    Sandbox,
    Service,
    payload,
)
from tests.support.git import GitRepo
from tests.support.keys import write_app_keys
from tests.support.net import free_port, wait_until
from tests.support.processes import Process

REDIS_SERVER = shutil.which("redis-server") or "/usr/bin/redis-server"
WAIT = 150.0  # ceiling for a whole burst to complete; the tests assert outcomes, never durations

THIRD_MOCK = '''

def test_order_charges(live_server):
    with patch("shop.payments.charge") as charge:
        httpx.post(f"{live_server}/orders", json={"sku": "C3"})
    charge.assert_called_once()
'''


def integration_path(number: int) -> str:
    return f"tests/integration/test_orders_{number}.py"


class RedisServer(Process):
    """redis-server with the persistence docs/scale.md requires: AOF, fsync before each answer."""

    def __init__(self, tmp: Path, fsync: str = "always"):
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        directory = tmp / "redis"
        directory.mkdir(parents=True, exist_ok=True)
        args = [REDIS_SERVER, "--port", str(self.port), "--bind", "127.0.0.1", "--dir", str(directory),
                "--appendonly", "yes", "--appendfsync", fsync, "--save", "", "--protected-mode", "no",
                "--daemonize", "no", "--logfile", ""]
        super().__init__(args, dict(os.environ), tmp / "redis.log")
        self.client = redis.Redis.from_url(self.url, socket_timeout=2)

    def start(self) -> None:
        super().start()
        wait_until(self._up, "redis-server to answer PING")

    def _up(self) -> bool:
        assert self.alive(), self.output()
        try:
            return bool(self.client.ping())
        except redis.RedisError:
            return False

    def crash(self) -> None:
        """SIGKILL: Redis gets no chance to write anything more (what a crash or an OOM kill looks like)."""
        self.kill()
        self.log.close()


# -- a repository of many pull requests ------------------------------------------------------
class Pulls:
    """PR n (1..count) changes tests/integration/test_orders_n.py: its first head adds two mocks to
    an integration test (and one to a unit test, which must get no comment); for `pushed` PRs, a
    second head adds a third. Branch pr-n holds the first head, pr-n-push the second."""

    def __init__(self, repo: GitRepo, count: int, pushed: set[int] | None = None):
        self.count = count
        self.pushed = pushed or set()
        files = {integration_path(n): BASE_TEST for n in range(1, count + 1)}
        self.base = repo.commit_files({**files, "README.md": "shop\n"}, "base")
        self.first: dict[int, str] = {}
        self.second: dict[int, str] = {}
        for n in range(1, count + 1):
            repo.git("checkout", "-q", "-b", f"pr-{n}", self.base)
            self.first[n] = repo.commit_files({integration_path(n): MOCKED_TEST, UNIT_PATH: UNIT_TEST}, f"mocks in PR {n}")
            if n in self.pushed:
                repo.git("checkout", "-q", "-b", f"pr-{n}-push")
                self.second[n] = repo.commit_files({integration_path(n): MOCKED_TEST + THIRD_MOCK}, f"one more in PR {n}")
        repo.git("checkout", "-q", "main")

    def head(self, number: int) -> str:
        """The pull request's head once every push has happened."""
        return self.second.get(number, self.first[number])

    def expected_comments(self, number: int) -> int:
        return 3 if number in self.pushed else 2


class ManyPullsSandbox(Sandbox):
    """`mockguard sandbox` with one `--pr N:BASE:HEAD` per pull request (the first heads)."""

    def __init__(self, tmp: Path, repo: GitRepo, pulls: Pulls, public_key: Path, extra: list[str] | None = None):
        pull_args = [arg for n in range(1, pulls.count + 1) for arg in ("--pr", f"{n}:main:pr-{n}")]
        self.args = sandbox_args(repo.path, None, None, OWNER, NAME, APP_ID, public_key, pr=None,
                                 extra_args=["--rate-limit", "1000000", "--no-secondary-limits", *pull_args, *(extra or [])])
        self.handle = None

    def snapshot(self, requests: bool = False) -> dict:
        return self.http.get("/_sandbox/state", params={"requests": str(requests).lower()}).json()


class Fleet:
    """Redis, the sandbox, web replicas and workers; `close` stops them all."""

    def __init__(self, tmp: Path):
        self.tmp = tmp
        self.repo = GitRepo(tmp / "repo")
        self.key, self.public_key = write_app_keys(tmp)
        self.secret = uuid.uuid4().hex
        self.started: list[Process] = []
        self.webs: list[Service] = []
        self.workers: list[Service] = []
        self.settings: dict[str, str] = {}

    def start_redis(self) -> RedisServer:
        self.redis = RedisServer(self.tmp)
        self.redis.start()
        self.started.append(self.redis)
        return self.redis

    def start_sandbox(self, pulls: Pulls, extra: list[str] | None = None) -> ManyPullsSandbox:
        self.pulls = pulls
        self.sandbox = ManyPullsSandbox(self.tmp, self.repo, pulls, self.public_key, extra)
        self.sandbox.start()
        self.started.append(self.sandbox)
        return self.sandbox

    def _service(self, role: str, settings: dict[str, str] | None) -> Service:
        index = len(self.webs) + len(self.workers) + 1
        home = self.tmp / f"{role}-{index}"
        home.mkdir()
        env = {"MOCKGUARD_QUEUE_URL": self.redis.url, **self.settings, **(settings or {})}
        service = Service(home, self.sandbox, self.key, self.secret, env, "serve" if role == "web" else "worker")
        if role == "web":
            service.args.append("--no-worker")
        else:
            service.args += ["--metrics-port", str(service.port)]
        service.start()
        self.started.append(service)
        if role == "worker":  # up once its metrics answer: it has connected and started its threads
            wait_until(lambda: answers_metrics(service), "the worker to start")
        return service

    def add_web(self, settings: dict[str, str] | None = None) -> Service:
        web = self._service("web", settings)
        self.webs.append(web)
        return web

    def add_worker(self, settings: dict[str, str] | None = None) -> Service:
        worker = self._service("worker", settings)
        self.workers.append(worker)
        return worker

    def close(self) -> None:
        for process in reversed(self.started):
            process.stop()

    # -- deliveries ------------------------------------------------------------------------
    def send(self, deliveries: list[tuple[str, dict, str]], clients: int = 16) -> list[tuple[str, int, dict]]:
        """Send (event, payload, delivery id) concurrently, spread over the web replicas in turn.
        -> (delivery id, status, body) for each."""

        def one(item: tuple[int, tuple[str, dict, str]]) -> tuple[str, int, dict]:
            index, (event, data, delivery) = item
            web = self.webs[index % len(self.webs)]
            try:
                response = web.post(event, data, delivery=delivery)
            except httpx.TransportError as error:
                return delivery, 0, {"error": str(error)}
            try:
                body = response.json()
            except json.JSONDecodeError:
                body = {"text": response.text}
            return delivery, response.status_code, body

        with ThreadPoolExecutor(max_workers=clients) as pool:
            return list(pool.map(one, enumerate(deliveries)))


def answers_metrics(service: Service) -> bool:
    assert service.alive(), service.output()
    try:
        return service.http.get("/metrics").status_code == 200
    except httpx.TransportError:
        return False


def opened(pulls: Pulls, number: int, head: str | None = None) -> tuple[str, dict, str]:
    head = head or pulls.first[number]
    return ("pull_request", payload("pull_request.opened", base=pulls.base, head=head, number=number),
            str(uuid.uuid4()))


def synchronize(pulls: Pulls, number: int) -> tuple[str, dict, str]:
    data = payload("pull_request.synchronize", base=pulls.base, head=pulls.second[number], number=number)
    return "pull_request", data, str(uuid.uuid4())


def suite_requested(pulls: Pulls, number: int) -> tuple[str, dict, str]:
    data = payload("check_suite.requested", base=pulls.base, head=pulls.head(number), number=number)
    return "check_suite", data, str(uuid.uuid4())


def rerun(pulls: Pulls, number: int) -> tuple[str, dict, str]:
    data = payload("check_run.rerequested", base=pulls.base, head=pulls.head(number), number=number)
    return "check_run", data, str(uuid.uuid4())


# -- what the sandbox saw --------------------------------------------------------------------
def runs_by_head(state: dict) -> dict[str, list[dict]]:
    out: dict[str, list[dict]] = {}
    for run in state["check_runs"]:
        out.setdefault(run["head_sha"], []).append(run)
    return out


def completed_count(state: dict) -> int:
    return sum(1 for run in state["check_runs"] if run["status"] == "completed")
