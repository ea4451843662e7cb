"""`mockguard serve` and `mockguard worker` start right or not at all: each is started as a real
process with a broken configuration and must exit 2 at once, naming every problem in one message,
with no traceback; with a good one, /readyz answers 200 only while the key loads, a JWT can be
signed and the store answers."""

from __future__ import annotations

import os
import secrets
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa

MOCKGUARD = str(Path(sys.executable).with_name("mockguard"))
WAIT = 60.0  # a ceiling for polling, never an assertion about speed


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def pem(key) -> bytes:
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.TraditionalOpenSSL, serialization.NoEncryption())


@pytest.fixture(scope="module")
def rsa_pem() -> bytes:
    return pem(rsa.generate_private_key(public_exponent=65537, key_size=2048))


@pytest.fixture
def env(tmp_path, rsa_pem) -> dict[str, str]:
    """A configuration that starts: every test breaks part of it."""
    key = tmp_path / "app.pem"
    key.write_bytes(rsa_pem)
    base = {k: v for k, v in os.environ.items() if not k.upper().startswith("MOCKGUARD_")}
    return {
        **base,
        "MOCKGUARD_APP_ID": "4242",
        "MOCKGUARD_PRIVATE_KEY_FILE": str(key),
        "MOCKGUARD_WEBHOOK_SECRET": secrets.token_hex(16),
        "MOCKGUARD_DATA_DIR": str(tmp_path / "data"),
        "MOCKGUARD_GITHUB_API_URL": "http://127.0.0.1:9",  # never called: nothing is delivered
        "MOCKGUARD_RECONCILE_INTERVAL": "0",
    }


def start_expecting_failure(env: dict[str, str], command: str = "serve", **popen) -> subprocess.CompletedProcess:
    args = [MOCKGUARD, command] + (["--port", str(free_port())] if command == "serve" else [])
    try:
        return subprocess.run(args, env=env, capture_output=True, text=True, timeout=WAIT, **popen)
    except subprocess.TimeoutExpired as error:
        raise AssertionError(f"`mockguard {command}` kept running with a broken configuration:\n{error.stderr}") from None


def assert_refused(done: subprocess.CompletedProcess, *expected: str) -> str:
    message = done.stderr
    assert done.returncode == 2, f"exit {done.returncode}:\n{message}"
    assert "Traceback" not in message, message
    assert message.startswith("mockguard cannot start"), message
    for text in expected:
        assert text in message, f"{text!r} not in:\n{message}"
    return message


class Running:
    def __init__(self, env: dict[str, str], log: Path):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log_path = log
        self.log = open(log, "wb")
        self.proc = subprocess.Popen([MOCKGUARD, "serve", "--port", str(self.port)], env=env, stdout=self.log, stderr=subprocess.STDOUT)

    def readyz(self) -> httpx.Response | None:
        try:
            return httpx.get(f"{self.url}/readyz", timeout=5)
        except httpx.TransportError:
            return None

    def wait_for(self, status: int) -> httpx.Response:
        deadline = time.monotonic() + WAIT
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise AssertionError(f"serve exited {self.proc.returncode}:\n{self.output()}")
            answer = self.readyz()
            if answer is not None and answer.status_code == status:
                return answer
            time.sleep(0.2)
        raise AssertionError(f"/readyz never answered {status}:\n{self.output()}")

    def output(self) -> str:
        return self.log_path.read_text(errors="replace")

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(10)
        self.log.close()


@pytest.fixture
def running(env, tmp_path):
    started: list[Running] = []

    def start(**changes: str | None) -> Running:
        cfg = dict(env)
        for name, value in changes.items():
            if value is None:
                cfg.pop(name, None)
            else:
                cfg[name] = value
        service = Running(cfg, tmp_path / f"serve-{len(started)}.log")
        started.append(service)
        return service

    yield start
    for service in started:
        service.stop()


# --- each bad configuration -------------------------------------------------------------------------


def test_missing_key_file_is_named(env, tmp_path):
    env["MOCKGUARD_PRIVATE_KEY_FILE"] = str(tmp_path / "nowhere.pem")
    assert_refused(start_expecting_failure(env), f"MOCKGUARD_PRIVATE_KEY_FILE={tmp_path / 'nowhere.pem'}: no such file")


def test_no_key_at_all(env):
    del env["MOCKGUARD_PRIVATE_KEY_FILE"]
    assert_refused(start_expecting_failure(env), "no private key: set MOCKGUARD_PRIVATE_KEY_FILE")


