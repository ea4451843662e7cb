"""`mockguard serve` (web + worker threads) and `mockguard worker` (worker only)."""

from __future__ import annotations

import signal
import sys
import threading

import click

EXIT_CONFIGURATION = 2


def _settings():
    """The whole configuration, checked before anything starts: every problem in one message and
    exit status 2, no traceback; unknown MOCKGUARD_* variables are warned about."""
    from .settings import ConfigurationError, load_settings

    try:
        settings, warnings = load_settings()
    except ConfigurationError as error:
        click.echo(error.message(), err=True)
        sys.exit(EXIT_CONFIGURATION)
    for warning in warnings:
        click.echo(f"mockguard: warning: {warning}", err=True)
    return settings


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=8000, show_default=True, type=int, help="Port to listen on.")
@click.option("--no-worker", is_flag=True,
              help="Web only: take deliveries and queue jobs; `mockguard worker` processes run them.")
def serve(host: str, port: int, no_worker: bool) -> None:
    """Run the GitHub App webhook service (settings from MOCKGUARD_* variables)."""
    import uvicorn

    from . import logs
    from .app import create_app

    settings = _settings()
    if no_worker:
        settings.workers = 0
    logs.configure(settings.log_level)
    uvicorn.run(create_app(settings), host=host, port=port, log_config=None, access_log=False)


@click.command()
@click.option("--metrics-port", type=int, help="Serve this worker's Prometheus metrics on 127.0.0.1:PORT.")
def worker(metrics_port: int | None) -> None:
    """Run review workers only (MOCKGUARD_WORKERS threads), next to `serve --no-worker` replicas."""
    from . import logs
    from .jobs import Jobs
    from .worker import Worker

    settings = _settings()
    logs.configure(settings.log_level)
    jobs = Jobs.open(settings)
    role = Worker(settings, jobs)
    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    role.start()
    if metrics_port:  # after start: a process whose metrics answer is taking jobs
        from prometheus_client import start_http_server

        start_http_server(metrics_port, addr="127.0.0.1", registry=jobs.metrics.registry)
    stop.wait()
    role.stop()
    jobs.close()
