"""Running `mockguard demo` as a real process, and what the sample pull request should get.

The demo's temporary folder goes under a TMPDIR of the test's own, so a test can see that nothing
is left behind. The expectations name code, not line numbers: each line is found in the sample's
head tree, so editing the sample moves the expected lines with it.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx

import bot.demo

MOCKGUARD = str(Path(sys.executable).parent / "mockguard")
SAMPLE_HEAD = Path(bot.demo.__file__).parent / "sample" / "head"
WAIT = 120.0  # a ceiling for polling; no test asserts a duration

CHAT = "tests/integration/test_chat.py"
PROFILE = "tests/e2e/test_profile.py"
PRICING = "tests/unit/test_pricing.py"

# (path, code on the line, rule): the inline comments the App must post, and no others.
EXPECTED_COMMENTS = [
    (PROFILE, 'mocker.patch("app.clients.avatars.httpx.get"', "MG104"),
    (CHAT, '@patch("app.chat.ws_manager")', "MG101"),
    (CHAT, "session = AsyncMock()", "MG102"),
]
# Lines the pull request adds or changes that must get no comment.
TOLERATED_ENV = (CHAT, 'monkeypatch.setenv("CHAT_REGION"')
SUPPRESSED = (CHAT, "# mockguard: allow the mail relay")
MOVED = (CHAT, 'with patch("app.search.index_message")')
UNIT_MOCK = (PRICING, "mailer = MagicMock()")


def line_of(path: str, code: str) -> int:
    lines = (SAMPLE_HEAD / path).read_text().splitlines()
    found = [n for n, text in enumerate(lines, 1) if code in text]
    assert len(found) == 1, f"{code!r} should be on exactly one line of {path}: {found}"
    return found[0]


def sample_line(path: str, line: int) -> str:
    return (SAMPLE_HEAD / path).read_text().splitlines()[line - 1]


def expected_comments() -> set[tuple[str, int, str]]:
    return {(path, line_of(path, code), rule) for path, code, rule in EXPECTED_COMMENTS}


def demo_env(tmp_path: Path) -> dict[str, str]:
    tmp = tmp_path / "tmpdir"
    tmp.mkdir(exist_ok=True)
    env = {k: v for k, v in os.environ.items() if not k.startswith("MOCKGUARD_")}
    env.update(NO_COLOR="1", COLUMNS="200", TMPDIR=str(tmp), PYTHONUNBUFFERED="1")
    return env


def run_demo(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([MOCKGUARD, "demo", *args], cwd=tmp_path, env=demo_env(tmp_path), capture_output=True,
                          text=True, timeout=WAIT, stdin=subprocess.DEVNULL)


def refuses_connections(url: str) -> bool:
    try:
        httpx.get(url, timeout=2)
    except httpx.ConnectError:
        return True
    return False


class KeptDemo:
    """`mockguard demo --keep ...` left running; `interrupt()` is the user's Ctrl-C."""

    def __init__(self, tmp_path: Path, *args: str) -> None:
        self.process = subprocess.Popen([MOCKGUARD, "demo", "--keep", *args], cwd=tmp_path,
                                        env=demo_env(tmp_path), stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                        stdin=subprocess.DEVNULL, text=True)
        self.lines: list[str] = []
        self._serving = threading.Event()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self.lines.append(line)
            if "Serving until Ctrl-C" in line:
                self._serving.set()
        self._serving.set()

    @property
    def output(self) -> str:
        return "".join(self.lines)

    def wait_serving(self) -> None:
        assert self._serving.wait(WAIT), f"the demo did not get to serving:\n{self.output}"
        assert self.process.poll() is None, f"the demo ended (code {self.process.returncode}):\n{self.output}"

    def interrupt(self) -> int:
        self.process.send_signal(signal.SIGINT)
        return self.process.wait(30)

    def close(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(10)


def wait_until(condition, what: str, timeout: float = 30.0):
    deadline = time.monotonic() + timeout
    while not (value := condition()):
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.1)
    return value
