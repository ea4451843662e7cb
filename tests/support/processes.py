"""Processes the tests start: one-shot `mockguard` commands and long-running servers."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from .env import GIT_ENV

MOCKGUARD = str(Path(sys.executable).with_name("mockguard"))


@dataclass
class Run:
    """One finished `mockguard` process."""

    returncode: int
    stdout: str
    stderr: str

    @property
    def report(self) -> dict:
        """The json report (only for `--format json` runs)."""
        try:
            return json.loads(self.stdout)
        except json.JSONDecodeError as error:
            raise AssertionError(f"not json (exit {self.returncode}):\n{self.stdout}\n{self.stderr}") from error

    def sites(self, group: str = "findings") -> list[tuple[str, int, str]]:
        """(path, line, rule) of each site in a report group, sorted."""
        return sorted((s["path"], s["line"], s["rule"]) for s in self.report[group])


def mockguard(*args: str, cwd: Path | None = None, env: dict | None = None) -> Run:
    done = subprocess.run([MOCKGUARD, *args], cwd=cwd, env=env or GIT_ENV, capture_output=True, text=True)
    return Run(done.returncode, done.stdout, done.stderr)


class Process:
    """A long-running server: started in its own session, its output in a log file."""

    def __init__(self, args: list[str], env: dict[str, str], log: Path):
        self.args, self.env, self.log_path = args, env, log
        self.proc: subprocess.Popen | None = None

    def start(self) -> None:
        self.log = open(self.log_path, "ab")
        self.proc = subprocess.Popen(self.args, env=self.env, stdout=self.log, stderr=subprocess.STDOUT,
                                     start_new_session=True)

    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def kill(self) -> None:
        """SIGKILL: no chance to finish anything (what a crash looks like)."""
        if self.proc is not None and self.alive():
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait(10)

    def stop(self) -> None:
        if self.proc is not None and self.alive():
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                self.kill()
        if getattr(self, "log", None):
            self.log.close()

    def output(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""
