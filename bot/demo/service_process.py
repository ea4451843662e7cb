"""Start `mockguard serve` as a real process on loopback, and stop it.

    service = ServiceProcess(port, env={"MOCKGUARD_APP_ID": "1", ...}, log_path=tmp / "serve.log")
    service.start()          # returns at once, so the sandbox can start meanwhile
    service.wait_ready()     # until GET /healthz answers 200
    ...
    service.stop()           # SIGTERM, then SIGKILL

Secrets go through the environment, never the command line. The process runs in its own session,
so a Ctrl-C in the terminal reaches only the demo, which then stops it in order.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import BinaryIO

import httpx


class ServiceStartError(RuntimeError):
    pass


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket() as sock:
        sock.bind((host, 0))
        return sock.getsockname()[1]


class ServiceProcess:
    def __init__(self, port: int, env: dict[str, str], log_path: Path, host: str = "127.0.0.1") -> None:
        self.host, self.port = host, port
        self.url = f"http://{host}:{port}"
        self.env = {**os.environ, "PYTHONUNBUFFERED": "1", **env}
        self.log_path = log_path
        self.process: subprocess.Popen[bytes] | None = None
        self._log: BinaryIO | None = None

    def start(self) -> None:
        self._log = open(self.log_path, "ab")
        command = [sys.executable, "-m", "bot.cli", "serve", "--host", self.host, "--port", str(self.port)]
        self.process = subprocess.Popen(command, env=self.env, stdin=subprocess.DEVNULL, stdout=self._log,
                                        stderr=subprocess.STDOUT, start_new_session=True)

    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def wait_ready(self, timeout: float = 30.0) -> None:
        deadline = time.monotonic() + timeout
        with httpx.Client(timeout=2) as client:
            while True:
                if not self.alive():
                    code = self.process.poll() if self.process is not None else None
                    raise ServiceStartError(f"mockguard serve exited (code {code}):\n{self.logs()}")
                try:
                    if client.get(f"{self.url}/healthz").status_code == 200:
                        return
                except httpx.TransportError:
                    pass
                if time.monotonic() > deadline:
                    raise ServiceStartError(f"mockguard serve does not answer on {self.url}:\n{self.logs()}")
                time.sleep(0.05)

    def logs(self, last: int = 40) -> str:
        if not self.log_path.exists():
            return ""
        return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-last:])

    def stop(self, timeout: float = 10.0) -> None:
        process = self.process
        if process is not None and process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout)
        if self._log is not None:
            self._log.close()
            self._log = None
