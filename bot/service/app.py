"""The web role: FastAPI with a lifespan that opens the store, the queue and (unless workers=0)
the worker. Routes stay thin: verify, record, route, answer 202 (or 503 when the backend cannot
take the delivery: GitHub then shows it failed, and it can be redelivered)."""

from __future__ import annotations

import json
import logging
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Annotated

from fastapi import Depends, FastAPI, Header, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse, Response
from pydantic import ValidationError

from bot.github import valid_signature

from .handlers import router
from .jobs import Jobs
from .logs import for_delivery
from .router import Event
from .settings import Settings

log = logging.getLogger("mockguard.web")


def get_jobs(request: Request) -> Jobs:
    return request.app.state.jobs


JobsDep = Annotated[Jobs, Depends(get_jobs)]


def create_app(settings: Settings) -> FastAPI:
    @asynccontextmanager
    async def lifespan(app: FastAPI):
        jobs = Jobs.open(settings)
        app.state.jobs = jobs
        worker = None
        if settings.workers > 0:
            from .worker import Worker  # the web-only role never builds a GitHub client

            worker = Worker(settings, jobs)
            worker.start()
        log.info("mockguard serving", extra={"api": settings.api_url, "workers": settings.workers})
        try:
            yield
        finally:
            if worker:
                await run_in_threadpool(worker.stop)
            jobs.close()

    app = FastAPI(title="mockguard", lifespan=lifespan, docs_url=None, redoc_url=None)
    app.state.settings = settings

    @app.get("/healthz")
    def healthz(jobs: JobsDep) -> dict:
        return {"status": "ok", "queued": jobs.queue.pending()}

    @app.get("/readyz")
    def readyz(jobs: JobsDep) -> JSONResponse:
        """Readiness, unlike /healthz's liveness: 200 only when this process can do its work now
        (the key loads, a JWT can be signed with it, the store answers). Health checks use this."""
        checks = _readiness(settings, jobs)
        ready = all(value == "ok" for value in checks.values())
        return JSONResponse({"status": "ready" if ready else "not ready", "checks": checks}, status_code=200 if ready else 503)

    @app.get("/metrics")
    def metrics(jobs: JobsDep) -> Response:
        return Response(jobs.metrics.render(), media_type="text/plain; version=0.0.4; charset=utf-8")

    @app.post("/webhook", status_code=202)
    async def webhook(
        request: Request,
        jobs: JobsDep,
        x_github_event: Annotated[str | None, Header()] = None,
        x_github_delivery: Annotated[str | None, Header()] = None,
        x_hub_signature_256: Annotated[str | None, Header()] = None,
    ) -> JSONResponse:
        declared = request.headers.get("content-length")
        if declared and declared.isdigit() and int(declared) > settings.max_body_bytes:
            return _refuse(jobs, x_github_event, 413, "payload too large")
        body = bytearray()
        async for chunk in request.stream():
            body += chunk
            if len(body) > settings.max_body_bytes:
                return _refuse(jobs, x_github_event, 413, "payload too large")
        if not valid_signature(settings.secret, bytes(body), x_hub_signature_256):
            return _refuse(jobs, x_github_event, 401, "bad signature")
        if not x_github_event or not x_github_delivery:
            return _refuse(jobs, x_github_event, 400, "missing X-GitHub-Event or X-GitHub-Delivery")
        try:
            payload = json.loads(body)
        except (ValueError, UnicodeDecodeError):
            return _refuse(jobs, x_github_event, 400, "body is not JSON")
        if not isinstance(payload, dict):
            return _refuse(jobs, x_github_event, 400, "body is not a JSON object")
        event = Event(x_github_event, x_github_delivery, payload)
        with for_delivery(event.delivery):
            try:
                outcome = await run_in_threadpool(_accept, jobs, event)
            except ValidationError as error:
                await run_in_threadpool(jobs.store.forget_delivery, event.delivery)  # a fixed redelivery may pass
                problems = [f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in error.errors()[:5]]
                log.warning("payload lacks what its handler needs", extra={"event": event.name, "problems": problems})
                return _refuse(jobs, event.name, 400, "payload does not have the expected shape")
            except InProgress:
                return _refuse(jobs, event.name, 409, "a copy of this delivery is being accepted")
            except Exception as error:  # noqa: BLE001 - the store or the queue is unreachable: not accepted
                log.warning("delivery not accepted: backend unavailable", extra={"error": str(error)})
                await run_in_threadpool(_forget_quietly, jobs, event.delivery)
                return _refuse(jobs, event.name, 503, "backend unavailable; redeliver later")
            log.info("delivery accepted", extra={"event": event.name, "action": event.action, "outcome": outcome})
        jobs.metrics.deliveries.labels(event=event.name, outcome=outcome).inc()
        return JSONResponse({"status": outcome}, status_code=202)

    return app


def _readiness(settings: Settings, jobs: Jobs) -> dict[str, str]:
    import time

    import jwt

    from .settings import private_key_problem

    inline = settings.private_key.get_secret_value() if settings.private_key else None
    key_file = settings.private_key_file
    problem = private_key_problem(key_file, inline)  # read again: a key can vanish or rotate
    checks = {"key": problem or "ok"}
    if problem is None:
        try:
            pem = _pem(inline, key_file)
            now = int(time.time())
            # The App JWT GitHub's token endpoint takes (RS256, iss = App id); signed here, never sent.
            jwt.encode({"iat": now - 60, "exp": now + 540, "iss": str(settings.app_id)}, pem, algorithm="RS256")
            checks["jwt"] = "ok"
        except Exception as error:  # noqa: BLE001 - any failure to sign means not ready
            checks["jwt"] = f"cannot sign an App JWT: {type(error).__name__}"
    else:
        checks["jwt"] = "not tried: no usable key"
    try:
        jobs.store.has_completed("mockguard/readyz", 0, "0")
        checks["store"] = "ok"
    except Exception as error:  # noqa: BLE001 - an unreachable store means not ready
        checks["store"] = f"does not answer: {type(error).__name__}"
    return checks


def _pem(inline: str | None, key_file: Path | None) -> str:
    """The key private_key_problem accepted: the inline one when given, else the file's."""
    if inline:
        return inline
    if key_file is None:
        raise ValueError("no private key")  # private_key_problem reports it first
    return key_file.read_text()


def _accept(jobs: Jobs, event: Event) -> str:
    claimed = jobs.store.begin_delivery(event.delivery, event.name, event.action)
    if claimed == "duplicate":
        return "duplicate"  # a redelivery keeps its delivery id
    if claimed == "in_progress":
        # Another replica is accepting a copy right now and may yet fail: never acknowledge
        # what is not recorded. GitHub shows this copy failed; the other one answers for it.
        raise InProgress(event.delivery)
    outcome = "accepted" if router.dispatch(event, jobs) else "ignored"
    jobs.store.end_delivery(event.delivery)
    return outcome


class InProgress(Exception):
    """A copy of this delivery is being accepted by another replica."""


def _forget_quietly(jobs: Jobs, delivery: str) -> None:
    """Let a redelivery through, if the backend is back; if not, the id was never recorded either."""
    try:
        jobs.store.forget_delivery(delivery)
    except Exception as error:  # noqa: BLE001
        log.debug("could not forget the delivery", extra={"error": str(error)})


def _refuse(jobs: Jobs, event: str | None, status: int, reason: str) -> JSONResponse:
    jobs.metrics.deliveries.labels(event=event or "unknown", outcome=f"rejected_{status}").inc()
    log.warning("delivery refused", extra={"status": status, "reason": reason})
    return JSONResponse({"detail": reason}, status_code=status)