def test_unreadable_key_names_the_file_and_the_user(env, tmp_path):
    key = Path(env["MOCKGUARD_PRIVATE_KEY_FILE"])
    key.chmod(0o000)
    prefix: list[str] = []
    if os.getuid() == 0:
        # root reads anything: drop the capabilities that let it, as a container's root or a
        # numeric USER without them would run.
        if not shutil.which("setpriv"):
            pytest.skip("running as root without setpriv: a permission error cannot happen here")
        drop = "-dac_override,-dac_read_search"
        prefix = ["setpriv", f"--bounding-set={drop}", f"--inh-caps={drop}"]
    args = [*prefix, MOCKGUARD, "serve", "--port", str(free_port())]
    done = subprocess.run(args, env=env, capture_output=True, text=True, timeout=WAIT)
    assert_refused(done, f"MOCKGUARD_PRIVATE_KEY_FILE={key}: permission denied", f"(uid {os.getuid()}, gid {os.getgid()})", "owned by uid", "mode 0")


def test_a_key_that_is_not_an_rsa_private_key(env, tmp_path):
    garbage = tmp_path / "garbage.pem"
    garbage.write_text("-----BEGIN RSA PRIVATE KEY-----\nbm90IGEga2V5\n-----END RSA PRIVATE KEY-----\n")
    env["MOCKGUARD_PRIVATE_KEY_FILE"] = str(garbage)
    assert_refused(start_expecting_failure(env), "does not parse as a PEM private key")
    elliptic = tmp_path / "ec.pem"
    elliptic.write_bytes(pem(ec.generate_private_key(ec.SECP256R1())))
    env["MOCKGUARD_PRIVATE_KEY_FILE"] = str(elliptic)
    assert_refused(start_expecting_failure(env), "not RSA")


@pytest.mark.parametrize("secret", [None, "short"])
def test_missing_or_short_webhook_secret(env, secret):
    if secret is None:
        del env["MOCKGUARD_WEBHOOK_SECRET"]
        assert_refused(start_expecting_failure(env), "no webhook secret")
    else:
        env["MOCKGUARD_WEBHOOK_SECRET"] = secret
        message = assert_refused(start_expecting_failure(env), "webhook secret is 5 characters")
        assert secret not in message.replace("characters", "")  # a secret is never echoed


@pytest.mark.parametrize("app_id", [None, "my-app", "0"])
def test_bad_app_id(env, app_id):
    if app_id is None:
        del env["MOCKGUARD_APP_ID"]
        assert_refused(start_expecting_failure(env), "MOCKGUARD_APP_ID is not set")
    else:
        env["MOCKGUARD_APP_ID"] = app_id
        assert_refused(start_expecting_failure(env), f"MOCKGUARD_APP_ID={app_id!r} is not an App id")


def test_unreachable_redis(env):
    env["MOCKGUARD_QUEUE_URL"] = f"redis://:hunter2secret@127.0.0.1:{free_port()}/0"
    message = assert_refused(start_expecting_failure(env), "MOCKGUARD_QUEUE_URL=redis://:***@127.0.0.1:", "Redis does not answer")
    assert "hunter2secret" not in message


def test_every_problem_in_one_message_for_serve_and_worker(env, tmp_path):
    env["MOCKGUARD_APP_ID"] = "abc"
    env["MOCKGUARD_PRIVATE_KEY_FILE"] = str(tmp_path / "gone.pem")
    env["MOCKGUARD_WEBHOOK_SECRET"] = "tiny"
    env["MOCKGUARD_QUEUE_URL"] = f"redis://127.0.0.1:{free_port()}/0"
    for command in ("serve", "worker"):
        message = assert_refused(
            start_expecting_failure(env, command),
            "4 problems",
            "MOCKGUARD_APP_ID='abc'",
            "gone.pem: no such file",
            "webhook secret is 4 characters",
            "Redis does not answer",
        )
        assert len(message.strip().splitlines()) == 5


# --- a good configuration ---------------------------------------------------------------------------


def test_readyz_is_200_only_while_the_key_loads(running, env):
    service = running(MOCKGUARD_QUEUE_ULR="redis://127.0.0.1:6379/0")  # a typo: warned about, not fatal
    ready = service.wait_for(200)
    assert ready.json()["checks"] == {"key": "ok", "jwt": "ok", "store": "ok"}
    assert httpx.get(f"{service.url}/healthz", timeout=5).status_code == 200
    Path(env["MOCKGUARD_PRIVATE_KEY_FILE"]).unlink()  # the mounted key disappears
    gone = service.wait_for(503)
    assert "no such file" in gone.json()["checks"]["key"]
    assert httpx.get(f"{service.url}/healthz", timeout=5).status_code == 200  # alive, but not ready
    assert "unknown setting MOCKGUARD_QUEUE_ULR is ignored (did you mean MOCKGUARD_QUEUE_URL?)" in service.output()
