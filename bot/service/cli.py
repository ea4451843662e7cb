"""`mockguard serve` (web + worker threads) and `mockguard worker` (worker only)."""

from __future__ import annotations

import signal
import threading

import click


def _settings():
    from pydantic import ValidationError

    from .settings import Settings

    try:
        return Settings()
    except ValidationError as error:
        problems = "; ".join(f"{'.'.join(map(str, e['loc'])) or 'settings'}: {e['msg']}" for e in error.errors())
        raise click.ClickException(f"bad MOCKGUARD_* settings: {problems}") from None


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=8000, show_default=True, type=int, help="Port to listen on.")
def serve(host: str, port: int) -> None:
    """Run the GitHub App webhook service (settings from MOCKGUARD_* variables)."""
    import uvicorn

    from . import logs
    from .app import create_app

    settings = _settings()
    logs.configure(settings.log_level)
    uvicorn.run(create_app(settings), host=host, port=port, log_config=None, access_log=False)


@click.command()
@click.option("--metrics-port", type=int, help="Serve this worker's Prometheus metrics on 127.0.0.1:PORT.")
def worker(metrics_port: int | None) -> None:
    """Run review workers only, next to a `serve` started with MOCKGUARD_WORKERS=0."""
    from . import logs
    from .jobs import Jobs
    from .ledger import Ledger
    from .metrics import Metrics
    from .queue import JobQueue
    from .worker import Worker

    settings = _settings()
    logs.configure(settings.log_level)
    jobs = Jobs(Ledger(settings.data_dir / "ledger.db"), JobQueue(settings.data_dir, settings.queue_url), Metrics())
    role = Worker(settings, jobs)
    if metrics_port:
        from prometheus_client import start_http_server

        start_http_server(metrics_port, addr="127.0.0.1", registry=jobs.metrics.registry)
    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    role.start()
    stop.wait()
    role.stop()
