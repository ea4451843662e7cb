"""Free loopback ports, and waiting for something to become true (never a fixed sleep)."""

from __future__ import annotations

import socket
import time
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")
WAIT = 60.0  # a generous ceiling for polling; tests assert outcomes, never durations


def free_port() -> int:
    """A port that was free a moment ago (servers that can bind port 0 themselves should)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_until(condition: Callable[[], T], what: str, timeout: float = WAIT, every: float = 0.1) -> T:
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(every)
