"""Serving the sandbox with uvicorn on a socket bound here, so `--port 0` picks a free port.

The HTTP protocol is uvicorn's h11 one with a single addition: each request's scope carries a
callable that aborts its connection, which the "drop" fault uses to hang up without an answer.
Once listening, the server prints one line, `sandbox listening on http://HOST:PORT`, and flushes it;
`launcher.running_sandbox` waits for that line.
"""

from __future__ import annotations

import asyncio
import socket
import sys
from collections.abc import Callable

import uvicorn
from uvicorn.protocols.http.h11_impl import H11Protocol

from .app import create_app
from .config import SandboxSettings
from .edge import ABORT_KEY

READY_PREFIX = "sandbox listening on "


class SandboxH11Protocol(H11Protocol):
    # uvicorn's H11Protocol narrows asyncio's BaseTransport to Transport; this keeps its signature.
    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        inner = self.app

        async def app(scope, receive, send):
            if scope.get("type") == "http":
                scope.setdefault("extensions", {})[ABORT_KEY] = transport.abort
            await inner(scope, receive, send)

        self.app = app


class _Server(uvicorn.Server):
    def __init__(self, config: uvicorn.Config, url: str, on_shutdown: Callable[[], None]) -> None:
        super().__init__(config)
        self.url = url
        self.on_shutdown = on_shutdown

    async def shutdown(self, sockets=None) -> None:
        # Here, not after run(): uvicorn re-raises the SIGTERM it caught once run() returns, which ends
        # the process before any code after run() would remove what the sandbox made on disk.
        try:
            await super().shutdown(sockets=sockets)
        finally:
            self.on_shutdown()

    async def startup(self, sockets=None) -> None:
        await super().startup(sockets=sockets)
        if not self.should_exit:
            print(f"{READY_PREFIX}{self.url}", flush=True)


def bind(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    sock.set_inheritable(True)
    return sock


def serve(cfg: SandboxSettings, *, log_level: str = "warning", faults: dict | None = None) -> None:
    """Bind, build the app, set the starting faults, print the readiness line and serve until stopped."""
    sock = bind(cfg.host, cfg.port)
    host, port = sock.getsockname()[:2]
    shown = f"[{host}]" if ":" in host else host
    cfg.port = port
    cfg.api_url = f"http://{shown}:{port}"
    app = create_app(cfg)
    if faults:
        app.state.sandbox.faults.set(faults)
    config = uvicorn.Config(
        app,
        http=SandboxH11Protocol,
        lifespan="off",
        log_level=log_level,
        access_log=False,
        timeout_graceful_shutdown=2,
    )
    server = _Server(config, cfg.api_url, app.state.sandbox.close)
    try:
        server.run(sockets=[sock])
    finally:
        sock.close()
        app.state.sandbox.close()
    sys.stdout.flush()
